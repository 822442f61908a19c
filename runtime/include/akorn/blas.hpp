// Row-major GEMM, overloaded for float and double so that every kernel can be instantiated
// in double precision for the finite-difference checks.
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
// fp32: through oneDNN's sgemm with AKORN_ONEDNN (CMake -DAKORN_ONEDNN=ON, gemm_onednn.hpp),
// else through CBLAS (OpenBLAS), or with AKORN_BLAS_BUILTIN (CMake -DAKORN_BLAS=builtin)
// through the portable GEMM of gemm_builtin.hpp and no BLAS library. Double: CBLAS or the
// builtin GEMM.
// With gemm_precision() == Bf16 (precision.hpp, `--precision bf16`) a float GEMM rounds its
// operands to bfloat16 and accumulates in fp32: through oneDNN's bf16 matmul where this CPU
// has one, else emulated (the operands rounded to bf16 values in fp32 copies, then the fp32
// GEMM: the same numbers up to the order of the fp32 sums, without the speed).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "akorn/common.hpp"
#include "akorn/flops.hpp"
#include "akorn/parallel.hpp"
#include "akorn/precision.hpp"
#ifdef AKORN_BLAS_BUILTIN
#include "akorn/gemm_builtin.hpp"
#else
#include <cblas.h>
#endif
#ifdef AKORN_ONEDNN
#include "akorn/gemm_onednn.hpp"
#endif

namespace akorn {

namespace blas_detail {

inline void sgemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                  const float* B, int ldb, float beta, float* C, int ldc) {
#if defined(AKORN_ONEDNN)
  onednn::sgemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#elif defined(AKORN_BLAS_BUILTIN)
  builtin::gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N, K,
              alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

// bf16 operands, fp32 products and sums, through the fp32 GEMM (products of two bf16 values
// are exact in fp32, so only the summation order can differ from a bf16 GEMM kernel)
inline void gemm_bf16_emulated(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
                               int lda, const float* B, int ldb, float beta, float* C, int ldc) {
  static std::vector<float> a, b;
  const int ar = trans_a ? K : M, ac = trans_a ? M : K, br = trans_b ? N : K, bc = trans_b ? K : N;
  a.resize(std::size_t(ar) * ac);
  b.resize(std::size_t(br) * bc);
  pack_converted(A, ar, ac, lda, a.data(), RoundToBf16{});
  pack_converted(B, br, bc, ldb, b.data(), RoundToBf16{});
  sgemm(trans_a, trans_b, M, N, K, alpha, a.data(), ac, b.data(), bc, beta, C, ldc);
}

}  // namespace blas_detail

// How this program runs bf16 GEMMs on this CPU (the bench commands print it).
inline std::string bf16_gemm_engine() {
#ifdef AKORN_ONEDNN
  if (onednn::bf16_gemm().available()) return "oneDNN " + onednn::bf16_gemm().engine_info();
  return "emulated: operands rounded to bf16, fp32 GEMM (" + onednn::bf16_gemm().engine_info() + ")";
#else
  return "emulated: operands rounded to bf16, fp32 GEMM (built without oneDNN: -DAKORN_ONEDNN=ON)";
#endif
}

inline void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc) {
  count_matmul(M, N, K);
  if (gemm_precision() == Precision::Bf16 && M > 0 && N > 0 && K > 0) {
#ifdef AKORN_ONEDNN
    if (onednn::bf16_gemm().available())
      return onednn::bf16_gemm().gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
    return blas_detail::gemm_bf16_emulated(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
  blas_detail::sgemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

inline void gemm(bool trans_a, bool trans_b, int M, int N, int K, double alpha, const double* A, int lda,
                 const double* B, int ldb, double beta, double* C, int ldc) {
  count_matmul(M, N, K);
#ifdef AKORN_BLAS_BUILTIN
  builtin::gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N, K,
              alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

}  // namespace akorn
