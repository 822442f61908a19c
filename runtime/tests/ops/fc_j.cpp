// Tests of FcJ (ops/fc_j/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/fc_j/cpu.hpp"
#include "akorn/ops/fc_j/layout.hpp"
#include "op_test.hpp"

using namespace akorn_test;
using namespace akorn;

namespace {

// the compiler plans with the size functions of layout.hpp; the kernel uses the same
static_assert(fc_j_fwd_ws_elems(4, 3) == FcJ<float, 4, 3>::fwd_ws_elems);
static_assert(fc_j_bwd_ws_elems(4, 3) == FcJ<float, 4, 3>::bwd_ws_elems);

// ------------------------------------------------------------------------------------------
// FcJ
// ------------------------------------------------------------------------------------------
TEST(FcJ, ForwardAndGradient) {
  constexpr int P = 4, C = 3, N = 2, D = P * C;
  using F = FcJ<double, P, C>;
  Vec x = randn(N * D, 40), w = randn(D * D, 41, 0.3), b = randn(D, 42);
  Vec y(N * D), ws(N * F::fwd_ws_elems);
  F::forward(N, x.data(), w.data(), b.data(), y.data(), ws.data());
  for (int s = 0; s < N; ++s)
    for (int p = 0; p < P; ++p)
      for (int c = 0; c < C; ++c) {
        double acc = b[c * P + p];
        for (int c2 = 0; c2 < C; ++c2)
          for (int p2 = 0; p2 < P; ++p2) acc += w[(c * P + p) * D + c2 * P + p2] * x[s * D + p2 * C + c2];
        EXPECT_NEAR(y[s * D + p * C + c], acc, 1e-13);
      }
  Vec r = randn(N * D, 43);
  Vec dx(N * D, 0.0), dw(D * D, 0.0), db(D, 0.0), bws(N * F::bwd_ws_elems);
  F::backward(N, x.data(), w.data(), r.data(), dx.data(), dw.data(), db.data(), bws.data());
  auto loss = [&] {
    Vec yy(N * D), wk(N * F::fwd_ws_elems);
    F::forward(N, x.data(), w.data(), b.data(), yy.data(), wk.data());
    return dot(r, yy);
  };
  check_grad("dx", x, dx, loss);
  check_grad("dw", w, dw, loss);
  check_grad("db", b, db, loss);
  // float instantiation
  using FF = FcJ<float, P, C>;
  auto xf = cast<float>(x), wf = cast<float>(w), bf = cast<float>(b), rf = cast<float>(r);
  std::vector<float> yf(N * D), wsf(N * FF::fwd_ws_elems), bwf(N * FF::bwd_ws_elems), dxf(N * D, 0.f);
  FF::forward(N, xf.data(), wf.data(), bf.data(), yf.data(), wsf.data());
  FF::backward(N, xf.data(), wf.data(), rf.data(), dxf.data(), nullptr, nullptr, bwf.data());
  EXPECT_LT(max_abs_diff(yf, y), 1e-5);
  EXPECT_LT(max_abs_diff(dxf, dx), 1e-5);
}

}  // namespace
