// CUDA twin of ops/layer_norm/cpu.hpp: one thread per position (row of C channels) runs the
// row functions of math.hpp, forward and backward, in the CPU's order; dweight += sum dy*xhat
// and dbias += sum dy through per-(sample, channel) partials over the positions in order,
// summed in sample order (the CPU's add_sample_partials).
#pragma once
#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/ops/elementwise/cuda.cuh"
#include "akorn/ops/layer_norm/layout.hpp"
#include "akorn/ops/layer_norm/math.hpp"

namespace akorn::cuda {
namespace basic_detail {

template <typename S, int C>
__global__ void layer_norm_forward_kernel(index_t rows, const S* x, const S* weight, const S* bias, S eps, S* y,
                                          S* saved) {
  AKORN_GRID_LOOP(row, rows) {
    S* st = saved + 2 * row;
    layer_norm_math::row_stats(x + row * C, C, eps, st, st + 1);
    layer_norm_math::row_forward(x + row * C, weight, bias, C, st[0], st[1], y + row * C);
  }
}

template <typename S, int C>
__global__ void layer_norm_backward_dx_kernel(index_t rows, const S* x, const S* weight, const S* saved, const S* dy,
                                              S* dx) {
  AKORN_GRID_LOOP(row, rows) {
    layer_norm_math::row_backward_dx(x + row * C, weight, dy + row * C, C, saved[2 * row], saved[2 * row + 1],
                                     dx + row * C);
  }
}

// dy[i] * xhat[i] for the per-channel sums (i = row * C + c)
template <typename S, int C>
struct SumOfDyXhat {
  const S* x;
  const S* dy;
  const S* saved;
  __device__ S operator()(index_t, index_t i, index_t) const {
    const index_t row = i / C;
    return dy[i] * layer_norm_math::xhat(x[i], saved[2 * row], saved[2 * row + 1]);
  }
};

}  // namespace basic_detail

template <typename S, int P, int C>
struct LayerNorm : LayerNormLayout<P, C> {
  using Layout = LayerNormLayout<P, C>;
  using Layout::kElems, Layout::saved_elems;

  static void forward(int N, const S* x, const S* weight, const S* bias, S eps, S* y, S* saved) {
    const index_t rows = index_t(N) * P;
    if (rows <= 0) return;
    basic_detail::layer_norm_forward_kernel<S, C><<<blocks_for(rows), kThreads, 0, stream()>>>(rows, x, weight, bias,
                                                                                                eps, y, saved);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // dx, dweight, dbias accumulate (+=); null ones are skipped.
  static void backward(int N, const S* x, const S* weight, const S* saved, const S* dy, S* dx, S* dweight,
                       S* dbias) {
    const index_t rows = index_t(N) * P;
    if (rows <= 0) return;
    if (dx) {
      basic_detail::layer_norm_backward_dx_kernel<S, C><<<blocks_for(rows), kThreads, 0, stream()>>>(rows, x, weight,
                                                                                                      saved, dy, dx);
      AKORN_CUDA_LAUNCH_CHECK();
    }
    if (dweight) basic_detail::channel_grad_sum<S>(N, P, C, basic_detail::SumOfDyXhat<S, C>{x, dy, saved}, dweight);
    if (dbias) basic_detail::channel_grad_sum<S>(N, P, C, basic_detail::SumOf<S>{dy}, dbias);
  }
};

}  // namespace akorn::cuda
