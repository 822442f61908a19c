// OscillatorInit (OPS.md): x0 = counter-based N(0,1) noise shaped like c, or (GIVEN, mode
// StimulusWhereGiven) x0[p] = c[p] at positions whose token is non-zero, noise elsewhere.
// Layout [N, P, C]; the noise element index is e = p*C + ch inside the sample and the
// sample index is sample0 + row, so a sample gets the same noise in any batch.
#pragma once
#include <cstdint>

#include "akorn/common.hpp"
#include "akorn/parallel.hpp"
#include "akorn/rng.hpp"

namespace akorn {

template <typename S, int P, int C, bool GIVEN>
struct OscillatorInit {
  static void forward(int N, const S* c, const std::int32_t* tok, std::uint64_t seed,
                      std::uint64_t stream, std::uint64_t sample0, S* x0) {
    (void)c;
    (void)tok;
    parallel_for(N, [&](index_t n) {
      const std::uint64_t base = noise_base(seed, stream, sample0 + std::uint64_t(n));
      for (int p = 0; p < P; ++p) {
        S* xo = x0 + (n * P + p) * C;
        if constexpr (GIVEN) {
          if (tok[n * P + p] != 0) {
            const S* co = c + (n * P + p) * C;
            for (int ch = 0; ch < C; ++ch) xo[ch] = co[ch];
            continue;
          }
        }
        const std::uint64_t e0 = std::uint64_t(p) * C;
        for (int ch = 0; ch < C; ++ch) xo[ch] = static_cast<S>(static_cast<float>(noise_normal(base, e0 + ch)));  // float32 values in any precision (OPS.md)
      }
    });
  }

  // dc += dx0 at given positions (noise does not depend on c).
  static void backward(int N, const std::int32_t* tok, const S* dx0, S* dc) {
    if constexpr (GIVEN) {
      if (dc == nullptr) return;
      parallel_for(N, [&](index_t n) {
        for (int p = 0; p < P; ++p) {
          if (tok[n * P + p] == 0) continue;
          const S* g = dx0 + (n * P + p) * C;
          S* d = dc + (n * P + p) * C;
          for (int ch = 0; ch < C; ++ch) d[ch] += g[ch];
        }
      });
    } else {
      (void)N;
      (void)tok;
      (void)dx0;
      (void)dc;
    }
  }
};

}  // namespace akorn
