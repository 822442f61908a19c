// Tests of the GEMM layer (blas.hpp, precision.hpp, gemm_onednn.hpp, flops.hpp): the fp32
// GEMM of the build against a double loop; the bf16 mode against a double loop on
// bf16-rounded operands (what a bf16 GEMM with fp32 accumulation computes) and visibly apart
// from fp32; the native oneDNN bf16 kernel (where this CPU has one) against the emulation; the
// bf16 rounding itself; the matrix-product FLOP count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "akorn/blas.hpp"
#include "akorn/flops.hpp"
#include "akorn/precision.hpp"

using namespace akorn;

namespace {

// Sets the GEMM precision for one scope.
struct PrecisionScope {
  Precision old;
  explicit PrecisionScope(Precision p) : old(gemm_precision()) { gemm_precision() = p; }
  ~PrecisionScope() { gemm_precision() = old; }
};

std::vector<float> randv(std::size_t n, std::uint64_t seed) {
  std::vector<float> v(n);
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& x : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x = float((double(s >> 11) / double(1ull << 53)) * 2.0 - 1.0);
  }
  return v;
}

struct Case {
  bool ta, tb;
  int M, N, K, pad;  // pad: extra columns in every leading dimension
  float alpha, beta;
};

// C = alpha op(A) op(B) + beta C in double, with the operands optionally rounded to bf16.
std::vector<double> reference(const Case& c, const std::vector<float>& A, const std::vector<float>& B,
                              const std::vector<float>& C0, bool bf16, std::vector<double>* absref = nullptr) {
  const int lda = (c.ta ? c.M : c.K) + c.pad, ldb = (c.tb ? c.K : c.N) + c.pad, ldc = c.N + c.pad;
  auto r = [&](float v) { return bf16 ? double(round_to_bf16(v)) : double(v); };
  std::vector<double> out(C0.begin(), C0.end());
  if (absref) absref->assign(out.size(), 0.0);
  for (int i = 0; i < c.M; ++i)
    for (int j = 0; j < c.N; ++j) {
      double s = 0, sa = 0;
      for (int k = 0; k < c.K; ++k) {
        const double a = r(c.ta ? A[std::size_t(k) * lda + i] : A[std::size_t(i) * lda + k]);
        const double b = r(c.tb ? B[std::size_t(j) * ldb + k] : B[std::size_t(k) * ldb + j]);
        s += a * b;
        sa += std::fabs(a * b);
      }
      out[std::size_t(i) * ldc + j] = c.alpha * s + c.beta * double(C0[std::size_t(i) * ldc + j]);
      if (absref) (*absref)[std::size_t(i) * ldc + j] = std::fabs(c.alpha) * sa + std::fabs(c.beta * C0[std::size_t(i) * ldc + j]);
    }
  return out;
}

const Case kCases[] = {
    {false, true, 37, 29, 41, 0, 1.0f, 0.0f},   // x W^T (the projections)
    {false, false, 33, 17, 50, 3, 1.0f, 1.0f},  // dy W, accumulating
    {true, false, 19, 23, 70, 2, 0.5f, 1.0f},   // dy^T x (the weight gradients)
    {true, true, 8, 9, 10, 1, -2.0f, 0.25f},
    {false, true, 200, 96, 64, 0, 1.0f, 0.0f},  // large enough for the blocked kernels
};

void run_case(const Case& c, Precision p, std::vector<float>& C, const std::vector<float>& A,
              const std::vector<float>& B) {
  PrecisionScope ps(p);
  const int lda = (c.ta ? c.M : c.K) + c.pad, ldb = (c.tb ? c.K : c.N) + c.pad, ldc = c.N + c.pad;
  gemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, C.data(), ldc);
}

void operands(const Case& c, std::vector<float>& A, std::vector<float>& B, std::vector<float>& C, int seed) {
  const int lda = (c.ta ? c.M : c.K) + c.pad, ldb = (c.tb ? c.K : c.N) + c.pad, ldc = c.N + c.pad;
  A = randv(std::size_t(c.ta ? c.K : c.M) * lda, seed);
  B = randv(std::size_t(c.tb ? c.N : c.K) * ldb, seed + 1);
  C = randv(std::size_t(c.M) * ldc, seed + 2);
}

