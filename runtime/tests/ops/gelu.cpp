// Tests of GELU (ops/gelu/): the forward against x Phi(x) from erfc in long double at known
// points and random ones, finite differences in double (dx accumulating), float against
// double, and a null dx.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "akorn/ops/gelu/cpu.hpp"
#include "op_test.hpp"

template struct akorn::GELU<float, 7>;

using namespace akorn_test;

namespace {

TEST(GELU, ValuesAndGradients) {
  constexpr index_t E = 7;
  using G = akorn::GELU<double, E>;
  const int N = 4;
  Vec x = rand_vec(N * E, -4.0, 4.0);
  x[0] = 0.0;
  x[1] = 1.0;   // GELU(1) = Phi(1) = 0.841344746068543
  x[2] = -1.0;  // GELU(-1) = -(1 - Phi(1)) = -0.158655253931457
  const Vec r = rand_vec(N * E);
  auto forward = [&] {
    Vec y(N * E);
    G::forward(N, x.data(), y.data());
    return y;
  };
  const Vec y = forward();
  EXPECT_EQ(y[0], 0.0);
  EXPECT_NEAR(y[1], 0.841344746068543, 1e-14);
  EXPECT_NEAR(y[2], -0.158655253931457, 1e-14);
  for (index_t i = 0; i < N * E; ++i) {
    const long double xi = x[i];
    EXPECT_NEAR(y[i], double(xi * 0.5L * std::erfc(-xi / std::sqrt(2.0L))), 1e-14) << i;
  }
  Vec dx = grad_buf(N * E);
  G::backward(N, x.data(), r.data(), dx.data());
  auto loss = [&] { return dot(r, forward()); };
  fd_check("gelu dx", x, minus_init(dx), loss);
  G::backward(N, x.data(), r.data(), nullptr);  // no dx: nothing to do, no crash
  FVec xf = to_float(x), yf(N * E);
  akorn::GELU<float, E>::forward(N, xf.data(), yf.data());
  expect_close(y, yf, 1e-6, "gelu float");
}

}  // namespace
