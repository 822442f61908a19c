// KuramotoStep on the GPU: the twin of akorn/ops/kuramoto_step/cpu.hpp (same template parameters,
// same static functions and arguments, same overwrite / accumulate rules). All pointers are
// device pointers; theta (`omega`) and gamma are read inside the kernels.
//
// One Kuramoto step, element-wise part (y = Jx + c, energy, tangent projection, Omega,
// x_next = normalize(x + gamma * dxdt)); the per-oscillator math is the host's own,
// akorn/ops/kuramoto_step/math.hpp (host and device functions): these kernels map threads to
// oscillators, load and store them and reduce the energy and the Omega / gamma gradients.
//
// Thread mapping (forward and backward kernels alike). A sample is P positions x NO
// oscillators of NOSC consecutive channels. A block of kStepThreads threads is split into
// TP "position rows" of TO "oscillator slots" (TO = min(NO, kStepThreads), TP = kStepThreads
// / TO; threads beyond TP*TO idle in the loops). Thread (to, tp) handles oscillators
// o = to, to + TO, ... (SLOTS of them, a fixed set) at positions p = p0 + tp, p0 + tp + TP,
// ... of its block's position chunk [p0, p1). Consecutive threads touch consecutive
// oscillators, i.e. consecutive NOSC-element vectors (coalesced; 8- or 16-byte vector loads
// when every pointer is aligned). Because a thread's oscillator set is fixed, its omega
// norms w_q are computed once, and its per-pair omega gradient needs only NOSC/2 * SLOTS
// accumulators.
// Grid: G blocks per sample x N samples (blockIdx.x = n * G + g). Each oscillator is read
// and written by exactly one thread, which reads all its inputs before writing its outputs,
// so dx may alias dx_next.
//
// forward  : ONE kernel. When energy is wanted, G = 1 (one block per sample) and the
//            block reduces -sum(x * y) with block_sum (double accumulators, fixed order)
//            and writes energy[n * estride]. Without energy G is chosen to fill the GPU.
// backward : one kernel writes dx, dy (overwrite) and dc (+=) per oscillator and, when
//            dgamma / domega are wanted, per-block partial sums (double) of
//            [dgamma, dw_0 .. dw_{NW-1}] into scratch: part[(n*G + g) * NPART + k]
//            (block_sum for dgamma and global omega; for per-pair omega a fixed-order sum
//            over the TP position rows through a shared buffer). A second small kernel sums
//            the partials over blocks in order and accumulates dgamma += s,
//            domega[2q..2q+1] += s / w_q * theta_q (skipped where w_q = 0, like the CPU).
// No floating-point atomics anywhere; results are bit-reproducible.
#pragma once
#include <cstdint>

#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/cuda/reduce.cuh"
#include "akorn/ops/kuramoto_step/layout.hpp"
#include "akorn/ops/kuramoto_step/math.hpp"

