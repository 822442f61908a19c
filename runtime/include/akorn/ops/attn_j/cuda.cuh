// AttnJ on the GPU: the twin of akorn/ops/attn_j/cpu.hpp (same template parameters, functions,
// arguments, buffer sizes and accumulate rules; all pointers are device pointers).
// Per sample (x, y: [P, C]): qkv = x W_qkv^T + b_qkv; head h owns channels d*HEADS + h;
// GTA: pair (2f, 2f+1) of q, k, v at position p <- M_q/M_k/M_v[p, f] * pair; A_h =
// softmax(q'k'^T / sqrt(HD)); o_h = A_h v'; GTA: pair of o_h <- M_o[p, f] * pair;
// y = o W_o^T + b_o. gta = the four independent sets [4, P, HD/2, 2, 2] (q, k, v, o).
//
// HEAD-MAJOR CHANNELS. So that one head's HD channels are contiguous in memory (coalesced
// loads in the attention kernels), every call first copies the weights with their head
// channels permuted, perm(h*HD + d) = d*HEADS + h within each C-channel chunk:
//   Wq_p [3C, C] (rows of W_qkv), bq_p [3C], Wo_p [C, C] (columns of W_o)
// into akorn::cuda::scratch (a few MB, one copy kernel each). Then
//   qkv_p = x Wq_p^T (+ bq_p)   is qkv with head-major channels, and
//   y = o_p Wo_p^T + b_o        where o_p is o with head-major channels.
// Weight gradients come out permuted (dW = dqkv_p^T x, dy^T o_p) into scratch and are added
// back through the inverse permutation; bias gradients are column sums mapped the same way.
//
// Buffers (sections batch-major over the N samples of the call, sizes as on the CPU):
//   saved: qkv_p [N, P, 3C]   raw projection WITH bias, before GTA, head-major channels
//          A     [N, HEADS, P, P] softmax weights
//          o_p   [N, P, C]    attention output (after M_o with GTA), head-major channels
//          o_pre [N, HEADS, P, HD] GTA only: attention output before M_o
//   fwd ws: per (n, h) 3*P*HD: used only when K'/V' do not fit in shared memory (Cfg::
//          OP_SMEM false, e.g. double at HD = 64): the operand matrix of the current phase.
//   bwd ws: dO_p [N, P, C] | dqkv_p [N, P, 3C] | per (n, h): dS [P, P] and (when not in
//           shared memory) the operand matrix | GTA only: per (n, h) partial dM of the four
//           sets [4, P, HD/2, 4]
//
// FORWARD: GEMM (beta 0) into saved.qkv_p; attn_forward_kernel; fill y with b_o; GEMM
// (beta 1) o_p Wo_p^T into y.
// attn_forward_kernel: one block per (n, h), 8 warps. Shared memory = one operand matrix
// [P, HD(+1)] + per warp a staging area [R, SROW]. Query rows are processed in groups of R
// consecutive rows, group g by warp g % 8 (no block barriers inside a phase).
//   phase 1: op = K' (row stride HD+1, conflict-free per-key reads). The loader adds b_k to
//            the raw k and writes it back into saved.qkv_p (so saved holds raw + bias, as on
//            the CPU, without a separate bias pass); K' = M_k * (k + b_k).
//            Per group: stage q' = scale * M_q * (q + b_q) (q + b_q written back too) ->
//            lane j holds the scores of keys j, j+32, ... for the R rows (registers),
//            max-subtracted softmax with warp shuffles (expf / exp), A rows -> saved.A.
//   phase 2: op = V' = M_v * (v + b_v) (written back). Per group: stage the A rows (read back
//            from global; written by this same warp) -> o_pre = A V' with lanes over head
//            dims (HD < 64: lane groups over keys, fixed-order butterfly) -> o_pre (GTA) and
//            o_p = M_o o_pre (pairs) into channels h*HD + d.
// BACKWARD: db_o (column sums), dw_o (GEMM into scratch + permuted add), dO_p = dy Wo_p
// (GEMM), attn_backward_kernel, db_qkv (column sums, permuted), dw_qkv (GEMM into scratch +
// permuted add), dx += dqkv_p Wq_p (GEMM, beta 1), dgta += sum over (n, h) of dM partials
// (fixed order). The kernel: one block per (n, h), the same two building blocks:
//   start  : dM_o[p, f] = (dO_p pair) x (o_pre pair)      (GTA; the M_o output transform)
//   phase 1a: op = V' (stride HD+1); per query group: stage gO = M_o^T * dO; dA = gO V'^T
//            (lanes over keys); dS = A * (dA - rowsum(A * dA)) * scale -> ws dS rows.
//   phase 1b: op = K'; per query group: stage dS rows; dq' = dS K'; dqkv_p[q] = M_q^T dq';
//            dM_q = dq' x q_raw.
//   phase 2a: op = q' (unscaled); per KEY group: stage dS columns; dk' = dS^T q';
//            dqkv_p[k] = M_k^T dk'; dM_k = dk' x k_raw.
//   phase 2b: op = gO = M_o^T * dO; per key group: stage A columns; dv' = A^T gO;
//            dqkv_p[v] = M_v^T dv'; dM_v = dv' x v_raw.
// Every dqkv_p / dM element has exactly one writer and phases are separated by
// __syncthreads; no atomics. Reductions over samples / rows are fixed-order (double).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "akorn/common.hpp"
#include "akorn/cuda/blas.cuh"
#include "akorn/cuda/common.cuh"
#include "akorn/ops/attn_j/layout.hpp"

