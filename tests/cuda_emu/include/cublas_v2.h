// Stand-in for <cublas_v2.h> in the emulated build (tests/cuda_emu): column-major GEMMs as
// plain loops on the CPU, run on (or captured into) the handle's stream like any other work.
// Arguments are validated the way cuBLAS does (CUBLAS_STATUS_INVALID_VALUE).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "cuda_runtime.h"

enum cublasStatus_t {
  CUBLAS_STATUS_SUCCESS = 0,
  CUBLAS_STATUS_NOT_INITIALIZED = 1,
  CUBLAS_STATUS_INVALID_VALUE = 7,
  CUBLAS_STATUS_NOT_SUPPORTED = 15,
};
enum cublasOperation_t { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_OP_C = 2 };
enum cublasPointerMode_t { CUBLAS_POINTER_MODE_HOST = 0, CUBLAS_POINTER_MODE_DEVICE = 1 };
enum cublasComputeType_t {
  CUBLAS_COMPUTE_32F = 68,
  CUBLAS_COMPUTE_32F_FAST_16BF = 75,
  CUBLAS_COMPUTE_32F_FAST_TF32 = 77,
  CUBLAS_COMPUTE_64F = 70,
};
enum cublasGemmAlgo_t { CUBLAS_GEMM_DEFAULT = -1, CUBLAS_GEMM_DEFAULT_TENSOR_OP = 99 };

namespace emu::blas {
struct Handle {
  cudaStream_t stream = nullptr;
  cublasPointerMode_t mode = CUBLAS_POINTER_MODE_HOST;
};
}  // namespace emu::blas
typedef emu::blas::Handle* cublasHandle_t;

inline const char* cublasGetStatusName(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
  }
  return "CUBLAS_STATUS_UNKNOWN";
}
inline const char* cublasGetStatusString(cublasStatus_t s) { return cublasGetStatusName(s); }
inline cublasStatus_t cublasCreate(cublasHandle_t* h) {
  *h = new emu::blas::Handle;
  return CUBLAS_STATUS_SUCCESS;
}
inline cublasStatus_t cublasDestroy(cublasHandle_t h) {
  delete h;
  return CUBLAS_STATUS_SUCCESS;
}
inline cublasStatus_t cublasSetStream(cublasHandle_t h, cudaStream_t s) {
  h->stream = s;
  return CUBLAS_STATUS_SUCCESS;
}
inline cublasStatus_t cublasSetWorkspace(cublasHandle_t h, void* ws, size_t n) {
  if (n && !emu::rt::is_dev(ws, n)) return CUBLAS_STATUS_INVALID_VALUE;
  return h ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED;
}
inline cublasStatus_t cublasSetPointerMode(cublasHandle_t h, cublasPointerMode_t m) {
  h->mode = m;
  return CUBLAS_STATUS_SUCCESS;
}

