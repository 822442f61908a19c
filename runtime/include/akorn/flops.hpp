// A count of the matrix-product FLOPs a process has run (2 M N K per GEMM, the per-head
// attention products likewise), kept by blas.hpp / cuda/blas.cuh and the attention kernels,
// so that the bench commands report the FLOP rate of what really ran (no formula to keep in
// step with the kernels). The convention of model FLOP utilisation: element-wise work,
// softmax and normalisation are not counted. Updated from the calling thread only (GEMMs
// and kernel launches are never issued from inside parallel loops).
#pragma once

namespace akorn {

inline double& matmul_flops() {
  static double n = 0;
  return n;
}

inline void count_matmul(double m, double n, double k, double times = 1) { matmul_flops() += 2 * m * n * k * times; }

}  // namespace akorn
