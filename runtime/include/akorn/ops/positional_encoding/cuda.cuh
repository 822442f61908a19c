// CUDA twin of ops/positional_encoding/cpu.hpp: y = x + pe[i % (P*C)] (grid-stride);
// backward dx += dy and dpe[e] += sum over samples in sample order (one thread per element,
// the CPU's order), without atomics.
#pragma once
#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/ops/elementwise/cuda.cuh"

namespace akorn::cuda {
namespace basic_detail {

template <typename S>
__global__ void posenc_forward_kernel(index_t total, index_t E, const S* x, const S* pe, S* y) {
  AKORN_GRID_LOOP(i, total) y[i] = x[i] + pe[i % E];
}

}  // namespace basic_detail

template <typename S, int P, int C>
struct PositionalEncoding {
  static constexpr index_t kElems = index_t(P) * C;

  static void forward(int N, const S* x, const S* pe, S* y) {
    const index_t total = index_t(N) * kElems;
    if (total <= 0) return;
    basic_detail::posenc_forward_kernel<S><<<blocks_for(total), kThreads, 0, stream()>>>(total, kElems, x, pe, y);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // dx and dpe accumulate (+=); null ones are skipped.
  static void backward(int N, const S* dy, S* dx, S* dpe) {
    const index_t total = index_t(N) * kElems;
    if (total <= 0) return;
    if (dx) {
      basic_detail::ew_add_backward_kernel<S><<<blocks_for(total), kThreads, 0, stream()>>>(total, dy, dx, nullptr);
      AKORN_CUDA_LAUNCH_CHECK();
    }
    // dy viewed as the [N, P*C] per-sample partials: dpe[e] += sum_n dy[n, e]
    if (dpe) basic_detail::add_sample_partials<S>(N, kElems, dy, dpe);
  }
};

}  // namespace akorn::cuda
