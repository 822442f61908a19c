// GPU tests of the Sudoku task's drivers (called by akorn/cuda/testing.cuh's `infer` mode
// of a model compiled with "task": "sudoku"; the generated test_model_cuda.cu hands
// akorn::sudoku::GpuTests to gpu_test_main).
#pragma once
#include <algorithm>
#include <cstdio>
#include <vector>

#include "akorn/cuda/testing.cuh"
#include "akorn/tasks/sudoku/runner.hpp"

namespace akorn::cuda {

// The eval / solve / dump drivers (sudoku::Runner, templates on the backend) on the GPU and
// on the CPU, both float, on the same weights: `dump` = run_raw (logits and energies), `eval`
// and `solve` = predict with K votes (each board run K times with different noise, the copy
// of lowest energy score kept, sum or last). Each backend's predict must equal what its own
// run_raw outputs imply (same batches, so bit for bit); run_raw must agree across backends
// within tol of each output's scale; the kept digits may differ only where the CPU's logits
// or vote scores are tied within that tolerance; and the K copies must differ (else voting
// would compare nothing).
template <class Spec>
int test_runner(const std::vector<float>& params, double tol) {
  using namespace testing_detail;
  constexpr int kBoards = 2, K = 3, C = sudoku::kCells;
  const std::uint64_t seed = 31;
  std::vector<std::int32_t> boards(kBoards * C), rep(kBoards * K * C);
  Rng rng(2024);
  for (auto& b : boards) b = rng.uniform() < 0.5 ? 0 : 1 + int(rng.uniform() * 9) % 9;  // half blank: noise acts
  for (int b = 0; b < kBoards; ++b)
    for (int k = 0; k < K; ++k) std::copy(&boards[b * C], &boards[(b + 1) * C], &rep[(b * K + k) * C]);
  // batches of K rows: predict runs one board per batch (so its sample numbering across
  // batches is exercised), run_raw the same rows in the same batches (so equal bits)
  sudoku::Runner<Spec, CpuBackend> rc(K);
  sudoku::Runner<Spec, Backend> rg(K);
  rc.set_params(params.data());
  rg.set_params(params.data());
  const bool has_energy = rc.io.energy >= 0;
  int failures = 0;
  for (const int steps : {0, Spec::trained_steps + 5}) {
    const int T = steps > 0 ? steps : Spec::trained_steps;
    const size_t nl = size_t(kBoards) * K * C * 9, ne = size_t(kBoards) * K * (T + 1);
    std::vector<float> lc(nl), lg(nl), ec(ne), eg(ne);
    rc.run_raw(rep.data(), kBoards * K, steps, seed, lc.data(), has_energy ? ec.data() : nullptr);
    rg.run_raw(rep.data(), kBoards * K, steps, seed, lg.data(), has_energy ? eg.data() : nullptr);
    std::vector<double> lcd(lc.begin(), lc.end()), ecd(ec.begin(), ec.end());
    const Cmp cl = compare(lcd.data(), lg.data(), index_t(nl));
    const Cmp ce = has_energy ? compare(ecd.data(), eg.data(), index_t(ne)) : Cmp{};
    std::printf("run_raw (dump) T=%d: logits relative %.2e, energies relative %.2e%s\n", T, cl.rel(), ce.rel(),
                cl.rel() <= tol && ce.rel() <= tol ? "" : "  FAIL");
    if (!(cl.rel() <= tol) || !(ce.rel() <= tol)) ++failures;
    if (has_energy)
      for (int b = 0; b < kBoards; ++b) {
        bool differ = false;
        for (int k = 1; k < K; ++k)
          for (int t = 0; t <= T; ++t) differ = differ || ec[(b * K + k) * (T + 1) + t] != ec[b * K * (T + 1) + t];
        if (!differ) {
          std::printf("FAIL: the %d vote copies of board %d have identical energies\n", K, b);
          ++failures;
        }
      }
    for (const bool last : {false, true}) {
      if (last && !has_energy) continue;
      // what predict must return, from raw outputs: per board the copy of lowest score, argmax
      auto expect = [&](const std::vector<float>& lo, const std::vector<float>& en, std::vector<int>& copy,
                        std::vector<double>& score, std::vector<std::int32_t>& digits) {
        copy.assign(kBoards, 0);
        score.assign(size_t(kBoards) * K, 0.0);
        digits.assign(size_t(kBoards) * C, 0);
        for (int b = 0; b < kBoards; ++b) {
          for (int k = 0; k < K; ++k) {
            double sc = 0;
            if (has_energy) {
              const float* e = en.data() + (b * K + k) * (T + 1);
              if (last) sc = e[T];
              else
                for (int t = 0; t <= T; ++t) sc += e[t];
            }
            score[b * K + k] = sc;
            if (k > 0 && sc < score[b * K + copy[b]]) copy[b] = k;
          }
          const float* l = lo.data() + (b * K + copy[b]) * C * 9;
          for (int c = 0; c < C; ++c) {
            int arg = 0;
            for (int d = 1; d < 9; ++d)
              if (l[c * 9 + d] > l[c * 9 + arg]) arg = d;
            digits[b * C + c] = arg + 1;
          }
        }
      };
      std::vector<int> kc, kg;
      std::vector<double> sc, sg;
      std::vector<std::int32_t> dc, dg;
      expect(lc, ec, kc, sc, dc);
      expect(lg, eg, kg, sg, dg);
      const sudoku::Prediction pc = rc.predict(boards.data(), kBoards, steps, K, last, seed);
      const sudoku::Prediction pg = rg.predict(boards.data(), kBoards, steps, K, last, seed);
      int self_bad = 0, cross_bad = 0, cross_tied = 0;
      for (int b = 0; b < kBoards; ++b) {
        self_bad += pc.energy[b] != sc[b * K + kc[b]] || pg.energy[b] != sg[b * K + kg[b]];
        for (int c = 0; c < C; ++c) self_bad += pc.digits[b * C + c] != dc[b * C + c] || pg.digits[b * C + c] != dg[b * C + c];
        // across backends: another copy only on a tie of the CPU's scores, another digit
        // only on a tie of the CPU's logits of that copy
        double sscale = 0;
        for (int k = 0; k < K; ++k) sscale = std::max(sscale, std::fabs(sc[b * K + k]));
        if (kg[b] != kc[b]) {
          const bool tie = std::fabs(sc[b * K + kg[b]] - sc[b * K + kc[b]]) <= tol * sscale;
          (tie ? cross_tied : cross_bad) += 1;
          continue;
        }
        for (int c = 0; c < C; ++c) {
          if (pg.digits[b * C + c] == pc.digits[b * C + c]) continue;
          const float* l = lc.data() + (b * K + kc[b]) * C * 9 + c * 9;
          const double margin = std::fabs(double(l[pg.digits[b * C + c] - 1]) - l[pc.digits[b * C + c] - 1]);
          (margin <= tol * cl.scale ? cross_tied : cross_bad) += 1;
        }
      }
      std::printf("predict (eval / solve) T=%d, %d votes (%s): kept copies cpu", T, K, last ? "last" : "sum");
      for (int b = 0; b < kBoards; ++b) std::printf(" %d", kc[b]);
      std::printf(" gpu");
      for (int b = 0; b < kBoards; ++b) std::printf(" %d", kg[b]);
      std::printf("; each backend equals its raw outputs: %s; gpu vs cpu: %d differences (%d within ties)\n",
                  self_bad ? "FAIL" : "yes", cross_bad + cross_tied, cross_tied);
      if (self_bad || cross_bad) ++failures;
    }
  }
  return failures;
}

}  // namespace akorn::cuda

namespace akorn::sudoku {

struct GpuTests {
  template <class Spec>
  static int infer(const std::vector<float>& params, double tol) {
    return cuda::test_runner<Spec>(params, tol);
  }
};

}  // namespace akorn::sudoku
