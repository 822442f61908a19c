// Tests of OscillatorInit (ops/oscillator_init/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/oscillator_init/cpu.hpp"
#include "akorn/rng.hpp"
#include "op_test.hpp"

using namespace akorn_test;
using namespace akorn;

namespace {

TEST(OscillatorInit, NoiseIndependentOfBatch) {
  constexpr int P = 6, C = 8;
  std::vector<double> c(5 * P * C, 3.0), x5(5 * P * C), x1(P * C);
  OscillatorInit<double, P, C, false>::forward(5, c.data(), nullptr, 99, 4, 10, x5.data());
  OscillatorInit<double, P, C, false>::forward(1, c.data(), nullptr, 99, 4, 12, x1.data());
  for (int i = 0; i < P * C; ++i) EXPECT_EQ(x1[i], x5[2 * P * C + i]);
  // values follow the formula, element index p*C + ch
  const std::uint64_t base = noise_base(99, 4, 13);
  for (int i = 0; i < P * C; ++i)  // rounded to float32 in any precision (OPS.md)
    EXPECT_EQ(x5[3 * P * C + i], static_cast<double>(static_cast<float>(noise_normal(base, i))));
  // float: the double value rounded
  std::vector<float> cf(P * C), xf(P * C);
  OscillatorInit<float, P, C, false>::forward(1, cf.data(), nullptr, 99, 4, 12, xf.data());
  for (int i = 0; i < P * C; ++i) EXPECT_EQ(xf[i], static_cast<float>(x1[i]));
}

TEST(OscillatorInit, GivenCopiesStimulusAndBackward) {
  constexpr int P = 5, C = 4, N = 2;
  Vec c = randn(N * P * C, 1);
  std::vector<std::int32_t> tok = {0, 3, 0, 9, 1, 2, 0, 0, 0, 5};
  Vec x0(N * P * C);
  OscillatorInit<double, P, C, true>::forward(N, c.data(), tok.data(), 5, 1, 7, x0.data());
  for (int s = 0; s < N; ++s) {
    const std::uint64_t base = noise_base(5, 1, 7 + s);
    for (int p = 0; p < P; ++p)
      for (int ch = 0; ch < C; ++ch) {
        const std::size_t i = (std::size_t(s) * P + p) * C + ch;
        if (tok[s * P + p] != 0) {
          EXPECT_EQ(x0[i], c[i]);
        } else {
          EXPECT_EQ(x0[i], static_cast<double>(static_cast<float>(noise_normal(base, std::uint64_t(p) * C + ch))));
        }
      }
  }
  Vec r = randn(N * P * C, 2);
  Vec dc(N * P * C, 0.5);
  OscillatorInit<double, P, C, true>::backward(N, tok.data(), r.data(), dc.data());
  for (std::size_t i = 0; i < dc.size(); ++i) dc[i] -= 0.5;
  check_grad("dc", c, dc, [&] {
    Vec y(N * P * C);
    OscillatorInit<double, P, C, true>::forward(N, c.data(), tok.data(), 5, 1, 7, y.data());
    return dot(r, y);
  });
}

}  // namespace
