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
//           | GTA only: per (n, h) partial dM of the four sets [4, P, HD/2, 4]
// Backward re-gathers q', k', v' from the saved raw qkv (a cheap O(P*C) relayout with the
// 2x2 transforms), the attention itself is not recomputed. `saved` is always required
// (for inference one step-sized buffer can be reused for every step).
// Backward accumulates (+=) into dx, dw_qkv, db_qkv, dw_o, db_o, dgta; nullptr skips.
// Parallel work is over samples x heads; every reduction (weight/bias/GTA gradients) is
// done in a fixed order, so results do not depend on the thread count.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "akorn/blas.hpp"
#include "akorn/common.hpp"
#include "akorn/ops/attn_j/layout.hpp"
#include "akorn/parallel.hpp"

namespace akorn {
namespace attn_detail {

// Register-blocked small matrix products for the per-head attention loops:
// out [R, M] = op(A) * B with op(A) = A [R, K] or (TA) A^T for A [K, R], B [K, M].
// Tiles of RB rows x two 16-byte vectors of columns (GCC/Clang vector extension: SSE2 on
// x86-64, NEON on aarch64): the accumulators stay in registers over the whole
// K loop. Columns left over (M not a multiple of the vector width) use a scalar tile.
template <typename S>
struct Vec16;
template <>
struct Vec16<float> {
  typedef float type __attribute__((vector_size(16)));
};
template <>
struct Vec16<double> {
  typedef double type __attribute__((vector_size(16)));
};

template <typename S, bool TA, int RB, int R, int K, int M>
inline void mm_tile_vec(const S* __restrict A, const S* __restrict B, S* __restrict out, int r,
                        int m0) {
  using V = typename Vec16<S>::type;
  constexpr int L = int(16 / sizeof(S));
  V acc0[RB], acc1[RB];
  for (int i = 0; i < RB; ++i) acc0[i] = acc1[i] = V{};
  for (int k = 0; k < K; ++k) {
    V b0, b1;
    __builtin_memcpy(&b0, B + index_t(k) * M + m0, sizeof(V));
    __builtin_memcpy(&b1, B + index_t(k) * M + m0 + L, sizeof(V));
    for (int i = 0; i < RB; ++i) {
      const S a = TA ? A[index_t(k) * R + r + i] : A[index_t(r + i) * K + k];
      acc0[i] += a * b0;
      acc1[i] += a * b1;
    }
  }
  for (int i = 0; i < RB; ++i) {
    __builtin_memcpy(out + index_t(r + i) * M + m0, &acc0[i], sizeof(V));
    __builtin_memcpy(out + index_t(r + i) * M + m0 + L, &acc1[i], sizeof(V));
  }
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

template <typename S, bool TA, int R, int K, int M>
inline void mm(const S* __restrict A, const S* __restrict B, S* __restrict out) {
  constexpr int MB = int(32 / sizeof(S));  // columns per vector tile
  constexpr int MT = M % MB, M0 = M - MT;
  constexpr int RB = 4;
  int r = 0;
  for (; r + RB <= R; r += RB) {
    for (int m0 = 0; m0 < M0; m0 += MB) mm_tile_vec<S, TA, RB, R, K, M>(A, B, out, r, m0);
    if constexpr (MT > 0) mm_tile_scalar<S, TA, RB, MT, R, K, M>(A, B, out, r, M0);
  }
  for (; r < R; ++r) {
    for (int m0 = 0; m0 < M0; m0 += MB) mm_tile_vec<S, TA, 1, R, K, M>(A, B, out, r, m0);
    if constexpr (MT > 0) mm_tile_scalar<S, TA, 1, MT, R, K, M>(A, B, out, r, M0);
  }
}

// out[R, M] = A[R, K] * B[K, M]
template <typename S, int R, int K, int M>
inline void mm_nn(const S* A, const S* B, S* out) { mm<S, false, R, K, M>(A, B, out); }
// out[R, M] = A^T B with A [K, R], B [K, M]
template <typename S, int R, int K, int M>
inline void mm_tn(const S* A, const S* B, S* out) { mm<S, true, R, K, M>(A, B, out); }

// In-place row softmax a[0..P) -> exp(a - max) / sum.
// float: a vectorisable Cephes-style expf (range reduction by ln 2, degree-6 polynomial,
// 2^n put into the exponent bits; relative error a few ulp). Arguments are <= 0 here (max
// subtracted); exp of x <= -87 is flushed to 0 through a bit mask (no branch, so the loop
// vectorises). double: std::exp.
template <typename S, int P>
inline void softmax_row(S* __restrict a) {
  S mx = a[0];
#pragma omp simd reduction(max : mx)
  for (int j = 0; j < P; ++j) mx = a[j] > mx ? a[j] : mx;
  if constexpr (std::is_same_v<S, float>) {
    for (int j = 0; j < P; ++j) {
      const float x = a[j] - mx;
      const float nf = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round(x/ln2)
      const float r = (x - nf * 0.693359375f) + nf * 2.12194440e-4f;
      float p = 1.9875691500e-4f;
      p = p * r + 1.3981999507e-3f;
      p = p * r + 8.3334519073e-3f;
      p = p * r + 4.1665795894e-2f;
      p = p * r + 1.6666665459e-1f;
      p = p * r + 5.0000001201e-1f;
      p = p * (r * r) + r + 1.0f;
      const std::uint32_t keep = 0u - static_cast<std::uint32_t>(x > -87.0f);
      const std::uint32_t bits =
          (static_cast<std::uint32_t>(static_cast<std::int32_t>(nf) + 127) << 23) & keep;
      float scale;
      __builtin_memcpy(&scale, &bits, sizeof(float));
      a[j] = p * scale;
    }
  } else {
    for (int j = 0; j < P; ++j) a[j] = std::exp(a[j] - mx);
  }
  S sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int j = 0; j < P; ++j) sum += a[j];
  const S inv = S(1) / sum;
  for (int j = 0; j < P; ++j) a[j] *= inv;
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

  // Gathers head h of sample n from raw qkv rows ([P, 3C]) with the GTA transform of its
  // set: part 0/1/2 = q/k/v (set M_q/M_k/M_v);
  // out[p * HD + d] (or out[d * P + p] when TRANSPOSED) = alpha * value.
  template <bool TRANSPOSED>
  static void gather(const S* qkv_n, int part, int h, const S* gta, S alpha, S* out) {
    for (int p = 0; p < P; ++p) {
      const S* row = qkv_n + index_t(p) * 3 * C + part * C + h;
      for (int d = 0; d < HD; d += (GTA ? 2 : 1)) {
        S v0 = row[d * HEADS], v1 = S(0);
        if constexpr (GTA) {
          const S* M = gta + part * kGtaElems + (index_t(p) * (HD / 2) + d / 2) * 4;
          const S a = row[d * HEADS], b = row[(d + 1) * HEADS];
          v0 = M[0] * a + M[1] * b;
          v1 = M[2] * a + M[3] * b;
        }
        if constexpr (TRANSPOSED) {
          out[index_t(d) * P + p] = alpha * v0;
          if constexpr (GTA) out[index_t(d + 1) * P + p] = alpha * v1;
        } else {
          out[index_t(p) * HD + d] = alpha * v0;
          if constexpr (GTA) out[index_t(p) * HD + d + 1] = alpha * v1;
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
    parallel_for(index_t(N) * HEADS, [&](index_t nh) {
      const index_t n = nh / HEADS;
      const int h = int(nh % HEADS);
      const S* qkv_n = sv.qkv + n * P * 3 * C;
      S* qs = ws + nh * kFwdHead;
      S* kT = qs + index_t(P) * HD;
      S* vv = kT + index_t(P) * HD;
      gather<false>(qkv_n, 0, h, gta, scale, qs);
      gather<true>(qkv_n, 1, h, gta, S(1), kT);
      gather<false>(qkv_n, 2, h, gta, S(1), vv);
      S* A = sv.A + nh * P * P;
      mm_nn<S, P, HD, P>(qs, kT, A);
      for (int p = 0; p < P; ++p) softmax_row<S, P>(A + index_t(p) * P);
      // o_h [P, HD] = A v'  (into o_pre for GTA, else into the q' scratch, no longer needed)
      S* oh = GTA ? sv.o_pre + nh * P * HD : qs;
      mm_nn<S, P, P, HD>(A, vv, oh);
      S* o_n = sv.o + n * P * C + h;
      for (int p = 0; p < P; ++p) {
        const S* src = oh + index_t(p) * HD;
        S* dst = o_n + index_t(p) * C;
        if constexpr (GTA) {
          for (int f = 0; f < HD / 2; ++f) {
            const S* M = gta + 3 * kGtaElems + (index_t(p) * (HD / 2) + f) * 4;  // M_o
            const S a = src[2 * f], b = src[2 * f + 1];
            dst[(2 * f) * HEADS] = M[0] * a + M[1] * b;
            dst[(2 * f + 1) * HEADS] = M[2] * a + M[3] * b;
          }
        } else {
          for (int d = 0; d < HD; ++d) dst[d * HEADS] = src[d];
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
    S* dMpart = scratch + index_t(N) * HEADS * kBwdHead;
    gemm(false, false, int(NP), C, C, S(1), dy, C, w_o, C, S(0), dO, C);
    const S scale = S(1) / std::sqrt(S(HD));

    parallel_for(index_t(N) * HEADS, [&](index_t nh) {
      const index_t n = nh / HEADS;
      const int h = int(nh % HEADS);
      const S* qkv_n = sv.qkv + n * P * 3 * C;
      const S* A = sv.A + nh * P * P;
      S* qp = scratch + nh * kBwdHead;  // q' [P, HD]
      S* kp = qp + P * HD;              // k' [P, HD]
      S* vT = kp + P * HD;              // v'^T [HD, P]
      S* gO = vT + P * HD;              // dL/do_pre [P, HD]
      S* dq = gO + P * HD;              // dL/dq' [P, HD]
      S* dk = dq + P * HD;              // dL/dk' [P, HD]
      S* dv = dk + P * HD;              // dL/dv' [P, HD]
      S* dA = dv + P * HD;              // dL/dA, then dL/dscores [P, P]
      S* dM = want_gta ? dMpart + nh * kGtaAll : nullptr;  // sets q, k, v, o
      if (dM)
        for (index_t i = 0; i < kGtaAll; ++i) dM[i] = S(0);
      gather<false>(qkv_n, 0, h, gta, S(1), qp);
      gather<false>(qkv_n, 1, h, gta, S(1), kp);
      gather<true>(qkv_n, 2, h, gta, S(1), vT);

      // dL/do_pre (through the M_o output transform for GTA: dL/do_pre = M_o^T dL/do)
      const S* dO_n = dO + n * P * C + h;
      for (int p = 0; p < P; ++p) {
        const S* g = dO_n + index_t(p) * C;
        S* go = gO + index_t(p) * HD;
        if constexpr (GTA) {
          const S* op = sv.o_pre + (nh * P + p) * HD;
          for (int f = 0; f < HD / 2; ++f) {
            const S* M = gta + 3 * kGtaElems + (index_t(p) * (HD / 2) + f) * 4;
            const S g0 = g[(2 * f) * HEADS], g1 = g[(2 * f + 1) * HEADS];
            go[2 * f] = M[0] * g0 + M[2] * g1;
            go[2 * f + 1] = M[1] * g0 + M[3] * g1;
            if (dM) {
              S* m = dM + 3 * kGtaElems + (index_t(p) * (HD / 2) + f) * 4;
              const S i0 = op[2 * f], i1 = op[2 * f + 1];
              m[0] += g0 * i0;
              m[1] += g0 * i1;
              m[2] += g1 * i0;
              m[3] += g1 * i1;
            }
          }
        } else {
          for (int d = 0; d < HD; ++d) go[d] = g[d * HEADS];
        }
      }
      mm_nn<S, P, HD, P>(gO, vT, dA);    // dA = dO v'^T
      mm_tn<S, P, P, HD>(A, gO, dv);     // dv' = A^T dO
      for (int p = 0; p < P; ++p) {      // softmax backward, with the score scale
        const S* a = A + index_t(p) * P;
        S* g = dA + index_t(p) * P;
        S s = 0;
        for (int j = 0; j < P; ++j) s += a[j] * g[j];
        for (int j = 0; j < P; ++j) g[j] = a[j] * (g[j] - s) * scale;
      }
      mm_nn<S, P, P, HD>(dA, kp, dq);    // dq' = dS k'
      mm_tn<S, P, P, HD>(dA, qp, dk);    // dk' = dS^T q'

      // scatter into dqkv (through the set's M^T for GTA), dM of the set += g x raw
      S* dqkv_n = dqkv + n * P * 3 * C + h;
      const S* grads[3] = {dq, dk, dv};
      for (int part = 0; part < 3; ++part) {
        const S* gsrc = grads[part];
        for (int p = 0; p < P; ++p) {
          const S* g = gsrc + index_t(p) * HD;
          S* dst = dqkv_n + index_t(p) * 3 * C + part * C;
          if constexpr (GTA) {
            const S* raw = qkv_n + index_t(p) * 3 * C + part * C + h;
            for (int f = 0; f < HD / 2; ++f) {
              const S* M = gta + part * kGtaElems + (index_t(p) * (HD / 2) + f) * 4;
              const S g0 = g[2 * f], g1 = g[2 * f + 1];
              dst[(2 * f) * HEADS] = M[0] * g0 + M[2] * g1;
              dst[(2 * f + 1) * HEADS] = M[1] * g0 + M[3] * g1;
              if (dM) {
                S* m = dM + part * kGtaElems + (index_t(p) * (HD / 2) + f) * 4;
                const S i0 = raw[(2 * f) * HEADS], i1 = raw[(2 * f + 1) * HEADS];
                m[0] += g0 * i0;
                m[1] += g0 * i1;
                m[2] += g1 * i0;
                m[3] += g1 * i1;
              }
            }
          } else {
            for (int d = 0; d < HD; ++d) dst[d * HEADS] = g[d];
          }
        }
      }
    });

    if (db_qkv) colsum_add(dqkv, NP, 3 * C, db_qkv);
    if (dw_qkv) gemm(true, false, 3 * C, C, int(NP), S(1), dqkv, 3 * C, x, C, S(1), dw_qkv, C);
    if (dx) gemm(false, false, int(NP), C, 3 * C, S(1), dqkv, 3 * C, w_qkv, C, S(1), dx, C);
    if (want_gta) {
      constexpr index_t B = 256;
      const index_t NH = index_t(N) * HEADS;
      parallel_for((kGtaAll + B - 1) / B, [&](index_t blk) {
        const index_t e1 = std::min(kGtaAll, (blk + 1) * B);
        for (index_t e = blk * B; e < e1; ++e) {
          double s = 0;
          for (index_t i = 0; i < NH; ++i) s += dMpart[i * kGtaAll + e];
          dgta[e] += static_cast<S>(s);
        }
      });
    }
  }
};

}  // namespace akorn
