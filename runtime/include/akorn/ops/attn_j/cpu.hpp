// AttnJ: attention connectivity of the Kuramoto layer, optionally with GTA (spec §3,
// OPS.md "Kuramoto", connectivity Attn).  Per sample (x, y: [P, C], channels fastest):
//   qkv = x W_qkv^T + b_qkv                          [P, 3C]; q, k, v = chunks of C channels
//   head h owns channels d*HEADS + h (d = 0..HD-1)
//   GTA: pair (2f, 2f+1) of q (k, v) at position p  <- M_q[p, f] * pair  (M_k, M_v)
//   A_h = softmax_rows(q'_h k'_h^T / sqrt(HD)),  o_h = A_h v'_h
//   GTA: pair of o_h                                 <- M_o[p, f] * pair
// gta = [4, P, HD/2, 2, 2]: the four independent sets M_q, M_k, M_v, M_o (spec §3;
// initialised M, M, M, M^T), dgta the same layout.
//   y = o W_o^T + b_o
//
// Buffers (the caller provides N * saved_elems / fwd_ws_elems / bwd_ws_elems elements).
// Each buffer is split into SECTIONS, each section batch-major over the N samples of the
// call (so the whole batch is one GEMM operand):
//   saved: qkv   [N, P, 3C]           raw projection x W_qkv^T + b_qkv (before GTA)
//          A     [N, HEADS, P, P]     softmax attention weights
//          o     [N, P, C]            attention output fed to W_o (after M_o with GTA)
//          o_pre [N, HEADS, P, HD]    GTA only: attention output before M_o
//   fwd ws: per (n, h): q'*scale [P, HD], k'^T [HD, P], v' [P, HD]
//   bwd ws: dO [N, P, C] | dqkv [N, P, 3C] | per (n, h) scratch (7 P HD + P P)
//           | GTA only: per sample, dM of the four sets [4, P, HD/2, 4] (summed over its heads;
//             the layout's room is per (n, h))
// Backward re-gathers q', k', v' from the saved raw qkv (a cheap O(P*C) relayout with the
// 2x2 transforms), the attention itself is not recomputed. `saved` is always required
// (for inference one step-sized buffer can be reused for every step).
// Backward accumulates (+=) into dx, dw_qkv, db_qkv, dw_o, db_o, dgta; nullptr skips.
// Parallel work is over samples (the channel-order passes) and samples x heads (the P x P
// work, below); every reduction (weight/bias/GTA gradients) is
// done in a fixed order, so results do not depend on the thread count.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include <omp.h>

#include "akorn/blas.hpp"
#include "akorn/common.hpp"
#include "akorn/ops/attn_j/layout.hpp"
#include "akorn/parallel.hpp"

