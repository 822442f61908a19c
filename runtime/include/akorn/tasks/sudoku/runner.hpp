// The Sudoku task's model runner (spec §5) for any generated model with the Sudoku interface
// (compiler/tasks/sudoku.cpp checks it at compile time): input `board` int32 [9, 9]
// (0 = blank), training-only input `solution` int32 [9, 9], output `logits` [9, 9, 9] and,
// for energy voting, output `energy` [T+1]. Batched inference, energy voting, verifier-guided
// voting, and the accuracy of a prediction.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "akorn/backend.hpp"
#include "akorn/model_info.hpp"
#include "akorn/tasks/sudoku/boards.hpp"
#include "akorn/weights.hpp"

namespace akorn::sudoku {

template <class Spec>
struct Interface {
  int board = -1, solution = -1, logits = -1, energy = -1;
  Interface() {
    for (int i = 0; i < Spec::num_inputs; ++i) {
      std::string n = Spec::inputs[i].name;
      if (n == "board" && Spec::inputs[i].is_int && Spec::inputs[i].elems == kCells) board = i;
      if (n == "solution" && Spec::inputs[i].is_int && Spec::inputs[i].elems == kCells) solution = i;
    }
    for (int o = 0; o < Spec::num_outputs; ++o) {
      std::string n = Spec::outputs[o].name;
      if (n == "logits" && Spec::outputs[o].elems == kCells * 9) logits = o;
      if (n == "energy" && Spec::outputs[o].per_step) energy = o;
    }
  }
  void require(bool training) const {
    AKORN_CHECK(board >= 0 && logits >= 0,
                std::string("model ") + Spec::name +
                    " does not have the Sudoku interface (input 'board' int32 [9, 9], output 'logits' [9, 9, 9])");
    AKORN_CHECK(!training || (solution >= 0 && Spec::trainable),
                std::string("model ") + Spec::name + " cannot be trained on Sudoku (needs input 'solution' and a loss)");
  }
};

// ---- batched inference with optional voting

struct Prediction {
  std::vector<std::int32_t> digits;   // [boards, 81]
  std::vector<double> energy;         // [boards]: score of the kept copy (sum or last)
  // predict_verified only: copies run per board, and whether the kept copy passed the check
  std::vector<int> copies;
  std::vector<char> verified;
};

// A copy's energy score for voting: E_T (last) or the sum of E_0..E_T.
inline double vote_score(const float* energy, int T, bool last) {
  if (last) return energy[T];
  double s = 0;
  for (int t = 0; t <= T; ++t) s += energy[t];
  return s;
}

// The digit of every cell: the argmax of its 9 logits.
inline void argmax_digits(const float* logits, std::int32_t* digits) {
  for (int c = 0; c < kCells; ++c) {
    int arg = 0;
    for (int d = 1; d < 9; ++d)
      if (logits[c * 9 + d] > logits[c * 9 + arg]) arg = d;
    digits[c] = arg + 1;
  }
}

template <class Spec, class Be = CpuBackend>
struct Runner {
  using M = typename Spec::template ModelT<float, Be>;
  template <typename T>
  using Array = typename Be::template Array<T>;
  Interface<Spec> io;
  int max_batch;
  Array<float> params, arena, logits_dev, energy_dev;
  Array<std::int32_t> boards_dev;
  std::vector<Array<float>> extra_dev;  // outputs besides logits and energy (dump), by index
  int energy_steps = -1;  // T the energy buffer is sized for
  M model;
  explicit Runner(int max_batch_) : max_batch(max_batch_), model(nullptr, nullptr, nullptr, max_batch_) {
    io.require(false);
    params.resize(Spec::param_elems);
    arena.resize(Spec::infer_arena_elems * max_batch_);
    logits_dev.resize(index_t(max_batch_) * kCells * 9);
    boards_dev.resize(index_t(max_batch_) * kCells);
    model = M(params.data(), nullptr, arena.data(), max_batch_);
  }
  // Host parameters, Spec::param_elems floats.
  void set_params(const float* host) { Be::upload(params.data(), host, Spec::param_elems); }
  void load(const std::string& weights_path) {
    std::vector<float> h(static_cast<size_t>(Spec::param_elems));
    load_weights<Spec>(weights_path, h.data());
    set_params(h.data());
  }