namespace akorn::cuda {

namespace attn_cuda_detail {

constexpr unsigned kFull = 0xffffffffu;

__device__ __forceinline__ float dexp(float v) { return expf(v); }
__device__ __forceinline__ double dexp(double v) { return exp(v); }
__device__ __forceinline__ float dmax(float a, float b) { return fmaxf(a, b); }
__device__ __forceinline__ double dmax(double a, double b) { return fmax(a, b); }
template <typename S>
__device__ __forceinline__ S neg_inf() {
  if constexpr (sizeof(S) == 4) return __int_as_float(int(0xff800000u));
  else return __longlong_as_double(static_cast<long long>(0xfff0000000000000ull));
}

template <typename S>
__device__ __forceinline__ S warp_max(S v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = dmax(v, __shfl_xor_sync(kFull, v, o));
  return v;
}
// Butterfly sum: every lane ends with the same bits (a + b == b + a), fixed order.
template <typename S>
__device__ __forceinline__ S warp_sum(S v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(kFull, v, o);
  return v;
}

// W consecutive elements; p aligned to W * sizeof(S) bytes when W > 1.
template <int W, typename S>
__device__ __forceinline__ void ldv(const S* p, S (&v)[W]) {
  if constexpr (W == 4 && sizeof(S) == 4) {
    const float4 t = *reinterpret_cast<const float4*>(p);
    v[0] = t.x; v[1] = t.y; v[2] = t.z; v[3] = t.w;
  } else if constexpr (W == 2 && sizeof(S) == 4) {
    const float2 t = *reinterpret_cast<const float2*>(p);
    v[0] = t.x; v[1] = t.y;
  } else if constexpr (W == 2 && sizeof(S) == 8) {
    const double2 t = *reinterpret_cast<const double2*>(p);
    v[0] = t.x; v[1] = t.y;
  } else {
#pragma unroll
    for (int i = 0; i < W; ++i) v[i] = p[i];
  }
}

__host__ __device__ constexpr int pow2_floor(int v) {
  int p = 1;
  while (p * 2 <= v) p *= 2;
  return p;
}
__host__ __device__ constexpr int round_up(int v, int m) { return (v + m - 1) / m * m; }
__host__ __device__ constexpr index_t round_up_l(index_t v, index_t m) { return (v + m - 1) / m * m; }
__host__ __device__ constexpr int imax(int a, int b) { return a > b ? a : b; }
__host__ __device__ constexpr int imin(int a, int b) { return a < b ? a : b; }

// Largest warp count in {8, 4, 2, 1} whose staging rows (R rows of row_bytes per warp) fit.
__host__ __device__ constexpr int warps_for(int P, int rmax, std::size_t row_bytes, std::size_t budget) {
  for (int nw = 8; nw > 1; nw /= 2) {
    const int rounds = (P + nw * rmax - 1) / (nw * rmax);
    const int r = (P + nw * rounds - 1) / (nw * rounds);
    if (std::size_t(nw) * std::size_t(r) * row_bytes <= budget) return nw;
  }
  return 1;
}

// Shapes of the attention kernels for one head (P positions, HD dims, scalar S).
template <typename S, int P, int HD>
struct Cfg {
  static constexpr std::size_t kSmemBudget = 46 * 1024;  // static shared memory per block
  static constexpr int NJ = (P + 31) / 32;                // keys per lane in a dot phase
  static constexpr int RMAX = imax(1, imin(8, 48 / NJ));  // register budget of the score tile
  static constexpr int VW = int(16 / sizeof(S));          // elements of a 16-byte vector
  static constexpr int QV = HD % VW == 0 ? VW : (HD % 2 == 0 ? 2 : 1);  // staged-row vector (dot)
  static constexpr int DV = HD % 2 == 0 ? 2 : 1;          // dims per lane chunk (a GTA pair)
  static constexpr int NCH = HD / DV;                     // chunks per row
  static constexpr int KG = NCH >= 32 ? 1 : pow2_floor(32 / NCH);  // lane groups over keys
  static constexpr int CPL = NCH >= 32 ? (NCH + 31) / 32 : 1;      // chunks per lane
  static constexpr int JV = KG == 1 ? VW : 1;             // staged coefficients per vector read
  static constexpr int JS = KG * JV;                      // keys per combine step
  static constexpr int SROW = round_up(imax(HD, round_up(P, JS)), VW);  // staged row stride
  static constexpr int KS = HD % 2 == 0 ? HD + 1 : HD;    // dot operand stride (odd)
  static constexpr int VS = HD;                           // combine operand stride
  static constexpr index_t OP_ELEMS = round_up_l(index_t(P) * KS, VW);
  // warps per block: 8 unless the staging areas would not fit
  static constexpr int NW = warps_for(P, RMAX, std::size_t(SROW) * sizeof(S), kSmemBudget);
  static constexpr int NT = 32 * NW;
  static constexpr int ROUNDS = (P + NW * RMAX - 1) / (NW * RMAX);
  static constexpr int R = (P + NW * ROUNDS - 1) / (NW * ROUNDS);  // rows per warp group
  static constexpr int NG = (P + R - 1) / R;                       // row groups
  static constexpr index_t STAGE_ELEMS = index_t(NW) * R * SROW;
  static_assert(STAGE_ELEMS * sizeof(S) <= kSmemBudget,
                "AttnJ (CUDA): P too large for the per-warp staging rows in shared memory");
  static constexpr bool OP_SMEM = std::size_t(OP_ELEMS + STAGE_ELEMS) * sizeof(S) <= kSmemBudget;
  static constexpr index_t SMEM_ELEMS = (OP_SMEM ? OP_ELEMS : 0) + STAGE_ELEMS;
};

// Lane layout of a combine phase: lane = chunk + NCH * kg (KG > 1), or chunks lane + 32*cc.
template <class CF>
__device__ __forceinline__ int lane_chunk(int lane, int cc) {
  if constexpr (CF::KG == 1) return lane + 32 * cc;
  else { (void)cc; return lane % CF::NCH; }
}
template <class CF>
__device__ __forceinline__ bool lane_writes(int lane, int cc) {  // owner of the chunk's result
  if constexpr (CF::KG == 1) return lane + 32 * cc < CF::NCH;
  else { (void)cc; return lane < CF::NCH; }  // kg == 0
}

// dst[r * dstride + d] for rows p = p0 + r (r < nrows; rows >= P get zeros):
//   v = src[p * ld + d] (+ bias[d], then written back to wb[p * ld + d] when wb != nullptr)
//   GTA: pair (2f, 2f+1) <- M[p, f] * pair (out0 = M0 a + M1 b, out1 = M2 a + M3 b), or with
//   MT <- M[p, f]^T * pair (out0 = M0 a + M2 b, out1 = M1 a + M3 b); gta = one set.
//   times alpha.
// Items are spread over threads t0, t0 + tstep, ... (a block or a warp).
template <typename S, int P, int HD, bool GTA, bool MT = false>
__device__ __forceinline__ void transform_rows(S* dst, int dstride, int p0, int nrows, const S* src, index_t ld,
                                               const S* bias, S* wb, const S* gta, S alpha, int t0, int tstep) {
  if constexpr (GTA) {
    constexpr int F = HD / 2;
    for (int it = t0; it < nrows * F; it += tstep) {
      const int r = it / F, f = it % F, p = p0 + r;
      S o0 = S(0), o1 = S(0);
      if (p < P) {
        const index_t si = index_t(p) * ld + 2 * f;
        S a = src[si], b = src[si + 1];
        if (bias != nullptr) {
          a += bias[2 * f];
          b += bias[2 * f + 1];
          if (wb != nullptr) {
            wb[si] = a;
            wb[si + 1] = b;
          }
        }
        const S* M = gta + (index_t(p) * F + f) * 4;
        o0 = alpha * (M[0] * a + (MT ? M[2] : M[1]) * b);
        o1 = alpha * ((MT ? M[1] : M[2]) * a + M[3] * b);
      }
      dst[r * dstride + 2 * f] = o0;
      dst[r * dstride + 2 * f + 1] = o1;
    }
  } else {
    (void)gta;
    for (int it = t0; it < nrows * HD; it += tstep) {
      const int r = it / HD, d = it % HD, p = p0 + r;
      S o = S(0);
      if (p < P) {
        const index_t si = index_t(p) * ld + d;
        S v = src[si];
        if (bias != nullptr) {
          v += bias[d];
          if (wb != nullptr) wb[si] = v;
        }
        o = alpha * v;
      }
      dst[r * dstride + d] = o;
    }
  }
}

// Staged coefficient rows (one warp): stage[r * SROW + k] = M[p, k] (TRANS: M[k, p]) for the
// rows p = p0 + r of a [P, P] matrix, zero for p >= P or k >= P.
template <typename S, int P, class CF, bool TRANS>
__device__ __forceinline__ void stage_coef_rows(S* stage, const S* Mat, int p0, int lane) {
  for (int k = lane; k < CF::SROW; k += 32) {
#pragma unroll
    for (int r = 0; r < CF::R; ++r) {
      const int p = p0 + r;
      S v = S(0);
      if (p < P && k < P) v = TRANS ? Mat[index_t(k) * P + p] : Mat[index_t(p) * P + k];
      stage[r * CF::SROW + k] = v;
    }
  }
}

// Dot phase (one warp): s[r][i] = sum_d rows[r][d] * op[j][d] for key j = 32 i + lane
// (rows = staged [R, SROW], op = [P, KS]); keys >= P read row P-1 (masked by the caller).
template <typename S, int P, int HD, class CF>
__device__ __forceinline__ void dot_rows(const S* rows, const S* op, int lane, S (&s)[CF::R][CF::NJ]) {
  constexpr int NJ = CF::NJ, R = CF::R, QV = CF::QV;
  index_t jo[NJ];
#pragma unroll
  for (int i = 0; i < NJ; ++i) {
    const int j = 32 * i + lane;
    jo[i] = index_t(j < P ? j : P - 1) * CF::KS;
#pragma unroll
    for (int r = 0; r < R; ++r) s[r][i] = S(0);
  }
#pragma unroll 2
  for (int d0 = 0; d0 < HD; d0 += QV) {
    S kv[NJ][QV];
#pragma unroll
    for (int i = 0; i < NJ; ++i)
#pragma unroll
      for (int t = 0; t < QV; ++t) kv[i][t] = op[jo[i] + d0 + t];
#pragma unroll
    for (int r = 0; r < R; ++r) {
      S q[QV];
      ldv<QV>(rows + r * CF::SROW + d0, q);
#pragma unroll
      for (int t = 0; t < QV; ++t)
#pragma unroll
        for (int i = 0; i < NJ; ++i) s[r][i] += q[t] * kv[i][t];
    }
  }
}

// Combine phase (one warp): acc[r][cc][e] = sum_j coef[r][j] * op[j][c*DV + e] for the
// lane's chunks c (coef = staged [R, SROW], zero beyond P; op = [P, VS]). With KG > 1 the
// lane groups split the keys and are summed by a fixed-order butterfly, so every lane of a
// chunk holds the full sum.
template <typename S, int P, int HD, class CF>
__device__ __forceinline__ void combine_rows(const S* coef, const S* op, int lane,
                                             S (&acc)[CF::R][CF::CPL][CF::DV]) {
  constexpr int R = CF::R, CPL = CF::CPL, DV = CF::DV, VS = CF::VS;
#pragma unroll
  for (int r = 0; r < R; ++r)
#pragma unroll
    for (int cc = 0; cc < CPL; ++cc)
#pragma unroll
      for (int e = 0; e < DV; ++e) acc[r][cc][e] = S(0);
  if constexpr (CF::KG == 1) {
    constexpr int JV = CF::JV;
#pragma unroll 2
    for (int j0 = 0; j0 < P; j0 += JV) {
      S cf[R][JV];
#pragma unroll
      for (int r = 0; r < R; ++r) ldv<JV>(coef + r * CF::SROW + j0, cf[r]);
#pragma unroll
      for (int t = 0; t < JV; ++t) {
        const int j = j0 + t < P ? j0 + t : P - 1;  // coefficient is 0 beyond P
#pragma unroll
        for (int cc = 0; cc < CPL; ++cc) {
          const int c = lane + 32 * cc;
          if (c < CF::NCH) {
            S v[DV];
            ldv<DV>(op + index_t(j) * VS + c * DV, v);
#pragma unroll
            for (int r = 0; r < R; ++r)
#pragma unroll
              for (int e = 0; e < DV; ++e) acc[r][cc][e] += cf[r][t] * v[e];
          }
        }
      }
    }
  } else {
    constexpr int KG = CF::KG, NCH = CF::NCH;
    const int c = lane % NCH, kg = lane / NCH;
    const bool act = lane < NCH * KG;
    if (act) {
#pragma unroll 2
      for (int j0 = 0; j0 < P; j0 += KG) {
        const int j = j0 + kg;  // < SROW; coefficient 0 beyond P
        const int jc = j < P ? j : P - 1;
        S v[DV];
        ldv<DV>(op + index_t(jc) * VS + c * DV, v);
#pragma unroll
        for (int r = 0; r < R; ++r) {
          const S a = coef[r * CF::SROW + j];
#pragma unroll
          for (int e = 0; e < DV; ++e) acc[r][0][e] += a * v[e];
        }
      }
    }
#pragma unroll
    for (int m = KG / 2; m >= 1; m >>= 1) {
      const int partner = act ? c + NCH * (kg ^ m) : lane;
#pragma unroll
      for (int r = 0; r < R; ++r)
#pragma unroll
        for (int e = 0; e < DV; ++e) acc[r][0][e] += __shfl_sync(kFull, acc[r][0][e], partner);
    }
  }
}

// Backward output of a combine phase for rows p = p0 + r: g = acc (gradient w.r.t. the
// transformed q'/k'/v' rows) -> dst[p * 3C + d] = M^T g (GTA) or g, and dM[p, f] = g x raw
// (gta, dM: the set of this part; each element has one writer).
template <typename S, int P, int C, int HD, bool GTA, class CF>
__device__ __forceinline__ void write_grad_rows(const S (&acc)[CF::R][CF::CPL][CF::DV], int p0, int lane, S* dst,
                                                const S* raw, const S* gta, S* dM) {
#pragma unroll
  for (int r = 0; r < CF::R; ++r) {
    const int p = p0 + r;
    if (p >= P) continue;
#pragma unroll
    for (int cc = 0; cc < CF::CPL; ++cc) {
      if (!lane_writes<CF>(lane, cc)) continue;
      const int c = lane_chunk<CF>(lane, cc);
      const index_t row = index_t(p) * 3 * C;
      if constexpr (GTA) {
        const int f = c;  // DV == 2: chunk = pair
        const S g0 = acc[r][cc][0], g1 = acc[r][cc][1];
        const S* M = gta + (index_t(p) * (HD / 2) + f) * 4;
        dst[row + 2 * f] = M[0] * g0 + M[2] * g1;
        dst[row + 2 * f + 1] = M[1] * g0 + M[3] * g1;
        if (dM != nullptr) {
          const S i0 = raw[row + 2 * f], i1 = raw[row + 2 * f + 1];
          S* m = dM + (index_t(p) * (HD / 2) + f) * 4;
          m[0] = g0 * i0;
          m[1] = g0 * i1;
          m[2] = g1 * i0;
          m[3] = g1 * i1;
        }
      } else {
        (void)raw;
        (void)gta;
        (void)dM;
#pragma unroll
        for (int e = 0; e < CF::DV; ++e) dst[row + c * CF::DV + e] = acc[r][cc][e];
      }
    }
  }
}

template <typename S, int P, int C, int HEADS, bool GTA>
__global__ void __launch_bounds__(Cfg<S, P, C / HEADS>::NT)
    attn_forward_kernel(S* qkv, const S* bias, const S* gta, S* A, S* o, S* o_pre, S* ws, S scale) {
  constexpr int HD = C / HEADS;
  using CF = Cfg<S, P, HD>;
  constexpr int R = CF::R, NJ = CF::NJ;
  __shared__ __align__(16) unsigned char smem_raw[CF::SMEM_ELEMS * sizeof(S)];
  S* smem = reinterpret_cast<S*>(smem_raw);
  const int nh = blockIdx.x;
  const int n = nh / HEADS, h = nh % HEADS;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  S* op;
  if constexpr (CF::OP_SMEM) {
    (void)ws;
    op = smem;
  } else {
    op = ws + round_up_l(index_t(nh) * 3 * P * HD, CF::VW);  // ws is 16-byte aligned (host check)
  }
  S* stage = smem + (CF::OP_SMEM ? CF::OP_ELEMS : 0) + index_t(warp) * R * CF::SROW;
  S* qkv_n = qkv + index_t(n) * P * 3 * C;
  S* A_nh = A + index_t(nh) * P * P;
  const S* bq = bias != nullptr ? bias + h * HD : nullptr;
  const S* bk = bias != nullptr ? bias + C + h * HD : nullptr;
  const S* bv = bias != nullptr ? bias + 2 * C + h * HD : nullptr;
  constexpr index_t kGta = index_t(P) * (HD / 2) * 4;  // one set of gta
  const S* Mq = gta;
  const S* Mk = GTA ? gta + kGta : nullptr;
  const S* Mv = GTA ? gta + 2 * kGta : nullptr;
  const S* Mo = GTA ? gta + 3 * kGta : nullptr;
  (void)Mo;

  // ---- phase 1: scores and softmax ----
  transform_rows<S, P, HD, GTA>(op, CF::KS, 0, P, qkv_n + C + h * HD, 3 * C, bk, qkv_n + C + h * HD, Mk, S(1),
                                threadIdx.x, CF::NT);
  __syncthreads();
  for (int g = warp; g < CF::NG; g += CF::NW) {
    const int p0 = g * R;
    transform_rows<S, P, HD, GTA>(stage, CF::SROW, p0, R, qkv_n + h * HD, 3 * C, bq, qkv_n + h * HD, Mq, scale,
                                  lane, 32);
    __syncwarp();
    S s[R][NJ];
    dot_rows<S, P, HD, CF>(stage, op, lane, s);
#pragma unroll
    for (int r = 0; r < R; ++r) {
      const int p = p0 + r;
      S mx = neg_inf<S>();
#pragma unroll
      for (int i = 0; i < NJ; ++i)
        if (32 * i + lane < P) mx = dmax(mx, s[r][i]);
      mx = warp_max(mx);
      S e[NJ], sum = S(0);
#pragma unroll
      for (int i = 0; i < NJ; ++i) {
        e[i] = 32 * i + lane < P ? dexp(s[r][i] - mx) : S(0);
        sum += e[i];
      }
      sum = warp_sum(sum);
      const S inv = S(1) / sum;
      if (p < P) {
#pragma unroll
        for (int i = 0; i < NJ; ++i) {
          const int j = 32 * i + lane;
          if (j < P) A_nh[index_t(p) * P + j] = e[i] * inv;
        }
      }
    }
    __syncwarp();  // the next group restages `stage`
  }
  __syncthreads();

  // ---- phase 2: o = A V' ----
  transform_rows<S, P, HD, GTA>(op, CF::VS, 0, P, qkv_n + 2 * C + h * HD, 3 * C, bv, qkv_n + 2 * C + h * HD, Mv,
                                S(1), threadIdx.x, CF::NT);
  __syncthreads();
  for (int g = warp; g < CF::NG; g += CF::NW) {
    const int p0 = g * R;
    stage_coef_rows<S, P, CF, false>(stage, A_nh, p0, lane);  // rows this warp wrote in phase 1
    __syncwarp();
    S acc[R][CF::CPL][CF::DV];
    combine_rows<S, P, HD, CF>(stage, op, lane, acc);
#pragma unroll
    for (int r = 0; r < R; ++r) {
      const int p = p0 + r;
      if (p >= P) continue;
      S* orow = o + (index_t(n) * P + p) * C + h * HD;
#pragma unroll
      for (int cc = 0; cc < CF::CPL; ++cc) {
        if (!lane_writes<CF>(lane, cc)) continue;
        const int c = lane_chunk<CF>(lane, cc);
        if constexpr (GTA) {
          const int f = c;
          const S a = acc[r][cc][0], b = acc[r][cc][1];
          S* pre = o_pre + (index_t(nh) * P + p) * HD;
          pre[2 * f] = a;
          pre[2 * f + 1] = b;
          const S* M = Mo + (index_t(p) * (HD / 2) + f) * 4;
          orow[2 * f] = M[0] * a + M[1] * b;
          orow[2 * f + 1] = M[2] * a + M[3] * b;
        } else {
          (void)o_pre;
#pragma unroll
          for (int e = 0; e < CF::DV; ++e) orow[c * CF::DV + e] = acc[r][cc][e];
        }
      }
    }
    __syncwarp();
  }
}

template <typename S, int P, int C, int HEADS, bool GTA>
__global__ void __launch_bounds__(Cfg<S, P, C / HEADS>::NT)
    attn_backward_kernel(const S* qkv, const S* A, const S* o_pre, const S* dO, const S* gta, S* dqkv, S* dMpart,
                         S* head_ws, index_t head_ws_elems, S scale) {
  constexpr int HD = C / HEADS;
  using CF = Cfg<S, P, HD>;
  constexpr int R = CF::R, NJ = CF::NJ;
  constexpr index_t kGta = index_t(P) * (HD / 2) * 4;
  __shared__ __align__(16) unsigned char smem_raw[CF::SMEM_ELEMS * sizeof(S)];
  S* smem = reinterpret_cast<S*>(smem_raw);
  const int nh = blockIdx.x;
  const int n = nh / HEADS, h = nh % HEADS;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  S* dS = head_ws + index_t(nh) * head_ws_elems;  // [P, P]
  S* op;
  if constexpr (CF::OP_SMEM) {
    op = smem;
  } else {
    op = head_ws + round_up_l(index_t(nh) * head_ws_elems + index_t(P) * P, CF::VW);  // host checks alignment
  }
  S* stage = smem + (CF::OP_SMEM ? CF::OP_ELEMS : 0) + index_t(warp) * R * CF::SROW;
  const S* qkv_n = qkv + index_t(n) * P * 3 * C;
  S* dqkv_n = dqkv + index_t(n) * P * 3 * C;
  const S* dO_n = dO + index_t(n) * P * C + h * HD;
  const S* A_nh = A + index_t(nh) * P * P;
  // sets q, k, v, o of gta and of this head's partial gradient
  S* dM = (GTA && dMpart != nullptr) ? dMpart + index_t(nh) * 4 * kGta : nullptr;
  const S* Mq = gta;
  const S* Mk = GTA ? gta + kGta : nullptr;
  const S* Mv = GTA ? gta + 2 * kGta : nullptr;
  const S* Mo = GTA ? gta + 3 * kGta : nullptr;
  S* dMq = dM;
  S* dMk = dM != nullptr ? dM + kGta : nullptr;
  S* dMv = dM != nullptr ? dM + 2 * kGta : nullptr;
  S* dMo = dM != nullptr ? dM + 3 * kGta : nullptr;

  // ---- start: dM_o from the output transform o = M_o o_pre ----
  if constexpr (GTA) {
    if (dMo != nullptr) {
      const S* pre = o_pre + index_t(nh) * P * HD;
      for (int it = threadIdx.x; it < P * (HD / 2); it += CF::NT) {
        const int p = it / (HD / 2), f = it % (HD / 2);
        const S g0 = dO_n[index_t(p) * C + 2 * f], g1 = dO_n[index_t(p) * C + 2 * f + 1];
        const S i0 = pre[index_t(p) * HD + 2 * f], i1 = pre[index_t(p) * HD + 2 * f + 1];
        S* m = dMo + (index_t(p) * (HD / 2) + f) * 4;
        m[0] = g0 * i0;
        m[1] = g0 * i1;
        m[2] = g1 * i0;
        m[3] = g1 * i1;
      }
    }
  } else {
    (void)o_pre;
  }

  // ---- phase 1a: dS = A * (dA - rowsum(A * dA)) * scale, dA = gO V'^T ----
  transform_rows<S, P, HD, GTA>(op, CF::KS, 0, P, qkv_n + 2 * C + h * HD, 3 * C, nullptr, nullptr, Mv, S(1),
                                threadIdx.x, CF::NT);
  __syncthreads();
  for (int g = warp; g < CF::NG; g += CF::NW) {
    const int p0 = g * R;
    transform_rows<S, P, HD, GTA, true>(stage, CF::SROW, p0, R, dO_n, C, nullptr, nullptr, Mo, S(1), lane,
                                        32);  // gO = M_o^T dO
    __syncwarp();
    S s[R][NJ];
    dot_rows<S, P, HD, CF>(stage, op, lane, s);
#pragma unroll
    for (int r = 0; r < R; ++r) {
      const int p = p0 + r;
      S a[NJ], t = S(0);
#pragma unroll
      for (int i = 0; i < NJ; ++i) {
        const int j = 32 * i + lane;
        a[i] = (p < P && j < P) ? A_nh[index_t(p) * P + j] : S(0);
        t += a[i] * s[r][i];
      }
      t = warp_sum(t);
      if (p < P) {
#pragma unroll
        for (int i = 0; i < NJ; ++i) {
          const int j = 32 * i + lane;
          if (j < P) dS[index_t(p) * P + j] = a[i] * (s[r][i] - t) * scale;
        }
      }
    }
    __syncwarp();
  }
  __syncthreads();

  // ---- phase 1b: dq' = dS K' ----
  transform_rows<S, P, HD, GTA>(op, CF::VS, 0, P, qkv_n + C + h * HD, 3 * C, nullptr, nullptr, Mk, S(1),
                                threadIdx.x, CF::NT);
  __syncthreads();
  for (int g = warp; g < CF::NG; g += CF::NW) {
    const int p0 = g * R;
    stage_coef_rows<S, P, CF, false>(stage, dS, p0, lane);
    __syncwarp();
    S acc[R][CF::CPL][CF::DV];
    combine_rows<S, P, HD, CF>(stage, op, lane, acc);
    write_grad_rows<S, P, C, HD, GTA, CF>(acc, p0, lane, dqkv_n + h * HD, qkv_n + h * HD, Mq, dMq);
    __syncwarp();
  }
  __syncthreads();

  // ---- phase 2a: dk' = dS^T q' (q' unscaled; the scale is inside dS) ----
  transform_rows<S, P, HD, GTA>(op, CF::VS, 0, P, qkv_n + h * HD, 3 * C, nullptr, nullptr, Mq, S(1), threadIdx.x,
                                CF::NT);
  __syncthreads();
  for (int g = warp; g < CF::NG; g += CF::NW) {
    const int p0 = g * R;  // key rows
    stage_coef_rows<S, P, CF, true>(stage, dS, p0, lane);
    __syncwarp();
    S acc[R][CF::CPL][CF::DV];
    combine_rows<S, P, HD, CF>(stage, op, lane, acc);
    write_grad_rows<S, P, C, HD, GTA, CF>(acc, p0, lane, dqkv_n + C + h * HD, qkv_n + C + h * HD, Mk, dMk);
    __syncwarp();
  }
  __syncthreads();

  // ---- phase 2b: dv' = A^T gO, gO = M_o^T * dO ----
  transform_rows<S, P, HD, GTA, true>(op, CF::VS, 0, P, dO_n, C, nullptr, nullptr, Mo, S(1), threadIdx.x, CF::NT);
  __syncthreads();
  for (int g = warp; g < CF::NG; g += CF::NW) {
    const int p0 = g * R;  // key rows
    stage_coef_rows<S, P, CF, true>(stage, A_nh, p0, lane);
    __syncwarp();
    S acc[R][CF::CPL][CF::DV];
    combine_rows<S, P, HD, CF>(stage, op, lane, acc);
    write_grad_rows<S, P, C, HD, GTA, CF>(acc, p0, lane, dqkv_n + 2 * C + h * HD, qkv_n + 2 * C + h * HD, Mv, dMv);
    __syncwarp();
  }
}

// ---- head permutation of weights and gradients ----
// Within each C-channel chunk: head-major index i = h*HD + d <-> original d*HEADS + h.
struct HeadPerm {
  int C, HEADS, HD;
  __host__ __device__ index_t orig(index_t i) const {
    const index_t part = i / C, k = i % C;
    return part * C + (k % HD) * HEADS + k / HD;
  }
};
struct Identity {
  __host__ __device__ index_t orig(index_t i) const { return i; }
};

// Rows [rows, cols]: !ADD: dst[i, :] = src[orig(i), :]   ADD: dst[orig(i), :] += src[i, :]
template <typename S, bool ADD>
__global__ void perm_rows_kernel(const S* src, S* dst, index_t rows, index_t cols, HeadPerm hp) {
  AKORN_GRID_LOOP(e, rows * cols) {
    const index_t i = e / cols, k = e % cols;
    const index_t oi = hp.orig(i) * cols + k;
    if (ADD) dst[oi] += src[e];
    else dst[e] = src[oi];
  }
}
// Columns [rows, cols]: !ADD: dst[:, i] = src[:, orig(i)]   ADD: dst[:, orig(i)] += src[:, i]
template <typename S, bool ADD>
__global__ void perm_cols_kernel(const S* src, S* dst, index_t rows, index_t cols, HeadPerm hp) {
  AKORN_GRID_LOOP(e, rows * cols) {
    const index_t r = e / cols, i = e % cols;
    const index_t oi = r * cols + hp.orig(i);
    if (ADD) dst[oi] += src[e];
    else dst[e] = src[oi];
  }
}

template <typename S>
__global__ void fill_rows_kernel(S* dst, index_t rows, index_t cols, const S* bias) {
  AKORN_GRID_LOOP(e, rows * cols) dst[e] = bias != nullptr ? bias[e % cols] : S(0);
}

// Deterministic column sums, two stages: partial[ch, k] = sum of rows of chunk ch (double,
// fixed tree over 8 row lanes), then dst[orig(k)] += sum over ch in order.
constexpr int kColRowLanes = 8;
inline int colsum_chunks(index_t rows) {
  index_t c = (rows + 63) / 64;
  if (c > 512) c = 512;
  if (c < 1) c = 1;
  return int(c);
}
template <typename S>
__global__ void colsum_stage1_kernel(const S* src, index_t rows, index_t cols, index_t ld, index_t rows_per_chunk,
                                     double* partial) {
  __shared__ double red[kColRowLanes][33];
  const index_t k = index_t(blockIdx.x) * 32 + threadIdx.x;
  const index_t r0 = index_t(blockIdx.y) * rows_per_chunk;
  const index_t r1 = r0 + rows_per_chunk < rows ? r0 + rows_per_chunk : rows;
  double s = 0;
  if (k < cols)
    for (index_t r = r0 + threadIdx.y; r < r1; r += kColRowLanes) s += double(src[r * ld + k]);
  red[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  if (threadIdx.y == 0 && k < cols) {
    double t = 0;
    for (int y = 0; y < kColRowLanes; ++y) t += red[y][threadIdx.x];
    partial[index_t(blockIdx.y) * cols + k] = t;
  }
}
template <typename S, class Map>
__global__ void colsum_stage2_kernel(const double* partial, int chunks, index_t cols, S* dst, Map map) {
  AKORN_GRID_LOOP(k, cols) {
    double s = 0;
    for (int ch = 0; ch < chunks; ++ch) s += partial[index_t(ch) * cols + k];
    dst[map.orig(k)] += static_cast<S>(s);
  }
}
// dst[map.orig(k)] += sum_r src[r * ld + k], k < cols; partial holds colsum_chunks(rows)*cols.
template <typename S, class Map>
void colsum_add(const S* src, index_t rows, index_t cols, index_t ld, S* dst, Map map, double* partial) {
  if (rows <= 0 || cols <= 0) return;
  const int chunks = colsum_chunks(rows);
  const index_t rpc = (rows + chunks - 1) / chunks;
  const dim3 grid(unsigned((cols + 31) / 32), unsigned(chunks));
  colsum_stage1_kernel<S><<<grid, dim3(32, kColRowLanes), 0, stream()>>>(src, rows, cols, ld, rpc, partial);
  AKORN_CUDA_LAUNCH_CHECK();
  colsum_stage2_kernel<S, Map><<<blocks_for(cols), kThreads, 0, stream()>>>(partial, chunks, cols, dst, map);
  AKORN_CUDA_LAUNCH_CHECK();
}

template <typename S, bool ADD>
void perm_rows(const S* src, S* dst, index_t rows, index_t cols, HeadPerm hp) {
  perm_rows_kernel<S, ADD><<<blocks_for(rows * cols), kThreads, 0, stream()>>>(src, dst, rows, cols, hp);
  AKORN_CUDA_LAUNCH_CHECK();
}
template <typename S, bool ADD>
void perm_cols(const S* src, S* dst, index_t rows, index_t cols, HeadPerm hp) {
  perm_cols_kernel<S, ADD><<<blocks_for(rows * cols), kThreads, 0, stream()>>>(src, dst, rows, cols, hp);
  AKORN_CUDA_LAUNCH_CHECK();
}

// Carves one scratch request into aligned pieces (one scratch() call per op invocation, so
// no earlier pointer is invalidated by a later growth).
struct Carve {
  std::size_t off = 0;
  template <typename T>
  std::size_t take(index_t elems) {
    const std::size_t o = (off + 255) / 256 * 256;
    off = o + sizeof(T) * std::size_t(elems > 0 ? elems : 1);
    return o;
  }
};

inline bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

}  // namespace attn_cuda_detail

template <typename S, int H, int W, int C, int HEADS, bool GTA>
struct AttnJ : AttnJLayout<S, H, W, C, HEADS, GTA> {
  using Layout = AttnJLayout<S, H, W, C, HEADS, GTA>;
  using Layout::P, Layout::HD, Layout::saved_elems, Layout::fwd_ws_elems, Layout::bwd_ws_elems,
        Layout::kFwdHead, Layout::kBwdHead, Layout::kGtaElems, Layout::kGtaAll;
  using CF = attn_cuda_detail::Cfg<S, P, HD>;
  // Without shared memory for the operand matrix it lives in the workspaces (aligned start).
  static_assert(CF::OP_SMEM || index_t(P) * CF::KS + CF::VW <= kFwdHead,
                "AttnJ (CUDA): forward workspace too small for the operand matrix");
  static_assert(CF::OP_SMEM || index_t(P) * P + index_t(P) * CF::KS + CF::VW <= kBwdHead,
                "AttnJ (CUDA): backward workspace too small for the operand matrix");

