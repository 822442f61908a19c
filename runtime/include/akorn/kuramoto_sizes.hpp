// Per-sample buffer sizes (in elements of the scalar type) of the Kuramoto connectivity
// kernels. Shared by the kernels (ops/attn_j.hpp, ops/fc_j.hpp) and by the compiler's
// memory planner, so this header includes nothing but <cstdint>.
// A caller provides N * <size> elements for a batch of N.
#pragma once
#include <cstdint>

namespace akorn {
namespace kur_sizes {

// AttnJ saved buffer (see ops/attn_j.hpp for the layout):
//   qkv [P, 3C] + A [heads, P, P] + o [P, C] (+ o_pre [heads, P, hd] = P*C with GTA)
constexpr std::int64_t attn_saved_elems(int H, int W, int C, int heads, bool gta) {
  const std::int64_t P = std::int64_t(H) * W;
  return P * (3 * std::int64_t(C)) + std::int64_t(heads) * P * P + P * C + (gta ? P * C : 0);
}

// AttnJ forward workspace: head-major q', k'^T, v' per head = 3 * P * C.
constexpr std::int64_t attn_fwd_ws_elems(int H, int W, int C, int /*heads*/, bool /*gta*/) {
  return 3 * std::int64_t(H) * W * C;
}

// AttnJ backward workspace: do [P, C] + dqkv [P, 3C] + per head scratch
// (7 * P * hd + P * P) (+ GTA partial gradients per head, four sets: 4 * P * hd/2 * 4 = 8 * P * hd).
constexpr std::int64_t attn_bwd_ws_elems(int H, int W, int C, int heads, bool gta) {
  const std::int64_t P = std::int64_t(H) * W;
  const std::int64_t hd = C / heads;
  return P * C + 3 * P * C + std::int64_t(heads) * (7 * P * hd + P * P) +
         (gta ? std::int64_t(heads) * 8 * P * hd : 0);
}

// FcJ forward workspace: x and y in NCHW flattening.
constexpr std::int64_t fc_fwd_ws_elems(int P, int C) { return 2 * std::int64_t(P) * C; }
// FcJ backward workspace: x, dy and dx in NCHW flattening.
constexpr std::int64_t fc_bwd_ws_elems(int P, int C) { return 3 * std::int64_t(P) * C; }

}  // namespace kur_sizes
}  // namespace akorn
