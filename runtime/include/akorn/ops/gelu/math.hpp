// The math of GELU (the exact form, PyTorch's nn.GELU() default), written once for its CPU
// kernel (cpu.hpp) and its CUDA kernel (cuda.cuh):
//   y = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2
//   dy/dx = Phi(x) + x phi(x),  phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
#pragma once
#include "akorn/host_device.hpp"

namespace akorn::gelu_math {

template <typename S>
AKORN_HD S cdf(S x) {
  return S(0.5) * (S(1) + hd::erf(x * S(0.70710678118654752440)));
}

template <typename S>
AKORN_HD S forward(S x) {
  return x * cdf(x);
}

template <typename S>
AKORN_HD S derivative(S x) {
  return cdf(x) + x * S(0.39894228040143267794) * hd::exp(S(-0.5) * x * x);
}

}  // namespace akorn::gelu_math