  using typename Layout::Saved;
  using Layout::sections;

  static attn_cuda_detail::HeadPerm perm() { return {C, HEADS, HD}; }
  static S score_scale() { return S(1) / std::sqrt(S(HD)); }

  static void forward(int N, const S* x, const S* w_qkv, const S* b_qkv, const S* w_o, const S* b_o,
                      const S* gta, S* y, S* saved, S* ws) {
    using namespace attn_cuda_detail;
    if (N <= 0) return;
    const index_t NP = index_t(N) * P;
    const Saved sv = sections(N, saved);
    if constexpr (!CF::OP_SMEM) AKORN_CHECK(aligned16(ws), "AttnJ (CUDA): forward workspace must be 16-byte aligned");
    // head-major copies of the weights (scratch)
    Carve cv;
    const std::size_t o_wq = cv.take<S>(index_t(3) * C * C), o_bq = cv.take<S>(3 * C), o_wo = cv.take<S>(index_t(C) * C);
    char* base = static_cast<char*>(scratch_bytes(cv.off));
    S* wq_p = reinterpret_cast<S*>(base + o_wq);
    S* bq_p = b_qkv != nullptr ? reinterpret_cast<S*>(base + o_bq) : nullptr;
    S* wo_p = reinterpret_cast<S*>(base + o_wo);
    perm_rows<S, false>(w_qkv, wq_p, 3 * C, C, perm());
    if (bq_p != nullptr) perm_rows<S, false>(b_qkv, bq_p, 3 * C, 1, perm());
    perm_cols<S, false>(w_o, wo_p, C, C, perm());

    // qkv_p = x Wq_p^T (the attention kernel adds the bias and stores it back)
    gemm(false, true, int(NP), 3 * C, C, S(1), x, C, wq_p, C, S(0), sv.qkv, 3 * C);
    attn_forward_kernel<S, P, C, HEADS, GTA><<<unsigned(index_t(N) * HEADS), CF::NT, 0, stream()>>>(
        sv.qkv, bq_p, gta, sv.A, sv.o, sv.o_pre, ws, score_scale());
    AKORN_CUDA_LAUNCH_CHECK();
    // y = b_o + o_p Wo_p^T
    fill_rows_kernel<S><<<blocks_for(NP * C), kThreads, 0, stream()>>>(y, NP, C, b_o);
    AKORN_CUDA_LAUNCH_CHECK();
    gemm(false, true, int(NP), C, C, S(1), sv.o, C, wo_p, C, S(1), y, C);
  }

