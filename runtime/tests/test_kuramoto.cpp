// Tests of the Kuramoto-layer kernels: deterministic noise, oscillator init, normalisation,
// the fused Kuramoto step, attention (with and without GTA) and dense connectivity, GTA init,
// and an unrolled 3-step chain with its reverse-loop backward (the pattern the compiler
// emits). Gradients are checked by central finite differences in double precision.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "akorn/finite_diff.hpp"
#include "akorn/ops/attn_j/layout.hpp"
#include "akorn/ops/fc_j/layout.hpp"
#include "akorn/ops/attn_j/cpu.hpp"
#include "akorn/ops/fc_j/cpu.hpp"
#include "akorn/ops/attn_j/gta_init.hpp"
#include "akorn/ops/kuramoto_step/cpu.hpp"
#include "akorn/ops/normalize/cpu.hpp"
#include "akorn/ops/oscillator_init/cpu.hpp"
#include "akorn/rng.hpp"

using namespace akorn;
using Vec = std::vector<double>;

namespace {

Vec randn(std::size_t n, std::uint64_t seed, double scale = 1.0) {
  Rng r(seed);
  Vec v(n);
  for (auto& e : v) e = scale * r.normal();
  return v;
}

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Central finite differences of loss() with respect to every entry of p, compared with g.
void check_grad(const std::string& name, Vec& p, const Vec& g, const std::function<double()>& loss,
                double h = 1e-6, double tol = 2e-6) {
  ASSERT_EQ(p.size(), g.size()) << name;
  double worst = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double num = akorn::central_difference(p[i], h, loss);
    const double err = std::fabs(num - g[i]) / (1.0 + std::fabs(num));
    worst = std::max(worst, err);
    EXPECT_LE(err, tol) << name << "[" << i << "]: analytic " << g[i] << " numeric " << num;
    if (err > tol) return;  // one report per tensor is enough
  }
  ::testing::Test::RecordProperty(name + "_worst_rel_err", std::to_string(worst));
}

template <typename A, typename B>
double max_abs_diff(const A& a, const B& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a[i]) - double(b[i])));
  return m;
}

template <typename T>
std::vector<T> cast(const Vec& v) {
  return std::vector<T>(v.begin(), v.end());
}

