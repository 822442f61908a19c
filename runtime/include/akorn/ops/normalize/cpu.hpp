// NormalizeOsc: per-oscillator L2 normalisation (spec §1, OPS.md "Kuramoto"):
//   y_o = x_o / max(||x_o||_2, 1e-6), oscillator o = NOSC consecutive elements.
// E is the number of elements per sample (a multiple of NOSC).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "akorn/common.hpp"
#include "akorn/ops/normalize/layout.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, index_t E, int NOSC>
struct NormalizeOsc : NormalizeOscLayout<E, NOSC> {
  static constexpr index_t kBlock = 1024;  // oscillators per parallel task

  static void forward(int N, const S* x, S* y) {
    const index_t G = index_t(N) * (E / NOSC);
    parallel_for((G + kBlock - 1) / kBlock, [&](index_t b) {
      const index_t g1 = (b + 1) * kBlock < G ? (b + 1) * kBlock : G;
      for (index_t g = b * kBlock; g < g1; ++g) {
        const S* xo = x + g * NOSC;
        S* yo = y + g * NOSC;
        S ss = 0;
        for (int k = 0; k < NOSC; ++k) ss += xo[k] * xo[k];
        const S inv = S(1) / std::max(std::sqrt(ss), S(1e-6));
        for (int k = 0; k < NOSC; ++k) yo[k] = xo[k] * inv;
      }
    });
  }

  // dx += J^T dy. With r = ||x_o|| > eps: dx = (dy - y <y, dy>) / r; otherwise dy / eps.
  static void backward(int N, const S* x, const S* y, const S* dy, S* dx) {
    if (dx == nullptr) return;
    const index_t G = index_t(N) * (E / NOSC);
    parallel_for((G + kBlock - 1) / kBlock, [&](index_t b) {
      const index_t g1 = (b + 1) * kBlock < G ? (b + 1) * kBlock : G;
      for (index_t g = b * kBlock; g < g1; ++g) {
        const S* xo = x + g * NOSC;
        const S* yo = y + g * NOSC;
        const S* go = dy + g * NOSC;
        S* dxo = dx + g * NOSC;
        S ss = 0, yg = 0;
        for (int k = 0; k < NOSC; ++k) {
          ss += xo[k] * xo[k];
          yg += yo[k] * go[k];
        }
        const S r = std::sqrt(ss);
        if (r > S(1e-6)) {
          const S inv = S(1) / r;
          for (int k = 0; k < NOSC; ++k) dxo[k] += (go[k] - yo[k] * yg) * inv;
        } else {
          for (int k = 0; k < NOSC; ++k) dxo[k] += go[k] * S(1e6);
        }
      }
    });
  }
};

}  // namespace akorn