  // One batch on the backend: boards (host, [N, 81]) -> logits / energies (host, may be
  // null); extra[i] (when given and not null): host buffer for output i, another output than
  // logits and energy (not per step), [N, Spec::outputs[i].elems].
  void infer_batch(const std::int32_t* boards, int N, int T, std::uint64_t seed, std::uint64_t sample0, float* logits,
                   float* energy, float* const* extra = nullptr) {
    if (energy && energy_steps != T) {
      energy_dev.resize(index_t(max_batch) * (T + 1));
      energy_steps = T;
    }
    Be::upload(boards_dev.data(), boards, index_t(N) * kCells);
    std::vector<const void*> iptr(Spec::num_inputs, nullptr);
    iptr[io.board] = boards_dev.data();
    std::vector<float*> optr(Spec::num_outputs, nullptr);
    optr[io.logits] = logits_dev.data();
    if (energy) optr[io.energy] = energy_dev.data();
    if (extra) {
      extra_dev.resize(Spec::num_outputs);
      for (int i = 0; i < Spec::num_outputs; ++i) {
        if (!extra[i]) continue;
        AKORN_CHECK(i != io.logits && i != io.energy && !Spec::outputs[i].per_step,
                    std::string("output '") + Spec::outputs[i].name + "' is not an extra output");
        extra_dev[i].resize(index_t(max_batch) * Spec::outputs[i].elems);
        optr[i] = extra_dev[i].data();
      }
    }
    model.infer(N, Spec::template inputs_from<float>(iptr.data()), Spec::template outputs_from<float>(optr.data()), seed,
                sample0, T);
    if (logits) Be::download(logits, logits_dev.data(), index_t(N) * kCells * 9);
    if (energy) Be::download(energy, energy_dev.data(), index_t(N) * (T + 1));
    for (int i = 0; extra && i < Spec::num_outputs; ++i)
      if (extra[i]) Be::download(extra[i], extra_dev[i].data(), index_t(N) * Spec::outputs[i].elems);
  }

  // Raw outputs for boards [n, 81], one noise draw each (sample index = board index):
  // logits [n, 81, 9], energies [n, T+1] and the other outputs (extra, see infer_batch; [n, elems]).
  void run_raw(const std::int32_t* boards, size_t n, int steps, std::uint64_t seed, float* logits, float* energy,
               float* const* extra = nullptr) {
    AKORN_CHECK(energy == nullptr || io.energy >= 0, std::string("model ") + Spec::name + " has no 'energy' output");
    const int T = steps > 0 ? steps : Spec::trained_steps;
    for (size_t b0 = 0; b0 < n; b0 += static_cast<size_t>(max_batch)) {
      const int N = static_cast<int>(std::min<size_t>(static_cast<size_t>(max_batch), n - b0));
      std::vector<float*> ex(static_cast<size_t>(Spec::num_outputs), nullptr);
      for (int i = 0; extra && i < Spec::num_outputs; ++i)
        if (extra[i]) ex[static_cast<size_t>(i)] = extra[i] + b0 * static_cast<size_t>(Spec::outputs[i].elems);
      infer_batch(boards + b0 * kCells, N, T, seed, b0, logits + b0 * kCells * 9,
                  energy ? energy + b0 * static_cast<size_t>(T + 1) : nullptr, extra ? ex.data() : nullptr);
    }
  }

  // What predict and predict_verified share: the batch of board copies they run (in), its
  // outputs, and the energy score of each copy.
  struct Copies {
    int T = 0;
    std::vector<std::int32_t> in;
    std::vector<float> logits, energy;
    const float* logits_of(int r) const { return logits.data() + static_cast<size_t>(r) * kCells * 9; }
  };
  Copies start_copies(size_t n, int steps, int votes, const char* fallback, Prediction& pr) const {
    AKORN_CHECK(votes >= 1, "--votes must be >= 1");
    AKORN_CHECK(votes == 1 || io.energy >= 0, std::string("model ") + Spec::name + " has no 'energy' output " + fallback);
    Copies c;
    c.T = steps > 0 ? steps : Spec::trained_steps;
    c.in.resize(static_cast<size_t>(max_batch) * kCells);
    c.logits.resize(static_cast<size_t>(max_batch) * kCells * 9);
    c.energy.resize(static_cast<size_t>(max_batch) * (c.T + 1));
    pr.digits.assign(n * kCells, 0);
    pr.energy.assign(n, 0.0);
    return c;
  }
  // The first N rows of c.in, noise samples sample0 .. sample0 + N - 1.
  void run_copies(Copies& c, int N, std::uint64_t seed, std::uint64_t sample0) {
    infer_batch(c.in.data(), N, c.T, seed, sample0, c.logits.data(), io.energy >= 0 ? c.energy.data() : nullptr);
  }
  double copy_score(const Copies& c, int r, bool vote_last) const {
    return io.energy >= 0 ? vote_score(c.energy.data() + static_cast<size_t>(r) * (c.T + 1), c.T, vote_last) : 0.0;
  }

