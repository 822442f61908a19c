// Tests of ReLU and Add (ops/elementwise/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/elementwise/cpu.hpp"
#include "op_test.hpp"

template struct akorn::ReLU<float, 31>;
template struct akorn::Add<float, 17>;

using namespace akorn_test;

namespace {

// ---------------------------------------------------------------------------------------
// ReLU, Add

TEST(ReLU, Gradients) {
  constexpr index_t E = 31;
  const int N = 3;
  Vec x = rand_vec(N * E);
  for (auto& v : x)
    if (std::fabs(v) < 0.05) v = 0.3;  // keep away from the kink
  const Vec r = rand_vec(N * E);
  auto forward = [&] {
    Vec y(N * E);
    akorn::ReLU<double, E>::forward(N, x.data(), y.data());
    return y;
  };
  const Vec y = forward();
  for (index_t i = 0; i < N * E; ++i) EXPECT_EQ(y[i], std::max(x[i], 0.0));
  Vec dx = grad_buf(N * E);
  akorn::ReLU<double, E>::backward(N, y.data(), r.data(), dx.data());
  fd_check("relu dx", x, minus_init(dx), [&] { return dot(r, forward()); });
  FVec xf = to_float(x), yf(N * E);
  akorn::ReLU<float, E>::forward(N, xf.data(), yf.data());
  expect_close(y, yf, 1e-6, "relu float");
}

TEST(Add, Gradients) {
  constexpr index_t E = 17;
  const int N = 3;
  Vec a = rand_vec(N * E), b = rand_vec(N * E);
  const Vec r = rand_vec(N * E);
  auto forward = [&] {
    Vec y(N * E);
    akorn::Add<double, E>::forward(N, a.data(), b.data(), y.data());
    return y;
  };
  Vec da = grad_buf(N * E), db = grad_buf(N * E);
  akorn::Add<double, E>::backward(N, r.data(), da.data(), db.data());
  auto loss = [&] { return dot(r, forward()); };
  fd_check("add da", a, minus_init(da), loss);
  fd_check("add db", b, minus_init(db), loss);
  Vec da2 = grad_buf(N * E);
  akorn::Add<double, E>::backward(N, r.data(), da2.data(), nullptr);
  expect_close(da, da2, 0, "add da alone");
  FVec af = to_float(a), bf = to_float(b), yf(N * E);
  akorn::Add<float, E>::forward(N, af.data(), bf.data(), yf.data());
  expect_close(forward(), yf, 1e-6, "add float");
}

}  // namespace
