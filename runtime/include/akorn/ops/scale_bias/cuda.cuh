// CUDA twin of ops/scale_bias/cpu.hpp: y[p, c] = x[p, c] * scale[c] + bias[c] (overwritten).
// Backward: dx += dy * scale[c] (element-wise kernel); dscale += sum dy*x and dbias += sum dy
// through per-(sample, channel) partials summed in sample order, as on the CPU.
#pragma once
#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/ops/elementwise/cuda.cuh"

namespace akorn::cuda {
namespace basic_detail {

template <typename S, int C>
__global__ void scale_bias_forward_kernel(index_t total, const S* x, const S* scale, const S* bias, S* y) {
  AKORN_GRID_LOOP(i, total) {
    const index_t c = i % C;
    y[i] = x[i] * scale[c] + bias[c];
  }
}

template <typename S, int C>
__global__ void scale_bias_backward_dx_kernel(index_t total, const S* scale, const S* dy, S* dx) {
  AKORN_GRID_LOOP(i, total) dx[i] += dy[i] * scale[i % C];
}

}  // namespace basic_detail

template <typename S, int P, int C>
struct ScaleBias {
  static constexpr index_t kElems = index_t(P) * C;

  static void forward(int N, const S* x, const S* scale, const S* bias, S* y) {
    const index_t total = index_t(N) * kElems;
    if (total <= 0) return;
    basic_detail::scale_bias_forward_kernel<S, C><<<blocks_for(total), kThreads, 0, stream()>>>(total, x, scale, bias, y);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // dx, dscale, dbias accumulate (+=); null ones are skipped.
  static void backward(int N, const S* x, const S* scale, const S* dy, S* dx, S* dscale, S* dbias) {
    if (!dx && !dscale && !dbias) return;
    const index_t total = index_t(N) * kElems;
    if (total <= 0) return;
    if (dx) {
      basic_detail::scale_bias_backward_dx_kernel<S, C><<<blocks_for(total), kThreads, 0, stream()>>>(total, scale, dy, dx);
      AKORN_CUDA_LAUNCH_CHECK();
    }
    if (dscale) basic_detail::channel_grad_sum<S>(N, P, C, basic_detail::SumOfProduct<S>{dy, x}, dscale);
    if (dbias) basic_detail::channel_grad_sum<S>(N, P, C, basic_detail::SumOf<S>{dy}, dbias);
  }
};

}  // namespace akorn::cuda
