// Tests of BatchNorm (ops/batch_norm/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/batch_norm/cpu.hpp"
#include "op_test.hpp"

template struct akorn::BatchNorm<float, 6, 5>;

using namespace akorn_test;

namespace {

// ---------------------------------------------------------------------------------------
// BatchNorm

TEST(BatchNorm, TrainGradientsRunningStatsAndInfer) {
  constexpr int P = 6, C = 5;
  using BN = akorn::BatchNorm<double, P, C>;
  using BNF = akorn::BatchNorm<float, P, C>;
  const int N = 3;
  const index_t E = index_t(N) * P * C, M = index_t(N) * P;
  Vec x = rand_vec(E, -1, 2), w = rand_vec(C, 0.5, 1.5), b = rand_vec(C);
  const Vec r = rand_vec(E), rm0 = rand_vec(C), rv0 = rand_vec(C, 0.5, 2);
  const double eps = 1e-5, mom = 0.1;
  auto forward = [&](Vec* saved_out, Vec* rm_out, Vec* rv_out) {
    Vec y(E), saved(N * BN::saved_elems), rm = rm0, rv = rv0;
    BN::forward_train(N, x.data(), w.data(), b.data(), rm.data(), rv.data(), eps, mom, y.data(),
                      saved.data());
    if (saved_out) *saved_out = saved;
    if (rm_out) *rm_out = rm;
    if (rv_out) *rv_out = rv;
    return y;
  };
  Vec saved, rm, rv;
  const Vec y = forward(&saved, &rm, &rv);
  for (int c = 0; c < C; ++c) {
    double s = 0, sq = 0;
    for (index_t i = 0; i < M; ++i) s += x[i * C + c];
    const double mean = s / M;
    for (index_t i = 0; i < M; ++i) sq += (x[i * C + c] - mean) * (x[i * C + c] - mean);
    EXPECT_NEAR(saved[c], mean, 1e-12);
    EXPECT_NEAR(saved[C + c], 1 / std::sqrt(sq / M + eps), 1e-12);
    EXPECT_NEAR(rm[c], 0.9 * rm0[c] + 0.1 * mean, 1e-12);
    EXPECT_NEAR(rv[c], 0.9 * rv0[c] + 0.1 * sq / (M - 1), 1e-12);
    EXPECT_NEAR(y[7 * C + c], (x[7 * C + c] - mean) / std::sqrt(sq / M + eps) * w[c] + b[c], 1e-12);
  }
  Vec dx = grad_buf(E), dw = grad_buf(C), db = grad_buf(C);
  BN::backward(N, x.data(), w.data(), saved.data(), r.data(), dx.data(), dw.data(), db.data());
  auto loss = [&] { return dot(r, forward(nullptr, nullptr, nullptr)); };
  fd_check("bn dx", x, minus_init(dx), loss);
  fd_check("bn dweight", w, minus_init(dw), loss);
  fd_check("bn dbias", b, minus_init(db), loss);

  // inference uses the running stats
  Vec yi(E);
  BN::forward_infer(N, x.data(), w.data(), b.data(), rm0.data(), rv0.data(), eps, yi.data());
  for (index_t i = 0; i < E; ++i) {
    const int c = int(i % C);
    EXPECT_NEAR(yi[i], (x[i] - rm0[c]) / std::sqrt(rv0[c] + eps) * w[c] + b[c], 1e-12);
  }

  FVec xf = to_float(x), wf = to_float(w), bf = to_float(b), yf(E), sf(N * BNF::saved_elems);
  FVec rmf = to_float(rm0), rvf = to_float(rv0);
  BNF::forward_train(N, xf.data(), wf.data(), bf.data(), rmf.data(), rvf.data(), float(eps),
                     float(mom), yf.data(), sf.data());
  expect_close(y, yf, 1e-5, "bn float");
  expect_close(rv, rvf, 1e-5, "bn float running_var");
}

}  // namespace
