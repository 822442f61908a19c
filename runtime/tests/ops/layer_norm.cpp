// Tests of LayerNorm (ops/layer_norm/): a table of sizes, each checked against naive loops in
// long double (forward and the statistics), by finite differences in double (dx, dweight,
// dbias accumulating), and float against double.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "akorn/ops/layer_norm/cpu.hpp"
#include "op_test.hpp"

template struct akorn::LayerNorm<float, 6, 5>;

using namespace akorn_test;

namespace {

template <int P, int C>
void check_layer_norm(int N) {
  using LN = akorn::LayerNorm<double, P, C>;
  const double eps = 1e-5;
  const index_t E = index_t(N) * P * C;
  Vec x = rand_vec(E, -2.0, 3.0), w = rand_vec(C, 0.5, 1.5), b = rand_vec(C);
  const Vec r = rand_vec(E);
  Vec saved(N * LN::saved_elems);
  auto forward = [&] {
    Vec y(E);
    LN::forward(N, x.data(), w.data(), b.data(), eps, y.data(), saved.data());
    return y;
  };
  const Vec y = forward();
  // naive: per (sample, position), biased variance over the C channels
  for (index_t row = 0; row < index_t(N) * P; ++row) {
    long double m = 0, v = 0;
    for (int c = 0; c < C; ++c) m += x[row * C + c];
    m /= C;
    for (int c = 0; c < C; ++c) v += (x[row * C + c] - m) * (x[row * C + c] - m);
    v /= C;
    const long double rs = 1.0L / std::sqrt(v + eps);
    EXPECT_NEAR(saved[2 * row], double(m), 1e-13);
    EXPECT_NEAR(saved[2 * row + 1], double(rs), 1e-12 * double(rs));
    for (int c = 0; c < C; ++c)
      EXPECT_NEAR(y[row * C + c], double((x[row * C + c] - m) * rs * w[c] + b[c]), 1e-12) << row << "," << c;
  }
  Vec dx = grad_buf(E), dw = grad_buf(C), db = grad_buf(C);
  LN::backward(N, x.data(), w.data(), saved.data(), r.data(), dx.data(), dw.data(), db.data());
  auto loss = [&] { return dot(r, forward()); };
  fd_check("ln dx", x, minus_init(dx), loss);
  fd_check("ln dweight", w, minus_init(dw), loss);
  fd_check("ln dbias", b, minus_init(db), loss);
  FVec xf = to_float(x), wf = to_float(w), bf = to_float(b), yf(E), sf(N * LN::saved_elems);
  akorn::LayerNorm<float, P, C>::forward(N, xf.data(), wf.data(), bf.data(), 1e-5f, yf.data(), sf.data());
  expect_close(y, yf, 2e-6, "ln float");
}

TEST(LayerNorm, Gradients) {
  check_layer_norm<6, 5>(3);
  check_layer_norm<1, 16>(2);
  check_layer_norm<4, 1>(2);  // one channel: y = bias, dx = 0
}

}  // namespace
