// CUDA twin of ops/gelu/cpu.hpp: element-wise, the math of math.hpp (grid-stride).
#pragma once
#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/ops/gelu/math.hpp"

namespace akorn::cuda {
namespace basic_detail {

template <typename S>
__global__ void gelu_forward_kernel(index_t total, const S* x, S* y) {
  AKORN_GRID_LOOP(i, total) y[i] = gelu_math::forward(x[i]);
}
template <typename S>
__global__ void gelu_backward_kernel(index_t total, const S* x, const S* dy, S* dx) {
  AKORN_GRID_LOOP(i, total) dx[i] += dy[i] * gelu_math::derivative(x[i]);
}

}  // namespace basic_detail

template <typename S, index_t E>
struct GELU {
  static void forward(int N, const S* x, S* y) {
    const index_t total = index_t(N) * E;
    if (total <= 0) return;
    basic_detail::gelu_forward_kernel<S><<<blocks_for(total), kThreads, 0, stream()>>>(total, x, y);
    AKORN_CUDA_LAUNCH_CHECK();
  }
  // dx accumulates (+=); null is skipped.
  static void backward(int N, const S* x, const S* dy, S* dx) {
    if (!dx) return;
    const index_t total = index_t(N) * E;
    if (total <= 0) return;
    basic_detail::gelu_backward_kernel<S><<<blocks_for(total), kThreads, 0, stream()>>>(total, x, dy, dx);
    AKORN_CUDA_LAUNCH_CHECK();
  }
};

}  // namespace akorn::cuda
