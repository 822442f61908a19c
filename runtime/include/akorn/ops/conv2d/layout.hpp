// Conv2d's sizes (NHWC input, weight [COUT, CIN, K, K]), shared by its CPU kernel
// (cpu.hpp), its CUDA kernel (cuda.cuh) and the compiler's memory planner. Per-sample sizes
// in elements of the scalar type.
#pragma once
#include "akorn/common.hpp"

namespace akorn {

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

template <int H, int W, int CIN, int COUT, int K, int STRIDE, int PAD>
struct Conv2dLayout {
  static constexpr int HO = int(conv2d_out_size(H, K, STRIDE, PAD));
  static constexpr int WO = int(conv2d_out_size(W, K, STRIDE, PAD));
  static constexpr bool kPointwise = conv2d_is_pointwise(K, STRIDE, PAD);
  static constexpr index_t kCols = index_t(CIN) * K * K;  // columns of one im2col row
  static constexpr index_t kInElems = index_t(H) * W * CIN;
  static constexpr index_t kOutElems = index_t(HO) * WO * COUT;
  static constexpr index_t fwd_ws_elems = conv2d_fwd_ws_elems(H, W, CIN, K, STRIDE, PAD);
  static constexpr index_t bwd_ws_elems = conv2d_bwd_ws_elems(H, W, CIN, K, STRIDE, PAD);
  static_assert(HO > 0 && WO > 0, "conv2d: kernel larger than the padded input");
};

}  // namespace akorn