  // Boards [n, 81]; every board is run `votes` times with different noise (one batch row
  // each) and the copy with the lowest energy score is kept. Board b, copy k uses noise
  // sample index (first_board + b) * votes + k, so results do not depend on batching.
  Prediction predict(const std::int32_t* boards, size_t n, int steps, int votes, bool vote_last, std::uint64_t seed,
                     std::uint64_t first_board = 0) {
    Prediction pr;
    Copies c = start_copies(n, steps, votes, "to vote with", pr);
    const int boards_per_batch = std::max(1, max_batch / votes);
    for (size_t b0 = 0; b0 < n; b0 += boards_per_batch) {
      const size_t nb = std::min<size_t>(boards_per_batch, n - b0);
      const int N = static_cast<int>(nb * votes);
      for (size_t b = 0; b < nb; ++b)
        for (int k = 0; k < votes; ++k)
          std::copy(boards + (b0 + b) * kCells, boards + (b0 + b + 1) * kCells, c.in.begin() + (b * votes + k) * kCells);
      run_copies(c, N, seed, (first_board + b0) * votes);
      for (size_t b = 0; b < nb; ++b) {
        int best = 0;
        double best_score = 0;
        for (int k = 0; k < votes; ++k) {
          const double score = copy_score(c, static_cast<int>(b * votes + k), vote_last);
          if (k == 0 || score < best_score) {
            best = k;
            best_score = score;
          }
        }
        argmax_digits(c.logits_of(static_cast<int>(b * votes + best)), pr.digits.data() + (b0 + b) * kCells);
        pr.energy[b0 + b] = best_score;
      }
    }
    return pr;
  }

  // Verifier-guided voting (beyond the paper; Sudoku answers can be checked): copies of a
  // board are drawn until one's prediction is a valid grid that keeps the givens (at most
  // `votes`), else the copy with the lowest summed energy is kept. The copies are the ones
  // predict() draws (board b, copy k: noise sample (first_board + b) * votes + k), run in
  // chunks of 1, 2, 4, ... copies per board, so a board that the first copy solves costs one
  // copy and the result does not depend on max_batch.
  Prediction predict_verified(const std::int32_t* boards, size_t n, int steps, int votes, std::uint64_t seed,
                              std::uint64_t first_board = 0) {
    Prediction pr;
    Copies c = start_copies(n, steps, votes, "to fall back on", pr);
    pr.copies.assign(n, 0);
    pr.verified.assign(n, 0);
    std::vector<std::int32_t> grid(kCells);
    for (size_t b = 0; b < n; ++b) {
      const std::int32_t* board = boards + b * kCells;
      double best_score = 0;
      int k0 = 0;
      for (int chunk = 1; k0 < votes && !pr.verified[b]; chunk *= 2) {
        const int N = std::min({chunk, votes - k0, max_batch});
        for (int r = 0; r < N; ++r) std::copy(board, board + kCells, c.in.begin() + r * kCells);
        run_copies(c, N, seed, (first_board + b) * static_cast<std::uint64_t>(votes) + static_cast<std::uint64_t>(k0));
        for (int r = 0; r < N; ++r) {
          argmax_digits(c.logits_of(r), grid.data());
          const double score = copy_score(c, r, false);
          const bool ok = valid_grid(grid.data()) && agrees(board, grid.data());
          if (ok || (k0 + r == 0 || score < best_score)) {
            best_score = score;
            pr.energy[b] = score;
            std::copy(grid.begin(), grid.end(), pr.digits.begin() + b * kCells);
          }
          pr.copies[b] = k0 + r + 1;
          if (ok) {
            pr.verified[b] = 1;
            break;
          }
        }
        k0 += N;
      }
    }
    return pr;
  }
};

struct Accuracy {
  size_t boards = 0, solved = 0, cells = 0, cells_right = 0;
  std::map<int, std::pair<size_t, size_t>> by_givens;  // givens -> (solved, boards)
  double board_acc() const { return boards ? 100.0 * solved / boards : 0.0; }
  double cell_acc() const { return cells ? 100.0 * cells_right / cells : 0.0; }
};

inline Accuracy score(const Boards& data, const Prediction& pr) {
  Accuracy a;
  for (size_t i = 0; i < data.count; ++i) {
    const std::int32_t* p = data.puzzle(i);
    const std::int32_t* s = data.solution(i);
    bool all = true;
    for (int c = 0; c < kCells; ++c) {
      if (p[c] != 0) continue;
      ++a.cells;
      bool ok = pr.digits[i * kCells + c] == s[c];
      a.cells_right += ok;
      all = all && ok;
    }
    ++a.boards;
    a.solved += all;
    auto& g = a.by_givens[givens(p)];
    g.first += all;
    g.second += 1;
  }
  return a;
}

}  // namespace akorn::sudoku
