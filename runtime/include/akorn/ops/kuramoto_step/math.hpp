// The math of one Kuramoto update for ONE oscillator (spec §2, docs/OPS.md "Kuramoto"),
// written once and compiled for the host (ops/kuramoto_step/cpu.hpp) and the device
// (ops/kuramoto_step/cuda.cuh): the kernels only load an oscillator's NOSC values, call these
// functions and store the results. Given y = Jx + c:
//   a      = <x, y>                        (its share of the energy -sum(x * y))
//   f      = y - a x  (PROJECT)  or  y     (tangent projection)
//   f     += Omega(x),  Omega(x)[2j] = w_j x[2j+1],  Omega(x)[2j+1] = -w_j x[2j]   (OMEGA)
//   f     += x          (SELF: upstream's use_omega=False makes Omega the identity, spec §6)
//   x_next = (x + gamma f) / max(||x + gamma f||, 1e-6)
// w points at the Omega norms of the oscillator's NOSC/2 pairs (unused without OMEGA).
// The order of every sum is fixed, so host and device builds of one scalar type compute
// the same values (with floating-point contraction off, as in the CPU build).
#pragma once
#include "akorn/host_device.hpp"

namespace akorn::kuramoto_math {

template <typename S>
AKORN_HD S root(S v) {
  return hd::sqrt(v);
}

// dxdt of the oscillator into f; returns a = <x, y>.
template <typename S, int NOSC, bool PROJECT, bool OMEGA, bool SELF = false>
AKORN_HD S dxdt(const S* x, const S* y, const S* w, S* f) {
  S a = 0;
  for (int k = 0; k < NOSC; ++k) a += x[k] * y[k];
  for (int k = 0; k < NOSC; ++k) f[k] = PROJECT ? y[k] - a * x[k] : y[k];
  if constexpr (OMEGA) {
    for (int k = 0; k < NOSC; k += 2) {
      const S wk = w[k / 2];
      f[k] += wk * x[k + 1];
      f[k + 1] -= wk * x[k];
    }
  }
  if constexpr (SELF)
    for (int k = 0; k < NOSC; ++k) f[k] += x[k];
  return a;
}

// Forward: writes x_next, returns a = <x, y>.
template <typename S, int NOSC, bool PROJECT, bool OMEGA, bool SELF = false>
AKORN_HD S oscillator_forward(const S* x, const S* y, const S* w, S gamma, S* x_next) {
  S z[NOSC];
  const S a = dxdt<S, NOSC, PROJECT, OMEGA, SELF>(x, y, w, z);
  S ss = 0;
  for (int k = 0; k < NOSC; ++k) {
    z[k] = x[k] + gamma * z[k];
    ss += z[k] * z[k];
  }
  const S r = root(ss);
  const S inv = S(1) / (r > S(1e-6) ? r : S(1e-6));
  for (int k = 0; k < NOSC; ++k) x_next[k] = z[k] * inv;
  return a;
}

// Backward through the same update, from g = dL/dx_next (and x_next itself):
//   dx = dL/dx through this step's element-wise part (the caller adds J^T dy),
//   dy = dL/dy (= dL/dJx = dL/dc),
//   dgamma += <dz, f>, and the pair partials dw_j += dd[2j] x[2j+1] - dd[2j+1] x[2j] (in
//   double); SHARED_W: every pair adds into dw[0] (one global Omega), else into dw[j];
//   SELF: the identity Omega adds gamma dz to dx.
template <typename S, int NOSC, bool PROJECT, bool OMEGA, bool SHARED_W, bool SELF = false>
AKORN_HD void oscillator_backward(const S* x, const S* y, const S* w, S gamma, const S* x_next, const S* g, S* dx,
                                  S* dy, double& dgamma, double* dw) {
  S f[NOSC];  // dxdt, recomputed
  const S a = dxdt<S, NOSC, PROJECT, OMEGA, SELF>(x, y, w, f);
  S ss = 0, xg = 0;
  for (int k = 0; k < NOSC; ++k) {
    const S z = x[k] + gamma * f[k];
    ss += z * z;
    xg += x_next[k] * g[k];
  }
  const S r = root(ss);
  S dz[NOSC];
  if (r > S(1e-6)) {
    const S inv = S(1) / r;
    for (int k = 0; k < NOSC; ++k) dz[k] = (g[k] - x_next[k] * xg) * inv;
  } else {
    for (int k = 0; k < NOSC; ++k) dz[k] = g[k] * S(1e6);
  }
  S dd[NOSC];
  for (int k = 0; k < NOSC; ++k) {
    dgamma += double(dz[k]) * double(f[k]);
    dd[k] = gamma * dz[k];
    dx[k] = dz[k];
  }
  if constexpr (OMEGA) {
    for (int k = 0; k < NOSC; k += 2) {
      const S wk = w[k / 2];
      dx[k + 1] += wk * dd[k];
      dx[k] -= wk * dd[k + 1];
      dw[SHARED_W ? 0 : k / 2] += double(dd[k]) * x[k + 1] - double(dd[k + 1]) * x[k];
    }
  }
  if constexpr (SELF)
    for (int k = 0; k < NOSC; ++k) dx[k] += dd[k];
  if constexpr (PROJECT) {
    S bb = 0;
    for (int k = 0; k < NOSC; ++k) bb += dd[k] * x[k];
    for (int k = 0; k < NOSC; ++k) {
      dy[k] = dd[k] - bb * x[k];
      dx[k] -= a * dd[k] + bb * y[k];
    }
  } else {
    for (int k = 0; k < NOSC; ++k) dy[k] = dd[k];
  }
}

}  // namespace akorn::kuramoto_math
