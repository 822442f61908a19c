// Tests of ReadOutConv (ops/readout_conv/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/readout_conv/cpu.hpp"
#include "op_test.hpp"
#include "reference.hpp"

template struct akorn::ReadOutConv<float, 5, 4, 3, 2, 3, 3, 1>;

using namespace akorn_test;

namespace {

// ---------------------------------------------------------------------------------------
// ReadOutConv

TEST(ReadOutConv, GradientsAndFloat) {
  constexpr int H = 5, W = 4, CIN = 3, CO = 2, NOUT = 3, K = 3, PAD = 1;
  using R = akorn::ReadOutConv<double, H, W, CIN, CO, NOUT, K, PAD>;
  using RF = akorn::ReadOutConv<float, H, W, CIN, CO, NOUT, K, PAD>;
  const int N = 2;
  const index_t in = index_t(N) * H * W * CIN, out = index_t(N) * R::HO * R::WO * CO;
  Vec x = rand_vec(in), w = rand_vec(index_t(CO) * NOUT * CIN * K * K),
      cb = rand_vec(CO * NOUT), b = rand_vec(CO);
  const Vec r = rand_vec(out);
  auto forward = [&](Vec* saved_out) {
    Vec y(out), saved(N * R::saved_elems), ws(std::max<index_t>(1, N * R::fwd_ws_elems));
    R::forward(N, x.data(), w.data(), cb.data(), b.data(), y.data(), saved.data(), ws.data());
    if (saved_out) *saved_out = saved;
    return y;
  };
  // direct check: norm of the naive conv's groups
  Vec saved;
  const Vec y = forward(&saved);
  const Vec z = naive_conv(N, H, W, CIN, CO * NOUT, K, 1, PAD, x, w, &cb);
  expect_close(z, saved, 1e-12, "readout saved z");
  for (index_t cell = 0; cell < index_t(N) * R::HO * R::WO; ++cell)
    for (int o = 0; o < CO; ++o) {
      double s = 0;
      for (int k = 0; k < NOUT; ++k) {
        const double v = z[cell * CO * NOUT + o * NOUT + k];
        s += v * v;
      }
      EXPECT_NEAR(y[cell * CO + o], std::sqrt(s) + b[o], 1e-12);
    }

  Vec dx = grad_buf(in), dw = grad_buf(w.size()), dcb = grad_buf(cb.size()), db = grad_buf(CO);
  Vec ws(N * R::bwd_ws_elems);
  R::backward(N, x.data(), w.data(), saved.data(), r.data(), dx.data(), dw.data(), dcb.data(),
              db.data(), ws.data());
  auto loss = [&] { return dot(r, forward(nullptr)); };
  fd_check("readout dx", x, minus_init(dx), loss);
  fd_check("readout dw", w, minus_init(dw), loss);
  fd_check("readout dconv_b", cb, minus_init(dcb), loss);
  fd_check("readout db", b, minus_init(db), loss);

  FVec xf = to_float(x), wf = to_float(w), cbf = to_float(cb), bf = to_float(b), yf(out);
  FVec savedf(N * RF::saved_elems), wsf(N * RF::fwd_ws_elems);
  RF::forward(N, xf.data(), wf.data(), cbf.data(), bf.data(), yf.data(), savedf.data(), wsf.data());
  expect_close(y, yf, 1e-5, "readout float");
}

TEST(ReadOutConv, ZeroNormHasZeroGradient) {
  using R = akorn::ReadOutConv<double, 2, 2, 1, 1, 2, 1, 0>;
  const int N = 1;
  Vec x(4, 0.0), w(2, 1.0), cb(2, 0.0), b(1, 0.5), y(4), saved(R::saved_elems), ws(8);
  R::forward(N, x.data(), w.data(), cb.data(), b.data(), y.data(), saved.data(), ws.data());
  for (double v : y) EXPECT_EQ(v, 0.5);
  Vec dy(4, 1.0), dx(4, 0.0), dw(2, 0.0), dcb(2, 0.0), db(1, 0.0), wsb(R::bwd_ws_elems);
  R::backward(N, x.data(), w.data(), saved.data(), dy.data(), dx.data(), dw.data(), dcb.data(),
              db.data(), wsb.data());
  for (double v : dx) EXPECT_EQ(v, 0.0);
  for (double v : dcb) EXPECT_EQ(v, 0.0);
  EXPECT_EQ(db[0], 4.0);
}

}  // namespace
