// The math of NtXent (spec §6, SimCLR's NT-Xent), written once for its CPU kernel (cpu.hpp)
// and its CUDA kernel (cuda.cuh). N samples, 2k and 2k+1 two views of one image:
//   z_i    = h_i / max(||h_i||, 1e-12)                      (F.normalize)
//   s_ij   = <z_i, z_j> / tau,  j != i (the reference masks s_ii with -1e8: exp gives 0)
//   lse_i  = log sum_{j != i} exp(s_ij),   loss_i = lse_i - s_{i, i^1}
//   loss   = (1/N) sum_i loss_i
// Backward (s is symmetric): dL/ds_ij from row i and from row j, so
//   dz_i   = dloss / (N tau) * sum_{j != i} (exp(s_ij - lse_i) + exp(s_ij - lse_j) - 2 [j = i^1]) z_j
//   dh_i  += (dz_i - z_i <z_i, dz_i>) / ||h_i||     (dz_i / 1e-12 where ||h_i|| <= 1e-12)
#pragma once
#include "akorn/host_device.hpp"

namespace akorn::nt_xent_math {

constexpr double kEps = 1e-12;

AKORN_HD int partner(int i) { return i ^ 1; }

// The weight of z_j in dz_i, before the factor dloss / (N tau).
template <typename S>
AKORN_HD S pair_weight(S s_ij, S lse_i, S lse_j, bool partners) {
  return hd::exp(s_ij - lse_i) + hd::exp(s_ij - lse_j) - (partners ? S(2) : S(0));
}

// 1 / max(norm, eps): the normalisation's scale, forward and backward.
template <typename S>
AKORN_HD S inv_norm(S norm) {
  return S(1) / (norm > S(kEps) ? norm : S(kEps));
}

// dh from dz at one element: (dz - z <z, dz>) / norm above eps, dz / eps below.
template <typename S>
AKORN_HD S normalize_backward(S dz, S z, S z_dot_dz, S norm) {
  return norm > S(kEps) ? (dz - z * z_dot_dz) / norm : dz / S(kEps);
}

}  // namespace akorn::nt_xent_math
