// BatchNorm's sizes, shared by its CPU kernel (cpu.hpp), its CUDA kernel (cuda.cuh) and the
// compiler's memory planner. Per-sample sizes in elements of the scalar type.
#pragma once
#include "akorn/common.hpp"

namespace akorn {

// Saved: mean and rstd per channel for the whole batch; only the first 2*C elements of the
// (N-scaled) buffer are used, so 2*C per sample is enough for any N >= 1.
constexpr index_t batch_norm_saved_elems(int C) { return 2 * index_t(C); }

template <int P, int C>
struct BatchNormLayout {
  static constexpr index_t kElems = index_t(P) * C;
  static constexpr index_t saved_elems = batch_norm_saved_elems(C);
};

}  // namespace akorn