namespace akorn {
namespace attn_detail {

// Register-blocked small matrix products for the per-head attention loops:
// out [R, M] = op(A) * B with op(A) = A [R, K] or (TA) A^T for A [K, R], B [K, M].
// Tiles of RB rows x NV vectors of VB bytes of columns (GCC/Clang vector extension: one AVX
// register for 32 bytes with -march=x86-64-v3 or later, one AVX-512 register for 64 bytes
// with -march=x86-64-v4; two or four SSE / NEON registers otherwise); the accumulators stay
// in registers over the whole K loop. The tile shape follows M: two vectors of columns
// where M has two (the P x P scores), one where it has one (the P x HD head outputs), and as
// many rows as keep 8 accumulators (16 of 64 bytes: AVX-512 has 32 registers); columns left
// over use a scalar tile. Products are a * b + acc, contracted into FMAs (-ffp-contract=fast,
// the runtime's CMake module).
template <typename S>
struct Vec32 {
  typedef S type __attribute__((vector_size(32)));
};
template <typename S>
struct Vec64 {
  typedef S type __attribute__((vector_size(64)));
};
template <typename S, int VB>
struct VecOf;
template <typename S>
struct VecOf<S, 32> {
  using type = typename Vec32<S>::type;
};
template <typename S>
struct VecOf<S, 64> {
  using type = typename Vec64<S>::type;
};

// The widest vector the target named by -march has registers for (never detected at run time).
#if defined(__AVX512F__)
inline constexpr int kWideVecBytes = 64;
#else
inline constexpr int kWideVecBytes = 32;
#endif
// The vector width of mm for M columns and K products per output, at most WB bytes: the
// widest that M fills at least once, where K is long enough to pay for its wider tiles (K = 8,
// the scores at head dimension 8, ran 8% slower with 64-byte tiles: BENCHMARKS.md, issue 13).
template <typename S, int M, int K, int WB>
inline constexpr int mm_vec_bytes = int(M * sizeof(S)) >= WB && K >= 16 ? WB : 32;

template <typename S, bool TA, int RB, int NV, int VB, int R, int K, int M>
inline void mm_tile_vec(const S* __restrict A, const S* __restrict B, S* __restrict out, int r,
                        int m0) {
  using V = typename VecOf<S, VB>::type;
  constexpr int L = int(VB / sizeof(S));
  V acc[RB][NV];
  for (int i = 0; i < RB; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = V{};
  for (int k = 0; k < K; ++k) {
    V b[NV];
    for (int v = 0; v < NV; ++v) __builtin_memcpy(&b[v], B + index_t(k) * M + m0 + v * L, sizeof(V));
    for (int i = 0; i < RB; ++i) {
      const S a = TA ? A[index_t(k) * R + r + i] : A[index_t(r + i) * K + k];
      for (int v = 0; v < NV; ++v) acc[i][v] += a * b[v];
    }
  }
  for (int i = 0; i < RB; ++i)
    for (int v = 0; v < NV; ++v)
      __builtin_memcpy(out + index_t(r + i) * M + m0 + v * L, &acc[i][v], sizeof(V));
}

template <typename S, bool TA, int RB, int MW, int R, int K, int M>
inline void mm_tile_scalar(const S* __restrict A, const S* __restrict B, S* __restrict out, int r,
                           int m0) {
  S acc[RB][MW];
  for (int i = 0; i < RB; ++i)
    for (int j = 0; j < MW; ++j) acc[i][j] = S(0);
  for (int k = 0; k < K; ++k) {
    const S* b = B + index_t(k) * M + m0;
    for (int i = 0; i < RB; ++i) {
      const S a = TA ? A[index_t(k) * R + r + i] : A[index_t(r + i) * K + k];
      for (int j = 0; j < MW; ++j) acc[i][j] += a * b[j];
    }
  }
  for (int i = 0; i < RB; ++i)
    for (int j = 0; j < MW; ++j) out[index_t(r + i) * M + m0 + j] = acc[i][j];
}

// The rows r .. r+RB-1 of out: full vector tiles, then one single-vector tile, then scalars.
template <typename S, bool TA, int RB, int VB, int R, int K, int M>
inline void mm_rows(const S* __restrict A, const S* __restrict B, S* __restrict out, int r) {
  constexpr int L = int(VB / sizeof(S));
  constexpr int NV = M >= 2 * L ? 2 : 1;
  constexpr int M0 = M / (NV * L) * (NV * L);               // columns in NV-vector tiles
  constexpr int M1 = M0 + ((M - M0) >= L ? L : 0);         // then one vector
  for (int m0 = 0; m0 < M0; m0 += NV * L) mm_tile_vec<S, TA, RB, NV, VB, R, K, M>(A, B, out, r, m0);
  if constexpr (M1 > M0) mm_tile_vec<S, TA, RB, 1, VB, R, K, M>(A, B, out, r, M0);
  if constexpr (M > M1) mm_tile_scalar<S, TA, RB, M - M1, R, K, M>(A, B, out, r, M1);
}

// out = A^T B with few columns (M <= 8: the P x HD gradients A^T dO, dS^T q' at head
// dimension 8) and 64-byte vectors: vectorised over the rows of out instead, which are
// contiguous in A [K, R]; M x NV accumulators, each one column of out for NV * L consecutive
// rows, stored transposed. Per k: NV vector loads and M broadcasts for M x NV FMAs (the
// row tiles above: 1 load and RB broadcasts for RB FMAs of only M lanes).
template <typename S, int NV, int VB, int R, int K, int M>
inline void mm_tile_tn_cols(const S* __restrict A, const S* __restrict B, S* __restrict out, int r) {
  using V = typename VecOf<S, VB>::type;
  constexpr int L = int(VB / sizeof(S));
  V acc[M][NV];
  for (int m = 0; m < M; ++m)
    for (int v = 0; v < NV; ++v) acc[m][v] = V{};
  for (int k = 0; k < K; ++k) {
    V a[NV];
    for (int v = 0; v < NV; ++v) __builtin_memcpy(&a[v], A + index_t(k) * R + r + v * L, sizeof(V));
    const S* b = B + index_t(k) * M;
    for (int m = 0; m < M; ++m)
      for (int v = 0; v < NV; ++v) acc[m][v] += b[m] * a[v];
  }
  for (int v = 0; v < NV; ++v)
    for (int l = 0; l < L; ++l)
      for (int m = 0; m < M; ++m) out[index_t(r + v * L + l) * M + m] = acc[m][v][l];
}

// out [R, M] = op(A) B, vectors of at most WB bytes (the target's widest by default; the
// tests run both widths on every build).
template <typename S, bool TA, int R, int K, int M, int WB = kWideVecBytes>
inline void mm(const S* __restrict A, const S* __restrict B, S* __restrict out) {
  int r = 0;
  if constexpr (TA && WB == 64 && M <= 8) {
    constexpr int L = int(64 / sizeof(S));
    for (; r + 2 * L <= R; r += 2 * L) mm_tile_tn_cols<S, 2, 64, R, K, M>(A, B, out, r);
    for (; r + L <= R; r += L) mm_tile_tn_cols<S, 1, 64, R, K, M>(A, B, out, r);
  }
  constexpr int VB = mm_vec_bytes<S, M, K, WB>;
  constexpr int L = int(VB / sizeof(S));
  constexpr int acc_regs = VB == 64 ? 16 : 8;
  constexpr int RB = M >= 2 * L ? acc_regs / 2 : acc_regs;
  for (; r + RB <= R; r += RB) mm_rows<S, TA, RB, VB, R, K, M>(A, B, out, r);
  for (; r < R; ++r) mm_rows<S, TA, 1, VB, R, K, M>(A, B, out, r);
}

// out[R, M] = A[R, K] * B[K, M]
template <typename S, int R, int K, int M>
inline void mm_nn(const S* A, const S* B, S* out) { mm<S, false, R, K, M>(A, B, out); }
// out[R, M] = A^T B with A [K, R], B [K, M]
template <typename S, int R, int K, int M>
inline void mm_tn(const S* A, const S* B, S* out) { mm<S, true, R, K, M>(A, B, out); }

// exp(x) for x <= 0 (the row max subtracted), on a float or a vector of floats: a
// Cephes-style expf (range reduction by ln 2, degree-6 polynomial, 2^n put into the exponent
// bits; relative error a few ulp); exp of x <= -87 is flushed to 0 through a bit mask (no
// branch, so the same code runs on one lane or eight).
template <typename F, typename I>
inline F exp_nonpositive(F x) {
  const F nf = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round(x / ln 2)
  const F r = (x - nf * 0.693359375f) + nf * 2.12194440e-4f;
  F p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  I n, keep;  // keep: all ones where x > -87
  if constexpr (std::is_same_v<F, float>) {
    n = static_cast<I>(nf);
    keep = -static_cast<I>(x > -87.0f);
  } else {
    n = __builtin_convertvector(nf, I);
    keep = (I)(x > -87.0f);  // a vector compare gives -1 (all ones) or 0 per lane
  }
  // masked before the shift: n + 127 is in [1, 127] where x > -87, and a negative value
  // (x <= -87, flushed) must not be shifted (undefined behaviour; UBSan, tests/sanitize)
  const I bits = ((n + 127) & keep) << 23;
  F scale;
  __builtin_memcpy(&scale, &bits, sizeof(F));
  return p * scale;
}

// In-place softmax of ROWS rows a[r * P .. r * P + P) -> exp(a - max) / sum, row by row.
// float: 32-byte vectors over each row (P / 8 of them, the rest one by one; the exp above),
// four rows at a time in lock step so that their dependency chains (max, exp, sum, scale)
// overlap: one row alone is latency-bound. double: std::exp.
template <typename S, int P, int RB>
inline void softmax_block(S* __restrict a) {
  if constexpr (std::is_same_v<S, float>) {
    using V = Vec32<float>::type;
    using VI = Vec32<std::int32_t>::type;  // (a local vector typedef loses its attribute under nvcc)
    constexpr int L = 8, NV = P / L, T0 = NV * L;
    float mx[RB], sum[RB];
    V vm[RB], vs[RB];
    for (int i = 0; i < RB; ++i) {
      mx[i] = a[i * P];
      vs[i] = V{};
      if constexpr (NV > 0) __builtin_memcpy(&vm[i], a + i * P, sizeof(V));
    }
    for (int v = 1; v < NV; ++v)
      for (int i = 0; i < RB; ++i) {
        V x;
        __builtin_memcpy(&x, a + i * P + v * L, sizeof(V));
        vm[i] = vm[i] > x ? vm[i] : x;
      }
    for (int i = 0; i < RB; ++i) {
      if constexpr (NV > 0)
        for (int l = 0; l < L; ++l) mx[i] = vm[i][l] > mx[i] ? vm[i][l] : mx[i];
      for (int j = T0; j < P; ++j) mx[i] = a[i * P + j] > mx[i] ? a[i * P + j] : mx[i];
    }
    for (int v = 0; v < NV; ++v)
      for (int i = 0; i < RB; ++i) {
        V x;
        __builtin_memcpy(&x, a + i * P + v * L, sizeof(V));
        const V e = exp_nonpositive<V, VI>(x - mx[i]);
        __builtin_memcpy(a + i * P + v * L, &e, sizeof(V));
        vs[i] += e;
      }
    for (int i = 0; i < RB; ++i) {
      sum[i] = 0;
      for (int l = 0; l < L; ++l) sum[i] += vs[i][l];
      for (int j = T0; j < P; ++j) {
        a[i * P + j] = exp_nonpositive<float, std::int32_t>(a[i * P + j] - mx[i]);
        sum[i] += a[i * P + j];
      }
      sum[i] = 1.0f / sum[i];
    }
    for (int v = 0; v < NV; ++v)
      for (int i = 0; i < RB; ++i) {
        V x;
        __builtin_memcpy(&x, a + i * P + v * L, sizeof(V));
        x *= sum[i];
        __builtin_memcpy(a + i * P + v * L, &x, sizeof(V));
      }
    for (int i = 0; i < RB; ++i)
      for (int j = T0; j < P; ++j) a[i * P + j] *= sum[i];
  } else {
    for (int i = 0; i < RB; ++i) {
      S* r = a + i * P;
      S mx = r[0];
      for (int j = 0; j < P; ++j) mx = r[j] > mx ? r[j] : mx;
      S sum = 0;
      for (int j = 0; j < P; ++j) {
        r[j] = std::exp(r[j] - mx);
        sum += r[j];
      }
      const S inv = S(1) / sum;
      for (int j = 0; j < P; ++j) r[j] *= inv;
    }
  }
}

template <typename S, int P, int ROWS>
inline void softmax_rows(S* __restrict a) {
  constexpr int RB = 4;
  int r = 0;
  for (; r + RB <= ROWS; r += RB) softmax_block<S, P, RB>(a + index_t(r) * P);
  for (; r < ROWS; ++r) softmax_block<S, P, 1>(a + index_t(r) * P);
}

template <typename S, int P>
inline void softmax_row(S* __restrict a) { softmax_block<S, P, 1>(a); }

// The softmax backward of ROWS rows, with the score scale: g <- a * (g - <a, g>) * scale per
// row; 32-byte vectors over the row, four rows at a time (independent dot products in flight).
template <typename S, int P, int B>
inline void softmax_backward_block(const S* __restrict a, S* __restrict g, S scale) {
  using V = typename Vec32<S>::type;
  constexpr int L = int(32 / sizeof(S)), NV = P / L, T0 = NV * L;
  V acc[B];
  for (int i = 0; i < B; ++i) acc[i] = V{};
  for (int v = 0; v < NV; ++v)
    for (int i = 0; i < B; ++i) {
      V x, y;
      __builtin_memcpy(&x, a + i * P + v * L, sizeof(V));
      __builtin_memcpy(&y, g + i * P + v * L, sizeof(V));
      acc[i] += x * y;
    }
  S dot[B];
  for (int i = 0; i < B; ++i) {
    dot[i] = S(0);
    for (int l = 0; l < L; ++l) dot[i] += acc[i][l];
    for (int j = T0; j < P; ++j) dot[i] += a[i * P + j] * g[i * P + j];
  }
  for (int v = 0; v < NV; ++v)
    for (int i = 0; i < B; ++i) {
      V x, y;
      __builtin_memcpy(&x, a + i * P + v * L, sizeof(V));
      __builtin_memcpy(&y, g + i * P + v * L, sizeof(V));
      y = x * (y - dot[i]) * scale;
      __builtin_memcpy(g + i * P + v * L, &y, sizeof(V));
    }
  for (int i = 0; i < B; ++i)
    for (int j = T0; j < P; ++j) g[i * P + j] = a[i * P + j] * (g[i * P + j] - dot[i]) * scale;
}

template <typename S, int P, int ROWS>
inline void softmax_backward_rows(const S* __restrict a, S* __restrict g, S scale) {
  constexpr int RB = 4;
  int r = 0;
  for (; r + RB <= ROWS; r += RB)
    softmax_backward_block<S, P, RB>(a + index_t(r) * P, g + index_t(r) * P, scale);
  for (; r < ROWS; ++r) softmax_backward_block<S, P, 1>(a + index_t(r) * P, g + index_t(r) * P, scale);
}

// dst[c] += sum_r src[r * cols + c], rows summed in order (deterministic), parallel over
// column blocks.
template <typename S>
inline void colsum_add(const S* src, index_t rows, int cols, S* dst) {
  constexpr int B = 64;
  parallel_for((cols + B - 1) / B, [&](index_t blk) {
    const int c0 = int(blk) * B;
    const int nc = std::min(B, cols - c0);
    double acc[B] = {};
    for (index_t r = 0; r < rows; ++r) {
      const S* s = src + r * cols + c0;
      for (int c = 0; c < nc; ++c) acc[c] += s[c];
    }
    for (int c = 0; c < nc; ++c) dst[c0 + c] += static_cast<S>(acc[c]);
  });
}

// rows of dst [rows, cols] = bias
template <typename S>
inline void fill_rows(S* dst, index_t rows, int cols, const S* bias) {
  parallel_for((rows + 63) / 64, [&](index_t blk) {
    const index_t r1 = std::min(rows, (blk + 1) * 64);
    for (index_t r = blk * 64; r < r1; ++r) {
      S* d = dst + r * cols;
      if (bias)
        for (int c = 0; c < cols; ++c) d[c] = bias[c];
      else
        for (int c = 0; c < cols; ++c) d[c] = S(0);
    }
  });
}

}  // namespace attn_detail

template <typename S, int H, int W, int C, int HEADS, bool GTA>
struct AttnJ : AttnJLayout<S, H, W, C, HEADS, GTA> {
  using Layout = AttnJLayout<S, H, W, C, HEADS, GTA>;
  using Layout::P, Layout::HD, Layout::saved_elems, Layout::fwd_ws_elems, Layout::bwd_ws_elems,
        Layout::kFwdHead, Layout::kBwdHead, Layout::kGtaElems, Layout::kGtaAll;
  using typename Layout::Saved;
  using Layout::sections;

