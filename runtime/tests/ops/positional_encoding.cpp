// Tests of PositionalEncoding (ops/positional_encoding/): y = x + pe by finite differences in
// double (dx and the sum over samples of dpe), float against double, a null dx, and the
// sin/cos initial value against the formula written out with its frequencies by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "akorn/init.hpp"
#include "akorn/ops/positional_encoding/cpu.hpp"
#include "op_test.hpp"

template struct akorn::PositionalEncoding<float, 6, 8>;

using namespace akorn_test;

namespace {

TEST(PositionalEncoding, Gradients) {
  constexpr int P = 6, C = 8;
  using PE = akorn::PositionalEncoding<double, P, C>;
  const int N = 3;
  const index_t E = index_t(N) * P * C;
  Vec x = rand_vec(E), pe = rand_vec(P * C);
  const Vec r = rand_vec(E);
  auto forward = [&] {
    Vec y(E);
    PE::forward(N, x.data(), pe.data(), y.data());
    return y;
  };
  const Vec y = forward();
  EXPECT_NEAR(y[(2 * P + 4) * C + 3], x[(2 * P + 4) * C + 3] + pe[4 * C + 3], 1e-15);
  Vec dx = grad_buf(E), dpe = grad_buf(P * C);
  PE::backward(N, r.data(), dx.data(), dpe.data());
  auto loss = [&] { return dot(r, forward()); };
  fd_check("pe dx", x, minus_init(dx), loss);
  fd_check("pe dpe", pe, minus_init(dpe), loss);
  Vec dpe_only = grad_buf(P * C);  // the first op of a model has no dx to write
  PE::backward(N, r.data(), nullptr, dpe_only.data());
  expect_close(dpe, dpe_only, 1e-15, "pe dpe without dx");
  FVec xf = to_float(x), pf = to_float(pe), yf(E);
  akorn::PositionalEncoding<float, P, C>::forward(N, xf.data(), pf.data(), yf.data());
  expect_close(y, yf, 1e-6, "pe float");
}

// C = 16: D = 8 channels per axis, frequencies 10000^(-2k/8) = 1, 0.1, 0.01, 0.001.
TEST(PositionalEncoding, SinCosInit) {
  constexpr int H = 3, W = 5, C = 16;
  std::vector<double> pe(H * W * C, -7.0);
  akorn::sincos2d_init<double>(H, W, C, pe.data());
  const double f[4] = {1.0, 0.1, 0.01, 0.001};
  for (int h = 0; h < H; ++h)
    for (int w = 0; w < W; ++w)
      for (int k = 0; k < 4; ++k) {
        const double* p = pe.data() + (h * W + w) * C;
        EXPECT_NEAR(p[2 * k], std::sin(w * f[k]), 1e-15) << h << "," << w << "," << k;
        EXPECT_NEAR(p[2 * k + 1], std::cos(w * f[k]), 1e-15) << h << "," << w << "," << k;
        EXPECT_NEAR(p[8 + 2 * k], std::sin(h * f[k]), 1e-15) << h << "," << w << "," << k;
        EXPECT_NEAR(p[8 + 2 * k + 1], std::cos(h * f[k]), 1e-15) << h << "," << w << "," << k;
      }
  // through the generic initialiser, as a generated model's init() calls it
  akorn::ParamInfo info{"pos.pe", 3, {H, W, C, 0, 0, 0}, H * W * C, 0, true, akorn::Init::SinCos2d, 0.0, 0, 0, 0};
  std::vector<float> viaInit(H * W * C, -7.f);
  akorn::init_params<float>(&info, 1, viaInit.data(), 1234);
  for (int i = 0; i < H * W * C; ++i) EXPECT_FLOAT_EQ(viaInit[i], float(pe[i])) << i;
}

}  // namespace
