// The initial value of a PositionalEncoding's pe [H, W, C] (spec §6, docs/OPS.md): the 2-D
// sin/cos encoding of the reference's object models, in our channels-fastest layout. With
// D = C/2 channels per axis and frequencies f_k = 10000^(-2k/D), k = 0 .. D/2 - 1:
//   pe[h, w, 2k] = sin(w f_k),      pe[h, w, 2k + 1] = cos(w f_k)      (the column)
//   pe[h, w, D + 2k] = sin(h f_k),  pe[h, w, D + 2k + 1] = cos(h f_k)  (the row)
// Computed in double, then rounded to S. C is a multiple of 4 (akornc checks it).
#pragma once
#include <cmath>
#include <cstdint>

namespace akorn {

template <typename S>
void sincos2d_init(int H, int W, int C, S* pe) {
  const int D = C / 2;
  for (int h = 0; h < H; ++h)
    for (int w = 0; w < W; ++w) {
      S* p = pe + (std::int64_t(h) * W + w) * C;
      for (int k = 0; k < D / 2; ++k) {
        const double f = std::pow(10000.0, -2.0 * k / D);
        p[2 * k] = static_cast<S>(std::sin(w * f));
        p[2 * k + 1] = static_cast<S>(std::cos(w * f));
        p[D + 2 * k] = static_cast<S>(std::sin(h * f));
        p[D + 2 * k + 1] = static_cast<S>(std::cos(h * f));
      }
    }
}

}  // namespace akorn
