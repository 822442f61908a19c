// NtXent's sizes, shared by its CPU kernel (cpu.hpp), its CUDA kernel (cuda.cuh) and the
// compiler's memory planner. Per-sample sizes in elements of the scalar type.
#pragma once
#include "akorn/common.hpp"

namespace akorn {

// Saved per sample: z = h / max(||h||, eps) [D], ||h||, the row's log-sum-exp, the row's loss.
constexpr index_t nt_xent_saved_elems(int D) { return index_t(D) + 3; }

template <int D>
struct NtXentLayout {
  static constexpr index_t saved_elems = nt_xent_saved_elems(D);
  static constexpr index_t kNorm = D, kLse = D + 1, kRowLoss = D + 2;  // offsets in a sample's slot
};

}  // namespace akorn
