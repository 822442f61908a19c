// Device optimisers, the GPU twins of akorn/optim.hpp (Adam, clip_grad_norm) and of the
// trainer's EMA (train_step.hpp's ema_update). They act on the whole flat parameter array:
// non-trainable parameters have zero gradients (the model never writes them), so Adam
// leaves them unchanged and they add nothing to the norm. Everything runs on stream(),
// reads no device data on the host and allocates nothing but the (pre-grown) scratch area,
// so a whole step can be captured into a CUDA graph; state that changes from step to step
// (Adam's step count t) lives on the device and is read by the kernels.
//
// The element-wise updates use explicitly rounded operations (__fmul_rn, __fadd_rn, ...),
// which the compiler never fuses into FMAs, so they evaluate the CPU's expressions with the
// CPU's roundings (the CPU build has no FMA contraction at the default -march). The scalars
// derived with pow() (bias corrections, EMA decay) use CUDA's pow, which can differ from the
// host libm in the last bit of a double.
#pragma once
#include <cstdint>

#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/cuda/reduce.cuh"

namespace akorn::cuda {
namespace optim_detail {

// Explicitly rounded arithmetic (never contracted into FMA).
__device__ inline float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ inline double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ inline float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ inline double add_rn(double a, double b) { return __dadd_rn(a, b); }
__device__ inline float sub_rn(float a, float b) { return __fsub_rn(a, b); }
__device__ inline double sub_rn(double a, double b) { return __dsub_rn(a, b); }
__device__ inline float div_rn(float a, float b) { return __fdiv_rn(a, b); }
__device__ inline double div_rn(double a, double b) { return __ddiv_rn(a, b); }
__device__ inline float sqrt_rn(float a) { return __fsqrt_rn(a); }
__device__ inline double sqrt_rn(double a) { return __dsqrt_rn(a); }

constexpr int kNormThreads = 256;
constexpr unsigned kNormMaxBlocks = 1024;

// Fixed grid (depends on n only), so the partial sums and their order are reproducible.
inline unsigned norm_blocks(index_t n) {
  const unsigned b = blocks_for(n, kNormThreads);
  return b < kNormMaxBlocks ? b : kNormMaxBlocks;
}

// partial[blockIdx.x] = sum of g^2 (in double) over this block's grid-stride elements.
template <typename S>
__global__ void sq_partials_kernel(const S* g, index_t n, double* partial) {
  __shared__ double shm[32];
  double acc = 0.0;
  AKORN_GRID_LOOP(i, n) {
    const double v = static_cast<double>(g[i]);
    acc += v * v;
  }
  const double total = block_sum(acc, shm);
  if (threadIdx.x == 0) partial[blockIdx.x] = total;
}

// One block: *norm_out = sqrt(sum of partial[0..count)), in a fixed order.
template <int Unused = 0>  // a template, so that the header can be in several TUs
__global__ void norm_finish_kernel(const double* partial, unsigned count, double* norm_out) {
  __shared__ double shm[32];
  double acc = 0.0;
  for (unsigned i = threadIdx.x; i < count; i += blockDim.x) acc += partial[i];
  const double total = block_sum(acc, shm);
  if (threadIdx.x == 0) *norm_out = sqrt(total);
}

// g = S(g * scale) with scale = max_norm / (norm + 1e-6), only when scale < 1 (the CPU's rule).
template <typename S>
__global__ void clip_scale_kernel(S* g, index_t n, double max_norm, const double* norm) {
  const double scale = max_norm / (*norm + 1e-6);
  if (!(scale < 1.0)) return;
  AKORN_GRID_LOOP(i, n) g[i] = static_cast<S>(__dmul_rn(static_cast<double>(g[i]), scale));
}

template <int Unused = 0>
__global__ void increment_kernel(std::int64_t* t) {
  if (blockIdx.x == 0 && threadIdx.x == 0) *t += 1;
}

template <typename S>
__global__ void adam_kernel(S* params, const S* grads, S* m, S* v, index_t n, const std::int64_t* t, double lr,
                            double beta1, double beta2, double eps) {
  const double tt = static_cast<double>(*t);
  const double c1 = 1.0 - pow(beta1, tt);
  const double c2 = 1.0 - pow(beta2, tt);
  const S b1 = static_cast<S>(beta1), b2 = static_cast<S>(beta2);
  const S step = static_cast<S>(lr / c1), rc2 = static_cast<S>(1.0 / sqrt(c2)), e = static_cast<S>(eps);
  const S one_b1 = static_cast<S>(1.0 - beta1), one_b2 = static_cast<S>(1.0 - beta2);  // as the CPU
  AKORN_GRID_LOOP(k, n) {
    const S g = grads[k];
    // mm = b1 * mm + (1 - b1) * g
    const S mm = add_rn(mul_rn(b1, m[k]), mul_rn(one_b1, g));
    // vv = b2 * vv + (1 - b2) * g * g
    const S vv = add_rn(mul_rn(b2, v[k]), mul_rn(mul_rn(one_b2, g), g));
    m[k] = mm;
    v[k] = vv;
    // p -= step * mm / (sqrt(vv) * rc2 + e)
    params[k] = sub_rn(params[k], div_rn(mul_rn(step, mm), add_rn(mul_rn(sqrt_rn(vv), rc2), e)));
  }
}

// k = *t - 1; acts only when k % every == 0: copy up to `after`, then the warm-up EMA.
template <typename S>
__global__ void ema_kernel(S* ema, const S* params, index_t n, const std::int64_t* t, int every, int after,
                           double decay) {
  const std::uint64_t k = static_cast<std::uint64_t>(*t - 1);
  if (k % static_cast<std::uint64_t>(every) != 0) return;
  if (k <= static_cast<std::uint64_t>(after)) {
    AKORN_GRID_LOOP(i, n) ema[i] = params[i];
    return;
  }
  const double ee = static_cast<double>(k - static_cast<std::uint64_t>(after));
  const double warm = 1.0 - pow(1.0 + ee, -2.0 / 3.0);
  const float d = static_cast<float>(decay < warm ? decay : warm);  // std::min(decay, warm)
  const S ds = static_cast<S>(d), one_d = static_cast<S>(1.f - d);
  AKORN_GRID_LOOP(i, n) ema[i] = add_rn(mul_rn(ds, ema[i]), mul_rn(one_d, params[i]));
}

}  // namespace optim_detail

// Global L2 norm of grads[0..n) (squares summed in double: per-block partials in scratch, then
// one block adds them in a fixed order), written to *norm_out (device); then grads are scaled
// by s = max_norm / (norm + 1e-6) when s < 1, decided on the device. akorn::clip_grad_norm.
template <typename S>
void clip_grad_norm(S* grads, index_t n, double max_norm, double* norm_out) {
  const unsigned nb = optim_detail::norm_blocks(n);
  double* partial = scratch<double>(index_t(nb));
  optim_detail::sq_partials_kernel<S><<<nb, optim_detail::kNormThreads, 0, stream()>>>(grads, n, partial);
  AKORN_CUDA_LAUNCH_CHECK();
  optim_detail::norm_finish_kernel<><<<1, optim_detail::kNormThreads, 0, stream()>>>(partial, nb, norm_out);
  AKORN_CUDA_LAUNCH_CHECK();
  if (n <= 0) return;
  optim_detail::clip_scale_kernel<S><<<blocks_for(n), kThreads, 0, stream()>>>(grads, n, max_norm, norm_out);
  AKORN_CUDA_LAUNCH_CHECK();
}

// One Adam step (akorn::Adam::step, PyTorch semantics): ++*t on the device, then
//   m = b1 m + (1-b1) g,  v = b2 v + (1-b2) g^2,  p -= (lr/c1) m / (sqrt(v)/sqrt(c2) + eps)
// with c1 = 1 - beta1^t, c2 = 1 - beta2^t in double, converted to S as the CPU does.
template <typename S>
void adam_step(S* params, const S* grads, S* m, S* v, index_t n, std::int64_t* t, double lr, double beta1,
               double beta2, double eps) {
  optim_detail::increment_kernel<><<<1, 1, 0, stream()>>>(t);
  AKORN_CUDA_LAUNCH_CHECK();
  if (n <= 0) return;
  optim_detail::adam_kernel<S><<<blocks_for(n), kThreads, 0, stream()>>>(params, grads, m, v, n, t, lr, beta1, beta2, eps);
  AKORN_CUDA_LAUNCH_CHECK();
}

// The trainer's EMA with k = *t - 1 (t already advanced by this step's adam_step): nothing
// unless k % every == 0; ema = params while k <= after; else, with e = k - after,
// d = (float)min(decay, 1 - (1+e)^(-2/3)) and ema = d*ema + (1-d)*params.
template <typename S>
void ema_update(S* ema, const S* params, index_t n, const std::int64_t* t, int every, int after, double decay) {
  AKORN_CHECK(every > 0, "ema_update: every must be positive, got " + std::to_string(every));
  if (n <= 0) return;
  optim_detail::ema_kernel<S><<<blocks_for(n), kThreads, 0, stream()>>>(ema, params, n, t, every, after, decay);
  AKORN_CUDA_LAUNCH_CHECK();
}

}  // namespace akorn::cuda
