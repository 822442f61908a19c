// LayerNorm's sizes, shared by its CPU kernel (cpu.hpp), its CUDA kernel (cuda.cuh) and the
// compiler's memory planner. Per-sample sizes in elements of the scalar type.
#pragma once
#include "akorn/common.hpp"

namespace akorn {

// Saved for backward: mean and rstd of each of the P positions.
constexpr index_t layer_norm_saved_elems(int P) { return 2 * index_t(P); }

template <int P, int C>
struct LayerNormLayout {
  static constexpr index_t kElems = index_t(P) * C;
  static constexpr index_t saved_elems = layer_norm_saved_elems(P);
};

}  // namespace akorn