namespace akorn::cuda {

namespace kstep_detail {

constexpr int kStepThreads = 512;

__device__ __forceinline__ float dsqrt(float v) { return sqrtf(v); }
__device__ __forceinline__ double dsqrt(double v) { return sqrt(v); }

// Thread layout of a block (see the file comment).
template <int NO>
struct StepMap {
  static constexpr int TO = NO < kStepThreads ? NO : kStepThreads;  // oscillator slots
  static constexpr int TP = kStepThreads / TO;                      // position rows
  static constexpr int SLOTS = (NO + TO - 1) / TO;                  // oscillators per thread and position
};

// Vector width in bytes for one oscillator (0: scalar accesses).
template <typename S, int NOSC>
__host__ __device__ constexpr int osc_vec_bytes() {
  return (NOSC * int(sizeof(S))) % 16 == 0 ? 16 : ((NOSC * int(sizeof(S))) % 8 == 0 ? 8 : 0);
}

// Loads / stores one oscillator (NOSC consecutive values). VEC: the address is aligned to
// osc_vec_bytes (checked on the host for every base pointer; offsets are multiples of NOSC).
template <typename S, int NOSC, bool VEC>
__device__ __forceinline__ void load_osc(const S* p, S (&v)[NOSC]) {
  constexpr int VB = osc_vec_bytes<S, NOSC>();
  if constexpr (VEC && VB == 16 && sizeof(S) == 4) {
#pragma unroll
    for (int k = 0; k < NOSC; k += 4) {
      const float4 t = *reinterpret_cast<const float4*>(p + k);
      v[k] = t.x; v[k + 1] = t.y; v[k + 2] = t.z; v[k + 3] = t.w;
    }
  } else if constexpr (VEC && VB == 16 && sizeof(S) == 8) {
#pragma unroll
    for (int k = 0; k < NOSC; k += 2) {
      const double2 t = *reinterpret_cast<const double2*>(p + k);
      v[k] = t.x; v[k + 1] = t.y;
    }
  } else if constexpr (VEC && VB == 8 && sizeof(S) == 4) {
#pragma unroll
    for (int k = 0; k < NOSC; k += 2) {
      const float2 t = *reinterpret_cast<const float2*>(p + k);
      v[k] = t.x; v[k + 1] = t.y;
    }
  } else {
#pragma unroll
    for (int k = 0; k < NOSC; ++k) v[k] = p[k];
  }
}

template <typename S, int NOSC, bool VEC>
__device__ __forceinline__ void store_osc(S* p, const S (&v)[NOSC]) {
  constexpr int VB = osc_vec_bytes<S, NOSC>();
  if constexpr (VEC && VB == 16 && sizeof(S) == 4) {
#pragma unroll
    for (int k = 0; k < NOSC; k += 4)
      *reinterpret_cast<float4*>(p + k) = make_float4(v[k], v[k + 1], v[k + 2], v[k + 3]);
  } else if constexpr (VEC && VB == 16 && sizeof(S) == 8) {
#pragma unroll
    for (int k = 0; k < NOSC; k += 2) *reinterpret_cast<double2*>(p + k) = make_double2(v[k], v[k + 1]);
  } else if constexpr (VEC && VB == 8 && sizeof(S) == 4) {
#pragma unroll
    for (int k = 0; k < NOSC; k += 2) *reinterpret_cast<float2*>(p + k) = make_float2(v[k], v[k + 1]);
  } else {
#pragma unroll
    for (int k = 0; k < NOSC; ++k) p[k] = v[k];
  }
}

// Omega norms of this thread's pairs: w[k][j] for slot k, pair j of the oscillator
// (PerPair: w_q, q = o * NOSC/2 + j; Global: every entry = ||theta||; None: unused).
template <typename S, int C, int NOSC, OmegaMode OM, int SLOTS, int TO>
__device__ __forceinline__ void thread_omega(const S* theta, int to, S (&w)[SLOTS][NOSC / 2]) {
  constexpr int NO = C / NOSC;
  if constexpr (OM == OmegaMode::Global) {
    const S w0 = dsqrt(theta[0] * theta[0] + theta[1] * theta[1]);
#pragma unroll
    for (int k = 0; k < SLOTS; ++k)
#pragma unroll
      for (int j = 0; j < NOSC / 2; ++j) w[k][j] = w0;
  } else if constexpr (OM == OmegaMode::PerPair) {
#pragma unroll
    for (int k = 0; k < SLOTS; ++k) {
      const int o = to + k * TO;
#pragma unroll
      for (int j = 0; j < NOSC / 2; ++j) {
        const int q = o * (NOSC / 2) + j;
        w[k][j] = o < NO ? dsqrt(theta[2 * q] * theta[2 * q] + theta[2 * q + 1] * theta[2 * q + 1]) : S(0);
      }
    }
  } else {
    (void)theta;
    (void)to;
#pragma unroll
    for (int k = 0; k < SLOTS; ++k)
#pragma unroll
      for (int j = 0; j < NOSC / 2; ++j) w[k][j] = S(0);
  }
}

template <typename S, int P, int C, int NOSC, OmegaMode OM, bool PROJECT, bool VEC>
__global__ void __launch_bounds__(kStepThreads)
    step_forward_kernel(const S* x, const S* Jx, const S* c, const S* theta, const S* gamma, S* x_next,
                        S* energy, int estride, int G, int pchunk) {
  constexpr int NO = C / NOSC;
  using Map = StepMap<NO>;
  constexpr index_t E = index_t(P) * C;
  __shared__ double red[32];
  const index_t n = blockIdx.x / G;
  const int g = int(blockIdx.x % G);
  const int to = int(threadIdx.x) % Map::TO, tp = int(threadIdx.x) / Map::TO;
  const int p0 = g * pchunk;
  const int p1 = p0 + pchunk < P ? p0 + pchunk : P;
  const S gam = *gamma;
  S w[Map::SLOTS][NOSC / 2];
  thread_omega<S, C, NOSC, OM, Map::SLOTS, Map::TO>(theta, to, w);

  double esum = 0;
  if (tp < Map::TP) {
    for (int p = p0 + tp; p < p1; p += Map::TP) {
#pragma unroll
      for (int k = 0; k < Map::SLOTS; ++k) {
        const int o = to + k * Map::TO;
        if (o >= NO) continue;
        const index_t b = n * E + index_t(p) * C + index_t(o) * NOSC;
        S xv[NOSC], jv[NOSC], cv[NOSC], z[NOSC];
        load_osc<S, NOSC, VEC>(x + b, xv);
        load_osc<S, NOSC, VEC>(Jx + b, jv);
        load_osc<S, NOSC, VEC>(c + b, cv);
#pragma unroll
        for (int i = 0; i < NOSC; ++i) jv[i] = jv[i] + cv[i];  // y
        esum += kuramoto_math::oscillator_forward<S, NOSC, PROJECT, OM == OmegaMode::Global || OM == OmegaMode::PerPair,
                                                  OM == OmegaMode::Identity>(xv, jv, w[k], gam, z);
        store_osc<S, NOSC, VEC>(x_next + b, z);
      }
    }
  }
  if (energy != nullptr) {  // uniform over the grid; the host launches G = 1 in this case
    const double tot = block_sum(esum, red);
    if (threadIdx.x == 0) energy[n * index_t(estride)] = static_cast<S>(-tot);
  }
}

template <typename S, int P, int C, int NOSC, OmegaMode OM, bool PROJECT, bool VEC>
__global__ void __launch_bounds__(kStepThreads)
    step_backward_kernel(const S* x, const S* Jx, const S* c, const S* theta, const S* gamma, const S* x_next,
                         const S* dx_next, S* dx, S* dy, S* dc, double* part, int G, int pchunk) {
  constexpr int NO = C / NOSC;
  constexpr int NW = OM == OmegaMode::PerPair ? C / 2 : (OM == OmegaMode::Global ? 1 : 0);
  constexpr int NPART = 1 + NW;
  using Map = StepMap<NO>;
  constexpr index_t E = index_t(P) * C;
  __shared__ double red[OM == OmegaMode::PerPair ? kStepThreads : 32];
  const index_t n = blockIdx.x / G;
  const int g = int(blockIdx.x % G);
  const int to = int(threadIdx.x) % Map::TO, tp = int(threadIdx.x) / Map::TO;
  const int p0 = g * pchunk;
  const int p1 = p0 + pchunk < P ? p0 + pchunk : P;
  const S gam = *gamma;
  S w[Map::SLOTS][NOSC / 2];
  thread_omega<S, C, NOSC, OM, Map::SLOTS, Map::TO>(theta, to, w);

  double pg = 0;                                  // dgamma partial
  double pw[Map::SLOTS][NOSC / 2];                // omega partials of this thread's pairs
#pragma unroll
  for (int k = 0; k < Map::SLOTS; ++k)
#pragma unroll
    for (int j = 0; j < NOSC / 2; ++j) pw[k][j] = 0;

  if (tp < Map::TP) {
    for (int p = p0 + tp; p < p1; p += Map::TP) {
#pragma unroll
      for (int k = 0; k < Map::SLOTS; ++k) {
        const int o = to + k * Map::TO;
        if (o >= NO) continue;
        const index_t b = n * E + index_t(p) * C + index_t(o) * NOSC;
        S xv[NOSC], yv[NOSC], cv[NOSC], gn[NOSC], xnv[NOSC], dxo[NOSC], dyo[NOSC];
        load_osc<S, NOSC, VEC>(x + b, xv);
        load_osc<S, NOSC, VEC>(Jx + b, yv);
        load_osc<S, NOSC, VEC>(c + b, cv);
        load_osc<S, NOSC, VEC>(dx_next + b, gn);  // read before dx (may alias) is written
        load_osc<S, NOSC, VEC>(x_next + b, xnv);
#pragma unroll
        for (int i = 0; i < NOSC; ++i) yv[i] = yv[i] + cv[i];
        kuramoto_math::oscillator_backward<S, NOSC, PROJECT, OM == OmegaMode::Global || OM == OmegaMode::PerPair, false,
                                           OM == OmegaMode::Identity>(xv, yv, w[k], gam, xnv, gn,
                                                                                          dxo, dyo, pg, pw[k]);
        if (dx) store_osc<S, NOSC, VEC>(dx + b, dxo);
        if (dy) store_osc<S, NOSC, VEC>(dy + b, dyo);
        if (dc) {
          S dcv[NOSC];
          load_osc<S, NOSC, VEC>(dc + b, dcv);
#pragma unroll
          for (int i = 0; i < NOSC; ++i) dcv[i] += dyo[i];
          store_osc<S, NOSC, VEC>(dc + b, dcv);
        }
      }
    }
  }

  if (part == nullptr) return;  // uniform over the grid
  double* pp = part + (n * G + g) * NPART;
  {
    const double t = block_sum(pg, red);
    if (threadIdx.x == 0) pp[0] = t;
  }
  if constexpr (OM == OmegaMode::Global) {
    double s = 0;
#pragma unroll
    for (int k = 0; k < Map::SLOTS; ++k)
#pragma unroll
      for (int j = 0; j < NOSC / 2; ++j) s += pw[k][j];
    const double t = block_sum(s, red);
    if (threadIdx.x == 0) pp[1] = t;
  } else if constexpr (OM == OmegaMode::PerPair) {
    // For each (slot, pair): the TP position rows of one oscillator slot are summed in row
    // order through red[] (the loop bounds are compile-time, so every thread reaches every
    // __syncthreads).
#pragma unroll
    for (int k = 0; k < Map::SLOTS; ++k) {
#pragma unroll
      for (int j = 0; j < NOSC / 2; ++j) {
        __syncthreads();  // red[] may still be read by the previous iteration / block_sum
        red[threadIdx.x] = tp < Map::TP ? pw[k][j] : 0.0;
        __syncthreads();
        const int o = to + k * Map::TO;
        if (tp == 0 && o < NO) {
          double s = 0;
          for (int rr = 0; rr < Map::TP; ++rr) s += red[rr * Map::TO + to];
          pp[1 + o * (NOSC / 2) + j] = s;
        }
      }
    }
  }
}

// Sums the per-block partials in block order and accumulates dgamma and domega.
template <typename S, OmegaMode OM>
__global__ void step_finalize_kernel(const double* part, index_t nblk, int npart, const S* theta, S* domega,
                                     S* dgamma) {
  AKORN_GRID_LOOP(k, npart) {
    double s = 0;
    for (index_t b = 0; b < nblk; ++b) s += part[b * npart + k];
    if (k == 0) {
      if (dgamma) *dgamma += static_cast<S>(s);
      continue;
    }
    if constexpr (OM == OmegaMode::Global || OM == OmegaMode::PerPair) {
      if (domega == nullptr) continue;
      const index_t q = k - 1;
      const S t0 = theta[2 * q], t1 = theta[2 * q + 1];
      const S wq = dsqrt(t0 * t0 + t1 * t1);
      if (wq > S(0)) {
        const double sc = s / double(wq);
        domega[2 * q] += static_cast<S>(sc * t0);
        domega[2 * q + 1] += static_cast<S>(sc * t1);
      }
    } else {
      (void)theta;
      (void)domega;
    }
  }
}

inline bool aligned_to(const void* p, int bytes) {
  return bytes == 0 || p == nullptr || reinterpret_cast<std::uintptr_t>(p) % std::uintptr_t(bytes) == 0;
}

inline int sm_count() {
  const int s = ctx().prop.multiProcessorCount;
  return s > 0 ? s : 132;
}

}  // namespace kstep_detail

template <typename S, int P, int C, int NOSC, OmegaMode OM, bool PROJECT>
struct KuramotoStep : KuramotoStepLayout<P, C, NOSC, OM> {
  using Layout = KuramotoStepLayout<P, C, NOSC, OM>;
  using Layout::NO, Layout::NW, Layout::E;

