// AttnJ's sizes and saved-buffer layout, shared by its CPU kernel (cpu.hpp), its CUDA
// kernel (cuda.cuh) and the compiler's memory planner (the *_elems functions; this header
// needs nothing but akorn/common.hpp). Per-sample sizes in elements of the scalar type; a
// caller provides N * <size> for a batch of N.
#pragma once
#include "akorn/common.hpp"

namespace akorn {

// Saved for backward: qkv [P, 3C] + A [heads, P, P] + o [P, C] (+ o_pre [heads, P, hd] =
// P*C with GTA).
constexpr index_t attn_j_saved_elems(int H, int W, int C, int heads, bool gta) {
  const index_t P = index_t(H) * W;
  return P * (3 * index_t(C)) + index_t(heads) * P * P + P * C + (gta ? P * C : 0);
}

// Forward workspace: head-major q', k'^T, v' per head = 3 * P * C.
constexpr index_t attn_j_fwd_ws_elems(int H, int W, int C, int /*heads*/, bool /*gta*/) {
  return 3 * index_t(H) * W * C;
}

// Backward workspace: do [P, C] + dqkv [P, 3C] + per head scratch (7 * P * hd + P * P)
// (+ GTA partial gradients per head, four sets: 4 * P * hd/2 * 4 = 8 * P * hd).
constexpr index_t attn_j_bwd_ws_elems(int H, int W, int C, int heads, bool gta) {
  const index_t P = index_t(H) * W;
  const index_t hd = C / heads;
  return P * C + 3 * P * C + index_t(heads) * (7 * P * hd + P * P) +
         (gta ? index_t(heads) * 8 * P * hd : 0);
}

template <typename S, int H, int W, int C, int HEADS, bool GTA>
struct AttnJLayout {
  static constexpr int P = H * W, HD = C / HEADS;
  static_assert(C % HEADS == 0, "AttnJ: C must be a multiple of HEADS");
  static_assert(!GTA || HD % 2 == 0, "AttnJ: GTA needs an even head dimension");
  static constexpr index_t saved_elems = attn_j_saved_elems(H, W, C, HEADS, GTA);
  static constexpr index_t fwd_ws_elems = attn_j_fwd_ws_elems(H, W, C, HEADS, GTA);
  static constexpr index_t bwd_ws_elems = attn_j_bwd_ws_elems(H, W, C, HEADS, GTA);
  static constexpr index_t kFwdHead = 3 * index_t(P) * HD;                   // fwd ws per (n,h)
  static constexpr index_t kBwdHead = 7 * index_t(P) * HD + index_t(P) * P;  // bwd scratch per (n,h)
  static constexpr index_t kGtaElems = index_t(P) * (HD / 2) * 4;           // one set M / dM
  static constexpr index_t kGtaAll = 4 * kGtaElems;                          // q, k, v, o
  static_assert(fwd_ws_elems == HEADS * kFwdHead, "AttnJ: size table mismatch");
  static_assert(bwd_ws_elems == 4 * index_t(P) * C + HEADS * kBwdHead + (GTA ? HEADS * kGtaAll : 0),
                "AttnJ: size table mismatch");
  static_assert(saved_elems == index_t(P) * (4 * index_t(C) + index_t(HEADS) * P) + (GTA ? index_t(P) * C : 0),
                "AttnJ: size table mismatch");

  // The sections of the saved buffer, batch-major over the N samples of the call.
  struct Saved {
    S* qkv;
    S* A;
    S* o;
    S* o_pre;
  };
  static Saved sections(int N, S* saved) {
    Saved s;
    s.qkv = saved;
    s.A = s.qkv + index_t(N) * P * 3 * C;
    s.o = s.A + index_t(N) * HEADS * P * P;
    s.o_pre = GTA ? s.o + index_t(N) * P * C : nullptr;
    return s;
  }
};

}  // namespace akorn
