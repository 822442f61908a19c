// Naive double-precision references for the Kuramoto-layer kernels, written from the spec
// and the convolution (used by the tests of several ops and by the unrolled chain).
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "akorn/common.hpp"
#include "op_test.hpp"

namespace akorn_test {

using akorn::OmegaMode;

inline Vec normalize_naive(const Vec& x, int n) {
  Vec y(x.size());
  for (std::size_t o = 0; o < x.size() / n; ++o) {
    double s = 0;
    for (int k = 0; k < n; ++k) s += x[o * n + k] * x[o * n + k];
    const double r = std::max(std::sqrt(s), 1e-6);
    for (int k = 0; k < n; ++k) y[o * n + k] = x[o * n + k] / r;
  }
  return y;
}
// Spec §2 written out directly.
inline void kuramoto_naive(int N, int P, int C, int n, OmegaMode om, bool project, const Vec& x,
                    const Vec& Jx, const Vec& c, const Vec& theta, double gamma, Vec& xn, Vec& E) {
  const std::size_t sz = std::size_t(N) * P * C;
  Vec y(sz), dxdt(sz), z(sz);
  E.assign(N, 0.0);
  for (std::size_t i = 0; i < sz; ++i) y[i] = Jx[i] + c[i];
  for (int s = 0; s < N; ++s)
    for (int i = 0; i < P * C; ++i) E[s] -= x[s * P * C + i] * y[s * P * C + i];
  for (std::size_t o = 0; o < sz / n; ++o) {
    double a = 0;
    for (int k = 0; k < n; ++k) a += x[o * n + k] * y[o * n + k];
    for (int k = 0; k < n; ++k) dxdt[o * n + k] = project ? y[o * n + k] - a * x[o * n + k] : y[o * n + k];
  }
  if (om == OmegaMode::Identity)  // Omega(x) = x
    for (std::size_t i = 0; i < sz; ++i) dxdt[i] += x[i];
  if (om == OmegaMode::Global || om == OmegaMode::PerPair) {
    for (std::size_t i = 0; i < sz; i += 2) {
      const int q = int(i % C) / 2;
      const double* th = om == OmegaMode::Global ? &theta[0] : &theta[2 * q];
      const double w = std::sqrt(th[0] * th[0] + th[1] * th[1]);
      dxdt[i] += w * x[i + 1];
      dxdt[i + 1] += -w * x[i];
    }
  }
  for (std::size_t i = 0; i < sz; ++i) z[i] = x[i] + gamma * dxdt[i];
  xn = normalize_naive(z, n);
}

// OPS.md "Attn" written out directly (double). gta: empty or the four sets [4, P, hd/2, 4].
inline Vec attn_naive(int N, int P, int C, int heads, const Vec& x, const Vec& wqkv, const Vec& bqkv,
               const Vec& wo, const Vec& bo, const Vec& gta) {
  const int hd = C / heads;
  const std::size_t set = std::size_t(P) * (hd / 2) * 4;
  Vec y(std::size_t(N) * P * C);
  for (int s = 0; s < N; ++s) {
    Vec qkv(std::size_t(P) * 3 * C);
    for (int p = 0; p < P; ++p)
      for (int j = 0; j < 3 * C; ++j) {
        double acc = bqkv[j];
        for (int i = 0; i < C; ++i) acc += x[(std::size_t(s) * P + p) * C + i] * wqkv[std::size_t(j) * C + i];
        qkv[std::size_t(p) * 3 * C + j] = acc;
      }
    Vec o(std::size_t(P) * C);
    for (int h = 0; h < heads; ++h) {
      // t[part][p][d]
      std::vector<Vec> t(3, Vec(std::size_t(P) * hd));
      for (int part = 0; part < 3; ++part)
        for (int p = 0; p < P; ++p)
          for (int d = 0; d < hd; ++d) t[part][p * hd + d] = qkv[std::size_t(p) * 3 * C + part * C + d * heads + h];
      if (!gta.empty())
        for (int part = 0; part < 3; ++part)
          for (int p = 0; p < P; ++p)
            for (int f = 0; f < hd / 2; ++f) {
              const double* M = &gta[part * set + (std::size_t(p) * (hd / 2) + f) * 4];
              const double a = t[part][p * hd + 2 * f], b = t[part][p * hd + 2 * f + 1];
              t[part][p * hd + 2 * f] = M[0] * a + M[1] * b;
              t[part][p * hd + 2 * f + 1] = M[2] * a + M[3] * b;
            }
      for (int p = 0; p < P; ++p) {
        Vec sc(P);
        double mx = -1e300;
        for (int q = 0; q < P; ++q) {
          double acc = 0;
          for (int d = 0; d < hd; ++d) acc += t[0][p * hd + d] * t[1][q * hd + d];
          sc[q] = acc / std::sqrt(double(hd));
          mx = std::max(mx, sc[q]);
        }
        double sum = 0;
        for (int q = 0; q < P; ++q) sum += (sc[q] = std::exp(sc[q] - mx));
        Vec oh(hd, 0.0);
        for (int q = 0; q < P; ++q)
          for (int d = 0; d < hd; ++d) oh[d] += sc[q] / sum * t[2][q * hd + d];
        if (!gta.empty())
          for (int f = 0; f < hd / 2; ++f) {
            const double* M = &gta[3 * set + (std::size_t(p) * (hd / 2) + f) * 4];  // M_o
            const double a = oh[2 * f], b = oh[2 * f + 1];
            oh[2 * f] = M[0] * a + M[1] * b;
            oh[2 * f + 1] = M[2] * a + M[3] * b;
          }
        for (int d = 0; d < hd; ++d) o[std::size_t(p) * C + d * heads + h] = oh[d];
      }
    }
    for (int p = 0; p < P; ++p)
      for (int j = 0; j < C; ++j) {
        double acc = bo[j];
        for (int i = 0; i < C; ++i) acc += o[std::size_t(p) * C + i] * wo[std::size_t(j) * C + i];
        y[(std::size_t(s) * P + p) * C + j] = acc;
      }
  }
  return y;
}

// y[n, ho, wo, co] = b[co] + sum w[co, ci, kh, kw] * x[n, ho*s - pad + kh, wo*s - pad + kw, ci]
inline Vec naive_conv(int N, int H, int W, int CIN, int COUT, int K, int S, int PAD, const Vec& x,
               const Vec& w, const Vec* b) {
  const int HO = (H + 2 * PAD - K) / S + 1, WO = (W + 2 * PAD - K) / S + 1;
  Vec y(index_t(N) * HO * WO * COUT, 0.0);
  for (int n = 0; n < N; ++n)
    for (int ho = 0; ho < HO; ++ho)
      for (int wo = 0; wo < WO; ++wo)
        for (int co = 0; co < COUT; ++co) {
          double s = b ? (*b)[co] : 0.0;
          for (int ci = 0; ci < CIN; ++ci)
            for (int kh = 0; kh < K; ++kh)
              for (int kw = 0; kw < K; ++kw) {
                const int h = ho * S - PAD + kh, ww = wo * S - PAD + kw;
                if (h < 0 || h >= H || ww < 0 || ww >= W) continue;
                s += w[((co * CIN + ci) * K + kh) * K + kw] *
                     x[((index_t(n) * H + h) * W + ww) * CIN + ci];
              }
          y[((index_t(n) * HO + ho) * WO + wo) * COUT + co] = s;
        }
  return y;
}

}  // namespace akorn_test
