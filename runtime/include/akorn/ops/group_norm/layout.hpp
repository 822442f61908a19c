// GroupNorm's sizes, shared by its CPU kernel (cpu.hpp), its CUDA kernel (cuda.cuh) and the
// compiler's memory planner. Per-sample sizes in elements of the scalar type.
#pragma once
#include "akorn/common.hpp"

namespace akorn {

// Saved for backward: mean and rstd per group.
constexpr index_t group_norm_saved_elems(int G) { return 2 * index_t(G); }

template <int P, int C, int G>
struct GroupNormLayout {
  static_assert(C % G == 0, "group_norm: channels must divide into groups");
  static constexpr int CG = C / G;
  static constexpr index_t kElems = index_t(P) * C;
  static constexpr index_t saved_elems = group_norm_saved_elems(G);
};

}  // namespace akorn
