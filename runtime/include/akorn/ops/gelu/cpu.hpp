// GELU over E elements per sample (math.hpp). Backward reads x (kept by the planner).
#pragma once
#include "akorn/common.hpp"
#include "akorn/ops/gelu/math.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, index_t E>
struct GELU {
  static void forward(int N, const S* x, S* y) {
    parallel_for(N, [&](index_t n) {
      for (index_t e = n * E; e < (n + 1) * E; ++e) y[e] = gelu_math::forward(x[e]);
    });
  }
  // dx accumulates (+=); null is skipped.
  static void backward(int N, const S* x, const S* dy, S* dx) {
    if (!dx) return;
    parallel_for(N, [&](index_t n) {
      for (index_t e = n * E; e < (n + 1) * E; ++e) dx[e] += dy[e] * gelu_math::derivative(x[e]);
    });
  }
};

}  // namespace akorn
