// Deterministic reductions on the GPU: a fixed-order tree inside a block and fixed-order
// sums over per-block partials, never floating-point atomics, so every run gives the same
// bits.
#pragma once
#include "akorn/cuda/common.cuh"

namespace akorn::cuda {

// Sum of v over the block (blockDim.x a multiple of 32, at most 1024). Every thread gets
// the result. `shm` must hold 32 values. Contains __syncthreads(): call from all threads.
template <typename S>
__device__ S block_sum(S v, S* shm) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = (blockDim.x + 31) >> 5;
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  __syncthreads();  // shm may still be read by a previous call
  if (lane == 0) shm[warp] = v;
  __syncthreads();
  S t = S(0);
  if (warp == 0) {
    t = lane < nwarps ? shm[lane] : S(0);
    for (int o = 16; o > 0; o >>= 1) t += __shfl_down_sync(0xffffffffu, t, o);
    if (lane == 0) shm[0] = t;
  }
  __syncthreads();
  return shm[0];
}

namespace detail {
// out[k] (+)= sum over r of in[r * ld + k], r in order 0..rows-1; one thread per column.
template <typename S>
__global__ void column_sums_kernel(const S* in, index_t rows, index_t cols, index_t ld, S* out, bool accumulate) {
  AKORN_GRID_LOOP(k, cols) {
    S s = S(0);
    for (index_t r = 0; r < rows; ++r) s += in[r * ld + k];
    out[k] = accumulate ? out[k] + s : s;
  }
}
}  // namespace detail

// out[k] (+)= sum_r in[r * ld + k] for k < cols (e.g. bias gradients: rows = N*P positions).
template <typename S>
void column_sums(const S* in, index_t rows, index_t cols, index_t ld, S* out, bool accumulate) {
  if (cols <= 0) return;
  detail::column_sums_kernel<S><<<blocks_for(cols, 128), 128, 0, stream()>>>(in, rows, cols, ld, out, accumulate);
  AKORN_CUDA_LAUNCH_CHECK();
}

}  // namespace akorn::cuda
