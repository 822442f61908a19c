// KuramotoStep: the fused element-wise part of one Kuramoto update (spec §2, OPS.md
// "Kuramoto"), given the coupling Jx = J(x) computed by a connectivity kernel:
//   y      = Jx + c
//   energy = -sum(x * y)                        (per sample, skipped if energy == nullptr)
//   a_o    = <x_o, y_o>,  proj = y - a_o x_o    (PROJECT) else proj = y
//   dxdt   = Omega(x) + proj,  Omega(x)[2q] = w_q x[2q+1], Omega(x)[2q+1] = -w_q x[2q]
//   x_next = normalize(x + gamma * dxdt)        (per oscillator, norm clamped at 1e-6)
// theta (the `omega` pointer) holds 2 values (Global: w = ||theta||) or C values = C/2
// pairs x 2 (PerPair: w_q = ||theta_q||); nullptr for None and Identity (Omega(x) = x, no
// parameter). gamma points to one value.
// Layout [N, P, C]; oscillator o = channels o*NOSC .. o*NOSC+NOSC-1.
//
// The per-oscillator math is math.hpp (shared with the CUDA kernels); this file
// lays it over [N, P, C] and reduces the Omega / gamma gradients.
//
// Backward: dx and dy are OVERWRITTEN (dx = dL/dx through this step's element-wise part,
// the caller then adds J^T dy; dy = dL/dJx), dc, domega, dgamma are accumulated (+=).
// Each oscillator's inputs are read before its outputs are written, so dx may alias
// dx_next. Reductions (domega, dgamma) use per-sample partial sums reduced in sample order,
// so results do not depend on the number of threads.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "akorn/common.hpp"
#include "akorn/ops/kuramoto_step/layout.hpp"
#include "akorn/ops/kuramoto_step/math.hpp"
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int P, int C, int NOSC, OmegaMode OM, bool PROJECT>
struct KuramotoStep : KuramotoStepLayout<P, C, NOSC, OM> {
  using Layout = KuramotoStepLayout<P, C, NOSC, OM>;
  using Layout::NO, Layout::NW, Layout::E, Layout::kRotates, Layout::kSelf;

  // The Omega norms of every pair, w[q] for q = 0..C/2-1 (Global: all ||theta||), so that an
  // oscillator's pairs are w + o*NOSC/2.
  static void omega_norms(const S* theta, S* w) {
    if constexpr (OM == OmegaMode::Global) {
      const S w0 = std::sqrt(theta[0] * theta[0] + theta[1] * theta[1]);
      for (int q = 0; q < C / 2; ++q) w[q] = w0;
    } else if constexpr (OM == OmegaMode::PerPair) {
      for (int q = 0; q < C / 2; ++q)
        w[q] = std::sqrt(theta[2 * q] * theta[2 * q] + theta[2 * q + 1] * theta[2 * q + 1]);
    } else {
      (void)theta;
      (void)w;
    }
  }

  static void forward(int N, const S* x, const S* Jx, const S* c, const S* omega,
                      const S* gamma, S* x_next, S* energy, int estride) {
    S w[kRotates ? C / 2 : 1];
    omega_norms(omega, w);
    const S g = *gamma;
    parallel_for(N, [&](index_t n) {
      const index_t off = n * E;
      double esum = 0;
      for (index_t og = 0; og < index_t(P) * NO; ++og) {
        const index_t b = off + og * NOSC;
        S xv[NOSC], y[NOSC];  // local copies: the math reads them several times
        for (int k = 0; k < NOSC; ++k) {
          xv[k] = x[b + k];
          y[k] = Jx[b + k] + c[b + k];
        }
        // w holds one element without rotations: no offset into it then (UBSan)
        const int q0 = kRotates ? int(og % NO) * (NOSC / 2) : 0;
        esum += kuramoto_math::oscillator_forward<S, NOSC, PROJECT, kRotates, kSelf>(xv, y, w + q0, g, x_next + b);
      }
      if (energy != nullptr) energy[n * index_t(estride)] = static_cast<S>(-esum);
    });
  }

  static void backward(int N, const S* x, const S* Jx, const S* c, const S* omega,
                       const S* gamma, const S* x_next, const S* dx_next, S* dx, S* dy, S* dc,
                       S* domega, S* dgamma) {
    S w[kRotates ? C / 2 : 1];
    omega_norms(omega, w);
    const S g = *gamma;
    const bool want_om = kRotates && domega != nullptr;
    const bool want_g = dgamma != nullptr;
    // per-sample partial sums: [dgamma, dw_0 .. dw_{NW-1}]
    constexpr int NPART = 1 + NW;
    std::vector<double> part((want_om || want_g) ? std::size_t(N) * NPART : 0, 0.0);
    parallel_for(N, [&](index_t n) {
      const index_t off = n * E;
      double pg = 0;
      double pw[NW > 0 ? NW : 1] = {};
      for (index_t og = 0; og < index_t(P) * NO; ++og) {
        const index_t b = off + og * NOSC;
        const int q0 = kRotates ? int(og % NO) * (NOSC / 2) : 0;  // (forward says why)
        // read every input of the oscillator before writing (dx may alias dx_next)
        S xv[NOSC], y[NOSC], xnv[NOSC], gn[NOSC], dxo[NOSC], dyo[NOSC];
        for (int k = 0; k < NOSC; ++k) {
          xv[k] = x[b + k];
          y[k] = Jx[b + k] + c[b + k];
          xnv[k] = x_next[b + k];
          gn[k] = dx_next[b + k];
        }
        kuramoto_math::oscillator_backward<S, NOSC, PROJECT, kRotates, OM == OmegaMode::Global, kSelf>(
            xv, y, w + q0, g, xnv, gn, dxo, dyo, pg, OM == OmegaMode::PerPair ? pw + q0 : pw);
        if (dx)
          for (int k = 0; k < NOSC; ++k) dx[b + k] = dxo[k];
        if (dy)
          for (int k = 0; k < NOSC; ++k) dy[b + k] = dyo[k];
        if (dc)
          for (int k = 0; k < NOSC; ++k) dc[b + k] += dyo[k];
      }
      if (!part.empty()) {
        double* pp = part.data() + n * NPART;
        pp[0] = pg;
        for (int q = 0; q < NW; ++q) pp[1 + q] = pw[q];
      }
    });
    if (want_g) {
      double s = 0;
      for (int n = 0; n < N; ++n) s += part[std::size_t(n) * NPART];
      *dgamma += static_cast<S>(s);
    }
    if (want_om) {
      if constexpr (kRotates) {
        for (int q = 0; q < NW; ++q) {
          double s = 0;
          for (int n = 0; n < N; ++n) s += part[std::size_t(n) * NPART + 1 + q];
          if (w[q] > S(0)) {
            const double sc = s / double(w[q]);
            domega[2 * q] += static_cast<S>(sc * omega[2 * q]);
            domega[2 * q + 1] += static_cast<S>(sc * omega[2 * q + 1]);
          }
        }
      }
    }
  }
};

}  // namespace akorn