TEST(Bf16, RoundingIsNearestEven) {
  EXPECT_EQ(bf16_bits(1.0f), 0x3f80);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1.0)
  EXPECT_EQ(bf16_bits(1.0f + 1.0f / 256), 0x3f80);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6: up to even
  EXPECT_EQ(bf16_bits(1.0f + 3.0f / 256), 0x3f82);
  EXPECT_EQ(bf16_bits(1.0f + 1.0f / 256 + 1.0f / 65536), 0x3f81);  // above halfway: up
  EXPECT_EQ(bf16_bits(-2.0f), 0xc000);
  EXPECT_EQ(bf16_bits(std::numeric_limits<float>::infinity()), 0x7f80);
  EXPECT_TRUE(std::isnan(round_to_bf16(std::numeric_limits<float>::quiet_NaN())));
  // the largest float rounds to infinity, as in every bf16 conversion
  EXPECT_TRUE(std::isinf(round_to_bf16(std::numeric_limits<float>::max())));
  for (float v : {0.1f, -3.7f, 1e-30f, 12345.678f}) {
    EXPECT_LE(std::fabs(round_to_bf16(v) - v), std::fabs(v) * (1.0f / 256)) << v;
    EXPECT_EQ(round_to_bf16(round_to_bf16(v)), round_to_bf16(v)) << v;
  }
}

TEST(Gemm, Fp32AgainstDouble) {
  int seed = 1;
  for (const Case& c : kCases) {
    std::vector<float> A, B, C;
    operands(c, A, B, C, seed += 10);
    std::vector<double> absref;
    const std::vector<double> ref = reference(c, A, B, C, false, &absref);
    run_case(c, Precision::Fp32, C, A, B);
    for (std::size_t i = 0; i < C.size(); ++i)
      ASSERT_NEAR(C[i], ref[i], 1e-6 * absref[i] + 1e-7) << "case M=" << c.M << " i=" << i;
  }
}

TEST(Gemm, Bf16IsBf16OperandsWithFp32Sums) {
  int seed = 100;
  for (const Case& c : kCases) {
    std::vector<float> A, B, C, C32;
    operands(c, A, B, C, seed += 10);
    C32 = C;
    std::vector<double> absref;
    const std::vector<double> ref16 = reference(c, A, B, C, true, &absref);
    run_case(c, Precision::Bf16, C, A, B);
    run_case(c, Precision::Fp32, C32, A, B);
    double apart = 0;  // how far bf16 is from fp32, relative to the size of the terms
    for (std::size_t i = 0; i < C.size(); ++i) {
      // the bf16 GEMM is exact products of the rounded operands, summed in fp32
      ASSERT_NEAR(C[i], ref16[i], 1e-6 * absref[i] + 1e-7) << "case M=" << c.M << " i=" << i;
      apart = std::max(apart, std::fabs(double(C[i]) - C32[i]) / (absref[i] + 1e-30));
    }
    // and not the fp32 GEMM: the operands' rounding (relative 2^-9 each) shows
    EXPECT_GT(apart, 1e-4) << "bf16 GEMM equals fp32: --precision bf16 would do nothing (M=" << c.M << ")";
    EXPECT_LT(apart, 2e-2);
  }
}

TEST(Gemm, Bf16EngineReported) {
  const std::string e = bf16_gemm_engine();
  EXPECT_FALSE(e.empty());
  std::printf("bf16 GEMM on this machine: %s\n", e.c_str());
}

#ifdef AKORN_ONEDNN
TEST(Gemm, OnednnNativeBf16MatchesEmulation) {
  if (!onednn::bf16_gemm().available()) GTEST_SKIP() << onednn::bf16_gemm().engine_info();
  int seed = 300;
  for (const Case& c : kCases) {
    std::vector<float> A, B, C, Ce;
    operands(c, A, B, C, seed += 10);
    Ce = C;
    std::vector<double> absref;
    reference(c, A, B, C, true, &absref);
    const int lda = (c.ta ? c.M : c.K) + c.pad, ldb = (c.tb ? c.K : c.N) + c.pad, ldc = c.N + c.pad;
    onednn::bf16_gemm().gemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, C.data(), ldc);
    blas_detail::gemm_bf16_emulated(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta,
                                    Ce.data(), ldc);
    for (std::size_t i = 0; i < C.size(); ++i) ASSERT_NEAR(C[i], Ce[i], 1e-6 * absref[i] + 1e-7) << i;
  }
}
#endif

TEST(Flops, GemmsAreCounted) {
  std::vector<float> A(6 * 4, 1.f), B(4 * 5, 1.f), C(6 * 5, 0.f);
  const double before = matmul_flops();
  gemm(false, false, 6, 5, 4, 1.f, A.data(), 4, B.data(), 5, 0.f, C.data(), 5);
  EXPECT_EQ(matmul_flops() - before, 2.0 * 6 * 5 * 4);
  EXPECT_EQ(C[0], 4.f);
}

}  // namespace
