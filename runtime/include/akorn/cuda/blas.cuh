// Row-major GEMMs through cuBLAS (column-major), the GPU twin of akorn/blas.hpp:
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C
// A row-major matrix is the transpose of a column-major one, so C^T = op(B)^T op(A)^T is
// one column-major call with the operands swapped. Float GEMMs are strict FP32 unless the
// context enables TF32 tensor cores (ctx().tf32) or the run's precision is bf16
// (`--precision bf16`, akorn/precision.hpp): then cuBLAS rounds the fp32 operands to bfloat16
// for its tensor cores and sums in fp32 (CUBLAS_COMPUTE_32F_FAST_16BF) -- the CPU's bf16
// contract, with no conversion kernel and no scratch memory, so CUDA-graph capture is
// unaffected. Double GEMMs are always FP64.
#pragma once
#include "akorn/cuda/common.cuh"
#include "akorn/precision.hpp"

namespace akorn::cuda {

namespace detail {
inline cublasOperation_t op(bool t) { return t ? CUBLAS_OP_T : CUBLAS_OP_N; }
inline cublasComputeType_t f32_compute() {
  if (gemm_precision() == Precision::Bf16) return CUBLAS_COMPUTE_32F_FAST_16BF;
  return ctx().tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
}
}  // namespace detail

inline void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc) {
  AKORN_CUBLAS_CHECK(cublasGemmEx(ctx().blas, detail::op(trans_b), detail::op(trans_a), N, M, K, &alpha, B,
                                  CUDA_R_32F, ldb, A, CUDA_R_32F, lda, &beta, C, CUDA_R_32F, ldc,
                                  detail::f32_compute(), CUBLAS_GEMM_DEFAULT));
}

inline void gemm(bool trans_a, bool trans_b, int M, int N, int K, double alpha, const double* A, int lda,
                 const double* B, int ldb, double beta, double* C, int ldc) {
  AKORN_CUBLAS_CHECK(cublasDgemm(ctx().blas, detail::op(trans_b), detail::op(trans_a), N, M, K, &alpha, B, ldb,
                                 A, lda, &beta, C, ldc));
}

// `count` independent GEMMs; matrix i of A, B, C starts at A + i*stride_a, ... (stride 0
// reuses the same matrix, e.g. shared weights).
inline void gemm_batched(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                         long long stride_a, const float* B, int ldb, long long stride_b, float beta, float* C,
                         int ldc, long long stride_c, int count) {
  AKORN_CUBLAS_CHECK(cublasGemmStridedBatchedEx(ctx().blas, detail::op(trans_b), detail::op(trans_a), N, M, K,
                                                &alpha, B, CUDA_R_32F, ldb, stride_b, A, CUDA_R_32F, lda, stride_a,
                                                &beta, C, CUDA_R_32F, ldc, stride_c, count, detail::f32_compute(),
                                                CUBLAS_GEMM_DEFAULT));
}

inline void gemm_batched(bool trans_a, bool trans_b, int M, int N, int K, double alpha, const double* A, int lda,
                         long long stride_a, const double* B, int ldb, long long stride_b, double beta, double* C,
                         int ldc, long long stride_c, int count) {
  AKORN_CUBLAS_CHECK(cublasDgemmStridedBatched(ctx().blas, detail::op(trans_b), detail::op(trans_a), N, M, K,
                                               &alpha, B, ldb, stride_b, A, lda, stride_a, &beta, C, ldc, stride_c,
                                               count));
}

}  // namespace akorn::cuda
