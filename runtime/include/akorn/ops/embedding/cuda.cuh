// CUDA twin of ops/embedding/cpu.hpp: out[n, p, :] = weight[tok[n, p], :] (overwritten), weight
// [V, D]. Backward dweight[v, d] += sum of dout[cell, d] over the cells with tok == v: one
// thread per (v, d) scans all N*P cells in order and adds into dweight in that order -- the
// CPU's serial (sample, position) scatter order, without atomics.
// Tokens cannot be checked here without reading device memory on the host: drivers validate
// them on the host before upload. An out-of-range token gets a zero output row and no
// gradient; it never indexes out of bounds.
#pragma once
#include <cstdint>

#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"

namespace akorn::cuda {
namespace basic_detail {

template <typename S, int V, int D>
__global__ void embedding_forward_kernel(index_t total, const std::int32_t* tok, const S* weight, S* out) {
  AKORN_GRID_LOOP(i, total) {
    const index_t cell = i / D;
    const int d = int(i - cell * D);
    const std::int32_t t = tok[cell];
    out[i] = (t >= 0 && t < V) ? weight[index_t(t) * D + d] : S(0);
  }
}

template <typename S, int D>
__global__ void embedding_backward_kernel(index_t VD, index_t cells, const std::int32_t* tok, const S* dout,
                                          S* dweight) {
  AKORN_GRID_LOOP(j, VD) {
    const std::int32_t v = std::int32_t(j / D);
    const index_t d = j - index_t(v) * D;
    S acc = dweight[j];
    for (index_t cell = 0; cell < cells; ++cell)
      if (tok[cell] == v) acc += dout[cell * D + d];
    dweight[j] = acc;
  }
}

}  // namespace basic_detail

template <typename S, int P, int V, int D>
struct Embedding {
  // No-op on the GPU: tokens are device memory, and reading them here would need a host sync
  // (forbidden inside a captured step). Drivers validate tokens on the host before uploading
  // them; the kernels skip out-of-range tokens instead of indexing with them.
  static void check_tokens(int N, const std::int32_t* tok) {
    (void)N;
    (void)tok;
  }

  static void forward(int N, const std::int32_t* tok, const S* weight, S* out) {
    check_tokens(N, tok);
    const index_t total = index_t(N) * P * D;
    if (total <= 0) return;
    basic_detail::embedding_forward_kernel<S, V, D><<<blocks_for(total), kThreads, 0, stream()>>>(total, tok, weight, out);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // dweight accumulates (+=); skipped when null.
  static void backward(int N, const std::int32_t* tok, const S* dout, S* dweight) {
    if (!dweight) return;
    check_tokens(N, tok);
    const index_t VD = index_t(V) * D, cells = index_t(N) * P;
    if (VD <= 0 || cells <= 0) return;
    basic_detail::embedding_backward_kernel<S, D><<<blocks_for(VD, 64), 64, 0, stream()>>>(VD, cells, tok, dout, dweight);
    AKORN_CUDA_LAUNCH_CHECK();
  }
};

}  // namespace akorn::cuda
