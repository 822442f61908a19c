// Tests of the counter-based noise (rng.hpp) the oscillator init draws from: a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/rng.hpp"
#include "op_test.hpp"

using namespace akorn_test;
using namespace akorn;

namespace {

// ------------------------------------------------------------------------------------------
// Noise and Rng
// ------------------------------------------------------------------------------------------
TEST(Noise, Splitmix64KnownValues) {
  // First outputs of the classic splitmix64 generator seeded with 0 / the mix of 1.
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(splitmix64(1), 0x910a2dec89025cc1ULL);
  Rng r(0);
  EXPECT_EQ(r.next(), 0xe220a8397b1dcdafULL);
}

TEST(Noise, FixedValues) {
  // Values computed independently (pure-Python big-integer evaluation of the OPS.md formula).
  EXPECT_EQ(noise_base(0, 0, 0), 0xa706dd2f4d197e6fULL);
  EXPECT_EQ(noise_base(7, 3, 5), 0x442017d334a2e446ULL);
  EXPECT_EQ(noise_base(~0ULL, 17, 0), 0x602eba365c4feab0ULL);
  EXPECT_NEAR(noise_normal(noise_base(0, 0, 0), 0), -0.10317884163546201, 1e-15);
  EXPECT_NEAR(noise_normal(noise_base(7, 3, 5), 11), 1.1801809624923274, 1e-15);
  EXPECT_NEAR(noise_normal(noise_base(123456789, 2, 99), 1234), 1.5398525408065433, 1e-15);
  EXPECT_NEAR(noise_normal(noise_base(~0ULL, 17, 0), 5), 0.10599347612012892, 1e-15);
}

TEST(Noise, RngMoments) {
  Rng r(42);
  double s = 0, s2 = 0, u = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    s += z;
    s2 += z * z;
    const double v = r.uniform();
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
    u += v;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.02);
  EXPECT_NEAR(u / n, 0.5, 0.01);
}

}  // namespace
