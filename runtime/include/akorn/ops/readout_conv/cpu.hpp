// ReadOutConv: z = conv(x) (stride 1, padding PAD, with bias) to CO*NOUT channels, then
// y[p, o] = ||z[p, o*NOUT:(o+1)*NOUT]||_2 + bias[o] -- the norm of each output oscillator.
// z is kept in `saved` (that is where forward's conv writes it); backward turns dy into dz
// = dy[o] * z / max(||z_o||, 1e-12) in the workspace and hands it to the conv's backward.
#pragma once
#include <cmath>
#include <vector>

#include "akorn/common.hpp"
#include "akorn/ops/conv2d/cpu.hpp"
#include "akorn/ops/elementwise/cpu.hpp"
#include "akorn/ops/readout_conv/layout.hpp"
#include "akorn/ops/readout_conv/math.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int H, int W, int CIN, int CO, int NOUT, int K, int PAD>
struct ReadOutConv : ReadOutConvLayout<H, W, CIN, CO, NOUT, K, PAD> {
  using Layout = ReadOutConvLayout<H, W, CIN, CO, NOUT, K, PAD>;
  using Layout::HO, Layout::WO, Layout::kPos, Layout::saved_elems, Layout::fwd_ws_elems,
        Layout::bwd_ws_elems;
  using Conv = Conv2d<S, H, W, CIN, CO * NOUT, K, 1, PAD, true>;

  static void forward(int N, const S* x, const S* w, const S* conv_b, const S* b, S* y,
                      S* saved, S* ws) {
    Conv::forward(N, x, w, conv_b, saved, ws);
    parallel_for(N, [&](index_t n) {
      for (index_t p = 0; p < kPos; ++p) {
        const S* z = saved + (n * kPos + p) * CO * NOUT;
        S* yp = y + (n * kPos + p) * CO;
        for (int o = 0; o < CO; ++o) yp[o] = readout_math::norm<S, NOUT>(z + o * NOUT) + b[o];
      }
    });
  }

  static void backward(int N, const S* x, const S* w, const S* saved, const S* dy, S* dx,
                       S* dw, S* dconv_b, S* db, S* ws) {
    if (db) {
      std::vector<S> part(std::size_t(N) * CO, S(0));
      parallel_for(N, [&](index_t n) {
        S* acc = part.data() + n * CO;
        for (index_t p = 0; p < kPos; ++p)
          for (int o = 0; o < CO; ++o) acc[o] += dy[(n * kPos + p) * CO + o];
      });
      detail::add_sample_partials(N, CO, part, db);
    }
    if (!dx && !dw && !dconv_b) return;
    S* dz = ws;
    parallel_for(N, [&](index_t n) {
      for (index_t p = 0; p < kPos; ++p) {
        const index_t cell = n * kPos + p;
        for (int o = 0; o < CO; ++o) {
          const index_t j = (cell * CO + o) * NOUT;
          readout_math::norm_backward<S, NOUT>(saved + j, dy[cell * CO + o], dz + j);
        }
      }
    });
    Conv::backward(N, x, w, dz, dx, dw, dconv_b, ws + index_t(N) * saved_elems);
  }
};

}  // namespace akorn