  // Position chunk per block so that about two blocks per SM are in flight.
  static int chunk_for(int N, int* G) {
    using Map = kstep_detail::StepMap<NO>;
    const int max_g = (P + Map::TP - 1) / Map::TP;
    int g = (2 * kstep_detail::sm_count() + N - 1) / N;
    g = g < 1 ? 1 : (g > max_g ? max_g : g);
    const int pchunk = (P + g - 1) / g;
    *G = (P + pchunk - 1) / pchunk;
    return pchunk;
  }

  static void forward(int N, const S* x, const S* Jx, const S* c, const S* omega, const S* gamma, S* x_next,
                      S* energy, int estride) {
    if (N <= 0) return;
    int G = 1, pchunk = P;
    if (energy == nullptr) pchunk = chunk_for(N, &G);  // with energy: one block per sample
    constexpr int VB = kstep_detail::osc_vec_bytes<S, NOSC>();
    const bool vec = kstep_detail::aligned_to(x, VB) && kstep_detail::aligned_to(Jx, VB) &&
                     kstep_detail::aligned_to(c, VB) && kstep_detail::aligned_to(x_next, VB);
    const unsigned blocks = unsigned(index_t(N) * G);
    if (vec)
      kstep_detail::step_forward_kernel<S, P, C, NOSC, OM, PROJECT, true>
          <<<blocks, kstep_detail::kStepThreads, 0, stream()>>>(x, Jx, c, omega, gamma, x_next, energy, estride, G,
                                                                pchunk);
    else
      kstep_detail::step_forward_kernel<S, P, C, NOSC, OM, PROJECT, false>
          <<<blocks, kstep_detail::kStepThreads, 0, stream()>>>(x, Jx, c, omega, gamma, x_next, energy, estride, G,
                                                                pchunk);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  static void backward(int N, const S* x, const S* Jx, const S* c, const S* omega, const S* gamma,
                       const S* x_next, const S* dx_next, S* dx, S* dy, S* dc, S* domega, S* dgamma) {
    const bool want_om = (OM == OmegaMode::Global || OM == OmegaMode::PerPair) && domega != nullptr;
    const bool want_g = dgamma != nullptr;
    if (N <= 0 || !(dx || dy || dc || want_om || want_g)) return;
    constexpr int NPART = 1 + NW;
    int G = 1;
    const int pchunk = chunk_for(N, &G);
    const index_t nblk = index_t(N) * G;
    double* part = (want_om || want_g) ? scratch<double>(nblk * NPART) : nullptr;
    constexpr int VB = kstep_detail::osc_vec_bytes<S, NOSC>();
    const bool vec = kstep_detail::aligned_to(x, VB) && kstep_detail::aligned_to(Jx, VB) &&
                     kstep_detail::aligned_to(c, VB) && kstep_detail::aligned_to(x_next, VB) &&
                     kstep_detail::aligned_to(dx_next, VB) && kstep_detail::aligned_to(dx, VB) &&
                     kstep_detail::aligned_to(dy, VB) && kstep_detail::aligned_to(dc, VB);
    if (vec)
      kstep_detail::step_backward_kernel<S, P, C, NOSC, OM, PROJECT, true>
          <<<unsigned(nblk), kstep_detail::kStepThreads, 0, stream()>>>(x, Jx, c, omega, gamma, x_next, dx_next,
                                                                        dx, dy, dc, part, G, pchunk);
    else
      kstep_detail::step_backward_kernel<S, P, C, NOSC, OM, PROJECT, false>
          <<<unsigned(nblk), kstep_detail::kStepThreads, 0, stream()>>>(x, Jx, c, omega, gamma, x_next, dx_next,
                                                                        dx, dy, dc, part, G, pchunk);
    AKORN_CUDA_LAUNCH_CHECK();
    if (part != nullptr) {
      kstep_detail::step_finalize_kernel<S, OM><<<blocks_for(NPART, 128), 128, 0, stream()>>>(
          part, nblk, NPART, omega, want_om ? domega : nullptr, dgamma);
      AKORN_CUDA_LAUNCH_CHECK();
    }
  }
};

}  // namespace akorn::cuda
