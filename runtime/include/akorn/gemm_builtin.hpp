// A portable, cache-blocked GEMM (no BLAS library): the kernels' GEMMs when the build has
// AKORN_BLAS=builtin (blas.hpp), e.g. cross-compiled aarch64 / Jetson builds without a
// sysroot OpenBLAS. Same contract as cblas_?gemm with CblasRowMajor:
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C,   op(X) = X or X^T
// with leading dimensions lda/ldb/ldc (row strides of A, B, C as stored). As in BLAS,
// beta == 0 overwrites C (NaN or Inf already in C do not propagate), and alpha == 0 or
// K == 0 reads neither A nor B.
//
// GotoBLAS/BLIS structure: the output is cut into tiles (at most kMC x kNC) that OpenMP
// threads take one at a time; within a tile, for each kKC-deep slice of K, op(A) and op(B)
// are packed into contiguous MR-row / NR-column panels and a register-blocked MR x NR
// micro-kernel (GCC/Clang vector extensions: SSE2, AVX2, AVX-512 or NEON registers, as the
// -march allows) accumulates each C element over the slice in k order. The K slicing is fixed, so
// every C element gets the same sequence of operations whatever the tiling or thread count:
// results are bitwise independent of OMP_NUM_THREADS.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace akorn {
namespace builtin {

namespace detail {

// Vector width in bytes of the target (what the compiler was told: -march / defaults).
#if defined(__AVX512F__)
constexpr int kVecBytes = 64;
#elif defined(__AVX__)
constexpr int kVecBytes = 32;
#else
constexpr int kVecBytes = 16;  // SSE2 (x86-64 baseline), NEON (aarch64), others
#endif
// Register block: MR rows x NR = 2 vectors of C held in the accumulators: 6 x 2 on 16
// vector-register targets (x86-64 SSE2 / AVX2), 8 x 2 on 32-register ones (aarch64 NEON,
// AVX-512).
#if defined(__aarch64__) || defined(__AVX512F__)
constexpr int kMR = 8;
#else
constexpr int kMR = 6;
#endif
template <typename S>
struct Blocking {
  static constexpr int MR = kMR, NR = 2 * kVecBytes / int(sizeof(S));
};
constexpr int kKC = 256;  // depth of a packed slice (fixed: it sets the summation order)
constexpr int kMC = 128;  // tile rows: packed op(A) slice kMC x kKC (128 KiB float), L2
constexpr int kNC = 512;  // tile columns: packed op(B) slice kKC x kNC (512 KiB float)

// op(A)[i0:i0+mc, k0:k0+kc] -> panels of MR rows, each stored k-major (MR values per k),
// rows past mc zero-filled.
template <typename S, int MR>
inline void pack_a(bool trans, const S* A, int lda, int i0, int mc, int k0, int kc, S* out) {
  for (int ip = 0; ip < mc; ip += MR) {
    const int mr = std::min(MR, mc - ip);
    S* dst = out + static_cast<std::ptrdiff_t>(ip) * kc;
    if (!trans) {  // A[i][k] at A[i*lda + k]
      for (int r = 0; r < mr; ++r) {
        const S* src = A + static_cast<std::ptrdiff_t>(i0 + ip + r) * lda + k0;
        for (int k = 0; k < kc; ++k) dst[k * MR + r] = src[k];
      }
    } else {  // op(A)[i][k] = A[k][i] at A[k*lda + i]
      for (int k = 0; k < kc; ++k) {
        const S* src = A + static_cast<std::ptrdiff_t>(k0 + k) * lda + i0 + ip;
        for (int r = 0; r < mr; ++r) dst[k * MR + r] = src[r];
      }
    }
    for (int r = mr; r < MR; ++r)
      for (int k = 0; k < kc; ++k) dst[k * MR + r] = S(0);
  }
}

// op(B)[k0:k0+kc, j0:j0+nc] -> panels of NR columns, each stored k-major (NR values per k),
// columns past nc zero-filled.
template <typename S, int NR>
inline void pack_b(bool trans, const S* B, int ldb, int k0, int kc, int j0, int nc, S* out) {
  for (int jp = 0; jp < nc; jp += NR) {
    const int nr = std::min(NR, nc - jp);
    S* dst = out + static_cast<std::ptrdiff_t>(jp) * kc;
    if (!trans) {  // B[k][j] at B[k*ldb + j]
      for (int k = 0; k < kc; ++k) {
        const S* src = B + static_cast<std::ptrdiff_t>(k0 + k) * ldb + j0 + jp;
        for (int c = 0; c < nr; ++c) dst[k * NR + c] = src[c];
        for (int c = nr; c < NR; ++c) dst[k * NR + c] = S(0);
      }
    } else {  // op(B)[k][j] = B[j][k] at B[j*ldb + k]
      for (int c = 0; c < nr; ++c) {
        const S* src = B + static_cast<std::ptrdiff_t>(j0 + jp + c) * ldb + k0;
        for (int k = 0; k < kc; ++k) dst[k * NR + c] = src[k];
      }
      for (int c = nr; c < NR; ++c)
        for (int k = 0; k < kc; ++k) dst[k * NR + c] = S(0);
    }
  }
}

// C[0:mr, 0:nr] += alpha * (packed A panel) * (packed B panel) over kc. The accumulators
// are GCC/Clang vector-extension values (SSE/AVX/NEON registers); other compilers get the
// same arithmetic as plain loops.
template <typename S, int MR, int NR>
inline void micro_kernel(int kc, const S* __restrict a, const S* __restrict b, S alpha,
                         S* __restrict C, int ldc, int mr, int nr) {
#if defined(__GNUC__)
  constexpr int VL = kVecBytes / int(sizeof(S));
  static_assert(NR == 2 * VL, "NR is two vectors");
  typedef S V __attribute__((vector_size(kVecBytes)));
  V acc[MR][2];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = V{};
  for (int k = 0; k < kc; ++k) {
    V b0, b1;
    __builtin_memcpy(&b0, b + k * NR, sizeof(V));
    __builtin_memcpy(&b1, b + k * NR + VL, sizeof(V));
    const S* ak = a + k * MR;
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      acc[i][0] += ak[i] * b0;
      acc[i][1] += ak[i] * b1;
    }
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      S* c = C + static_cast<std::ptrdiff_t>(i) * ldc;
      V c0, c1;
      __builtin_memcpy(&c0, c, sizeof(V));
      __builtin_memcpy(&c1, c + VL, sizeof(V));
      c0 += alpha * acc[i][0];
      c1 += alpha * acc[i][1];
      __builtin_memcpy(c, &c0, sizeof(V));
      __builtin_memcpy(c + VL, &c1, sizeof(V));
    }
  } else {
    for (int i = 0; i < mr; ++i) {
      S* c = C + static_cast<std::ptrdiff_t>(i) * ldc;
      for (int j = 0; j < nr; ++j) c[j] += alpha * acc[i][j / VL][j % VL];
    }
  }
#else
  S acc[MR][NR] = {};
  for (int k = 0; k < kc; ++k) {
    const S* ak = a + k * MR;
    const S* bk = b + k * NR;
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) acc[i][j] += ak[i] * bk[j];
  }
  for (int i = 0; i < mr; ++i) {
    S* c = C + static_cast<std::ptrdiff_t>(i) * ldc;
    for (int j = 0; j < nr; ++j) c[j] += alpha * acc[i][j];
  }