  // Each call runs in three passes, so that every pass over [P, C] data is vectorised over
  // the heads (channel d*HEADS + h: the heads of one d are contiguous) and only the P x P
  // work runs per head:
  //   split (per sample): the raw q, k, v through the GTA transform of their set, into
  //     head-major per-head buffers;
  //   per (sample, head): the scores, the softmax and the products with V (their gradients
  //     in backward), with the register-blocked tiles above;
  //   merge (per sample): the per-head outputs (gradients) back into channel order, through
  //     M_o (the sets' M^T in backward); the GTA gradients of a sample summed over heads.
  // A per-head destination of split: element (p, d) of head h at
  // dst + h * hstride + p * pstride + d * dstride, times alpha.
  struct HeadDst {
    S* dst;
    index_t hstride, pstride, dstride;
    S alpha;
  };

  // split for one sample: parts 0/1/2 = q/k/v (sets M_q/M_k/M_v) of the raw rows qkv_n [P, 3C].
  static void split(const S* qkv_n, const S* gta, const HeadDst (&to)[3]) {
    for (int p = 0; p < P; ++p) {
      for (int part = 0; part < 3; ++part) {
        const HeadDst& D = to[part];
        const S* src = qkv_n + index_t(p) * 3 * C + part * C;
        S* base = D.dst + index_t(p) * D.pstride;
        if constexpr (GTA) {
          const S* Mp = gta + part * kGtaElems + index_t(p) * (HD / 2) * 4;
          for (int f = 0; f < HD / 2; ++f) {
            const S m0 = D.alpha * Mp[4 * f], m1 = D.alpha * Mp[4 * f + 1];
            const S m2 = D.alpha * Mp[4 * f + 2], m3 = D.alpha * Mp[4 * f + 3];
            const S* a = src + (2 * f) * HEADS;
            const S* b = a + HEADS;
            S* d0 = base + (2 * f) * D.dstride;
            S* d1 = d0 + D.dstride;
            for (int h = 0; h < HEADS; ++h) {
              d0[h * D.hstride] = m0 * a[h] + m1 * b[h];
              d1[h * D.hstride] = m2 * a[h] + m3 * b[h];
            }
          }
        } else {
          for (int d = 0; d < HD; ++d)
            for (int h = 0; h < HEADS; ++h)
              base[d * D.dstride + h * D.hstride] = D.alpha * src[d * HEADS + h];
        }
      }
    }
  }