Vec normalize_naive(const Vec& x, int n) {
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
void kuramoto_naive(int N, int P, int C, int n, OmegaMode om, bool project, const Vec& x,
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
  if (om != OmegaMode::None) {
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
Vec attn_naive(int N, int P, int C, int heads, const Vec& x, const Vec& wqkv, const Vec& bqkv,
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

}  // namespace

// ------------------------------------------------------------------------------------------
// Noise and Rng
// ------------------------------------------------------------------------------------------
TEST(Noise, Splitmix64KnownValues) {
  // First outputs of the classic splitmix64 generator seeded with 0 / the mix of 1.
  EXPECT_EQ(splitmix64(0), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(splitmix64(1), 0x910a2dec89025cc1ULL);
  Rng r(0);
  EXPECT_EQ(r.next(), 0xe220a8397b1dcdafULL);
}

TEST(Noise, FixedValues) {
  // Values computed independently (pure-Python big-integer evaluation of the OPS.md formula).
  EXPECT_EQ(noise_base(0, 0, 0), 0xa706dd2f4d197e6fULL);
  EXPECT_EQ(noise_base(7, 3, 5), 0x442017d334a2e446ULL);
  EXPECT_EQ(noise_base(~0ULL, 17, 0), 0x602eba365c4feab0ULL);
  EXPECT_NEAR(noise_normal(noise_base(0, 0, 0), 0), -0.10317884163546201, 1e-15);
  EXPECT_NEAR(noise_normal(noise_base(7, 3, 5), 11), 1.1801809624923274, 1e-15);
  EXPECT_NEAR(noise_normal(noise_base(123456789, 2, 99), 1234), 1.5398525408065433, 1e-15);
  EXPECT_NEAR(noise_normal(noise_base(~0ULL, 17, 0), 5), 0.10599347612012892, 1e-15);
}

TEST(Noise, RngMoments) {
  Rng r(42);
  double s = 0, s2 = 0, u = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    s += z;
    s2 += z * z;
    const double v = r.uniform();
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
    u += v;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.02);
  EXPECT_NEAR(u / n, 0.5, 0.01);
}

TEST(OscillatorInit, NoiseIndependentOfBatch) {
  constexpr int P = 6, C = 8;
  std::vector<double> c(5 * P * C, 3.0), x5(5 * P * C), x1(P * C);
  OscillatorInit<double, P, C, false>::forward(5, c.data(), nullptr, 99, 4, 10, x5.data());
  OscillatorInit<double, P, C, false>::forward(1, c.data(), nullptr, 99, 4, 12, x1.data());
  for (int i = 0; i < P * C; ++i) EXPECT_EQ(x1[i], x5[2 * P * C + i]);
  // values follow the formula, element index p*C + ch
  const std::uint64_t base = noise_base(99, 4, 13);
  for (int i = 0; i < P * C; ++i)  // rounded to float32 in any precision (OPS.md)
    EXPECT_EQ(x5[3 * P * C + i], static_cast<double>(static_cast<float>(noise_normal(base, i))));
  // float: the double value rounded
  std::vector<float> cf(P * C), xf(P * C);
  OscillatorInit<float, P, C, false>::forward(1, cf.data(), nullptr, 99, 4, 12, xf.data());
  for (int i = 0; i < P * C; ++i) EXPECT_EQ(xf[i], static_cast<float>(x1[i]));
}

TEST(OscillatorInit, GivenCopiesStimulusAndBackward) {
  constexpr int P = 5, C = 4, N = 2;
  Vec c = randn(N * P * C, 1);
  std::vector<std::int32_t> tok = {0, 3, 0, 9, 1, 2, 0, 0, 0, 5};
  Vec x0(N * P * C);
  OscillatorInit<double, P, C, true>::forward(N, c.data(), tok.data(), 5, 1, 7, x0.data());
  for (int s = 0; s < N; ++s) {
    const std::uint64_t base = noise_base(5, 1, 7 + s);
    for (int p = 0; p < P; ++p)
      for (int ch = 0; ch < C; ++ch) {
        const std::size_t i = (std::size_t(s) * P + p) * C + ch;
        if (tok[s * P + p] != 0) {
          EXPECT_EQ(x0[i], c[i]);
        } else {
          EXPECT_EQ(x0[i], static_cast<double>(static_cast<float>(noise_normal(base, std::uint64_t(p) * C + ch))));
        }
      }
  }
  Vec r = randn(N * P * C, 2);
  Vec dc(N * P * C, 0.5);
  OscillatorInit<double, P, C, true>::backward(N, tok.data(), r.data(), dc.data());
  for (std::size_t i = 0; i < dc.size(); ++i) dc[i] -= 0.5;
  check_grad("dc", c, dc, [&] {
    Vec y(N * P * C);
    OscillatorInit<double, P, C, true>::forward(N, c.data(), tok.data(), 5, 1, 7, y.data());
    return dot(r, y);
  });
}

// ------------------------------------------------------------------------------------------
// NormalizeOsc
// ------------------------------------------------------------------------------------------
TEST(NormalizeOsc, ForwardAndGradient) {
  constexpr int N = 3, E = 24, n = 4;
  Vec x = randn(N * E, 3);
  Vec y(N * E);
  NormalizeOsc<double, E, n>::forward(N, x.data(), y.data());
  EXPECT_LT(max_abs_diff(y, normalize_naive(x, n)), 1e-15);
  Vec r = randn(N * E, 4);
  Vec dx(N * E, 0.0);
  NormalizeOsc<double, E, n>::backward(N, x.data(), y.data(), r.data(), dx.data());
  check_grad("dx", x, dx, [&] {
    Vec yy(N * E);
    NormalizeOsc<double, E, n>::forward(N, x.data(), yy.data());
    return dot(r, yy);
  });
  // float instantiation
  auto xf = cast<float>(x);
  std::vector<float> yf(N * E), dxf(N * E, 0.f);
  auto rf = cast<float>(r);
  NormalizeOsc<float, E, n>::forward(N, xf.data(), yf.data());
  NormalizeOsc<float, E, n>::backward(N, xf.data(), yf.data(), rf.data(), dxf.data());
  EXPECT_LT(max_abs_diff(yf, y), 1e-6);
  EXPECT_LT(max_abs_diff(dxf, dx), 1e-4);
}

// ------------------------------------------------------------------------------------------
// KuramotoStep
// ------------------------------------------------------------------------------------------
template <OmegaMode OM, bool PROJECT>
void kuramoto_step_test() {
  constexpr int N = 2, P = 5, C = 8, n = 4;
  using K = KuramotoStep<double, P, C, n, OM, PROJECT>;
  const std::size_t sz = std::size_t(N) * P * C;
  Vec x = normalize_naive(randn(sz, 10), n);
  Vec Jx = randn(sz, 11), c = randn(sz, 12);
  const int nth = OM == OmegaMode::PerPair ? C : (OM == OmegaMode::Global ? 2 : 0);
  Vec theta = randn(nth, 13);
  Vec gamma = {0.7};
  const double* om = nth ? theta.data() : nullptr;

  // forward vs naive, energy with a stride
  Vec xn(sz), E(3 * N, -7.0), xn_ref, E_ref;
  K::forward(N, x.data(), Jx.data(), c.data(), om, gamma.data(), xn.data(), E.data() + 1, 3);
  kuramoto_naive(N, P, C, n, OM, PROJECT, x, Jx, c, theta, gamma[0], xn_ref, E_ref);
  EXPECT_LT(max_abs_diff(xn, xn_ref), 1e-14);
  for (int s = 0; s < N; ++s) {
    EXPECT_NEAR(E[1 + 3 * s], E_ref[s], 1e-12);
    EXPECT_EQ(E[3 * s], -7.0);
  }
  // energy = nullptr allowed
  Vec xn2(sz);
  K::forward(N, x.data(), Jx.data(), c.data(), om, gamma.data(), xn2.data(), nullptr, 1);
  EXPECT_EQ(xn2, xn);

  // backward
  Vec r = randn(sz, 14);
  Vec dx(sz, 123.0), dy(sz, 456.0), dc(sz, 0.25), dom(nth, 0.5), dg = {1.5};
  K::backward(N, x.data(), Jx.data(), c.data(), om, gamma.data(), xn.data(), r.data(), dx.data(),
              dy.data(), dc.data(), nth ? dom.data() : nullptr, dg.data());
  for (std::size_t i = 0; i < sz; ++i) {
    EXPECT_NEAR(dc[i] - 0.25, dy[i], 1e-15);  // dc += dy
    dc[i] -= 0.25;
  }
  for (auto& v : dom) v -= 0.5;
  dg[0] -= 1.5;
  auto loss = [&] {
    Vec y(sz);
    K::forward(N, x.data(), Jx.data(), c.data(), nth ? theta.data() : nullptr, gamma.data(), y.data(),
               nullptr, 1);
    return dot(r, y);
  };
  check_grad("dx", x, dx, loss);
  check_grad("dJx", Jx, dy, loss);
  check_grad("dc", c, dc, loss);
  if (nth) check_grad("domega", theta, dom, loss);
  check_grad("dgamma", gamma, dg, loss);

  // dx may alias dx_next; nullptr gradients are skipped
  Vec g = r;
  K::backward(N, x.data(), Jx.data(), c.data(), om, gamma.data(), xn.data(), g.data(), g.data(),
              nullptr, nullptr, nullptr, nullptr);
  EXPECT_LT(max_abs_diff(g, dx), 1e-15);

  // float instantiation agrees
  auto xf = cast<float>(x), Jf = cast<float>(Jx), cf = cast<float>(c), thf = cast<float>(theta),
       gf = cast<float>(gamma), rf = cast<float>(r);
  std::vector<float> xnf(sz), Ef(N), dxf(sz), dyf(sz), dcf(sz, 0.f), domf(nth, 0.f), dgf(1, 0.f);
  using KF = KuramotoStep<float, P, C, n, OM, PROJECT>;
  const float* omf = nth ? thf.data() : nullptr;
  KF::forward(N, xf.data(), Jf.data(), cf.data(), omf, gf.data(), xnf.data(), Ef.data(), 1);
  KF::backward(N, xf.data(), Jf.data(), cf.data(), omf, gf.data(), xnf.data(), rf.data(), dxf.data(),
               dyf.data(), dcf.data(), nth ? domf.data() : nullptr, dgf.data());
  EXPECT_LT(max_abs_diff(xnf, xn), 1e-5);
  EXPECT_LT(max_abs_diff(dxf, dx), 1e-3);
  EXPECT_LT(max_abs_diff(dyf, dy), 1e-3);
  EXPECT_NEAR(dgf[0], dg[0], 1e-3 * (1 + std::fabs(dg[0])));
}

TEST(KuramotoStep, NoOmegaProject) { kuramoto_step_test<OmegaMode::None, true>(); }
TEST(KuramotoStep, NoOmegaNoProject) { kuramoto_step_test<OmegaMode::None, false>(); }
TEST(KuramotoStep, GlobalProject) { kuramoto_step_test<OmegaMode::Global, true>(); }
TEST(KuramotoStep, GlobalNoProject) { kuramoto_step_test<OmegaMode::Global, false>(); }
TEST(KuramotoStep, PerPairProject) { kuramoto_step_test<OmegaMode::PerPair, true>(); }
TEST(KuramotoStep, PerPairNoProject) { kuramoto_step_test<OmegaMode::PerPair, false>(); }

TEST(KuramotoStep, OscillatorSize2) {
  // n = 2 (the CIFAR models): a hand-checkable single oscillator with global omega.
  constexpr int N = 1, P = 1, C = 2;
  using K = KuramotoStep<double, P, C, 2, OmegaMode::Global, true>;
  const double x[2] = {1.0, 0.0}, Jx[2] = {0.5, 2.0}, c[2] = {0.5, 1.0};
  const double theta[2] = {0.6, 0.8}, gamma = 0.5;  // w = 1
  double xn[2], E;
  K::forward(N, x, Jx, c, theta, &gamma, xn, &E, 1);
  // y = (1, 3), E = -1; proj = y - 1*x = (0, 3); Omega = (w*x1, -w*x0) = (0, -1);
  // z = x + 0.5*(0, 2) = (1, 1); x_next = (1, 1)/sqrt(2)
  EXPECT_DOUBLE_EQ(E, -1.0);
  EXPECT_NEAR(xn[0], 1 / std::sqrt(2.0), 1e-15);
  EXPECT_NEAR(xn[1], 1 / std::sqrt(2.0), 1e-15);
}

// ------------------------------------------------------------------------------------------
// AttnJ
// ------------------------------------------------------------------------------------------
template <int H, int W, int C, int HEADS, bool GTA>
void attn_test(int N) {
  using A = AttnJ<double, H, W, C, HEADS, GTA>;
  constexpr int P = H * W, HD = C / HEADS;
  const std::size_t sz = std::size_t(N) * P * C;
  Vec x = randn(sz, 20);
  Vec wqkv = randn(3 * C * C, 21, 0.4), bqkv = randn(3 * C, 22, 0.3);
  Vec wo = randn(C * C, 23, 0.4), bo = randn(C, 24, 0.3);
  Vec gta;
  if (GTA) {
    gta.resize(4 * std::size_t(P) * HD / 2 * 4);  // sets q, k, v, o
    gta_init(H, W, HD, gta.data());
    Vec pert = randn(gta.size(), 25, 0.3);  // M need not stay a rotation
    for (std::size_t i = 0; i < gta.size(); ++i) gta[i] += pert[i];
  }
  const double* gp = GTA ? gta.data() : nullptr;
  Vec saved(N * A::saved_elems), fws(N * A::fwd_ws_elems), bws(N * A::bwd_ws_elems);
  Vec y(sz);
  A::forward(N, x.data(), wqkv.data(), bqkv.data(), wo.data(), bo.data(), gp, y.data(), saved.data(),
             fws.data());
  Vec yref = attn_naive(N, P, C, HEADS, x, wqkv, bqkv, wo, bo, gta);
  EXPECT_LT(max_abs_diff(y, yref), 1e-12);

  Vec r = randn(sz, 26);
  Vec dx(sz, 0.0), dwqkv(wqkv.size(), 0.0), dbqkv(bqkv.size(), 0.0), dwo(wo.size(), 0.0),
      dbo(bo.size(), 0.0), dgta(gta.size(), 0.0);
  A::backward(N, x.data(), wqkv.data(), wo.data(), gp, saved.data(), r.data(), dx.data(), dwqkv.data(),
              dbqkv.data(), dwo.data(), dbo.data(), GTA ? dgta.data() : nullptr, bws.data());
  auto loss = [&] {
    Vec yy(sz), sv(N * A::saved_elems), ws(N * A::fwd_ws_elems);
    A::forward(N, x.data(), wqkv.data(), bqkv.data(), wo.data(), bo.data(), GTA ? gta.data() : nullptr,
               yy.data(), sv.data(), ws.data());
    return dot(r, yy);
  };
  check_grad("dx", x, dx, loss);
  check_grad("dw_qkv", wqkv, dwqkv, loss);
  check_grad("db_qkv", bqkv, dbqkv, loss);
  check_grad("dw_o", wo, dwo, loss);
  check_grad("db_o", bo, dbo, loss);
  if (GTA) check_grad("dgta", gta, dgta, loss);

  // backward accumulates; partial requests (only dx) give the same dx
  Vec dx2(sz, 1.0);
  A::backward(N, x.data(), wqkv.data(), wo.data(), gp, saved.data(), r.data(), dx2.data(), nullptr,
              nullptr, nullptr, nullptr, nullptr, bws.data());
  for (std::size_t i = 0; i < sz; ++i) EXPECT_NEAR(dx2[i] - 1.0, dx[i], 1e-13);

  // float instantiation agrees with double
  using AF = AttnJ<float, H, W, C, HEADS, GTA>;
  auto xf = cast<float>(x), wqf = cast<float>(wqkv), bqf = cast<float>(bqkv), wof = cast<float>(wo),
       bof = cast<float>(bo), gf = cast<float>(gta), rf = cast<float>(r);
  std::vector<float> yf(sz), svf(N * AF::saved_elems), fwf(N * AF::fwd_ws_elems),
      bwf(N * AF::bwd_ws_elems), dxf(sz, 0.f), dwqf(wqkv.size(), 0.f), dgf(gta.size(), 0.f);
  AF::forward(N, xf.data(), wqf.data(), bqf.data(), wof.data(), bof.data(), GTA ? gf.data() : nullptr,
              yf.data(), svf.data(), fwf.data());
  AF::backward(N, xf.data(), wqf.data(), wof.data(), GTA ? gf.data() : nullptr, svf.data(), rf.data(),
               dxf.data(), dwqf.data(), nullptr, nullptr, nullptr, GTA ? dgf.data() : nullptr, bwf.data());
  EXPECT_LT(max_abs_diff(yf, y), 1e-4);
  EXPECT_LT(max_abs_diff(dxf, dx), 1e-3);
  EXPECT_LT(max_abs_diff(dwqf, dwqkv), 1e-3);
  if (GTA) {
    EXPECT_LT(max_abs_diff(dgf, dgta), 1e-3);
  }
}

TEST(AttnJ, NoGta) { attn_test<3, 3, 16, 2, false>(2); }
TEST(AttnJ, Gta) { attn_test<3, 3, 16, 2, true>(2); }
TEST(AttnJ, GtaFourHeadsHd4) { attn_test<2, 3, 16, 4, true>(3); }
TEST(AttnJ, OneHeadNonSquare) { attn_test<1, 5, 6, 1, false>(1); }

// float kernels at the head sizes of the real models (HD = 8 and 64, P = 81) against the
// naive double implementation.
template <int C, int HEADS, bool GTA>
void attn_float_vs_naive() {
  constexpr int H = 9, W = 9, P = H * W, HD = C / HEADS, N = 2;
  using A = AttnJ<float, H, W, C, HEADS, GTA>;
  const std::size_t sz = std::size_t(N) * P * C;
  Vec x = randn(sz, 60), wqkv = randn(3 * C * C, 61, 1.0 / std::sqrt(double(C))),
      bqkv = randn(3 * C, 62, 0.1), wo = randn(C * C, 63, 1.0 / std::sqrt(double(C))), bo = randn(C, 64, 0.1);
  Vec gta;
  if (GTA) {
    gta.resize(4 * std::size_t(P) * HD / 2 * 4);  // sets q, k, v, o
    gta_init(H, W, HD, gta.data());
  }
  auto xf = cast<float>(x), wqf = cast<float>(wqkv), bqf = cast<float>(bqkv), wof = cast<float>(wo),
       bof = cast<float>(bo), gf = cast<float>(gta);
  std::vector<float> y(sz), sv(N * A::saved_elems), ws(N * A::fwd_ws_elems);
  A::forward(N, xf.data(), wqf.data(), bqf.data(), wof.data(), bof.data(), GTA ? gf.data() : nullptr, y.data(),
             sv.data(), ws.data());
  Vec ref = attn_naive(N, P, C, HEADS, x, wqkv, bqkv, wo, bo, gta);
  EXPECT_LT(max_abs_diff(y, ref), 2e-5);
}

TEST(AttnJ, FloatSudokuSmallModelSizes) { attn_float_vs_naive<64, 8, true>(); }
TEST(AttnJ, FloatHeadDim64) { attn_float_vs_naive<128, 2, true>(); }
TEST(AttnJ, FloatHeadDim64NoGta) { attn_float_vs_naive<64, 1, false>(); }

TEST(AttnJ, FloatSoftmaxExp) {
  // the vectorised expf inside the float softmax, including flushed tails (x <= -87)
  constexpr int P = 37;
  for (double spread : {0.5, 5.0, 60.0}) {
    Vec v = randn(P, 70 + std::uint64_t(spread), spread);
    std::vector<float> a = cast<float>(v);
    attn_detail::softmax_row<float, P>(a.data());
    double mx = -1e300, s = 0;
    for (int j = 0; j < P; ++j) mx = std::max(mx, double(float(v[j])));
    for (int j = 0; j < P; ++j) s += std::exp(double(float(v[j])) - mx);
    for (int j = 0; j < P; ++j) {
      const double e = std::exp(double(float(v[j])) - mx) / s;
      EXPECT_NEAR(a[j], e, 1e-6 * e + 1e-37) << spread << " " << j;
    }
  }
}

TEST(AttnJ, DeterministicAcrossThreadCounts) {
  constexpr int H = 3, W = 3, C = 16, HEADS = 2, N = 4, P = H * W, HD = C / HEADS;
  using A = AttnJ<double, H, W, C, HEADS, true>;
  const std::size_t sz = std::size_t(N) * P * C;
  Vec x = randn(sz, 30), wqkv = randn(3 * C * C, 31, 0.4), bqkv = randn(3 * C, 32),
      wo = randn(C * C, 33, 0.4), bo = randn(C, 34), r = randn(sz, 35);
  Vec gta(4 * std::size_t(P) * HD / 2 * 4);  // sets q, k, v, o
  gta_init(H, W, HD, gta.data());
  auto run = [&](int threads) {
    omp_set_num_threads(threads);
    Vec y(sz), sv(N * A::saved_elems), fw(N * A::fwd_ws_elems), bw(N * A::bwd_ws_elems);
    Vec dx(sz, 0.0), dg(gta.size(), 0.0), dbq(3 * C, 0.0);
    A::forward(N, x.data(), wqkv.data(), bqkv.data(), wo.data(), bo.data(), gta.data(), y.data(),
               sv.data(), fw.data());
    A::backward(N, x.data(), wqkv.data(), wo.data(), gta.data(), sv.data(), r.data(), dx.data(), nullptr,
                dbq.data(), nullptr, nullptr, dg.data(), bw.data());
    y.insert(y.end(), dx.begin(), dx.end());
    y.insert(y.end(), dg.begin(), dg.end());
    y.insert(y.end(), dbq.begin(), dbq.end());
    return y;
  };
  const int nt = omp_get_max_threads();
  Vec a = run(1), b = run(3);
  omp_set_num_threads(nt);
  EXPECT_EQ(a, b);
}

// ------------------------------------------------------------------------------------------
// FcJ
// ------------------------------------------------------------------------------------------
TEST(FcJ, ForwardAndGradient) {
  constexpr int P = 4, C = 3, N = 2, D = P * C;
  using F = FcJ<double, P, C>;
  Vec x = randn(N * D, 40), w = randn(D * D, 41, 0.3), b = randn(D, 42);
  Vec y(N * D), ws(N * F::fwd_ws_elems);
  F::forward(N, x.data(), w.data(), b.data(), y.data(), ws.data());
  for (int s = 0; s < N; ++s)
    for (int p = 0; p < P; ++p)
      for (int c = 0; c < C; ++c) {
        double acc = b[c * P + p];
        for (int c2 = 0; c2 < C; ++c2)
          for (int p2 = 0; p2 < P; ++p2) acc += w[(c * P + p) * D + c2 * P + p2] * x[s * D + p2 * C + c2];
        EXPECT_NEAR(y[s * D + p * C + c], acc, 1e-13);
      }
  Vec r = randn(N * D, 43);
  Vec dx(N * D, 0.0), dw(D * D, 0.0), db(D, 0.0), bws(N * F::bwd_ws_elems);
  F::backward(N, x.data(), w.data(), r.data(), dx.data(), dw.data(), db.data(), bws.data());
  auto loss = [&] {
    Vec yy(N * D), wk(N * F::fwd_ws_elems);
    F::forward(N, x.data(), w.data(), b.data(), yy.data(), wk.data());
    return dot(r, yy);
  };
  check_grad("dx", x, dx, loss);
  check_grad("dw", w, dw, loss);
  check_grad("db", b, db, loss);
  // float instantiation
  using FF = FcJ<float, P, C>;
  auto xf = cast<float>(x), wf = cast<float>(w), bf = cast<float>(b), rf = cast<float>(r);
  std::vector<float> yf(N * D), wsf(N * FF::fwd_ws_elems), bwf(N * FF::bwd_ws_elems), dxf(N * D, 0.f);
  FF::forward(N, xf.data(), wf.data(), bf.data(), yf.data(), wsf.data());
  FF::backward(N, xf.data(), wf.data(), rf.data(), dxf.data(), nullptr, nullptr, bwf.data());
  EXPECT_LT(max_abs_diff(yf, y), 1e-5);
  EXPECT_LT(max_abs_diff(dxf, dx), 1e-5);
}

// ------------------------------------------------------------------------------------------
// GTA init
// ------------------------------------------------------------------------------------------
TEST(GtaInit, Values) {
  constexpr int H = 3, W = 4, HD = 8, NF = HD / 2;
  constexpr int SET = H * W * NF * 4;
  std::vector<double> M(4 * SET);
  gta_init(H, W, HD, M.data());
  // sets q, k, v are M, set o is M^T
  for (int e = 0; e < SET; ++e) {
    EXPECT_EQ(M[SET + e], M[e]);
    EXPECT_EQ(M[2 * SET + e], M[e]);
    const int t = e % 4 == 1 ? e + 1 : e % 4 == 2 ? e - 1 : e;  // transposed position
    EXPECT_EQ(M[3 * SET + e], M[t]);
  }
  for (int f = 0; f < NF; ++f) {  // (i, j) = (0, 0): identity
    EXPECT_EQ(M[f * 4 + 0], 1.0);
    EXPECT_EQ(M[f * 4 + 1], 0.0);
    EXPECT_EQ(M[f * 4 + 2], 0.0);
    EXPECT_EQ(M[f * 4 + 3], 1.0);
  }
  // F = ceil(8/4) = 2, phi = (1, 10000^-0.5 = 0.01); angles at (i, j) = (1, 2):
  // [1*1, 2*1, 1*0.01, 2*0.01]; f = 3 -> R(0.02)
  const double* m = &M[((1 * W + 2) * NF + 3) * 4];
  EXPECT_NEAR(m[0], 0.9998000066665778, 1e-15);
  EXPECT_NEAR(m[1], -0.01999866669333308, 1e-15);
  EXPECT_NEAR(m[2], 0.01999866669333308, 1e-15);
  EXPECT_NEAR(m[3], 0.9998000066665778, 1e-15);
  const double* m1 = &M[((1 * W + 2) * NF + 1) * 4];  // f = 1: angle j*phi_0 = 2
  EXPECT_NEAR(m1[0], std::cos(2.0), 1e-15);
  EXPECT_NEAR(m1[2], std::sin(2.0), 1e-15);
  // HD = 6: F = 2, 3 matrices: [i, j, i*0.01]
  std::vector<float> Mf(4 * H * W * 3 * 4);
  gta_init(H, W, 6, Mf.data());
  const float* m2 = &Mf[((2 * W + 1) * 3 + 2) * 4];
  EXPECT_NEAR(m2[0], std::cos(0.02), 1e-7);
  EXPECT_NEAR(m2[2], std::sin(0.02), 1e-7);
}

TEST(Sizes, MatchKernels) {
  static_assert(attn_j_saved_elems(9, 9, 512, 8, true) == AttnJ<float, 9, 9, 512, 8, true>::saved_elems);
  static_assert(fc_j_fwd_ws_elems(4, 3) == FcJ<float, 4, 3>::fwd_ws_elems);
  EXPECT_EQ(attn_j_saved_elems(3, 3, 16, 2, false), 9 * (4 * 16 + 2 * 9));
}

// ------------------------------------------------------------------------------------------
// Unrolled chain: normalize, then T steps of AttnJ + KuramotoStep; backward = reverse loop.
// ------------------------------------------------------------------------------------------
TEST(Chain, ThreeStepsAttnGtaEndToEnd) {
  constexpr int H = 3, W = 3, C = 16, HEADS = 2, n = 4, N = 2, T = 3;
  constexpr int P = H * W, HD = C / HEADS;
  using A = AttnJ<double, H, W, C, HEADS, true>;
  using K = KuramotoStep<double, P, C, n, OmegaMode::Global, true>;
  using Nm = NormalizeOsc<double, index_t(P) * C, n>;
  const std::size_t sz = std::size_t(N) * P * C;
  Vec x0 = randn(sz, 50), c = randn(sz, 51, 0.5);
  Vec wqkv = randn(3 * C * C, 52, 0.3), bqkv = randn(3 * C, 53, 0.2), wo = randn(C * C, 54, 0.3),
      bo = randn(C, 55, 0.2);
  Vec gta(4 * std::size_t(P) * HD / 2 * 4);  // sets q, k, v, o
  gta_init(H, W, HD, gta.data());
  {
    Vec pert = randn(gta.size(), 56, 0.2);
    for (std::size_t i = 0; i < gta.size(); ++i) gta[i] += pert[i];
  }
  Vec theta = {0.35, 0.35}, gamma = {0.8};
  Vec r = randn(sz, 57);

  // forward, keeping what the backward needs (as the compiler's planned arena would)
  std::vector<Vec> xs(T + 1, Vec(sz)), Jx(T, Vec(sz)), saved(T, Vec(N * A::saved_elems));
  Vec fws(N * A::fwd_ws_elems), E(N * (T + 1), 0.0);
  auto forward = [&](bool keep) {
    std::vector<Vec> xl(T + 1, Vec(sz)), Jl(T, Vec(sz)), sl(T, Vec(N * A::saved_elems));
    Vec El(N * (T + 1), 0.0);
    Nm::forward(N, x0.data(), xl[0].data());
    for (int t = 0; t < T; ++t) {
      A::forward(N, xl[t].data(), wqkv.data(), bqkv.data(), wo.data(), bo.data(), gta.data(),
                 Jl[t].data(), sl[t].data(), fws.data());
      K::forward(N, xl[t].data(), Jl[t].data(), c.data(), theta.data(), gamma.data(), xl[t + 1].data(),
                 El.data() + t + 1, T + 1);
    }
    if (keep) {
      xs = xl;
      Jx = Jl;
      saved = sl;
      E = El;
    }
    return dot(r, xl[T]);
  };
  forward(true);

  // energies against the naive step
  for (int t = 0; t < T; ++t) {
    Vec xn_ref, E_ref;
    Vec Jref = attn_naive(N, P, C, HEADS, xs[t], wqkv, bqkv, wo, bo, gta);
    kuramoto_naive(N, P, C, n, OmegaMode::Global, true, xs[t], Jref, c, theta, gamma[0], xn_ref, E_ref);
    EXPECT_LT(max_abs_diff(xn_ref, xs[t + 1]), 1e-12);
    for (int s = 0; s < N; ++s) EXPECT_NEAR(E[s * (T + 1) + t + 1], E_ref[s], 1e-11);
  }

  // backward: reverse loop
  Vec bws(N * A::bwd_ws_elems);
  Vec dx0(sz, 0.0), dc(sz, 0.0), dwqkv(wqkv.size(), 0.0), dbqkv(bqkv.size(), 0.0), dwo(wo.size(), 0.0),
      dbo(bo.size(), 0.0), dgta(gta.size(), 0.0), dtheta(2, 0.0), dgamma(1, 0.0);
  Vec g = r, gx(sz), gJ(sz);
  for (int t = T - 1; t >= 0; --t) {
    K::backward(N, xs[t].data(), Jx[t].data(), c.data(), theta.data(), gamma.data(), xs[t + 1].data(),
                g.data(), gx.data(), gJ.data(), dc.data(), dtheta.data(), dgamma.data());
    A::backward(N, xs[t].data(), wqkv.data(), wo.data(), gta.data(), saved[t].data(), gJ.data(), gx.data(),
                dwqkv.data(), dbqkv.data(), dwo.data(), dbo.data(), dgta.data(), bws.data());
    g.swap(gx);
  }
  Nm::backward(N, x0.data(), xs[0].data(), g.data(), dx0.data());

  auto loss = [&] { return forward(false); };
  check_grad("dx0", x0, dx0, loss);
  check_grad("dc", c, dc, loss);
  check_grad("dw_qkv", wqkv, dwqkv, loss);
  check_grad("db_qkv", bqkv, dbqkv, loss);
  check_grad("dw_o", wo, dwo, loss);
  check_grad("db_o", bo, dbo, loss);
  check_grad("dgta", gta, dgta, loss);
  check_grad("domega", theta, dtheta, loss);
  check_grad("dgamma", gamma, dgamma, loss);
}