  static void backward(int N, const S* x, const S* w_qkv, const S* w_o, const S* gta, const S* saved,
                       const S* dy, S* dx, S* dw_qkv, S* db_qkv, S* dw_o, S* db_o, S* dgta, S* ws) {
    using namespace attn_cuda_detail;
    if (N <= 0) return;
    const index_t NP = index_t(N) * P;
    const Saved sv = sections(N, const_cast<S*>(saved));
    const bool want_gta = GTA && dgta != nullptr;
    const bool want_attn = dx || dw_qkv || db_qkv || want_gta;
    if (!(db_o || dw_o || want_attn)) return;

    // scratch: Wq_p | Wo_p | dW (permuted weight gradient) | column-sum partials
    index_t part_elems = index_t(colsum_chunks(NP)) * 3 * C;
    if (want_gta) {
      const index_t g = index_t(colsum_chunks(index_t(N) * HEADS)) * kGtaAll;
      part_elems = part_elems > g ? part_elems : g;
    }
    Carve cv;
    const std::size_t o_wq = cv.take<S>(index_t(3) * C * C), o_wo = cv.take<S>(index_t(C) * C),
                      o_dw = cv.take<S>(index_t(3) * C * C), o_part = cv.take<double>(part_elems);
    char* base = static_cast<char*>(scratch_bytes(cv.off));
    S* wq_p = reinterpret_cast<S*>(base + o_wq);
    S* wo_p = reinterpret_cast<S*>(base + o_wo);
    S* dw_p = reinterpret_cast<S*>(base + o_dw);
    double* partial = reinterpret_cast<double*>(base + o_part);

    if (db_o) colsum_add(dy, NP, C, C, db_o, Identity{}, partial);
    if (dw_o) {  // dw_o[:, perm(i)] += (dy^T o_p)[:, i]
      gemm(true, false, C, C, int(NP), S(1), dy, C, sv.o, C, S(0), dw_p, C);
      perm_cols<S, true>(dw_p, dw_o, C, C, perm());
    }
    if (!want_attn) return;

    S* dO = ws;
    S* dqkv = dO + NP * C;
    S* head_ws = dqkv + NP * 3 * C;
    S* dMpart = GTA ? head_ws + index_t(N) * HEADS * kBwdHead : nullptr;
    if constexpr (!CF::OP_SMEM) AKORN_CHECK(aligned16(ws), "AttnJ (CUDA): backward workspace must be 16-byte aligned");
    perm_cols<S, false>(w_o, wo_p, C, C, perm());
    gemm(false, false, int(NP), C, C, S(1), dy, C, wo_p, C, S(0), dO, C);  // dO_p = dy Wo_p
    attn_backward_kernel<S, P, C, HEADS, GTA><<<unsigned(index_t(N) * HEADS), CF::NT, 0, stream()>>>(
        sv.qkv, sv.A, sv.o_pre, dO, gta, dqkv, want_gta ? dMpart : nullptr, head_ws, kBwdHead, score_scale());
    AKORN_CUDA_LAUNCH_CHECK();

    if (db_qkv) colsum_add(dqkv, NP, 3 * C, 3 * C, db_qkv, perm(), partial);
    if (dw_qkv) {  // dw_qkv[perm(i), :] += (dqkv_p^T x)[i, :]
      gemm(true, false, 3 * C, C, int(NP), S(1), dqkv, 3 * C, x, C, S(0), dw_p, C);
      perm_rows<S, true>(dw_p, dw_qkv, 3 * C, C, perm());
    }
    if (dx) {
      perm_rows<S, false>(w_qkv, wq_p, 3 * C, C, perm());
      gemm(false, false, int(NP), C, 3 * C, S(1), dqkv, 3 * C, wq_p, C, S(1), dx, C);
    }
    if (want_gta) colsum_add(dMpart, index_t(N) * HEADS, kGtaAll, kGtaAll, dgta, Identity{}, partial);
  }
};

}  // namespace akorn::cuda
