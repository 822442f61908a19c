// CUDA twin of ops/cross_entropy/cpu.hpp: mean cross-entropy over all N*P cells,
// loss = -(1/(N*P)) sum log softmax(logits)[cls], cls = target + offset; loss[0] is
// overwritten, saved (probabilities [N, P, K]) overwritten. Backward: dlogits +=
// dloss/(N*P) * (prob - onehot).
// forward: one thread per cell computes the softmax (math.hpp, shared with the CPU) and its
// term l[cls] - mx - log(sum) into scratch; then one block forms the per-sample partials
// (acc -= term, positions in order) and thread 0 adds them in sample order, as the CPU does.
// Targets cannot be checked here without reading device memory on the host: drivers
// validate them on the host before upload. A cell whose class is outside [0, K) is skipped
// in the kernels (adds 0 to the loss, gets no gradient) and never indexes out of bounds.
#pragma once
#include <cstdint>

#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/ops/cross_entropy/layout.hpp"
#include "akorn/ops/cross_entropy/math.hpp"

namespace akorn::cuda {
namespace basic_detail {

template <typename S, int K>
__global__ void cross_entropy_cells_kernel(index_t cells, const S* logits, const std::int32_t* targets, int offset,
                                           S* saved, S* term) {
  AKORN_GRID_LOOP(cell, cells) {
    const std::int64_t cls = std::int64_t(targets[cell]) + offset;
    term[cell] = cross_entropy_math::softmax_cell<S, K>(logits + cell * K, saved + cell * K, cls);
  }
}

// part[n] = -(sum over p of term[n*P + p]) accumulated as acc -= term (p in order);
// loss[0] = (sum over n of part[n], in order) / (N*P). One block.
template <typename S>
__global__ void cross_entropy_reduce_kernel(index_t N, index_t P, const S* term, S* part, S* loss) {
  for (index_t n = threadIdx.x; n < N; n += blockDim.x) {
    S acc = S(0);
    for (index_t p = 0; p < P; ++p) acc -= term[n * P + p];
    part[n] = acc;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    S total = S(0);
    for (index_t n = 0; n < N; ++n) total += part[n];
    loss[0] = total / S(N * P);
  }
}

// dlogits[cell, k] += scale * prob[cell, k] - (k == cls ? scale : 0), scale = dloss/(N*P).
template <typename S, int K>
__global__ void cross_entropy_backward_kernel(index_t total, index_t cells, const std::int32_t* targets, int offset,
                                              const S* saved, const S* dloss, S* dlogits) {
  const S scale = dloss[0] / S(cells);
  AKORN_GRID_LOOP(i, total) {
    const index_t cell = i / K;
    const int k = int(i - cell * K);
    const std::int64_t cls = std::int64_t(targets[cell]) + offset;
    if (cls < 0 || cls >= K) continue;  // invalid target: skipped (validated on the host)
    S g = dlogits[i] + scale * saved[i];
    if (k == cls) g -= scale;
    dlogits[i] = g;
  }
}

}  // namespace basic_detail

template <typename S, int P, int K>
struct CrossEntropy : CrossEntropyLayout<P, K> {
  using Layout = CrossEntropyLayout<P, K>;
  using Layout::saved_elems;

  // No-op on the GPU: targets are device memory, and reading them here would need a host
  // sync (forbidden inside a captured step). Drivers validate targets on the host before
  // uploading them; the kernels skip out-of-range classes instead of indexing with them.
  static void check_targets(int N, const std::int32_t* targets, int offset) {
    (void)N;
    (void)targets;
    (void)offset;
  }

  static void forward(int N, const S* logits, const std::int32_t* targets, int offset, S* loss, S* saved) {
    check_targets(N, targets, offset);
    const index_t cells = index_t(N) * P;
    if (cells <= 0) return;
    S* term = scratch<S>(cells + N);  // term[cells] | part[N]
    S* part = term + cells;
    basic_detail::cross_entropy_cells_kernel<S, K>
        <<<blocks_for(cells, 128), 128, 0, stream()>>>(cells, logits, targets, offset, saved, term);
    AKORN_CUDA_LAUNCH_CHECK();
    basic_detail::cross_entropy_reduce_kernel<S><<<1, kThreads, 0, stream()>>>(N, P, term, part, loss);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // dlogits accumulates (+=); skipped when null. dloss is a device pointer (1 element).
  static void backward(int N, const std::int32_t* targets, int offset, const S* saved, const S* dloss, S* dlogits) {
    if (!dlogits) return;
    check_targets(N, targets, offset);
    const index_t cells = index_t(N) * P;
    const index_t total = cells * K;
    if (total <= 0) return;
    basic_detail::cross_entropy_backward_kernel<S, K>
        <<<blocks_for(total), kThreads, 0, stream()>>>(total, cells, targets, offset, saved, dloss, dlogits);
    AKORN_CUDA_LAUNCH_CHECK();
  }
};

}  // namespace akorn::cuda
