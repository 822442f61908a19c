// Element-wise ops (ReLU, Add) and the deterministic per-channel reduction helper shared by
// the kernels whose backward sums over samples (bias / scale / norm-parameter gradients).
#pragma once
#include <vector>

#include "akorn/common.hpp"
#include "akorn/parallel.hpp"

namespace akorn {
namespace detail {

// out[c] += sum_n partial[n*C + c], summed serially in sample order so the result does not
// depend on how parallel_for split the samples over threads (no float atomics).
template <typename S>
inline void add_sample_partials(int N, index_t C, const std::vector<S>& partial, S* out) {
  for (index_t c = 0; c < C; ++c) {
    S acc = S(0);
    for (int n = 0; n < N; ++n) acc += partial[index_t(n) * C + c];
    out[c] += acc;
  }
}

}  // namespace detail

// y = max(x, 0) over E elements per sample. Backward reads y (x > 0 <=> y > 0), so the
// input activation need not be kept.
template <typename S, index_t E>
struct ReLU {
  static void forward(int N, const S* x, S* y) {
    parallel_for(N, [&](index_t n) {
      const S* xs = x + n * E;
      S* ys = y + n * E;
      for (index_t e = 0; e < E; ++e) ys[e] = xs[e] > S(0) ? xs[e] : S(0);
    });
  }
  static void backward(int N, const S* y, const S* dy, S* dx) {
    if (!dx) return;
    parallel_for(N, [&](index_t n) {
      const index_t o = n * E;
      for (index_t e = 0; e < E; ++e)
        if (y[o + e] > S(0)) dx[o + e] += dy[o + e];
    });
  }
};

// y = a + b over E elements per sample; both gradients are dy.
template <typename S, index_t E>
struct Add {
  static void forward(int N, const S* a, const S* b, S* y) {
    parallel_for(N, [&](index_t n) {
      const index_t o = n * E;
      for (index_t e = 0; e < E; ++e) y[o + e] = a[o + e] + b[o + e];
    });
  }
  static void backward(int N, const S* dy, S* da, S* db) {
    if (!da && !db) return;
    parallel_for(N, [&](index_t n) {
      const index_t o = n * E;
      if (da)
        for (index_t e = 0; e < E; ++e) da[o + e] += dy[o + e];
      if (db)
        for (index_t e = 0; e < E; ++e) db[o + e] += dy[o + e];
    });
  }
};

}  // namespace akorn
