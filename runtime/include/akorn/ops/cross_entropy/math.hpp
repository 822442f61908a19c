// The math of CrossEntropy for ONE cell, written once for its CPU kernel (cpu.hpp) and its
// CUDA kernel (cuda.cuh): the softmax with the max subtracted, and the cell's log-likelihood
// of its class.
#pragma once
#include <cstdint>

#include "akorn/host_device.hpp"

namespace akorn::cross_entropy_math {

// prob[k] = softmax(l)[k] (overwritten); returns log softmax(l)[cls] = l[cls] - max - log(sum),
// or 0 for a class outside [0, K) (the CPU kernel rejects those before; the GPU skips them).
template <typename S, int K>
AKORN_HD S softmax_cell(const S* l, S* prob, std::int64_t cls) {
  S mx = l[0];
  for (int k = 1; k < K; ++k) mx = l[k] > mx ? l[k] : mx;
  S sum = S(0);
  for (int k = 0; k < K; ++k) {
    prob[k] = hd::exp(l[k] - mx);
    sum += prob[k];
  }
  const S inv = S(1) / sum;
  for (int k = 0; k < K; ++k) prob[k] *= inv;
  return (cls >= 0 && cls < K) ? l[cls] - mx - hd::log(sum) : S(0);
}

}  // namespace akorn::cross_entropy_math
