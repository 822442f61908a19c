// Tests of Conv2d (ops/conv2d/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/conv2d/cpu.hpp"
#include "op_test.hpp"
#include "reference.hpp"

template struct akorn::Conv2d<float, 5, 4, 3, 6, 3, 2, 1, true>;
template struct akorn::Conv2d<float, 5, 4, 3, 6, 1, 1, 0, false>;

using namespace akorn_test;

namespace {

// ---------------------------------------------------------------------------------------
// Conv2d


template <int H, int W, int CIN, int COUT, int K, int STRIDE, int PAD, bool BIAS>
void conv_case(int N) {
  using C = akorn::Conv2d<double, H, W, CIN, COUT, K, STRIDE, PAD, BIAS>;
  using CF = akorn::Conv2d<float, H, W, CIN, COUT, K, STRIDE, PAD, BIAS>;
  const index_t in = index_t(N) * H * W * CIN, out = index_t(N) * C::HO * C::WO * COUT;
  EXPECT_EQ(C::HO, (H + 2 * PAD - K) / STRIDE + 1);
  Vec x = rand_vec(in), w = rand_vec(index_t(COUT) * CIN * K * K), b = rand_vec(COUT);
  const Vec r = rand_vec(out);

  auto forward = [&](const Vec& xx, const Vec& ww, const Vec& bb) {
    Vec y(out), ws(std::max<index_t>(1, N * C::fwd_ws_elems));
    C::forward(N, xx.data(), ww.data(), BIAS ? bb.data() : nullptr, y.data(), ws.data());
    return y;
  };
  // direct numeric check
  expect_close(naive_conv(N, H, W, CIN, COUT, K, STRIDE, PAD, x, w, BIAS ? &b : nullptr),
               forward(x, w, b), 1e-12, "conv2d vs naive");

  // gradients
  Vec dx = grad_buf(in), dw = grad_buf(w.size()), db = grad_buf(COUT);
  Vec ws(std::max<index_t>(1, N * C::bwd_ws_elems));
  C::backward(N, x.data(), w.data(), r.data(), dx.data(), dw.data(), BIAS ? db.data() : nullptr,
              ws.data());
  auto loss = [&] { return dot(r, forward(x, w, b)); };
  fd_check("conv dx", x, minus_init(dx), loss);
  fd_check("conv dw", w, minus_init(dw), loss);
  if (BIAS) fd_check("conv db", b, minus_init(db), loss);
  else for (double v : db) EXPECT_EQ(v, kInit);

  // each gradient alone (nullptr for the others) gives the same result
  Vec dw2 = grad_buf(w.size());
  C::backward(N, x.data(), w.data(), r.data(), nullptr, dw2.data(), nullptr, ws.data());
  expect_close(dw, dw2, 1e-12, "conv dw alone");
  Vec dx2 = grad_buf(in);
  C::backward(N, x.data(), w.data(), r.data(), dx2.data(), nullptr, nullptr, ws.data());
  expect_close(dx, dx2, 1e-12, "conv dx alone");

  // float agrees with double
  FVec xf = to_float(x), wf = to_float(w), bf = to_float(b), yf(out);
  FVec wsf(std::max<index_t>(1, N * CF::fwd_ws_elems));
  CF::forward(N, xf.data(), wf.data(), BIAS ? bf.data() : nullptr, yf.data(), wsf.data());
  expect_close(forward(x, w, b), yf, 1e-5, "conv float");
}

TEST(Conv2d, StridedPaddedOddSizes) { conv_case<5, 4, 3, 6, 3, 2, 1, true>(3); }
TEST(Conv2d, PointwiseFastPath) {
  static_assert(akorn::Conv2d<double, 5, 4, 3, 6, 1, 1, 0, false>::fwd_ws_elems == 0, "");
  conv_case<5, 4, 3, 6, 1, 1, 0, false>(3);
}
TEST(Conv2d, EvenKernelNoPad) { conv_case<4, 5, 2, 3, 2, 2, 0, true>(2); }
TEST(Conv2d, SameConv) { conv_case<4, 3, 4, 4, 3, 1, 1, true>(2); }
TEST(Conv2d, OneByOneStrided) { conv_case<5, 5, 3, 2, 1, 2, 0, true>(2); }

}  // namespace
