// Mean cross-entropy over all N*P cells: loss = -(1/(N*P)) sum log softmax(logits)[cls],
// cls = target + offset. Softmax uses max subtraction and log-sum-exp. forward keeps the
// probabilities [N, P, K] in `saved`; backward is dlogits += dloss/(N*P) * (prob - onehot).
// The per-sample partial losses are added in sample order (thread-count independent).
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/common.hpp"
#include "akorn/ops/cross_entropy/layout.hpp"
#include "akorn/ops/cross_entropy/math.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int P, int K>
struct CrossEntropy : CrossEntropyLayout<P, K> {
  using Layout = CrossEntropyLayout<P, K>;
  using Layout::saved_elems;

  // Serial check before any parallel region (exceptions must not escape OpenMP); reports
  // the first bad cell.
  static void check_targets(int N, const std::int32_t* targets, int offset) {
    for (int n = 0; n < N; ++n)
      for (int p = 0; p < P; ++p) {
        const std::int64_t t = targets[index_t(n) * P + p];
        const std::int64_t cls = t + offset;
        AKORN_CHECK(cls >= 0 && cls < K,
                    "cross_entropy: class " + std::to_string(cls) + " (target " +
                        std::to_string(t) + " + offset " + std::to_string(offset) +
                        ") at sample " + std::to_string(n) + " position " + std::to_string(p) +
                        " is outside [0, " + std::to_string(K) + ")");
      }
  }

  static void forward(int N, const S* logits, const std::int32_t* targets, int offset, S* loss,
                      S* saved) {
    check_targets(N, targets, offset);
    std::vector<S> part(N, S(0));
    parallel_for(N, [&](index_t n) {
      S acc = S(0);
      for (index_t p = 0; p < P; ++p) {
        const index_t cell = n * P + p;
        const int cls = int(targets[cell]) + offset;
        // -log softmax[cls]
        acc -= cross_entropy_math::softmax_cell<S, K>(logits + cell * K, saved + cell * K, cls);
      }
      part[n] = acc;
    });
    S total = S(0);
    for (int n = 0; n < N; ++n) total += part[n];
    loss[0] = total / S(index_t(N) * P);
  }

  static void backward(int N, const std::int32_t* targets, int offset, const S* saved,
                       const S* dloss, S* dlogits) {
    if (!dlogits) return;
    check_targets(N, targets, offset);
    const S scale = dloss[0] / S(index_t(N) * P);
    parallel_for(N, [&](index_t n) {
      for (index_t p = 0; p < P; ++p) {
        const index_t cell = n * P + p;
        const S* prob = saved + cell * K;
        S* g = dlogits + cell * K;
        for (int k = 0; k < K; ++k) g[k] += scale * prob[k];
        g[int(targets[cell]) + offset] -= scale;
      }
    });
  }
};

}  // namespace akorn
