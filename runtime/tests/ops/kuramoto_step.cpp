// Tests of KuramotoStep (ops/kuramoto_step/, its math.hpp): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/kuramoto_step/cpu.hpp"
#include "akorn/ops/normalize/cpu.hpp"
#include "op_test.hpp"
#include "reference.hpp"

using namespace akorn_test;
using namespace akorn;

namespace {

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
TEST(KuramotoStep, IdentityProject) { kuramoto_step_test<OmegaMode::Identity, true>(); }
TEST(KuramotoStep, IdentityNoProject) { kuramoto_step_test<OmegaMode::Identity, false>(); }

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

}  // namespace
