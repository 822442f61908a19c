// The built-in GEMM (akorn/gemm_builtin.hpp, used when AKORN_BLAS=builtin) against a naive
// triple loop in long double: all four transpose combinations, odd sizes that leave partial
// register blocks and tiles, leading dimensions larger than the row length, beta 0 / 1 /
// 0.5, alpha 1 / -0.75 / 0, float and double. Included directly, so it is tested in the
// OpenBLAS build too.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "akorn/gemm_builtin.hpp"

namespace {

template <typename S>
struct Case {
  bool ta, tb;
  int M, N, K;
  S alpha, beta;
  int pad_a, pad_b, pad_c;  // lda = row length + pad
};

template <typename S>
std::string describe(const Case<S>& c) {
  return std::string(c.ta ? "T" : "N") + (c.tb ? "T" : "N") + " M=" + std::to_string(c.M) +
         " N=" + std::to_string(c.N) + " K=" + std::to_string(c.K) + " alpha=" +
         std::to_string(double(c.alpha)) + " beta=" + std::to_string(double(c.beta)) + " pads=" +
         std::to_string(c.pad_a) + "," + std::to_string(c.pad_b) + "," + std::to_string(c.pad_c);
}

// Runs one case; returns the largest error relative to sum_k |alpha a b| + |beta c| per
// element (the scale of the rounding a float GEMM may make).
template <typename S>
void run_case(const Case<S>& c, std::mt19937& rng, double tol, bool nan_in_c = false) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  // Stored shapes: A is [M,K] or (trans) [K,M]; B is [K,N] or (trans) [N,K].
  const int a_rows = c.ta ? c.K : c.M, a_cols = c.ta ? c.M : c.K;
  const int b_rows = c.tb ? c.N : c.K, b_cols = c.tb ? c.K : c.N;
  const int lda = a_cols + c.pad_a, ldb = b_cols + c.pad_b, ldc = c.N + c.pad_c;
  const S sentinel = S(12345.0);
  std::vector<S> A(std::size_t(std::max(a_rows, 1)) * lda), B(std::size_t(std::max(b_rows, 1)) * ldb),
      C(std::size_t(c.M) * ldc, sentinel);
  for (auto& v : A) v = S(u(rng));
  for (auto& v : B) v = S(u(rng));
  for (int i = 0; i < c.M; ++i)
    for (int j = 0; j < c.N; ++j)
      C[std::size_t(i) * ldc + j] = nan_in_c ? std::numeric_limits<S>::quiet_NaN() : S(u(rng));
  const std::vector<S> C0 = C;

  akorn::builtin::gemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta,
                       C.data(), ldc);

  double worst = 0;
  for (int i = 0; i < c.M; ++i) {
    for (int j = 0; j < c.N; ++j) {
      long double ref = 0, scale = 0;
      for (int k = 0; k < c.K; ++k) {
        const long double a = c.ta ? A[std::size_t(k) * lda + i] : A[std::size_t(i) * lda + k];
        const long double b = c.tb ? B[std::size_t(j) * ldb + k] : B[std::size_t(k) * ldb + j];
        ref += a * b;
        scale += std::fabs(a * b);
      }
      ref *= c.alpha;
      scale *= std::fabs(double(c.alpha));
      if (c.beta != S(0)) {
        ref += (long double)c.beta * C0[std::size_t(i) * ldc + j];
        scale += std::fabs((long double)c.beta * C0[std::size_t(i) * ldc + j]);
      }
      const S got = C[std::size_t(i) * ldc + j];
      ASSERT_TRUE(std::isfinite(double(got))) << describe(c) << " at " << i << "," << j;
      const double err = double(std::fabs(got - ref) / (scale + 1e-30L));
      worst = std::max(worst, scale == 0 ? double(std::fabs(got - ref)) : err);
    }
    // The padding between rows of C is never written.
    for (int j = c.N; j < ldc; ++j)
      ASSERT_EQ(C[std::size_t(i) * ldc + j], sentinel) << describe(c) << ": wrote C's padding";
  }
  EXPECT_LE(worst, tol) << describe(c);
}

template <typename S>
void all_cases(double tol) {
  std::mt19937 rng(7);
  const int sizes[][3] = {{1, 1, 1},    {3, 5, 7},      {17, 33, 9},   {5, 1, 300},
                          {1, 29, 13},  {81, 64, 64},   {130, 19, 257}, {67, 515, 31},
                          {243, 192, 64}, {64, 64, 1300}, {6, 7, 0}};
  const S alphas[] = {S(1), S(-0.75)};
  const S betas[] = {S(0), S(1), S(0.5)};
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb)
      for (auto& sz : sizes)
        for (S alpha : alphas)
          for (S beta : betas)
            {
              const int pad = alpha == S(1) ? 0 : 3;  // both padded and tight layouts
              Case<S> c{bool(ta), bool(tb), sz[0], sz[1], sz[2], alpha, beta, pad, 2 * pad, pad + 1};
              run_case(c, rng, tol);
            }
}

}  // namespace

TEST(GemmBuiltin, FloatAllTransposesAndShapes) { all_cases<float>(2e-6); }
TEST(GemmBuiltin, DoubleAllTransposesAndShapes) { all_cases<double>(4e-15); }

// beta == 0 overwrites C, even where it held NaN (BLAS semantics); alpha == 0 only scales.
TEST(GemmBuiltin, BetaZeroDropsNaN) {
  std::mt19937 rng(3);
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      run_case(Case<float>{bool(ta), bool(tb), 37, 21, 19, 1.0f, 0.0f, 1, 0, 2}, rng, 2e-6, true);
      run_case(Case<double>{bool(ta), bool(tb), 37, 21, 19, 1.0, 0.0, 1, 0, 2}, rng, 4e-15, true);
    }
}

TEST(GemmBuiltin, AlphaZeroScalesC) {
  std::mt19937 rng(4);
  for (double beta : {0.0, 0.5, 1.0}) {
    run_case(Case<double>{false, true, 9, 11, 5, 0.0, beta, 0, 0, 0}, rng, 0.0);
    // alpha == 0 must not read A or B: NaN there must not reach C.
    std::vector<float> A(9 * 5, std::numeric_limits<float>::quiet_NaN()), B = A, C(9 * 11, 2.0f);
    akorn::builtin::gemm(false, false, 9, 11, 5, 0.0f, A.data(), 5, B.data(), 11, float(beta), C.data(), 11);
    for (float v : C) ASSERT_EQ(v, float(2.0 * beta));
  }
}

// Bitwise the same for any number of OpenMP threads (the K slicing is fixed).
TEST(GemmBuiltin, ThreadCountIndependent) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const int M = 700, N = 150, K = 600;
  std::vector<float> A(std::size_t(M) * K), B(std::size_t(K) * N), C0(std::size_t(M) * N);
  for (auto& v : A) v = u(rng);
  for (auto& v : B) v = u(rng);
  for (auto& v : C0) v = u(rng);
  const int nt = omp_get_max_threads();
  auto run = [&](int threads, bool ta) {
    omp_set_num_threads(threads);
    std::vector<float> C = C0;
    akorn::builtin::gemm(ta, false, M, N, K, 0.5f, A.data(), ta ? M : K, B.data(), N, 1.0f, C.data(), N);
    return C;
  };
  for (bool ta : {false, true}) {
    const auto one = run(1, ta), many = run(std::max(2, nt) + 1, ta);
    EXPECT_TRUE(one == many) << "trans_a=" << ta;
  }
  omp_set_num_threads(nt);
}
