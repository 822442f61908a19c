// Row-major GEMM, overloaded for float and double so that every kernel can be instantiated
// in double precision for the finite-difference checks.
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
// Through CBLAS (OpenBLAS) by default; with AKORN_BLAS_BUILTIN defined (CMake
// -DAKORN_BLAS=builtin) through the portable GEMM of gemm_builtin.hpp and no BLAS library.
#pragma once
#ifdef AKORN_BLAS_BUILTIN
#include "akorn/gemm_builtin.hpp"
#else
#include <cblas.h>
#endif

namespace akorn {

#ifdef AKORN_BLAS_BUILTIN

inline void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
                 int lda, const float* B, int ldb, float beta, float* C, int ldc) {
  builtin::gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

inline void gemm(bool trans_a, bool trans_b, int M, int N, int K, double alpha, const double* A,
                 int lda, const double* B, int ldb, double beta, double* C, int ldc) {
  builtin::gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

#else

inline void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
                 int lda, const float* B, int ldb, float beta, float* C, int ldc) {
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

inline void gemm(bool trans_a, bool trans_b, int M, int N, int K, double alpha, const double* A,
                 int lda, const double* B, int ldb, double beta, double* C, int ldc) {
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

#endif

}  // namespace akorn
