// Linear at every position: y[rows, OUT] = x[rows, IN] * w^T + b with weight [OUT, IN]
// (PyTorch layout) and rows = N*P -- one GEMM for the whole batch.
// Backward: dx += dy * w, dw += dy^T * x (GEMMs with beta = 1), db += column sums of dy.
#pragma once
#include <vector>

#include "akorn/blas.hpp"
#include "akorn/common.hpp"
#include "akorn/ops/elementwise/cpu.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int P, int IN, int OUT, bool BIAS>
struct Linear {
  static void forward(int N, const S* x, const S* w, const S* b, S* y) {
    const int rows = N * P;
    gemm(false, true, rows, OUT, IN, S(1), x, IN, w, IN, S(0), y, OUT);
    if (BIAS && b) {
      parallel_for(N, [&](index_t n) {
        S* ys = y + n * P * OUT;
        for (index_t p = 0; p < P; ++p)
          for (int o = 0; o < OUT; ++o) ys[p * OUT + o] += b[o];
      });
    }
  }

  static void backward(int N, const S* x, const S* w, const S* dy, S* dx, S* dw, S* db) {
    const int rows = N * P;
    if (dx) gemm(false, false, rows, IN, OUT, S(1), dy, OUT, w, IN, S(1), dx, IN);
    if (dw) gemm(true, false, OUT, IN, rows, S(1), dy, OUT, x, IN, S(1), dw, IN);
    if (BIAS && db) {
      std::vector<S> part(std::size_t(N) * OUT, S(0));
      parallel_for(N, [&](index_t n) {
        const S* gs = dy + n * P * OUT;
        for (index_t p = 0; p < P; ++p)
          for (int o = 0; o < OUT; ++o) part[n * OUT + o] += gs[p * OUT + o];
      });
      detail::add_sample_partials(N, OUT, part, db);
    }
  }
};

}  // namespace akorn
