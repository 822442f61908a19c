// Tests of GroupNorm (ops/group_norm/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/group_norm/cpu.hpp"
#include "op_test.hpp"

template struct akorn::GroupNorm<float, 6, 8, 4, true>;
template struct akorn::GroupNorm<float, 6, 8, 4, false>;

using namespace akorn_test;

namespace {

// ---------------------------------------------------------------------------------------
// GroupNorm

template <bool AFFINE>
void group_norm_case() {
  constexpr int P = 6, C = 8, G = 4;
  using GN = akorn::GroupNorm<double, P, C, G, AFFINE>;
  using GNF = akorn::GroupNorm<float, P, C, G, AFFINE>;
  static_assert(GN::saved_elems == 2 * G, "");
  const int N = 3;
  const index_t E = index_t(N) * P * C;
  Vec x = rand_vec(E, -2, 3), w = rand_vec(C, 0.5, 1.5), b = rand_vec(C);
  const Vec r = rand_vec(E);
  const double eps = 1e-5;
  auto forward = [&](Vec* saved_out) {
    Vec y(E), saved(N * GN::saved_elems);
    GN::forward(N, x.data(), w.data(), b.data(), eps, y.data(), saved.data());
    if (saved_out) *saved_out = saved;
    return y;
  };
  Vec saved;
  const Vec y = forward(&saved);
  // naive check of one (sample, group)
  {
    const int n = 1, g = 2, CG = C / G;
    double s = 0, sq = 0;
    for (int p = 0; p < P; ++p)
      for (int c = g * CG; c < (g + 1) * CG; ++c) s += x[(n * P + p) * C + c];
    const double mean = s / (P * CG);
    for (int p = 0; p < P; ++p)
      for (int c = g * CG; c < (g + 1) * CG; ++c)
        sq += (x[(n * P + p) * C + c] - mean) * (x[(n * P + p) * C + c] - mean);
    const double rstd = 1 / std::sqrt(sq / (P * CG) + eps);
    EXPECT_NEAR(saved[n * 2 * G + 2 * g], mean, 1e-12);
    EXPECT_NEAR(saved[n * 2 * G + 2 * g + 1], rstd, 1e-12);
    const int p = 3, c = g * CG + 1;
    double want = (x[(n * P + p) * C + c] - mean) * rstd;
    if (AFFINE) want = want * w[c] + b[c];
    EXPECT_NEAR(y[(n * P + p) * C + c], want, 1e-12);
  }
  Vec dx = grad_buf(E), dw = grad_buf(C), db = grad_buf(C);
  GN::backward(N, x.data(), w.data(), saved.data(), r.data(), dx.data(), dw.data(), db.data());
  auto loss = [&] { return dot(r, forward(nullptr)); };
  fd_check("gn dx", x, minus_init(dx), loss);
  if (AFFINE) {
    fd_check("gn dweight", w, minus_init(dw), loss);
    fd_check("gn dbias", b, minus_init(db), loss);
  }
  FVec xf = to_float(x), wf = to_float(w), bf = to_float(b), yf(E), sf(N * GNF::saved_elems);
  GNF::forward(N, xf.data(), wf.data(), bf.data(), float(eps), yf.data(), sf.data());
  expect_close(y, yf, 1e-5, "gn float");
}

TEST(GroupNorm, Affine) { group_norm_case<true>(); }
TEST(GroupNorm, NoAffine) { group_norm_case<false>(); }

}  // namespace
