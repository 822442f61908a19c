// FcJ's sizes, shared by its CPU kernel (cpu.hpp), its CUDA kernel (cuda.cuh) and the
// compiler's memory planner. Per-sample sizes in elements of the scalar type.
#pragma once
#include "akorn/common.hpp"

namespace akorn {

// Forward workspace: x and y in NCHW flattening.
constexpr index_t fc_j_fwd_ws_elems(int P, int C) { return 2 * index_t(P) * C; }
// Backward workspace: x, dy and dx in NCHW flattening.
constexpr index_t fc_j_bwd_ws_elems(int P, int C) { return 3 * index_t(P) * C; }

template <int P, int C>
struct FcJLayout {
  static constexpr index_t D = index_t(P) * C;
  static constexpr index_t fwd_ws_elems = fc_j_fwd_ws_elems(P, C);
  static constexpr index_t bwd_ws_elems = fc_j_bwd_ws_elems(P, C);
  static_assert(fwd_ws_elems == 2 * D && bwd_ws_elems == 3 * D, "FcJ: size table mismatch");
};

}  // namespace akorn
