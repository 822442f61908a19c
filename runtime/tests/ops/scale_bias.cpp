// Tests of ScaleBias (ops/scale_bias/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/scale_bias/cpu.hpp"
#include "op_test.hpp"

template struct akorn::ScaleBias<float, 6, 5>;

using namespace akorn_test;

namespace {

// ---------------------------------------------------------------------------------------
// ScaleBias

TEST(ScaleBias, Gradients) {
  constexpr int P = 6, C = 5;
  using SB = akorn::ScaleBias<double, P, C>;
  const int N = 3;
  const index_t E = index_t(N) * P * C;
  Vec x = rand_vec(E), s = rand_vec(C), b = rand_vec(C);
  const Vec r = rand_vec(E);
  auto forward = [&] {
    Vec y(E);
    SB::forward(N, x.data(), s.data(), b.data(), y.data());
    return y;
  };
  const Vec y = forward();
  EXPECT_NEAR(y[(2 * P + 4) * C + 3], x[(2 * P + 4) * C + 3] * s[3] + b[3], 1e-15);
  Vec dx = grad_buf(E), ds = grad_buf(C), db = grad_buf(C);
  SB::backward(N, x.data(), s.data(), r.data(), dx.data(), ds.data(), db.data());
  auto loss = [&] { return dot(r, forward()); };
  fd_check("sb dx", x, minus_init(dx), loss);
  fd_check("sb dscale", s, minus_init(ds), loss);
  fd_check("sb dbias", b, minus_init(db), loss);
  FVec xf = to_float(x), sf = to_float(s), bf = to_float(b), yf(E);
  akorn::ScaleBias<float, P, C>::forward(N, xf.data(), sf.data(), bf.data(), yf.data());
  expect_close(y, yf, 1e-6, "sb float");
}

}  // namespace
