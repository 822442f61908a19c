// Tests of an unrolled 3-step Kuramoto chain (normalize, AttnJ + KuramotoStep per step) and its reverse-loop backward, the pattern the compiler emits: a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/attn_j/cpu.hpp"
#include "akorn/ops/attn_j/gta_init.hpp"
#include "akorn/ops/kuramoto_step/cpu.hpp"
#include "akorn/ops/normalize/cpu.hpp"
#include "op_test.hpp"
#include "reference.hpp"

using namespace akorn_test;
using namespace akorn;

namespace {

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

}  // namespace
