// KuramotoStep: the fused element-wise part of one Kuramoto update (spec §2, OPS.md
// "Kuramoto"), given the coupling Jx = J(x) computed by a connectivity kernel:
//   y      = Jx + c
//   energy = -sum(x * y)                        (per sample, skipped if energy == nullptr)
//   a_o    = <x_o, y_o>,  proj = y - a_o x_o    (PROJECT) else proj = y
//   dxdt   = Omega(x) + proj,  Omega(x)[2q] = w_q x[2q+1], Omega(x)[2q+1] = -w_q x[2q]
//   x_next = normalize(x + gamma * dxdt)        (per oscillator, norm clamped at 1e-6)
// theta (the `omega` pointer) holds 2 values (Global: w = ||theta||) or C values = C/2
// pairs x 2 (PerPair: w_q = ||theta_q||); nullptr for None. gamma points to one value.
// Layout [N, P, C]; oscillator o = channels o*NOSC .. o*NOSC+NOSC-1.
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
#include "akorn/parallel.hpp"

namespace akorn {

template <typename S, int P, int C, int NOSC, OmegaMode OM, bool PROJECT>
struct KuramotoStep {
  static_assert(NOSC > 0 && NOSC % 2 == 0, "KuramotoStep: oscillator size must be even");
  static_assert(C % NOSC == 0, "KuramotoStep: C must be a multiple of NOSC");
  static constexpr int NO = C / NOSC;  // oscillators per position
  static constexpr int NW = OM == OmegaMode::PerPair ? C / 2 : (OM == OmegaMode::Global ? 1 : 0);
  static constexpr index_t E = index_t(P) * C;

  // w_q for q = 0..C/2-1 (only [0] for Global).
  static void omega_norms(const S* theta, S* w) {
    if constexpr (OM == OmegaMode::Global) {
      w[0] = std::sqrt(theta[0] * theta[0] + theta[1] * theta[1]);
    } else if constexpr (OM == OmegaMode::PerPair) {
      for (int q = 0; q < C / 2; ++q)
        w[q] = std::sqrt(theta[2 * q] * theta[2 * q] + theta[2 * q + 1] * theta[2 * q + 1]);
    } else {
      (void)theta;
      (void)w;
    }
  }

  static S wq(const S* w, int q) {
    if constexpr (OM == OmegaMode::PerPair) return w[q];
    else { (void)q; return w[0]; }
  }

  static void forward(int N, const S* x, const S* Jx, const S* c, const S* omega,
                      const S* gamma, S* x_next, S* energy, int estride) {
    S w[NW > 0 ? NW : 1];
    if constexpr (OM != OmegaMode::None) omega_norms(omega, w);
    else (void)omega;
    const S g = *gamma;
    parallel_for(N, [&](index_t n) {
      const index_t off = n * E;
      const S* xs = x + off;
      const S* js = Jx + off;
      const S* cs = c + off;
      S* xn = x_next + off;
      double esum = 0;
      for (index_t og = 0; og < index_t(P) * NO; ++og) {
        const index_t b = og * NOSC;
        S xv[NOSC], yv[NOSC], z[NOSC];
        S a = 0;
        for (int k = 0; k < NOSC; ++k) {
          xv[k] = xs[b + k];
          yv[k] = js[b + k] + cs[b + k];
          a += xv[k] * yv[k];
        }
        esum += a;
        for (int k = 0; k < NOSC; ++k) z[k] = PROJECT ? yv[k] - a * xv[k] : yv[k];
        if constexpr (OM != OmegaMode::None) {
          const int q0 = int(b % C) / 2;
          for (int k = 0; k < NOSC; k += 2) {
            const S wk = wq(w, q0 + k / 2);
            z[k] += wk * xv[k + 1];
            z[k + 1] -= wk * xv[k];
          }
        }
        S ss = 0;
        for (int k = 0; k < NOSC; ++k) {
          z[k] = xv[k] + g * z[k];
          ss += z[k] * z[k];
        }
        const S inv = S(1) / std::max(std::sqrt(ss), S(1e-6));
        for (int k = 0; k < NOSC; ++k) xn[b + k] = z[k] * inv;
      }
      if (energy != nullptr) energy[n * index_t(estride)] = static_cast<S>(-esum);
    });
  }

