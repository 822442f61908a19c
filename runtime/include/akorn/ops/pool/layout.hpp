// Pool's sizes (no padding; GLOBAL: one window over the whole grid), shared by its CPU
// kernel (cpu.hpp), its CUDA kernel (cuda.cuh) and the compiler.
#pragma once
#include "akorn/common.hpp"

namespace akorn {

constexpr index_t pool_out_size(int H, int K, int STRIDE) { return (index_t(H) - K) / STRIDE + 1; }

template <int H, int W, int C, bool GLOBAL, int K, int STRIDE>
struct PoolLayout {
  static constexpr int HO = GLOBAL ? 1 : int(pool_out_size(H, K, STRIDE));
  static constexpr int WO = GLOBAL ? 1 : int(pool_out_size(W, K, STRIDE));
  static constexpr int KH = GLOBAL ? H : K;  // window extent
  static constexpr int KW = GLOBAL ? W : K;
  static constexpr int SH = GLOBAL ? 1 : STRIDE;
  static constexpr index_t kInElems = index_t(H) * W * C;
  static constexpr index_t kOutElems = index_t(HO) * WO * C;
  static_assert(HO > 0 && WO > 0, "pool: window larger than the input");
};

}  // namespace akorn
