// CUDA twin of ops/readout_conv/cpu.hpp: z = conv(x) (stride 1, padding PAD, with bias) to
// CO*NOUT channels, written into `saved`; y[p, o] = ||z[p, o*NOUT:(o+1)*NOUT]||_2 + bias[o]
// (overwritten). Backward: db += sum dy (per sample, then in sample order); dz = dy[o] * z /
// max(||z_o||, 1e-12) into ws[0 .. N*saved_elems), then the CUDA Conv2d backward with the
// rest of ws. One thread per (position, output oscillator) for the norm kernels.
#pragma once
#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/ops/conv2d/cuda.cuh"
#include "akorn/ops/elementwise/cuda.cuh"
#include "akorn/ops/readout_conv/layout.hpp"
#include "akorn/ops/readout_conv/math.hpp"

namespace akorn::cuda {
namespace basic_detail {

// y[cell*CO + o] = ||z_o|| + b[o]; j = cell*CO + o.
template <typename S, int CO, int NOUT>
__global__ void readout_forward_kernel(index_t total, const S* saved, const S* b, S* y) {
  AKORN_GRID_LOOP(j, total) {
    const index_t o = j % CO;
    y[j] = readout_math::norm<S, NOUT>(saved + j * NOUT) + b[o];
  }
}

// dz[cell, o, k] = dy[cell, o] / max(||z_o||, 1e-12) * z[cell, o, k]; j = cell*CO + o.
template <typename S, int NOUT>
__global__ void readout_dz_kernel(index_t total, const S* saved, const S* dy, S* dz) {
  AKORN_GRID_LOOP(j, total) {
    readout_math::norm_backward<S, NOUT>(saved + j * NOUT, dy[j], dz + j * NOUT);
  }
}

}  // namespace basic_detail

template <typename S, int H, int W, int CIN, int CO, int NOUT, int K, int PAD>
struct ReadOutConv : ReadOutConvLayout<H, W, CIN, CO, NOUT, K, PAD> {
  using Layout = ReadOutConvLayout<H, W, CIN, CO, NOUT, K, PAD>;
  using Layout::HO, Layout::WO, Layout::kPos, Layout::saved_elems, Layout::fwd_ws_elems,
        Layout::bwd_ws_elems;
  using Conv = Conv2d<S, H, W, CIN, CO * NOUT, K, 1, PAD, true>;

  static void forward(int N, const S* x, const S* w, const S* conv_b, const S* b, S* y, S* saved, S* ws) {
    Conv::forward(N, x, w, conv_b, saved, ws);
    const index_t total = index_t(N) * kPos * CO;
    if (total <= 0) return;
    basic_detail::readout_forward_kernel<S, CO, NOUT><<<blocks_for(total), kThreads, 0, stream()>>>(total, saved, b, y);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // dx, dw, dconv_b, db accumulate (+=); null ones are skipped.
  static void backward(int N, const S* x, const S* w, const S* saved, const S* dy, S* dx, S* dw, S* dconv_b, S* db,
                       S* ws) {
    if (db) basic_detail::channel_grad_sum<S>(N, kPos, CO, basic_detail::SumOf<S>{dy}, db);
    if (!dx && !dw && !dconv_b) return;
    S* dz = ws;
    const index_t total = index_t(N) * kPos * CO;
    if (total > 0) {
      basic_detail::readout_dz_kernel<S, NOUT><<<blocks_for(total), kThreads, 0, stream()>>>(total, saved, dy, dz);
      AKORN_CUDA_LAUNCH_CHECK();
    }
    Conv::backward(N, x, w, dz, dx, dw, dconv_b, ws + index_t(N) * saved_elems);
  }
};

}  // namespace akorn::cuda
