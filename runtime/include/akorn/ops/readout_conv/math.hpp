// The math of ReadOutConv for ONE output oscillator (NOUT values z of the conv output),
// written once for its CPU kernel (cpu.hpp) and its CUDA kernel (cuda.cuh).
#pragma once
#include "akorn/host_device.hpp"

namespace akorn::readout_math {

// ||z||_2
template <typename S, int NOUT>
AKORN_HD S norm(const S* z) {
  S s = S(0);
  for (int k = 0; k < NOUT; ++k) s += z[k] * z[k];
  return hd::sqrt(s);
}

// dz = dy / max(||z||, 1e-12) * z: the gradient of the norm (0 at z = 0).
template <typename S, int NOUT>
AKORN_HD void norm_backward(const S* z, S dy, S* dz) {
  const S n = norm<S, NOUT>(z);
  const S scale = dy / (n > S(1e-12) ? n : S(1e-12));
  for (int k = 0; k < NOUT; ++k) dz[k] = scale * z[k];
}

}  // namespace akorn::readout_math
