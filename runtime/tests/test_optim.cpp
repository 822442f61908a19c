// Tests of the optimiser (akorn/optim.hpp: Adam, clip_grad_norm) and of the EMA of the
// weights (akorn/train_step.hpp: ema_decay_at, ema_update) against values computed by
// torch.optim.Adam, torch.nn.utils.clip_grad_norm_ and ema_pytorch.EMA, the libraries of the
// reference training (fixtures/optim/torch_optim.hpp, made by tools/make_optim_fixture.py).
// Each run in double and in float; non-trainable parameters must be left alone.
//
// Tolerances are first-order bounds on rounding: u = 2^-53 (double) or 2^-24 (float), and an
// operation's rounding error is at most u times the magnitude of its operands. Adam's moments
// can cancel (gradients of changing sign), so their bound uses the sum of the magnitudes
// (b1 |m| + (1-b1) |g|), carried through the steps with the same recurrences as the values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "akorn/model_info.hpp"
#include "akorn/optim.hpp"
#include "akorn/train_step.hpp"
#include "fixtures/optim/torch_optim.hpp"

using namespace akorn;
namespace fx = optim_fixture;

namespace {

// The fixture's three tensors with a non-trainable one (3 elements) between the first two:
// flat offsets 0..5 | 6..8 (not trained) | 9..20 | 21..25.
constexpr int kNT = 3;
constexpr index_t kFlat = fx::kElems + kNT;
const ParamInfo kParams[] = {
    {"a", 1, {6}, 6, 0, true, Init::Const, 0, 0, 0, 0},
    {"frozen", 1, {3}, kNT, 6, false, Init::Const, 0, 0, 0, 0},
    {"b", 2, {3, 4}, 12, 9, true, Init::Const, 0, 0, 0, 0},
    {"c", 1, {5}, 5, 21, true, Init::Const, 0, 0, 0, 0},
};
constexpr int kNumParams = 4;
static_assert(fx::kSizes[0] == 6 && fx::kSizes[1] == 12 && fx::kSizes[2] == 5, "fixture layout");

// flat index of fixture element i
index_t flat(int i) { return i < 6 ? i : i + kNT; }
bool frozen(index_t f) { return f >= 6 && f < 6 + kNT; }
constexpr double kFrozenP = 7.25, kFrozenG = 1000.0;  // gradients a frozen tensor must not use

template <typename S>
constexpr double unit() {
  return std::numeric_limits<S>::epsilon() / 2;
}

// Rounding-error bounds of one Adam run (exact values from torch's float64 run), per element.
struct AdamBounds {
  double b1, b2, lr, eps;
  std::vector<double> mag_m, err_m, err_v, err_p;
  explicit AdamBounds(const fx::AdamRun& r)
      : b1(r.beta1), b2(r.beta2), lr(r.lr), eps(r.eps), mag_m(fx::kElems, 0.0), err_m(fx::kElems, 0.0),
        err_v(fx::kElems, 0.0), err_p(fx::kElems, 0.0) {}
  // After step t (1-based) with gradient g and exact results m, v, p: each quantity's error
  // bound, for an implementation that rounds with unit u; K = roundings per expression.
  void advance(int t, const double* g, const double* m, const double* v, const double* p, double u) {
    constexpr double K = 8;
    const double c1 = 1 - std::pow(b1, t), c2 = 1 - std::pow(b2, t), step = lr / c1;
    for (int i = 0; i < fx::kElems; ++i) {
      mag_m[i] = b1 * mag_m[i] + (1 - b1) * std::fabs(g[i]);
      err_m[i] = b1 * err_m[i] + K * u * mag_m[i];
      err_v[i] = b2 * err_v[i] + K * u * v[i];
      const double denom = std::sqrt(v[i] / c2) + eps;
      const double upd = step * std::fabs(m[i]) / denom;
      const double rel_v = v[i] > 0 ? err_v[i] / (2 * v[i]) : 0.0;
      const double err_u = step * (err_m[i] + K * u * mag_m[i]) / denom + upd * (K * u + rel_v);
      err_p[i] += err_u + K * u * std::fabs(p[i]);
    }
  }
};

template <typename S>
struct AdamResult {
  double worst = 0;  // worst |got - want| / bound
  std::string where;
};

// Our Adam<S> over the fixture's 12 steps; after each, p, m, v against `want` (torch's run in
// the same or in double precision) within `mult` times the bound for unit u.
template <typename S>
AdamResult<S> run_adam(const fx::AdamRun& r, const double* wp, const double* wm, const double* wv, const float* fp,
                       const float* fm, const float* fv, double u, double mult) {
  Adam<S> adam;
  adam.lr = r.lr;
  adam.beta1 = r.beta1;
  adam.beta2 = r.beta2;
  adam.eps = r.eps;
  std::vector<S> p(kFlat), g(kFlat);
  for (int i = 0; i < fx::kElems; ++i) p[flat(i)] = static_cast<S>(fx::adam_p0[i]);
  for (index_t f = 6; f < 6 + kNT; ++f) p[f] = static_cast<S>(kFrozenP);
  AdamBounds bd(r);
  AdamResult<S> res;
  auto cmp = [&](const char* what, int t, int i, double got, double want, double bound) {
    const double d = std::fabs(got - want);
    const double q = bound > 0 ? d / bound : (d == 0 ? 0.0 : INFINITY);
    if (!(q <= res.worst)) {
      res.worst = std::isnan(q) ? INFINITY : q;
      char buf[160];
      std::snprintf(buf, sizeof buf, "%s step %d element %d: got %.9g want %.9g (bound %.3g)", what, t, i, got, want,
                    bound);
      res.where = buf;
    }
  };
  for (int t = 1; t <= fx::kSteps; ++t) {
    const double* gt = fx::adam_grads + (t - 1) * fx::kElems;
    for (int i = 0; i < fx::kElems; ++i) g[flat(i)] = static_cast<S>(gt[i]);
    for (index_t f = 6; f < 6 + kNT; ++f) g[f] = static_cast<S>(kFrozenG);
    adam.step(kParams, kNumParams, kFlat, p.data(), g.data());
    EXPECT_EQ(adam.t, t);
    const double* em = r.m + (t - 1) * fx::kElems;
    const double* ev = r.v + (t - 1) * fx::kElems;
    const double* ep = r.p + (t - 1) * fx::kElems;
    bd.advance(t, gt, em, ev, ep, u);
    for (int i = 0; i < fx::kElems; ++i) {
      const index_t f = flat(i);
      const int o = (t - 1) * fx::kElems + i;
      const double want_m = wm ? wm[o] : double(fm[o]), want_v = wv ? wv[o] : double(fv[o]),
                   want_p = wp ? wp[o] : double(fp[o]);
      cmp("m", t, i, double(adam.m[f]), want_m, mult * bd.err_m[i]);
      cmp("v", t, i, double(adam.v[f]), want_v, mult * bd.err_v[i]);
      cmp("p", t, i, double(p[f]), want_p, mult * bd.err_p[i]);
    }
    for (index_t f = 6; f < 6 + kNT; ++f) {
      EXPECT_EQ(p[f], static_cast<S>(kFrozenP)) << "Adam moved a non-trainable parameter";
      EXPECT_EQ(adam.m[f], S(0));
      EXPECT_EQ(adam.v[f], S(0));
    }
  }
  return res;
}

TEST(Adam, DefaultsAreTorchs) {
  const Adam<float> a;
  EXPECT_EQ(a.lr, 1e-3);
  EXPECT_EQ(a.beta1, 0.9);
  EXPECT_EQ(a.beta2, 0.999);
  EXPECT_EQ(a.eps, 1e-8);
  EXPECT_EQ(std::string(fx::kAdamRuns[0].name), "defaults");
  EXPECT_EQ(fx::kAdamRuns[0].lr, a.lr);
  EXPECT_EQ(fx::kAdamRuns[0].beta1, a.beta1);
  EXPECT_EQ(fx::kAdamRuns[0].beta2, a.beta2);
  EXPECT_EQ(fx::kAdamRuns[0].eps, a.eps);
}

// double against torch's float64 run: the formula, bias corrections and eps placement to the
// last bits (a pure-rounding difference of the two double implementations is within 2 bounds).
TEST(Adam, DoubleMatchesTorchFloat64) {
  for (const fx::AdamRun& r : fx::kAdamRuns) {
    const auto res = run_adam<double>(r, r.p, r.m, r.v, nullptr, nullptr, nullptr, unit<double>(), 2.0);
    std::printf("Adam %s, double vs torch float64: worst error / bound %.3g\n", r.name, res.worst);
    EXPECT_LE(res.worst, 1.0) << r.name << ": " << res.where;
  }
}

// float against the exact (float64) values within one float bound, and against torch's own
// float32 run within two (both round).
TEST(Adam, FloatMatchesTorch) {
  for (const fx::AdamRun& r : fx::kAdamRuns) {
    const auto exact = run_adam<float>(r, r.p, r.m, r.v, nullptr, nullptr, nullptr, unit<float>(), 1.0);
    const auto f32 = run_adam<float>(r, nullptr, nullptr, nullptr, r.pf, r.mf, r.vf, unit<float>(), 2.0);
    std::printf("Adam %s, float: worst error / bound vs torch float64 %.3g, vs torch float32 %.3g\n", r.name,
                exact.worst, f32.worst);
    EXPECT_LE(exact.worst, 1.0) << r.name << " (vs float64): " << exact.where;
    EXPECT_LE(f32.worst, 1.0) << r.name << " (vs float32): " << f32.where;
  }
}

// clip_grad_norm<S> on one case: the returned norm and the clipped gradients against torch
// (relative tolerances: a norm summed in another order, one rounding of g * scale); the
// non-trainable tensor's huge gradient neither counts nor changes.
template <typename S>
void check_clip(const fx::ClipCase& c, double norm_tol, double g_tol, bool vs_f32) {
  std::vector<S> g(kFlat);
  for (int i = 0; i < fx::kElems; ++i) g[flat(i)] = static_cast<S>(c.in[i]);
  for (index_t f = 6; f < 6 + kNT; ++f) g[f] = static_cast<S>(kFrozenG);
  const double norm = clip_grad_norm<S>(kParams, kNumParams, g.data(), c.max_norm);
  const double want_norm = vs_f32 ? double(c.normf) : c.norm;
  EXPECT_NEAR(norm, want_norm, norm_tol * want_norm) << c.name;
  bool clipped = false;
  for (int i = 0; i < fx::kElems; ++i) {
    const double want = vs_f32 ? double(c.outf[i]) : c.out[i];
    EXPECT_NEAR(double(g[flat(i)]), want, g_tol * std::fabs(want)) << c.name << " element " << i;
    clipped = clipped || c.out[i] != c.in[i];
  }
  for (index_t f = 6; f < 6 + kNT; ++f) EXPECT_EQ(g[f], static_cast<S>(kFrozenG)) << "clipping scaled a frozen gradient";
  // the fixture's cases: above and just below max_norm (by less than the 1e-6) clip
  EXPECT_EQ(clipped, std::string(c.name) != "below") << c.name;
}

TEST(ClipGradNorm, DoubleMatchesTorchFloat64) {
  for (const fx::ClipCase& c : fx::kClipCases) check_clip<double>(c, 64 * unit<double>(), 64 * unit<double>(), false);
}

// Our norm is summed in double even for float gradients: within a few double roundings of the
// exact norm, and the float result is g * scale rounded once (2 units: scale and product).
// torch's float32 norm and coefficient are float32 sums: 8 units.
TEST(ClipGradNorm, FloatMatchesTorch) {
  for (const fx::ClipCase& c : fx::kClipCases) {
    check_clip<float>(c, 64 * unit<double>(), 2 * unit<float>(), false);
    check_clip<float>(c, 8 * unit<float>(), 8 * unit<float>(), true);
  }
}

// ema_pytorch's schedule: get_current_decay() (float32 in torch: 2^-22 absolute) for every
// update call past update_after_step, a copy up to it, nothing between multiples of 10.
TEST(Ema, DecayScheduleIsEmaPytorchs) {
  int lerps = 0, clamped = 0;
  for (std::uint64_t k = 0; k < std::uint64_t(fx::kEmaRecords) * fx::kEmaEvery; ++k) {
    const double d = ema_decay_at(k, fx::kEmaEvery, fx::kEmaAfter, fx::kEmaBeta);
    if (k % fx::kEmaEvery != 0) {
      EXPECT_EQ(d, -1.0) << "k " << k;
      continue;
    }
    const double want = fx::ema_decay[k / fx::kEmaEvery];
    if (k <= std::uint64_t(fx::kEmaAfter)) {
      EXPECT_EQ(d, 0.0) << "k " << k << ": copy";
      continue;
    }
    EXPECT_NEAR(d, want, std::ldexp(1.0, -22)) << "k " << k;
    ++lerps;
    clamped += d == fx::kEmaBeta;
  }
  EXPECT_GT(lerps, 250);
  EXPECT_GT(clamped, 10) << "the fixture reaches the clamp at beta";
}

double online(std::uint64_t k, int i) { return double((37 * k + 101 * std::uint64_t(i)) % 211) / 105.0 - 1.0; }

// ema_update<S> through every call of ema_pytorch's run: from the recorded EMA after call
// 10(j-1), calls 10(j-1)+1 .. 10j, against the record after call 10j. The bound: torch's
// float32 decay (2^-22) times |p - ema|, plus 8 roundings (of S) of the operands.
template <typename S>
double run_ema() {
  std::vector<S> ema(fx::kEmaElems, std::numeric_limits<S>::quiet_NaN()), p(fx::kEmaElems);  // call 0 copies
  double worst = 0;
  for (int j = 0; j < fx::kEmaRecords; ++j) {
    const std::uint64_t k1 = std::uint64_t(j) * fx::kEmaEvery;
    const std::uint64_t k0 = j == 0 ? 0 : k1 - fx::kEmaEvery + 1;
    std::vector<double> before(fx::kEmaElems);
    if (j > 0)
      for (int i = 0; i < fx::kEmaElems; ++i) {
        before[i] = fx::ema_values[(j - 1) * fx::kEmaElems + i];
        ema[i] = static_cast<S>(before[i]);
      }
    for (std::uint64_t k = k0; k <= k1; ++k) {
      for (int i = 0; i < fx::kEmaElems; ++i) p[i] = static_cast<S>(online(k, i));
      ema_update<S>(ema.data(), p.data(), ema.size(), k, fx::kEmaEvery, fx::kEmaAfter, fx::kEmaBeta);
    }
    for (int i = 0; i < fx::kEmaElems; ++i) {
      const double want = fx::ema_values[j * fx::kEmaElems + i], pk = online(k1, i);
      const double bound = j == 0 ? unit<S>() * std::fabs(pk)  // a copy of the rounded input
                                  : std::ldexp(1.0, -22) * std::fabs(pk - before[i]) +
                                        8 * unit<S>() * (std::fabs(before[i]) + std::fabs(pk));
      const double d = std::fabs(double(ema[i]) - want);
      EXPECT_LE(d, bound) << "call " << k1 << " element " << i << ": got " << double(ema[i]) << " want " << want;
      worst = std::max(worst, bound > 0 ? d / bound : (d == 0 ? 0.0 : INFINITY));
    }
  }
  return worst;
}

TEST(Ema, UpdateMatchesEmaPytorch) {
  const double wd = run_ema<double>(), wf = run_ema<float>();
  std::printf("EMA: worst error / bound, double %.3g, float %.3g\n", wd, wf);
}

}  // namespace
