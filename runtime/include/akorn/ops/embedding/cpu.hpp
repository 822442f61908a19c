// Embedding: out[n, p, :] = weight[tok[n, p], :], weight [V, D] (PyTorch layout).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

#include "akorn/common.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int P, int V, int D>
struct Embedding {
  // Tokens are validated serially before any parallel work (an exception must not escape an
  // OpenMP region), and the first bad one is reported.
  static void check_tokens(int N, const std::int32_t* tok) {
    for (int n = 0; n < N; ++n)
      for (int p = 0; p < P; ++p) {
        const std::int32_t t = tok[index_t(n) * P + p];
        AKORN_CHECK(t >= 0 && t < V, "embedding: token " + std::to_string(t) + " at sample " +
                                         std::to_string(n) + " position " + std::to_string(p) +
                                         " is outside [0, " + std::to_string(V) + ")");
      }
  }

  static void forward(int N, const std::int32_t* tok, const S* weight, S* out) {
    check_tokens(N, tok);
    parallel_for(N, [&](index_t n) {
      for (index_t p = 0; p < P; ++p) {
        const index_t cell = n * P + p;
        std::memcpy(out + cell * D, weight + index_t(tok[cell]) * D, sizeof(S) * D);
      }
    });
  }

  // dweight[tok] += dout. Several cells (of any sample) may hit one row, so the scatter is
  // serial in (sample, position) order: deterministic, and cheap next to everything else.
  static void backward(int N, const std::int32_t* tok, const S* dout, S* dweight) {
    if (!dweight) return;
    check_tokens(N, tok);
    for (index_t cell = 0; cell < index_t(N) * P; ++cell) {
      S* row = dweight + index_t(tok[cell]) * D;
      const S* g = dout + cell * D;
      for (int d = 0; d < D; ++d) row[d] += g[d];
    }
  }
};

}  // namespace akorn
