// Tests of Pool (ops/pool/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/pool/cpu.hpp"
#include "op_test.hpp"

template struct akorn::Pool<float, 5, 4, 3, true, false, 2, 2>;
template struct akorn::Pool<float, 5, 4, 3, false, true, 1, 1>;

using namespace akorn_test;

namespace {

// ---------------------------------------------------------------------------------------
// Pool

template <int H, int W, int C, bool MAX, bool GLOBAL, int K, int STRIDE>
void pool_case(int N) {
  using PL = akorn::Pool<double, H, W, C, MAX, GLOBAL, K, STRIDE>;
  using PF = akorn::Pool<float, H, W, C, MAX, GLOBAL, K, STRIDE>;
  const index_t in = index_t(N) * H * W * C, out = index_t(N) * PL::HO * PL::WO * C;
  Vec x = rand_vec(in);
  const Vec r = rand_vec(out);
  auto forward = [&] {
    Vec y(out);
    PL::forward(N, x.data(), y.data());
    return y;
  };
  const Vec y = forward();
  // naive
  const int KH = GLOBAL ? H : K, KW = GLOBAL ? W : K, S = GLOBAL ? 1 : STRIDE;
  for (int n = 0; n < N; ++n)
    for (int ho = 0; ho < PL::HO; ++ho)
      for (int wo = 0; wo < PL::WO; ++wo)
        for (int c = 0; c < C; ++c) {
          double acc = MAX ? -1e300 : 0.0;
          for (int kh = 0; kh < KH; ++kh)
            for (int kw = 0; kw < KW; ++kw) {
              const double v = x[((index_t(n) * H + ho * S + kh) * W + wo * S + kw) * C + c];
              acc = MAX ? std::max(acc, v) : acc + v;
            }
          if (!MAX) acc /= KH * KW;
          EXPECT_NEAR(y[((index_t(n) * PL::HO + ho) * PL::WO + wo) * C + c], acc, 1e-12);
        }
  Vec dx = grad_buf(in);
  PL::backward(N, x.data(), r.data(), dx.data());
  fd_check("pool dx", x, minus_init(dx), [&] { return dot(r, forward()); });
  FVec xf = to_float(x), yf(out);
  PF::forward(N, xf.data(), yf.data());
  expect_close(y, yf, 1e-6, "pool float");
}

TEST(Pool, MaxWindows) { pool_case<5, 4, 3, true, false, 2, 2>(2); }
TEST(Pool, MaxOverlapping) { pool_case<5, 5, 2, true, false, 3, 2>(2); }
TEST(Pool, AvgWindows) { pool_case<5, 4, 3, false, false, 2, 2>(2); }
TEST(Pool, AvgOverlapping) { pool_case<5, 5, 2, false, false, 3, 1>(2); }
TEST(Pool, GlobalMax) { pool_case<3, 4, 5, true, true, 1, 1>(3); }
TEST(Pool, GlobalAvg) { pool_case<3, 4, 5, false, true, 1, 1>(3); }

TEST(Pool, MaxTieGoesToFirst) {
  using PL = akorn::Pool<double, 2, 2, 1, true, false, 2, 2>;
  Vec x = {0.5, 1.0, 1.0, 1.0}, dy = {3.0}, dx(4, 0.0), y(1);
  PL::forward(1, x.data(), y.data());
  EXPECT_EQ(y[0], 1.0);
  PL::backward(1, x.data(), dy.data(), dx.data());
  EXPECT_EQ(dx, (Vec{0.0, 3.0, 0.0, 0.0}));
}

}  // namespace