  static void forward(int N, const S* x, const S* w_qkv, const S* b_qkv, const S* w_o,
                      const S* b_o, const S* gta, S* y, S* saved, S* ws) {
    using namespace attn_detail;
    const index_t NP = index_t(N) * P;
    const Saved sv = sections(N, saved);
    fill_rows(sv.qkv, NP, 3 * C, b_qkv);
    gemm(false, true, int(NP), 3 * C, C, S(1), x, C, w_qkv, C, S(1), sv.qkv, 3 * C);
    const S scale = S(1) / std::sqrt(S(HD));
    // per (n, h) in ws: q'*scale [P, HD], k'^T [HD, P], v' [P, HD]
    parallel_for(N, [&](index_t n) {
      S* w0 = ws + n * HEADS * kFwdHead;
      const index_t PH = index_t(P) * HD;
      const HeadDst to[3] = {{w0, kFwdHead, HD, 1, scale},
                             {w0 + PH, kFwdHead, 1, P, S(1)},
                             {w0 + 2 * PH, kFwdHead, HD, 1, S(1)}};
      split(sv.qkv + n * P * 3 * C, gta, to);
    });
    parallel_for(index_t(N) * HEADS, [&](index_t nh) {
      S* qs = ws + nh * kFwdHead;
      S* kT = qs + index_t(P) * HD;
      S* vv = kT + index_t(P) * HD;
      S* A = sv.A + nh * P * P;
      mm_nn<S, P, HD, P>(qs, kT, A);
      softmax_rows<S, P, P>(A);
      // o_h [P, HD] = A v'  (into o_pre for GTA, else into the q' scratch, no longer needed)
      mm_nn<S, P, P, HD>(A, vv, GTA ? sv.o_pre + nh * P * HD : qs);
    });
    count_matmul(P, P, HD, 2.0 * N * HEADS);  // scores and A v'
    // merge: o [P, C] in channel order, through M_o for GTA
    parallel_for(N, [&](index_t n) {
      const S* oh = GTA ? sv.o_pre + n * HEADS * P * HD : ws + n * HEADS * kFwdHead;
      const index_t hs = GTA ? index_t(P) * HD : kFwdHead;
      S* o_n = sv.o + n * P * C;
      for (int p = 0; p < P; ++p) {
        const S* src = oh + index_t(p) * HD;
        S* dst = o_n + index_t(p) * C;
        if constexpr (GTA) {
          const S* Mp = gta + 3 * kGtaElems + index_t(p) * (HD / 2) * 4;  // M_o
          for (int f = 0; f < HD / 2; ++f) {
            const S m0 = Mp[4 * f], m1 = Mp[4 * f + 1], m2 = Mp[4 * f + 2], m3 = Mp[4 * f + 3];
            S* d0 = dst + (2 * f) * HEADS;
            S* d1 = d0 + HEADS;
            for (int h = 0; h < HEADS; ++h) {
              const S a = src[h * hs + 2 * f], b = src[h * hs + 2 * f + 1];
              d0[h] = m0 * a + m1 * b;
              d1[h] = m2 * a + m3 * b;
            }
          }
        } else {
          for (int d = 0; d < HD; ++d)
            for (int h = 0; h < HEADS; ++h) dst[d * HEADS + h] = src[h * hs + d];
        }
      }
    });
    fill_rows(y, NP, C, b_o);
    gemm(false, true, int(NP), C, C, S(1), sv.o, C, w_o, C, S(1), y, C);
  }

