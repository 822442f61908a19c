// ReadOutConv's sizes (a stride-1 conv to CO*NOUT channels, then a norm per group of NOUT),
// shared by its CPU kernel (cpu.hpp), its CUDA kernel (cuda.cuh) and the compiler's memory
// planner. Per-sample sizes in elements of the scalar type.
#pragma once
#include "akorn/common.hpp"
#include "akorn/ops/conv2d/layout.hpp"

namespace akorn {

// Saved for backward: the conv output z, [HO, WO, CO*NOUT] per sample.
constexpr index_t readout_conv_saved_elems(int H, int W, int CO, int NOUT, int K, int PAD) {
  return conv2d_out_size(H, K, 1, PAD) * conv2d_out_size(W, K, 1, PAD) * index_t(CO) * NOUT;
}

constexpr index_t readout_conv_fwd_ws_elems(int H, int W, int CIN, int K, int PAD) {
  return conv2d_fwd_ws_elems(H, W, CIN, K, 1, PAD);
}

// Backward: dz (same size as z) followed by the conv's backward workspace.
constexpr index_t readout_conv_bwd_ws_elems(int H, int W, int CIN, int CO, int NOUT, int K,
                                            int PAD) {
  return readout_conv_saved_elems(H, W, CO, NOUT, K, PAD) +
         conv2d_bwd_ws_elems(H, W, CIN, K, 1, PAD);
}

template <int H, int W, int CIN, int CO, int NOUT, int K, int PAD>
struct ReadOutConvLayout {
  using ConvLayout = Conv2dLayout<H, W, CIN, CO * NOUT, K, 1, PAD>;
  static constexpr int HO = ConvLayout::HO;
  static constexpr int WO = ConvLayout::WO;
  static constexpr index_t kPos = index_t(HO) * WO;
  static constexpr index_t saved_elems = readout_conv_saved_elems(H, W, CO, NOUT, K, PAD);
  static constexpr index_t fwd_ws_elems = readout_conv_fwd_ws_elems(H, W, CIN, K, PAD);
  static constexpr index_t bwd_ws_elems = readout_conv_bwd_ws_elems(H, W, CIN, CO, NOUT, K, PAD);
  static_assert(saved_elems == kPos * CO * NOUT, "readout_conv: saved size mismatch");
  static_assert(fwd_ws_elems == ConvLayout::fwd_ws_elems, "readout_conv: fwd ws mismatch");
  static_assert(bwd_ws_elems == saved_elems + ConvLayout::bwd_ws_elems, "readout_conv: bwd ws mismatch");
};

}  // namespace akorn
