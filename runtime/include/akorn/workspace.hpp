// Per-sample workspace and saved-buffer sizes of the basic kernels, in elements of the
// scalar type. One source of truth: the kernels (runtime/include/akorn/ops/*.hpp) use these
// for their `static constexpr` sizes and the compiler's memory planner includes this header
// to size the arena (it multiplies every size by the batch size N).
//
// Deliberately free of cblas / OpenMP / common.hpp so the compiler can include it alone.
#pragma once
#include <cstdint>

namespace akorn {

using index_t = std::int64_t;  // same alias as common.hpp (a repeated alias is legal)

// ---- Conv2d (NHWC input, weight [COUT, CIN, K, K])

// Output size along one axis: (H + 2*PAD - K)/STRIDE + 1.
constexpr index_t conv2d_out_size(int H, int K, int STRIDE, int PAD) {
  return (index_t(H) + 2 * index_t(PAD) - K) / STRIDE + 1;
}

// A 1x1 / stride 1 / pad 0 convolution needs no im2col: x already is the column matrix.
constexpr bool conv2d_is_pointwise(int K, int STRIDE, int PAD) {
  return K == 1 && STRIDE == 1 && PAD == 0;
}

// Forward: the im2col matrix, HO*WO rows of CIN*K*K columns per sample.
constexpr index_t conv2d_fwd_ws_elems(int H, int W, int CIN, int K, int STRIDE, int PAD) {
  return conv2d_is_pointwise(K, STRIDE, PAD)
             ? 0
             : conv2d_out_size(H, K, STRIDE, PAD) * conv2d_out_size(W, K, STRIDE, PAD) *
                   index_t(CIN) * K * K;
}

// Backward: one column-sized buffer, used first for im2col(x) (-> dw) and then for the
// column gradient dy*W (-> col2im into dx).
constexpr index_t conv2d_bwd_ws_elems(int H, int W, int CIN, int K, int STRIDE, int PAD) {
  return conv2d_fwd_ws_elems(H, W, CIN, K, STRIDE, PAD);
}

// ---- ReadOutConv (stride-1 conv to CO*NOUT channels, then a norm per group of NOUT)

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

// ---- Normalisations and loss

// mean and rstd per group.
constexpr index_t group_norm_saved_elems(int G) { return 2 * index_t(G); }

// mean and rstd per channel for the whole batch; only the first 2*C elements of the
// (N-scaled) buffer are used, so 2*C per sample is enough for any N >= 1.
constexpr index_t batch_norm_saved_elems(int C) { return 2 * index_t(C); }

// Softmax probabilities [P, K] per sample.
constexpr index_t cross_entropy_saved_elems(int P, int K) { return index_t(P) * K; }

// ---- Pool (no padding)
constexpr index_t pool_out_size(int H, int K, int STRIDE) {
  return (index_t(H) - K) / STRIDE + 1;
}

}  // namespace akorn
