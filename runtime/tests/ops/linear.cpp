// Tests of Linear (ops/linear/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/linear/cpu.hpp"
#include "op_test.hpp"

template struct akorn::Linear<float, 6, 5, 7, true>;

using namespace akorn_test;

namespace {

// ---------------------------------------------------------------------------------------
// Linear

template <bool BIAS>
void linear_case() {
  constexpr int P = 6, IN = 5, OUT = 7;
  using L = akorn::Linear<double, P, IN, OUT, BIAS>;
  const int N = 3;
  Vec x = rand_vec(index_t(N) * P * IN), w = rand_vec(OUT * IN), b = rand_vec(OUT);
  const Vec r = rand_vec(index_t(N) * P * OUT);
  auto forward = [&] {
    Vec y(index_t(N) * P * OUT);
    L::forward(N, x.data(), w.data(), BIAS ? b.data() : nullptr, y.data());
    return y;
  };
  const Vec y = forward();
  for (index_t row = 0; row < index_t(N) * P; ++row)
    for (int o = 0; o < OUT; ++o) {
      double s = BIAS ? b[o] : 0.0;
      for (int i = 0; i < IN; ++i) s += w[o * IN + i] * x[row * IN + i];
      EXPECT_NEAR(y[row * OUT + o], s, 1e-12);
    }
  Vec dx = grad_buf(x.size()), dw = grad_buf(w.size()), db = grad_buf(OUT);
  L::backward(N, x.data(), w.data(), r.data(), dx.data(), dw.data(), BIAS ? db.data() : nullptr);
  auto loss = [&] { return dot(r, forward()); };
  fd_check("linear dx", x, minus_init(dx), loss);
  fd_check("linear dw", w, minus_init(dw), loss);
  if (BIAS) fd_check("linear db", b, minus_init(db), loss);
  using LF = akorn::Linear<float, P, IN, OUT, BIAS>;
  FVec xf = to_float(x), wf = to_float(w), bf = to_float(b), yf(y.size());
  LF::forward(N, xf.data(), wf.data(), BIAS ? bf.data() : nullptr, yf.data());
  expect_close(y, yf, 1e-5, "linear float");
}

TEST(Linear, WithBias) { linear_case<true>(); }
TEST(Linear, NoBias) { linear_case<false>(); }

}  // namespace
