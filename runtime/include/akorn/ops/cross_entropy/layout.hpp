// CrossEntropy's sizes, shared by its CPU kernel (cpu.hpp), its CUDA kernel (cuda.cuh) and
// the compiler's memory planner. Per-sample sizes in elements of the scalar type.
#pragma once
#include "akorn/common.hpp"

namespace akorn {

// Saved: the softmax probabilities [P, K].
constexpr index_t cross_entropy_saved_elems(int P, int K) { return index_t(P) * K; }

template <int P, int K>
struct CrossEntropyLayout {
  static constexpr index_t saved_elems = cross_entropy_saved_elems(P, K);
};

}  // namespace akorn