  static void backward(int N, const S* x, const S* Jx, const S* c, const S* omega,
                       const S* gamma, const S* x_next, const S* dx_next, S* dx, S* dy, S* dc,
                       S* domega, S* dgamma) {
    S w[NW > 0 ? NW : 1];
    if constexpr (OM != OmegaMode::None) omega_norms(omega, w);
    const S g = *gamma;
    const bool want_om = OM != OmegaMode::None && domega != nullptr;
    const bool want_g = dgamma != nullptr;
    // per-sample partial sums: [dgamma, dw_0 .. dw_{NW-1}]
    constexpr int NPART = 1 + NW;
    std::vector<double> part((want_om || want_g) ? std::size_t(N) * NPART : 0, 0.0);
    parallel_for(N, [&](index_t n) {
      const index_t off = n * E;
      const S* xs = x + off;
      const S* js = Jx + off;
      const S* cs = c + off;
      const S* xns = x_next + off;
      const S* gs = dx_next + off;
      S* dxs = dx ? dx + off : nullptr;
      S* dys = dy ? dy + off : nullptr;
      S* dcs = dc ? dc + off : nullptr;
      double pg = 0;
      double pw[NW > 0 ? NW : 1] = {};
      for (index_t og = 0; og < index_t(P) * NO; ++og) {
        const index_t b = og * NOSC;
        const int q0 = int(b % C) / 2;
        S xv[NOSC], yv[NOSC], f[NOSC], gn[NOSC], xnv[NOSC];
        S a = 0;
        for (int k = 0; k < NOSC; ++k) {
          xv[k] = xs[b + k];
          yv[k] = js[b + k] + cs[b + k];
          a += xv[k] * yv[k];
          gn[k] = gs[b + k];
          xnv[k] = xns[b + k];
        }
        // f = dxdt (recomputed), z = x + g f
        for (int k = 0; k < NOSC; ++k) f[k] = PROJECT ? yv[k] - a * xv[k] : yv[k];
        if constexpr (OM != OmegaMode::None) {
          for (int k = 0; k < NOSC; k += 2) {
            const S wk = wq(w, q0 + k / 2);
            f[k] += wk * xv[k + 1];
            f[k + 1] -= wk * xv[k];
          }
        }
        S ss = 0, xg = 0;
        for (int k = 0; k < NOSC; ++k) {
          const S z = xv[k] + g * f[k];
          ss += z * z;
          xg += xnv[k] * gn[k];
        }
        const S r = std::sqrt(ss);
        S dz[NOSC];
        if (r > S(1e-6)) {
          const S inv = S(1) / r;
          for (int k = 0; k < NOSC; ++k) dz[k] = (gn[k] - xnv[k] * xg) * inv;
        } else {
          for (int k = 0; k < NOSC; ++k) dz[k] = gn[k] * S(1e6);
        }
        S dd[NOSC], dxo[NOSC];
        for (int k = 0; k < NOSC; ++k) {
          pg += double(dz[k]) * double(f[k]);
          dd[k] = g * dz[k];
          dxo[k] = dz[k];
        }
        if constexpr (OM != OmegaMode::None) {
          for (int k = 0; k < NOSC; k += 2) {
            const S wk = wq(w, q0 + k / 2);
            dxo[k + 1] += wk * dd[k];
            dxo[k] -= wk * dd[k + 1];
            const double dw = double(dd[k]) * xv[k + 1] - double(dd[k + 1]) * xv[k];
            if constexpr (OM == OmegaMode::PerPair) pw[q0 + k / 2] += dw;
            else pw[0] += dw;
          }
        }
        S dyo[NOSC];
        if constexpr (PROJECT) {
          S bb = 0;
          for (int k = 0; k < NOSC; ++k) bb += dd[k] * xv[k];
          for (int k = 0; k < NOSC; ++k) {
            dyo[k] = dd[k] - bb * xv[k];
            dxo[k] -= a * dd[k] + bb * yv[k];
          }
        } else {
          for (int k = 0; k < NOSC; ++k) dyo[k] = dd[k];
        }
        if (dxs)
          for (int k = 0; k < NOSC; ++k) dxs[b + k] = dxo[k];
        if (dys)
          for (int k = 0; k < NOSC; ++k) dys[b + k] = dyo[k];
        if (dcs)
          for (int k = 0; k < NOSC; ++k) dcs[b + k] += dyo[k];
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
      if constexpr (OM != OmegaMode::None) {
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