namespace emu::blas {
// C[m,n] = alpha op(A)[m,k] op(B)[k,n] + beta C, column-major, `count` matrices apart by the
// strides; Acc is the accumulation type (float for CUBLAS_COMPUTE_32F, like cuBLAS).
// TF32 is computed as FP32 (more exact than the tensor cores); CUBLAS_COMPUTE_32F_FAST_16BF
// rounds each operand to bfloat16 (nearest, ties to even, as the tensor cores' conversion
// does) and sums in float, so the emulated bf16 GEMM has bf16's error.
inline float round_to_bf16(float v) {
  std::uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  if ((u & 0x7fffffffu) <= 0x7f800000u) u = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;  // NaN kept
  std::memcpy(&v, &u, sizeof v);
  return v;
}
template <class T, class Acc>
cublasStatus_t gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, const T* alpha,
                    const T* A, int lda, long long sa, const T* B, int ldb, long long sb, const T* beta, T* C, int ldc,
                    long long sc, int count, bool bf16_operands = false) {
  if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (m < 0 || n < 0 || k < 0 || count < 0) return CUBLAS_STATUS_INVALID_VALUE;
  if (lda < std::max(1, ta == CUBLAS_OP_N ? m : k) || ldb < std::max(1, tb == CUBLAS_OP_N ? k : n) ||
      ldc < std::max(1, m)) {
    std::fprintf(stderr, "emu: cuBLAS gemm m=%d n=%d k=%d lda=%d ldb=%d ldc=%d ta=%d tb=%d: bad leading dimension\n", m, n, k,
                 lda, ldb, ldc, int(ta), int(tb));
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  if (h->mode != CUBLAS_POINTER_MODE_HOST) return CUBLAS_STATUS_NOT_SUPPORTED;
  if (m == 0 || n == 0 || count == 0) return CUBLAS_STATUS_SUCCESS;
  // the operands must lie in device memory
  const size_t ea = size_t(lda) * size_t((ta == CUBLAS_OP_N ? k : m) - 1) + size_t(ta == CUBLAS_OP_N ? m : k);
  const size_t eb = size_t(ldb) * size_t((tb == CUBLAS_OP_N ? n : k) - 1) + size_t(tb == CUBLAS_OP_N ? k : n);
  const size_t ec = size_t(ldc) * size_t(n - 1) + size_t(m);
  for (int i = 0; i < count; ++i) {
    if ((k > 0 && (!emu::rt::is_dev(A + i * sa, ea * sizeof(T)) || !emu::rt::is_dev(B + i * sb, eb * sizeof(T)))) ||
        !emu::rt::is_dev(C + i * sc, ec * sizeof(T))) {
      std::fprintf(stderr, "emu: cuBLAS gemm m=%d n=%d k=%d batch %d/%d: an operand runs outside device memory\n", m, n, k,
                   i, count);
      emu::rt::bad("cuBLAS operand outside device memory");
    }
  }
  const T al = *alpha, be = *beta;
  return emu::rt::enqueue(h->stream, [=] {
    for (int b = 0; b < count; ++b) {
      const T* a = A + b * sa;
      const T* bb = B + b * sb;
      T* c = C + b * sc;
      for (int j = 0; j < n; ++j)
        for (int i = 0; i < m; ++i) {
          Acc acc = 0;
          for (int l = 0; l < k; ++l) {
            T x = ta == CUBLAS_OP_N ? a[i + size_t(l) * lda] : a[l + size_t(i) * lda];
            T y = tb == CUBLAS_OP_N ? bb[l + size_t(j) * ldb] : bb[j + size_t(l) * ldb];
            if constexpr (sizeof(T) == sizeof(float))
              if (bf16_operands) x = round_to_bf16(x), y = round_to_bf16(y);
            acc += Acc(x) * Acc(y);
          }
          T& out = c[i + size_t(j) * ldc];
          out = be == T(0) ? T(al * T(acc)) : T(al * T(acc) + be * out);
        }
    }
  }) == cudaSuccess
             ? CUBLAS_STATUS_SUCCESS
             : CUBLAS_STATUS_INVALID_VALUE;
}
inline bool f32(cudaDataType a, cudaDataType b, cudaDataType c, cublasComputeType_t ct) {
  return a == CUDA_R_32F && b == CUDA_R_32F && c == CUDA_R_32F &&
         (ct == CUBLAS_COMPUTE_32F || ct == CUBLAS_COMPUTE_32F_FAST_TF32 || ct == CUBLAS_COMPUTE_32F_FAST_16BF);
}
}  // namespace emu::blas

inline cublasStatus_t cublasGemmEx(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                   const void* alpha, const void* A, cudaDataType at, int lda, const void* B,
                                   cudaDataType bt, int ldb, const void* beta, void* C, cudaDataType ct, int ldc,
                                   cublasComputeType_t comp, cublasGemmAlgo_t) {
  if (!emu::blas::f32(at, bt, ct, comp)) return CUBLAS_STATUS_NOT_SUPPORTED;
  return emu::blas::gemm<float, float>(h, ta, tb, m, n, k, static_cast<const float*>(alpha),
                                       static_cast<const float*>(A), lda, 0, static_cast<const float*>(B), ldb, 0,
                                       static_cast<const float*>(beta), static_cast<float*>(C), ldc, 0, 1,
                                       comp == CUBLAS_COMPUTE_32F_FAST_16BF);
}
inline cublasStatus_t cublasGemmStridedBatchedEx(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m,
                                                 int n, int k, const void* alpha, const void* A, cudaDataType at,
                                                 int lda, long long sa, const void* B, cudaDataType bt, int ldb,
                                                 long long sb, const void* beta, void* C, cudaDataType ct, int ldc,
                                                 long long sc, int count, cublasComputeType_t comp, cublasGemmAlgo_t) {
  if (!emu::blas::f32(at, bt, ct, comp)) return CUBLAS_STATUS_NOT_SUPPORTED;
  return emu::blas::gemm<float, float>(h, ta, tb, m, n, k, static_cast<const float*>(alpha),
                                       static_cast<const float*>(A), lda, sa, static_cast<const float*>(B), ldb, sb,
                                       static_cast<const float*>(beta), static_cast<float*>(C), ldc, sc, count,
                                       comp == CUBLAS_COMPUTE_32F_FAST_16BF);
}
inline cublasStatus_t cublasDgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                  const double* alpha, const double* A, int lda, const double* B, int ldb,
                                  const double* beta, double* C, int ldc) {
  return emu::blas::gemm<double, double>(h, ta, tb, m, n, k, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0, 1);
}
inline cublasStatus_t cublasDgemmStridedBatched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m,
                                                int n, int k, const double* alpha, const double* A, int lda,
                                                long long sa, const double* B, int ldb, long long sb,
                                                const double* beta, double* C, int ldc, long long sc, int count) {
  return emu::blas::gemm<double, double>(h, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, count);
}