#endif
}

template <typename S>
inline void gemm_impl(bool trans_a, bool trans_b, int M, int N, int K, S alpha, const S* A,
                      int lda, const S* B, int ldb, S beta, S* C, int ldc) {
  constexpr int MR = Blocking<S>::MR, NR = Blocking<S>::NR;
  if (M <= 0 || N <= 0) return;
  const bool product = alpha != S(0) && K > 0;

  // Tiles: at most kMC x kNC, made smaller (not below a few register blocks) until every
  // thread has at least one.
  int threads = 1;
#ifdef _OPENMP
  if (!omp_in_parallel()) threads = omp_get_max_threads();
#endif
  const double flops = 2.0 * M * N * std::max(K, 1);
  if (flops < 2.0e5) threads = 1;  // too small to be worth waking the thread pool
  int mc = std::min(M, kMC), nc = std::min(N, kNC);
  auto tiles = [&] { return static_cast<std::int64_t>((M + mc - 1) / mc) * ((N + nc - 1) / nc); };
  while (tiles() < threads) {
    if (mc >= nc && mc > 4 * MR) {
      mc = std::max(4 * MR, (mc / 2 + MR - 1) / MR * MR);
    } else if (nc > 4 * NR) {
      nc = std::max(4 * NR, (nc / 2 + NR - 1) / NR * NR);
    } else if (mc > 4 * MR) {
      mc = std::max(4 * MR, (mc / 2 + MR - 1) / MR * MR);
    } else {
      break;
    }
  }
  const int tiles_m = (M + mc - 1) / mc, tiles_n = (N + nc - 1) / nc;
  const std::int64_t ntiles = static_cast<std::int64_t>(tiles_m) * tiles_n;
  const int kc_max = std::min(std::max(K, 1), kKC);
  const std::size_t a_size = static_cast<std::size_t>((mc + MR - 1) / MR * MR) * kc_max;
  const std::size_t b_size = static_cast<std::size_t>((nc + NR - 1) / NR * NR) * kc_max;

#ifdef _OPENMP
#pragma omp parallel if (threads > 1 && ntiles > 1) num_threads(threads)
#endif
  {
    // Per-thread packing buffers, kept between calls (OpenMP reuses its threads).
    static thread_local std::vector<S> abuf, bbuf;
    if (product && abuf.size() < a_size) abuf.resize(a_size);
    if (product && bbuf.size() < b_size) bbuf.resize(b_size);
#ifdef _OPENMP
#pragma omp for schedule(static)
#endif
    for (std::int64_t t = 0; t < ntiles; ++t) {
      const int i0 = static_cast<int>(t / tiles_n) * mc, j0 = static_cast<int>(t % tiles_n) * nc;
      const int m = std::min(mc, M - i0), n = std::min(nc, N - j0);
      // C = beta * C first; beta == 0 overwrites (BLAS semantics: NaN in C is dropped).
      if (beta != S(1)) {
        for (int i = 0; i < m; ++i) {
          S* c = C + static_cast<std::ptrdiff_t>(i0 + i) * ldc + j0;
          if (beta == S(0)) {
            std::fill(c, c + n, S(0));
          } else {
            for (int j = 0; j < n; ++j) c[j] *= beta;
          }
        }
      }
      if (!product) continue;
      for (int k0 = 0; k0 < K; k0 += kKC) {
        const int kc = std::min(kKC, K - k0);
        pack_a<S, MR>(trans_a, A, lda, i0, m, k0, kc, abuf.data());
        pack_b<S, NR>(trans_b, B, ldb, k0, kc, j0, n, bbuf.data());
        for (int jp = 0; jp < n; jp += NR) {
          const S* bp = bbuf.data() + static_cast<std::ptrdiff_t>(jp) * kc;
          for (int ip = 0; ip < m; ip += MR) {
            micro_kernel<S, MR, NR>(kc, abuf.data() + static_cast<std::ptrdiff_t>(ip) * kc, bp, alpha,
                                    C + static_cast<std::ptrdiff_t>(i0 + ip) * ldc + j0 + jp, ldc,
                                    std::min(MR, m - ip), std::min(NR, n - jp));
          }
        }
      }
    }
  }
}

}  // namespace detail

inline void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A,
                 int lda, const float* B, int ldb, float beta, float* C, int ldc) {
  detail::gemm_impl<float>(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

inline void gemm(bool trans_a, bool trans_b, int M, int N, int K, double alpha, const double* A,
                 int lda, const double* B, int ldb, double beta, double* C, int ldc) {
  detail::gemm_impl<double>(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace builtin
}  // namespace akorn
