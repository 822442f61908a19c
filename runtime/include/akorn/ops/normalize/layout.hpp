// NormalizeOsc's shape rule, shared by its CPU kernel (cpu.hpp) and its CUDA kernel
// (cuda.cuh): E values per sample in oscillators of NOSC.
#pragma once
#include "akorn/common.hpp"

namespace akorn {

template <index_t E, int NOSC>
struct NormalizeOscLayout {
  static_assert(NOSC > 0 && E % NOSC == 0, "NormalizeOsc: E must be a multiple of NOSC");
};

}  // namespace akorn