  static void backward(int N, const S* x, const S* w_qkv, const S* w_o, const S* gta,
                       const S* saved, const S* dy, S* dx, S* dw_qkv, S* db_qkv, S* dw_o,
                       S* db_o, S* dgta, S* ws) {
    using namespace attn_detail;
    const index_t NP = index_t(N) * P;
    const Saved sv = sections(N, const_cast<S*>(saved));
    if (db_o) colsum_add(dy, NP, C, db_o);
    if (dw_o) gemm(true, false, C, C, int(NP), S(1), dy, C, sv.o, C, S(1), dw_o, C);
    const bool want_gta = GTA && dgta != nullptr;
    if (!(dx || dw_qkv || db_qkv || want_gta)) return;

    S* dO = ws;
    S* dqkv = dO + NP * C;
    S* scratch = dqkv + NP * 3 * C;
    // the GTA gradients of each sample (summed over its heads), sets q, k, v, o
    S* dMpart = scratch + index_t(N) * HEADS * kBwdHead;
    gemm(false, false, int(NP), C, C, S(1), dy, C, w_o, C, S(0), dO, C);
    const S scale = S(1) / std::sqrt(S(HD));
    const index_t PH = index_t(P) * HD;
    // per (n, h) scratch: q' | k' | v'^T | dL/do_pre | dq' | dk' | dv' ([P, HD] each) | dA [P, P]

    // split: q', k', v'^T again from the saved raw qkv; dL/do_pre = M_o^T dL/do (GTA) per
    // head, and the sample's dM_o = sum over heads of dL/do x o_pre
    parallel_for(N, [&](index_t n) {
      S* s0 = scratch + n * HEADS * kBwdHead;
      const HeadDst to[3] = {{s0, kBwdHead, HD, 1, S(1)},
                             {s0 + PH, kBwdHead, HD, 1, S(1)},
                             {s0 + 2 * PH, kBwdHead, 1, P, S(1)}};
      split(sv.qkv + n * P * 3 * C, gta, to);
      S* gO = s0 + 3 * PH;
      const S* dO_n = dO + n * P * C;
      for (int p = 0; p < P; ++p) {
        const S* g = dO_n + index_t(p) * C;
        S* go = gO + index_t(p) * HD;
        if constexpr (GTA) {
          const S* Mp = gta + 3 * kGtaElems + index_t(p) * (HD / 2) * 4;
          const S* op = sv.o_pre + n * HEADS * PH + index_t(p) * HD;
          S* m = want_gta ? dMpart + n * kGtaAll + 3 * kGtaElems + index_t(p) * (HD / 2) * 4 : nullptr;
          for (int f = 0; f < HD / 2; ++f) {
            const S m0 = Mp[4 * f], m1 = Mp[4 * f + 1], m2 = Mp[4 * f + 2], m3 = Mp[4 * f + 3];
            const S* g0 = g + (2 * f) * HEADS;
            const S* g1 = g0 + HEADS;
            S a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#pragma omp simd reduction(+ : a0, a1, a2, a3)
            for (int h = 0; h < HEADS; ++h) {
              go[h * kBwdHead + 2 * f] = m0 * g0[h] + m2 * g1[h];
              go[h * kBwdHead + 2 * f + 1] = m1 * g0[h] + m3 * g1[h];
              const S i0 = op[h * PH + 2 * f], i1 = op[h * PH + 2 * f + 1];
              a0 += g0[h] * i0;
              a1 += g0[h] * i1;
              a2 += g1[h] * i0;
              a3 += g1[h] * i1;
            }
            if (m) {
              m[4 * f] = a0;
              m[4 * f + 1] = a1;
              m[4 * f + 2] = a2;
              m[4 * f + 3] = a3;
            }
          }
        } else {
          for (int d = 0; d < HD; ++d)
            for (int h = 0; h < HEADS; ++h) go[h * kBwdHead + d] = g[d * HEADS + h];
        }
      }
    });

    parallel_for(index_t(N) * HEADS, [&](index_t nh) {
      const S* A = sv.A + nh * P * P;
      S* qp = scratch + nh * kBwdHead;
      S* kp = qp + PH;
      S* vT = kp + PH;
      S* gO = vT + PH;
      S* dq = gO + PH;
      S* dk = dq + PH;
      S* dv = dk + PH;
      // dL/dA, then dL/dscores [P, P]: lives only in this task, so each thread reuses one
      // (the dA room of the (n, h) slot numbered as the thread; a thread that has work under
      // the static schedule has a number below N * HEADS), which stays in its cache
      S* dA = scratch + index_t(omp_get_thread_num()) * kBwdHead + 7 * PH;
      mm_nn<S, P, HD, P>(gO, vT, dA);    // dA = dO v'^T
      mm_tn<S, P, P, HD>(A, gO, dv);     // dv' = A^T dO
      softmax_backward_rows<S, P, P>(A, dA, scale);
      mm_nn<S, P, P, HD>(dA, kp, dq);    // dq' = dS k'
      mm_tn<S, P, P, HD>(dA, qp, dk);    // dk' = dS^T q'
    });
    count_matmul(P, P, HD, 4.0 * N * HEADS);  // dA, dv', dq', dk'

    // merge: dqkv in channel order through the set's M^T (GTA); the sample's dM of the set
    // = sum over heads of dL/d(q', k', v') x raw
    parallel_for(N, [&](index_t n) {
      const S* qkv_n = sv.qkv + n * P * 3 * C;
      const S* s0 = scratch + n * HEADS * kBwdHead;
      S* dqkv_n = dqkv + n * P * 3 * C;
      for (int p = 0; p < P; ++p) {
        for (int part = 0; part < 3; ++part) {
          const S* gsrc = s0 + (4 + part) * PH + index_t(p) * HD;  // dq', dk', dv' of head 0
          S* dst = dqkv_n + index_t(p) * 3 * C + part * C;
          if constexpr (GTA) {
            const S* raw = qkv_n + index_t(p) * 3 * C + part * C;
            const S* Mp = gta + part * kGtaElems + index_t(p) * (HD / 2) * 4;
            S* m = want_gta ? dMpart + n * kGtaAll + part * kGtaElems + index_t(p) * (HD / 2) * 4 : nullptr;
            for (int f = 0; f < HD / 2; ++f) {
              const S m0 = Mp[4 * f], m1 = Mp[4 * f + 1], m2 = Mp[4 * f + 2], m3 = Mp[4 * f + 3];
              const S* r0 = raw + (2 * f) * HEADS;
              const S* r1 = r0 + HEADS;
              S* d0 = dst + (2 * f) * HEADS;
              S* d1 = d0 + HEADS;
              S a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#pragma omp simd reduction(+ : a0, a1, a2, a3)
              for (int h = 0; h < HEADS; ++h) {
                const S g0 = gsrc[h * kBwdHead + 2 * f], g1 = gsrc[h * kBwdHead + 2 * f + 1];
                d0[h] = m0 * g0 + m2 * g1;
                d1[h] = m1 * g0 + m3 * g1;
                a0 += g0 * r0[h];
                a1 += g0 * r1[h];
                a2 += g1 * r0[h];
                a3 += g1 * r1[h];
              }
              if (m) {
                m[4 * f] = a0;
                m[4 * f + 1] = a1;
                m[4 * f + 2] = a2;
                m[4 * f + 3] = a3;
              }
            }
          } else {
            for (int d = 0; d < HD; ++d)
              for (int h = 0; h < HEADS; ++h) dst[d * HEADS + h] = gsrc[h * kBwdHead + d];
          }
        }
      }
    });

    if (db_qkv) colsum_add(dqkv, NP, 3 * C, db_qkv);
    if (dw_qkv) gemm(true, false, 3 * C, C, int(NP), S(1), dqkv, 3 * C, x, C, S(1), dw_qkv, C);
    if (dx) gemm(false, false, int(NP), C, 3 * C, S(1), dqkv, 3 * C, w_qkv, C, S(1), dx, C);
    if (want_gta) {
      constexpr index_t B = 256;
      parallel_for((kGtaAll + B - 1) / B, [&](index_t blk) {
        const index_t e1 = std::min(kGtaAll, (blk + 1) * B);
        for (index_t e = blk * B; e < e1; ++e) {
          double s = 0;
          for (index_t i = 0; i < N; ++i) s += dMpart[i * kGtaAll + e];
          dgta[e] += static_cast<S>(s);
        }
      });
    }
  }
};

}  // namespace akorn
