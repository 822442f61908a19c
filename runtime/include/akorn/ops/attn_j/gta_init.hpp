// GTA initial matrices (spec §3, OPS.md "GTA init"): the four sets [4, P, HD/2, 2, 2]
// (q, k, v, o) for an H x W grid, q = k = v = M and o = M^T (the reference's init; the sets
// are independent parameters after that).
// F = ceil(HD/4), phi_m = 10000^(-2m/(2F)); for position p = i*W + j the angle list is
// [i phi_0, j phi_0, i phi_1, j phi_1, ...] truncated to HD/2 entries, and
// M[p, f] = R(angle_f) = [[cos, -sin], [sin, cos]] (row-major). Computed in double.
#pragma once
#include <cmath>
#include <cstdint>

namespace akorn {

template <typename S>
void gta_init(int H, int W, int HD, S* M) {
  const int F = (HD + 3) / 4;
  const int nf = HD / 2;
  const std::int64_t set = std::int64_t(H) * W * nf * 4;
  for (int i = 0; i < H; ++i) {
    for (int j = 0; j < W; ++j) {
      S* m = M + (std::int64_t(i) * W + j) * nf * 4;
      for (int f = 0; f < nf; ++f) {
        const int mi = f / 2;
        const double phi = std::pow(10000.0, -2.0 * mi / (2.0 * F));
        const double t = (f % 2 == 0 ? i : j) * phi;
        const double c = std::cos(t), s = std::sin(t);
        for (int q = 0; q < 3; ++q) {  // q, k, v: R(t)
          m[q * set + f * 4 + 0] = static_cast<S>(c);
          m[q * set + f * 4 + 1] = static_cast<S>(-s);
          m[q * set + f * 4 + 2] = static_cast<S>(s);
          m[q * set + f * 4 + 3] = static_cast<S>(c);
        }
        m[3 * set + f * 4 + 0] = static_cast<S>(c);  // o: R(t)^T
        m[3 * set + f * 4 + 1] = static_cast<S>(s);
        m[3 * set + f * 4 + 2] = static_cast<S>(-s);
        m[3 * set + f * 4 + 3] = static_cast<S>(c);
      }
    }
  }
}

}  // namespace akorn
