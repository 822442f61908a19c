// Tests of NormalizeOsc (ops/normalize/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/normalize/cpu.hpp"
#include "op_test.hpp"
#include "reference.hpp"

using namespace akorn_test;
using namespace akorn;

namespace {

// ------------------------------------------------------------------------------------------
// NormalizeOsc
// ------------------------------------------------------------------------------------------
TEST(NormalizeOsc, ForwardAndGradient) {
  constexpr int N = 3, E = 24, n = 4;
  Vec x = randn(N * E, 3);
  Vec y(N * E);
  NormalizeOsc<double, E, n>::forward(N, x.data(), y.data());
  EXPECT_LT(max_abs_diff(y, normalize_naive(x, n)), 1e-15);
  Vec r = randn(N * E, 4);
  Vec dx(N * E, 0.0);
  NormalizeOsc<double, E, n>::backward(N, x.data(), y.data(), r.data(), dx.data());
  check_grad("dx", x, dx, [&] {
    Vec yy(N * E);
    NormalizeOsc<double, E, n>::forward(N, x.data(), yy.data());
    return dot(r, yy);
  });
  // float instantiation
  auto xf = cast<float>(x);
  std::vector<float> yf(N * E), dxf(N * E, 0.f);
  auto rf = cast<float>(r);
  NormalizeOsc<float, E, n>::forward(N, xf.data(), yf.data());
  NormalizeOsc<float, E, n>::backward(N, xf.data(), yf.data(), rf.data(), dxf.data());
  EXPECT_LT(max_abs_diff(yf, y), 1e-6);
  EXPECT_LT(max_abs_diff(dxf, dx), 1e-4);
}

}  // namespace
