// CUDA twin of ops/linear/cpu.hpp: y[rows, OUT] = x[rows, IN] * w^T (+ b) with weight [OUT, IN]
// and rows = N*P -- one cuBLAS GEMM for the batch, y overwritten. Backward: dx += dy * w and
// dw += dy^T * x (GEMMs with beta = 1), db += column sums of dy (per sample, then in sample
// order, as the CPU's add_sample_partials).
#pragma once
#include "akorn/common.hpp"
#include "akorn/cuda/blas.cuh"
#include "akorn/cuda/common.cuh"
#include "akorn/ops/elementwise/cuda.cuh"

namespace akorn::cuda {

template <typename S, int P, int IN, int OUT, bool BIAS>
struct Linear {
  static void forward(int N, const S* x, const S* w, const S* b, S* y) {
    const int rows = N * P;
    gemm(false, true, rows, OUT, IN, S(1), x, IN, w, IN, S(0), y, OUT);
    if (BIAS && b) basic_detail::add_bias_rows<S>(index_t(rows) * OUT, OUT, b, y);
  }

  // dx, dw, db accumulate (+=); null ones are skipped.
  static void backward(int N, const S* x, const S* w, const S* dy, S* dx, S* dw, S* db) {
    const int rows = N * P;
    if (dx) gemm(false, false, rows, IN, OUT, S(1), dy, OUT, w, IN, S(1), dx, IN);
    if (dw) gemm(true, false, OUT, IN, rows, S(1), dy, OUT, x, IN, S(1), dw, IN);
    if (BIAS && db) basic_detail::channel_grad_sum<S>(N, P, OUT, basic_detail::SumOf<S>{dy}, db);
  }
};

}  // namespace akorn::cuda
