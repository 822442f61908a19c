// KuramotoStep's sizes, shared by its CPU kernel (cpu.hpp) and its CUDA kernel (cuda.cuh).
// Layout [N, P, C]; oscillator o = channels o*NOSC .. o*NOSC+NOSC-1.
#pragma once
#include "akorn/common.hpp"

namespace akorn {

template <int P, int C, int NOSC, OmegaMode OM>
struct KuramotoStepLayout {
  static_assert(NOSC > 0 && NOSC % 2 == 0, "KuramotoStep: oscillator size must be even");
  static_assert(C % NOSC == 0, "KuramotoStep: C must be a multiple of NOSC");
  static constexpr int NO = C / NOSC;  // oscillators per position
  // Omega norms: one per pair (PerPair), one for all (Global), none
  static constexpr int NW = OM == OmegaMode::PerPair ? C / 2 : (OM == OmegaMode::Global ? 1 : 0);
  static constexpr index_t E = index_t(P) * C;
  // Omega rotates pairs by learned frequencies (a theta parameter), or is the identity
  static constexpr bool kRotates = OM == OmegaMode::Global || OM == OmegaMode::PerPair;
  static constexpr bool kSelf = OM == OmegaMode::Identity;
};

}  // namespace akorn
