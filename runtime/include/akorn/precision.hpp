// The run's GEMM precision (`--precision fp32|bf16` on every command that runs a model):
//   fp32  every float GEMM in fp32 (the default);
//   bf16  mixed precision as torch.autocast does it: the operands of every float GEMM (the
//         projections, the 1x1 and k x k convolutions, their gradients) rounded to bfloat16,
//         products accumulated in fp32, the result fp32. Everything else stays fp32: master
//         weights and optimiser state, normalisation, softmax, the per-head attention
//         products, the energy and the loss.
// Double GEMMs (the gradient checks) ignore it. One setting per process: the commands set it
// before the model runs; GEMMs are called from one thread (parallel.hpp).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "akorn/common.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

enum class Precision { Fp32, Bf16 };

inline Precision& gemm_precision() {
  static Precision p = Precision::Fp32;
  return p;
}

inline const char* precision_name(Precision p) { return p == Precision::Bf16 ? "bf16" : "fp32"; }

// Parses fp32 / bf16; false for anything else.
inline bool parse_precision(const std::string& s, Precision& out) {
  if (s == "fp32") out = Precision::Fp32;
  else if (s == "bf16") out = Precision::Bf16;
  else return false;
  return true;
}

// float -> bfloat16 bits, rounded to nearest even (NaN stays a quiet NaN); the rounding of
// oneDNN, cuBLAS and PyTorch.
inline std::uint16_t bf16_bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  // branch-free, so that the packing loops below vectorise
  const std::uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16, quiet = (u >> 16) | 0x40u;
  return static_cast<std::uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? quiet : rounded);
}

// The float a bfloat16 holds.
inline float bf16_value(std::uint16_t b) {
  const std::uint32_t u = std::uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// f rounded to the nearest bfloat16, as a float.
inline float round_to_bf16(float f) { return bf16_value(bf16_bits(f)); }

struct ToBf16Bits {
  std::uint16_t operator()(float f) const { return bf16_bits(f); }
};
struct RoundToBf16 {
  float operator()(float f) const { return round_to_bf16(f); }
};

// rows x cols of a row-major matrix with leading dimension ld -> packed dst [rows, cols],
// each value through convert (a function object, so that it inlines and the loop vectorises:
// ToBf16Bits for a bf16 kernel, RoundToBf16 for the emulation)
template <typename T, typename Convert>
inline void pack_converted(const float* src, int rows, int cols, int ld, T* dst, Convert convert = {}) {
  parallel_for((rows + 63) / 64, [&](index_t blk) {
    const index_t r1 = std::min<index_t>(rows, (blk + 1) * 64);
    for (index_t r = blk * 64; r < r1; ++r)
      for (int c = 0; c < cols; ++c) dst[r * cols + c] = convert(src[r * ld + c]);
  });
}

}  // namespace akorn
