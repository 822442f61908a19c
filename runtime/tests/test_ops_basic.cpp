// Tests of the basic CPU kernels (runtime/include/akorn/ops/<op>/cpu.hpp), ggml style:
//  (1) finite-difference gradient checks in double precision for every input and parameter
//      gradient, with L = sum(r * y) for a random r (so dy = r); backward must accumulate,
//      so every gradient buffer starts at a non-zero constant that is subtracted afterwards;
//  (2) float vs double forward agreement;
//  plus direct checks against naive loops (conv2d, cross-entropy, ...) and error messages.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "akorn/finite_diff.hpp"
#include "akorn/ops/batch_norm/cpu.hpp"
#include "akorn/ops/conv2d/cpu.hpp"
#include "akorn/ops/cross_entropy/cpu.hpp"
#include "akorn/ops/elementwise/cpu.hpp"
#include "akorn/ops/embedding/cpu.hpp"
#include "akorn/ops/group_norm/cpu.hpp"
#include "akorn/ops/linear/cpu.hpp"
#include "akorn/ops/pool/cpu.hpp"
#include "akorn/ops/readout_conv/cpu.hpp"
#include "akorn/ops/scale_bias/cpu.hpp"

// Every member of every kernel must compile in both precisions (the tests below mostly
// run float forward only).
template struct akorn::Embedding<float, 6, 7, 4>;
template struct akorn::Conv2d<float, 5, 4, 3, 6, 3, 2, 1, true>;
template struct akorn::Conv2d<float, 5, 4, 3, 6, 1, 1, 0, false>;
template struct akorn::ReadOutConv<float, 5, 4, 3, 2, 3, 3, 1>;
template struct akorn::ReLU<float, 31>;
template struct akorn::Add<float, 17>;
template struct akorn::GroupNorm<float, 6, 8, 4, true>;
template struct akorn::GroupNorm<float, 6, 8, 4, false>;
template struct akorn::ScaleBias<float, 6, 5>;
template struct akorn::BatchNorm<float, 6, 5>;
template struct akorn::Linear<float, 6, 5, 7, true>;
template struct akorn::Pool<float, 5, 4, 3, true, false, 2, 2>;
template struct akorn::Pool<float, 5, 4, 3, false, true, 1, 1>;
template struct akorn::CrossEntropy<float, 6, 5>;

namespace {

using akorn::index_t;
using Vec = std::vector<double>;
using FVec = std::vector<float>;

constexpr double kInit = 0.25;  // gradient buffers start here: backward must accumulate

std::mt19937_64& rng() {
  static std::mt19937_64 g(12345);
  return g;
}

Vec rand_vec(index_t n, double lo = -1.0, double hi = 1.0) {
  std::uniform_real_distribution<double> d(lo, hi);
  Vec v(n);
  for (auto& e : v) e = d(rng());
  return v;
}

FVec to_float(const Vec& v) { return FVec(v.begin(), v.end()); }

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// A zero-initialised gradient buffer would hide a '=' where '+=' is required.
Vec grad_buf(index_t n) { return Vec(n, kInit); }
Vec minus_init(Vec g) {
  for (auto& e : g) e -= kInit;
  return g;
}

// Central differences of loss() w.r.t. v, at up to max_checks entries (all if fewer).
void fd_check(const char* what, Vec& v, const Vec& analytic, const std::function<double()>& loss,
              int max_checks = 80, double h = 1e-6, double atol = 2e-6, double rtol = 1e-5) {
  ASSERT_EQ(v.size(), analytic.size()) << what;
  std::vector<std::size_t> idx(v.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  if (idx.size() > std::size_t(max_checks)) {
    std::shuffle(idx.begin(), idx.end(), rng());
    idx.resize(max_checks);
  }
  for (std::size_t i : idx) {
    const double num = akorn::central_difference(v[i], h, loss);
    EXPECT_NEAR(analytic[i], num, atol + rtol * std::fabs(num)) << what << "[" << i << "]";
  }
}

void expect_close(const Vec& ref, const FVec& got, double tol, const char* what) {
  ASSERT_EQ(ref.size(), got.size()) << what;
  for (std::size_t i = 0; i < ref.size(); ++i)
    EXPECT_NEAR(ref[i], double(got[i]), tol * (1 + std::fabs(ref[i]))) << what << "[" << i << "]";
}

void expect_close(const Vec& ref, const Vec& got, double tol, const char* what) {
  ASSERT_EQ(ref.size(), got.size()) << what;
  for (std::size_t i = 0; i < ref.size(); ++i)
    EXPECT_NEAR(ref[i], got[i], tol * (1 + std::fabs(ref[i]))) << what << "[" << i << "]";
}

// ---------------------------------------------------------------------------------------
// Conv2d

// y[n, ho, wo, co] = b[co] + sum w[co, ci, kh, kw] * x[n, ho*s - pad + kh, wo*s - pad + kw, ci]
Vec naive_conv(int N, int H, int W, int CIN, int COUT, int K, int S, int PAD, const Vec& x,
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

template <int H, int W, int CIN, int COUT, int K, int STRIDE, int PAD, bool BIAS>
void conv_case(int N) {
  using C = akorn::Conv2d<double, H, W, CIN, COUT, K, STRIDE, PAD, BIAS>;
  using CF = akorn::Conv2d<float, H, W, CIN, COUT, K, STRIDE, PAD, BIAS>;
  const index_t in = index_t(N) * H * W * CIN, out = index_t(N) * C::HO * C::WO * COUT;
  EXPECT_EQ(C::HO, (H + 2 * PAD - K) / STRIDE + 1);
  Vec x = rand_vec(in), w = rand_vec(index_t(COUT) * CIN * K * K), b = rand_vec(COUT);
  const Vec r = rand_vec(out);

  auto forward = [&](const Vec& xx, const Vec& ww, const Vec& bb) {
    Vec y(out), ws(std::max<index_t>(1, N * C::fwd_ws_elems));
    C::forward(N, xx.data(), ww.data(), BIAS ? bb.data() : nullptr, y.data(), ws.data());
    return y;
  };
  // direct numeric check
  expect_close(naive_conv(N, H, W, CIN, COUT, K, STRIDE, PAD, x, w, BIAS ? &b : nullptr),
               forward(x, w, b), 1e-12, "conv2d vs naive");

  // gradients
  Vec dx = grad_buf(in), dw = grad_buf(w.size()), db = grad_buf(COUT);
  Vec ws(std::max<index_t>(1, N * C::bwd_ws_elems));
  C::backward(N, x.data(), w.data(), r.data(), dx.data(), dw.data(), BIAS ? db.data() : nullptr,
              ws.data());
  auto loss = [&] { return dot(r, forward(x, w, b)); };
  fd_check("conv dx", x, minus_init(dx), loss);
  fd_check("conv dw", w, minus_init(dw), loss);
  if (BIAS) fd_check("conv db", b, minus_init(db), loss);
  else for (double v : db) EXPECT_EQ(v, kInit);

  // each gradient alone (nullptr for the others) gives the same result
  Vec dw2 = grad_buf(w.size());
  C::backward(N, x.data(), w.data(), r.data(), nullptr, dw2.data(), nullptr, ws.data());
  expect_close(dw, dw2, 1e-12, "conv dw alone");
  Vec dx2 = grad_buf(in);
  C::backward(N, x.data(), w.data(), r.data(), dx2.data(), nullptr, nullptr, ws.data());
  expect_close(dx, dx2, 1e-12, "conv dx alone");

  // float agrees with double
  FVec xf = to_float(x), wf = to_float(w), bf = to_float(b), yf(out);
  FVec wsf(std::max<index_t>(1, N * CF::fwd_ws_elems));
  CF::forward(N, xf.data(), wf.data(), BIAS ? bf.data() : nullptr, yf.data(), wsf.data());
  expect_close(forward(x, w, b), yf, 1e-5, "conv float");
}

TEST(Conv2d, StridedPaddedOddSizes) { conv_case<5, 4, 3, 6, 3, 2, 1, true>(3); }
TEST(Conv2d, PointwiseFastPath) {
  static_assert(akorn::Conv2d<double, 5, 4, 3, 6, 1, 1, 0, false>::fwd_ws_elems == 0, "");
  conv_case<5, 4, 3, 6, 1, 1, 0, false>(3);
}
TEST(Conv2d, EvenKernelNoPad) { conv_case<4, 5, 2, 3, 2, 2, 0, true>(2); }
TEST(Conv2d, SameConv) { conv_case<4, 3, 4, 4, 3, 1, 1, true>(2); }
TEST(Conv2d, OneByOneStrided) { conv_case<5, 5, 3, 2, 1, 2, 0, true>(2); }

// ---------------------------------------------------------------------------------------
// ReadOutConv

TEST(ReadOutConv, GradientsAndFloat) {
  constexpr int H = 5, W = 4, CIN = 3, CO = 2, NOUT = 3, K = 3, PAD = 1;
  using R = akorn::ReadOutConv<double, H, W, CIN, CO, NOUT, K, PAD>;
  using RF = akorn::ReadOutConv<float, H, W, CIN, CO, NOUT, K, PAD>;
  const int N = 2;
  const index_t in = index_t(N) * H * W * CIN, out = index_t(N) * R::HO * R::WO * CO;
  Vec x = rand_vec(in), w = rand_vec(index_t(CO) * NOUT * CIN * K * K),
      cb = rand_vec(CO * NOUT), b = rand_vec(CO);
  const Vec r = rand_vec(out);
  auto forward = [&](Vec* saved_out) {
    Vec y(out), saved(N * R::saved_elems), ws(std::max<index_t>(1, N * R::fwd_ws_elems));
    R::forward(N, x.data(), w.data(), cb.data(), b.data(), y.data(), saved.data(), ws.data());
    if (saved_out) *saved_out = saved;
    return y;
  };
  // direct check: norm of the naive conv's groups
  Vec saved;
  const Vec y = forward(&saved);
  const Vec z = naive_conv(N, H, W, CIN, CO * NOUT, K, 1, PAD, x, w, &cb);
  expect_close(z, saved, 1e-12, "readout saved z");
  for (index_t cell = 0; cell < index_t(N) * R::HO * R::WO; ++cell)
    for (int o = 0; o < CO; ++o) {
      double s = 0;
      for (int k = 0; k < NOUT; ++k) {
        const double v = z[cell * CO * NOUT + o * NOUT + k];
        s += v * v;
      }
      EXPECT_NEAR(y[cell * CO + o], std::sqrt(s) + b[o], 1e-12);
    }

  Vec dx = grad_buf(in), dw = grad_buf(w.size()), dcb = grad_buf(cb.size()), db = grad_buf(CO);
  Vec ws(N * R::bwd_ws_elems);
  R::backward(N, x.data(), w.data(), saved.data(), r.data(), dx.data(), dw.data(), dcb.data(),
              db.data(), ws.data());
  auto loss = [&] { return dot(r, forward(nullptr)); };
  fd_check("readout dx", x, minus_init(dx), loss);
  fd_check("readout dw", w, minus_init(dw), loss);
  fd_check("readout dconv_b", cb, minus_init(dcb), loss);
  fd_check("readout db", b, minus_init(db), loss);

  FVec xf = to_float(x), wf = to_float(w), cbf = to_float(cb), bf = to_float(b), yf(out);
  FVec savedf(N * RF::saved_elems), wsf(N * RF::fwd_ws_elems);
  RF::forward(N, xf.data(), wf.data(), cbf.data(), bf.data(), yf.data(), savedf.data(), wsf.data());
  expect_close(y, yf, 1e-5, "readout float");
}

TEST(ReadOutConv, ZeroNormHasZeroGradient) {
  using R = akorn::ReadOutConv<double, 2, 2, 1, 1, 2, 1, 0>;
  const int N = 1;
  Vec x(4, 0.0), w(2, 1.0), cb(2, 0.0), b(1, 0.5), y(4), saved(R::saved_elems), ws(8);
  R::forward(N, x.data(), w.data(), cb.data(), b.data(), y.data(), saved.data(), ws.data());
  for (double v : y) EXPECT_EQ(v, 0.5);
  Vec dy(4, 1.0), dx(4, 0.0), dw(2, 0.0), dcb(2, 0.0), db(1, 0.0), wsb(R::bwd_ws_elems);
  R::backward(N, x.data(), w.data(), saved.data(), dy.data(), dx.data(), dw.data(), dcb.data(),
              db.data(), wsb.data());
  for (double v : dx) EXPECT_EQ(v, 0.0);
  for (double v : dcb) EXPECT_EQ(v, 0.0);
  EXPECT_EQ(db[0], 4.0);
}

// ---------------------------------------------------------------------------------------
// ReLU, Add

TEST(ReLU, Gradients) {
  constexpr index_t E = 31;
  const int N = 3;
  Vec x = rand_vec(N * E);
  for (auto& v : x)
    if (std::fabs(v) < 0.05) v = 0.3;  // keep away from the kink
  const Vec r = rand_vec(N * E);
  auto forward = [&] {
    Vec y(N * E);
    akorn::ReLU<double, E>::forward(N, x.data(), y.data());
    return y;
  };
  const Vec y = forward();
  for (index_t i = 0; i < N * E; ++i) EXPECT_EQ(y[i], std::max(x[i], 0.0));
  Vec dx = grad_buf(N * E);
  akorn::ReLU<double, E>::backward(N, y.data(), r.data(), dx.data());
  fd_check("relu dx", x, minus_init(dx), [&] { return dot(r, forward()); });
  FVec xf = to_float(x), yf(N * E);
  akorn::ReLU<float, E>::forward(N, xf.data(), yf.data());
  expect_close(y, yf, 1e-6, "relu float");
}

TEST(Add, Gradients) {
  constexpr index_t E = 17;
  const int N = 3;
  Vec a = rand_vec(N * E), b = rand_vec(N * E);
  const Vec r = rand_vec(N * E);
  auto forward = [&] {
    Vec y(N * E);
    akorn::Add<double, E>::forward(N, a.data(), b.data(), y.data());
    return y;
  };
  Vec da = grad_buf(N * E), db = grad_buf(N * E);
  akorn::Add<double, E>::backward(N, r.data(), da.data(), db.data());
  auto loss = [&] { return dot(r, forward()); };
  fd_check("add da", a, minus_init(da), loss);
  fd_check("add db", b, minus_init(db), loss);
  Vec da2 = grad_buf(N * E);
  akorn::Add<double, E>::backward(N, r.data(), da2.data(), nullptr);
  expect_close(da, da2, 0, "add da alone");
  FVec af = to_float(a), bf = to_float(b), yf(N * E);
  akorn::Add<float, E>::forward(N, af.data(), bf.data(), yf.data());
  expect_close(forward(), yf, 1e-6, "add float");
}

// ---------------------------------------------------------------------------------------
// GroupNorm

template <bool AFFINE>
void group_norm_case() {
  constexpr int P = 6, C = 8, G = 4;
  using GN = akorn::GroupNorm<double, P, C, G, AFFINE>;
  using GNF = akorn::GroupNorm<float, P, C, G, AFFINE>;
  static_assert(GN::saved_elems == 2 * G, "");
  const int N = 3;
  const index_t E = index_t(N) * P * C;
  Vec x = rand_vec(E, -2, 3), w = rand_vec(C, 0.5, 1.5), b = rand_vec(C);
  const Vec r = rand_vec(E);
  const double eps = 1e-5;
  auto forward = [&](Vec* saved_out) {
    Vec y(E), saved(N * GN::saved_elems);
    GN::forward(N, x.data(), w.data(), b.data(), eps, y.data(), saved.data());
    if (saved_out) *saved_out = saved;
    return y;
  };
  Vec saved;
  const Vec y = forward(&saved);
  // naive check of one (sample, group)
  {
    const int n = 1, g = 2, CG = C / G;
    double s = 0, sq = 0;
    for (int p = 0; p < P; ++p)
      for (int c = g * CG; c < (g + 1) * CG; ++c) s += x[(n * P + p) * C + c];
    const double mean = s / (P * CG);
    for (int p = 0; p < P; ++p)
      for (int c = g * CG; c < (g + 1) * CG; ++c)
        sq += (x[(n * P + p) * C + c] - mean) * (x[(n * P + p) * C + c] - mean);
    const double rstd = 1 / std::sqrt(sq / (P * CG) + eps);
    EXPECT_NEAR(saved[n * 2 * G + 2 * g], mean, 1e-12);
    EXPECT_NEAR(saved[n * 2 * G + 2 * g + 1], rstd, 1e-12);
    const int p = 3, c = g * CG + 1;
    double want = (x[(n * P + p) * C + c] - mean) * rstd;
    if (AFFINE) want = want * w[c] + b[c];
    EXPECT_NEAR(y[(n * P + p) * C + c], want, 1e-12);
  }
  Vec dx = grad_buf(E), dw = grad_buf(C), db = grad_buf(C);
  GN::backward(N, x.data(), w.data(), saved.data(), r.data(), dx.data(), dw.data(), db.data());
  auto loss = [&] { return dot(r, forward(nullptr)); };
  fd_check("gn dx", x, minus_init(dx), loss);
  if (AFFINE) {
    fd_check("gn dweight", w, minus_init(dw), loss);
    fd_check("gn dbias", b, minus_init(db), loss);
  }
  FVec xf = to_float(x), wf = to_float(w), bf = to_float(b), yf(E), sf(N * GNF::saved_elems);
  GNF::forward(N, xf.data(), wf.data(), bf.data(), float(eps), yf.data(), sf.data());
  expect_close(y, yf, 1e-5, "gn float");
}

TEST(GroupNorm, Affine) { group_norm_case<true>(); }
TEST(GroupNorm, NoAffine) { group_norm_case<false>(); }

// ---------------------------------------------------------------------------------------
// ScaleBias

TEST(ScaleBias, Gradients) {
  constexpr int P = 6, C = 5;
  using SB = akorn::ScaleBias<double, P, C>;
  const int N = 3;
  const index_t E = index_t(N) * P * C;
  Vec x = rand_vec(E), s = rand_vec(C), b = rand_vec(C);
  const Vec r = rand_vec(E);
  auto forward = [&] {
    Vec y(E);
    SB::forward(N, x.data(), s.data(), b.data(), y.data());
    return y;
  };
  const Vec y = forward();
  EXPECT_NEAR(y[(2 * P + 4) * C + 3], x[(2 * P + 4) * C + 3] * s[3] + b[3], 1e-15);
  Vec dx = grad_buf(E), ds = grad_buf(C), db = grad_buf(C);
  SB::backward(N, x.data(), s.data(), r.data(), dx.data(), ds.data(), db.data());
  auto loss = [&] { return dot(r, forward()); };
  fd_check("sb dx", x, minus_init(dx), loss);
  fd_check("sb dscale", s, minus_init(ds), loss);
  fd_check("sb dbias", b, minus_init(db), loss);
  FVec xf = to_float(x), sf = to_float(s), bf = to_float(b), yf(E);
  akorn::ScaleBias<float, P, C>::forward(N, xf.data(), sf.data(), bf.data(), yf.data());
  expect_close(y, yf, 1e-6, "sb float");
}

// ---------------------------------------------------------------------------------------
// BatchNorm

TEST(BatchNorm, TrainGradientsRunningStatsAndInfer) {
  constexpr int P = 6, C = 5;
  using BN = akorn::BatchNorm<double, P, C>;
  using BNF = akorn::BatchNorm<float, P, C>;
  const int N = 3;
  const index_t E = index_t(N) * P * C, M = index_t(N) * P;
  Vec x = rand_vec(E, -1, 2), w = rand_vec(C, 0.5, 1.5), b = rand_vec(C);
  const Vec r = rand_vec(E), rm0 = rand_vec(C), rv0 = rand_vec(C, 0.5, 2);
  const double eps = 1e-5, mom = 0.1;
  auto forward = [&](Vec* saved_out, Vec* rm_out, Vec* rv_out) {
    Vec y(E), saved(N * BN::saved_elems), rm = rm0, rv = rv0;
    BN::forward_train(N, x.data(), w.data(), b.data(), rm.data(), rv.data(), eps, mom, y.data(),
                      saved.data());
    if (saved_out) *saved_out = saved;
    if (rm_out) *rm_out = rm;
    if (rv_out) *rv_out = rv;
    return y;
  };
  Vec saved, rm, rv;
  const Vec y = forward(&saved, &rm, &rv);
  for (int c = 0; c < C; ++c) {
    double s = 0, sq = 0;
    for (index_t i = 0; i < M; ++i) s += x[i * C + c];
    const double mean = s / M;
    for (index_t i = 0; i < M; ++i) sq += (x[i * C + c] - mean) * (x[i * C + c] - mean);
    EXPECT_NEAR(saved[c], mean, 1e-12);
    EXPECT_NEAR(saved[C + c], 1 / std::sqrt(sq / M + eps), 1e-12);
    EXPECT_NEAR(rm[c], 0.9 * rm0[c] + 0.1 * mean, 1e-12);
    EXPECT_NEAR(rv[c], 0.9 * rv0[c] + 0.1 * sq / (M - 1), 1e-12);
    EXPECT_NEAR(y[7 * C + c], (x[7 * C + c] - mean) / std::sqrt(sq / M + eps) * w[c] + b[c], 1e-12);
  }
  Vec dx = grad_buf(E), dw = grad_buf(C), db = grad_buf(C);
  BN::backward(N, x.data(), w.data(), saved.data(), r.data(), dx.data(), dw.data(), db.data());
  auto loss = [&] { return dot(r, forward(nullptr, nullptr, nullptr)); };
  fd_check("bn dx", x, minus_init(dx), loss);
  fd_check("bn dweight", w, minus_init(dw), loss);
  fd_check("bn dbias", b, minus_init(db), loss);

  // inference uses the running stats
  Vec yi(E);
  BN::forward_infer(N, x.data(), w.data(), b.data(), rm0.data(), rv0.data(), eps, yi.data());
  for (index_t i = 0; i < E; ++i) {
    const int c = int(i % C);
    EXPECT_NEAR(yi[i], (x[i] - rm0[c]) / std::sqrt(rv0[c] + eps) * w[c] + b[c], 1e-12);
  }

  FVec xf = to_float(x), wf = to_float(w), bf = to_float(b), yf(E), sf(N * BNF::saved_elems);
  FVec rmf = to_float(rm0), rvf = to_float(rv0);
  BNF::forward_train(N, xf.data(), wf.data(), bf.data(), rmf.data(), rvf.data(), float(eps),
                     float(mom), yf.data(), sf.data());
  expect_close(y, yf, 1e-5, "bn float");
  expect_close(rv, rvf, 1e-5, "bn float running_var");
}

// ---------------------------------------------------------------------------------------
// Linear

template <bool BIAS>
void linear_case() {
  constexpr int P = 6, IN = 5, OUT = 7;
  using L = akorn::Linear<double, P, IN, OUT, BIAS>;
  const int N = 3;
  Vec x = rand_vec(index_t(N) * P * IN), w = rand_vec(OUT * IN), b = rand_vec(OUT);
  const Vec r = rand_vec(index_t(N) * P * OUT);
  auto forward = [&] {
    Vec y(index_t(N) * P * OUT);
    L::forward(N, x.data(), w.data(), BIAS ? b.data() : nullptr, y.data());
    return y;
  };
  const Vec y = forward();
  for (index_t row = 0; row < index_t(N) * P; ++row)
    for (int o = 0; o < OUT; ++o) {
      double s = BIAS ? b[o] : 0.0;
      for (int i = 0; i < IN; ++i) s += w[o * IN + i] * x[row * IN + i];
      EXPECT_NEAR(y[row * OUT + o], s, 1e-12);
    }
  Vec dx = grad_buf(x.size()), dw = grad_buf(w.size()), db = grad_buf(OUT);
  L::backward(N, x.data(), w.data(), r.data(), dx.data(), dw.data(), BIAS ? db.data() : nullptr);
  auto loss = [&] { return dot(r, forward()); };
  fd_check("linear dx", x, minus_init(dx), loss);
  fd_check("linear dw", w, minus_init(dw), loss);
  if (BIAS) fd_check("linear db", b, minus_init(db), loss);
  using LF = akorn::Linear<float, P, IN, OUT, BIAS>;
  FVec xf = to_float(x), wf = to_float(w), bf = to_float(b), yf(y.size());
  LF::forward(N, xf.data(), wf.data(), BIAS ? bf.data() : nullptr, yf.data());
  expect_close(y, yf, 1e-5, "linear float");
}

TEST(Linear, WithBias) { linear_case<true>(); }
TEST(Linear, NoBias) { linear_case<false>(); }

// ---------------------------------------------------------------------------------------
// Pool

template <int H, int W, int C, bool MAX, bool GLOBAL, int K, int STRIDE>
void pool_case(int N) {
  using PL = akorn::Pool<double, H, W, C, MAX, GLOBAL, K, STRIDE>;
  using PF = akorn::Pool<float, H, W, C, MAX, GLOBAL, K, STRIDE>;
  const index_t in = index_t(N) * H * W * C, out = index_t(N) * PL::HO * PL::WO * C;
  Vec x = rand_vec(in);
  const Vec r = rand_vec(out);
  auto forward = [&] {
    Vec y(out);
    PL::forward(N, x.data(), y.data());
    return y;
  };
  const Vec y = forward();
  // naive
  const int KH = GLOBAL ? H : K, KW = GLOBAL ? W : K, S = GLOBAL ? 1 : STRIDE;
  for (int n = 0; n < N; ++n)
    for (int ho = 0; ho < PL::HO; ++ho)
      for (int wo = 0; wo < PL::WO; ++wo)
        for (int c = 0; c < C; ++c) {
          double acc = MAX ? -1e300 : 0.0;
          for (int kh = 0; kh < KH; ++kh)
            for (int kw = 0; kw < KW; ++kw) {
              const double v = x[((index_t(n) * H + ho * S + kh) * W + wo * S + kw) * C + c];
              acc = MAX ? std::max(acc, v) : acc + v;
            }
          if (!MAX) acc /= KH * KW;
          EXPECT_NEAR(y[((index_t(n) * PL::HO + ho) * PL::WO + wo) * C + c], acc, 1e-12);
        }
  Vec dx = grad_buf(in);
  PL::backward(N, x.data(), r.data(), dx.data());
  fd_check("pool dx", x, minus_init(dx), [&] { return dot(r, forward()); });
  FVec xf = to_float(x), yf(out);
  PF::forward(N, xf.data(), yf.data());
  expect_close(y, yf, 1e-6, "pool float");
}

TEST(Pool, MaxWindows) { pool_case<5, 4, 3, true, false, 2, 2>(2); }
TEST(Pool, MaxOverlapping) { pool_case<5, 5, 2, true, false, 3, 2>(2); }
TEST(Pool, AvgWindows) { pool_case<5, 4, 3, false, false, 2, 2>(2); }
TEST(Pool, AvgOverlapping) { pool_case<5, 5, 2, false, false, 3, 1>(2); }
TEST(Pool, GlobalMax) { pool_case<3, 4, 5, true, true, 1, 1>(3); }
TEST(Pool, GlobalAvg) { pool_case<3, 4, 5, false, true, 1, 1>(3); }

TEST(Pool, MaxTieGoesToFirst) {
  using PL = akorn::Pool<double, 2, 2, 1, true, false, 2, 2>;
  Vec x = {0.5, 1.0, 1.0, 1.0}, dy = {3.0}, dx(4, 0.0), y(1);
  PL::forward(1, x.data(), y.data());
  EXPECT_EQ(y[0], 1.0);
  PL::backward(1, x.data(), dy.data(), dx.data());
  EXPECT_EQ(dx, (Vec{0.0, 3.0, 0.0, 0.0}));
}

// ---------------------------------------------------------------------------------------
// CrossEntropy

TEST(CrossEntropy, NaiveGradientsAndFloat) {
  constexpr int P = 6, K = 5;
  using CE = akorn::CrossEntropy<double, P, K>;
  using CEF = akorn::CrossEntropy<float, P, K>;
  const int N = 3, offset = 1;
  Vec logits = rand_vec(index_t(N) * P * K, -3, 3);
  logits[7] += 200;  // a large logit: max subtraction must keep this finite
  std::vector<std::int32_t> tg(index_t(N) * P);
  for (auto& t : tg) t = std::int32_t(rng()() % K) - offset;
  const double rl = 0.7;
  auto forward = [&](Vec* saved_out) {
    Vec saved(N * CE::saved_elems);
    double loss = 0;
    CE::forward(N, logits.data(), tg.data(), offset, &loss, saved.data());
    if (saved_out) *saved_out = saved;
    return loss;
  };
  Vec saved;
  const double loss = forward(&saved);
  // naive: log-sum-exp in long double
  long double want = 0;
  for (index_t cell = 0; cell < index_t(N) * P; ++cell) {
    long double mx = logits[cell * K];
    for (int k = 1; k < K; ++k) mx = std::max<long double>(mx, logits[cell * K + k]);
    long double s = 0;
    for (int k = 0; k < K; ++k) s += std::exp((long double)logits[cell * K + k] - mx);
    want += mx + std::log(s) - logits[cell * K + tg[cell] + offset];
    for (int k = 0; k < K; ++k)
      EXPECT_NEAR(saved[cell * K + k], double(std::exp(logits[cell * K + k] - mx) / s), 1e-14);
  }
  want /= N * P;
  EXPECT_TRUE(std::isfinite(loss));
  EXPECT_NEAR(loss, double(want), 1e-12);

  Vec dl = grad_buf(logits.size());
  CE::backward(N, tg.data(), offset, saved.data(), &rl, dl.data());
  fd_check("ce dlogits", logits, minus_init(dl), [&] { return rl * forward(nullptr); }, 200);

  FVec lf = to_float(logits), sf(N * CEF::saved_elems);
  float lossf = 0;
  CEF::forward(N, lf.data(), tg.data(), offset, &lossf, sf.data());
  EXPECT_NEAR(double(lossf), loss, 1e-5 * (1 + std::fabs(loss)));
}

TEST(CrossEntropy, BadClassThrows) {
  using CE = akorn::CrossEntropy<double, 6, 5>;
  Vec logits(2 * 6 * 5, 0.0), saved(2 * CE::saved_elems);
  std::vector<std::int32_t> tg(2 * 6, 0);
  tg[6 + 4] = 5;  // sample 1, position 4; class 5 + offset 0 is outside [0, 5)
  double loss = 0;
  try {
    CE::forward(2, logits.data(), tg.data(), 0, &loss, saved.data());
    FAIL() << "no error";
  } catch (const akorn::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("sample 1 position 4"), std::string::npos) << msg;
    EXPECT_NE(msg.find("outside [0, 5)"), std::string::npos) << msg;
  }
  tg[6 + 4] = 0;  // with offset -1, target 0 -> class -1
  EXPECT_THROW(CE::forward(2, logits.data(), tg.data(), -1, &loss, saved.data()), akorn::Error);
}

// ---------------------------------------------------------------------------------------
// Embedding

TEST(Embedding, ForwardGradientAndFloat) {
  constexpr int P = 6, V = 7, D = 4;
  using EM = akorn::Embedding<double, P, V, D>;
  const int N = 3;
  std::vector<std::int32_t> tok(index_t(N) * P);
  for (auto& t : tok) t = std::int32_t(rng()() % V);
  tok[3] = tok[P + 2];  // repeated tokens across samples accumulate
  Vec wt = rand_vec(V * D);
  const Vec r = rand_vec(index_t(N) * P * D);
  auto forward = [&] {
    Vec y(index_t(N) * P * D);
    EM::forward(N, tok.data(), wt.data(), y.data());
    return y;
  };
  const Vec y = forward();
  for (index_t cell = 0; cell < index_t(N) * P; ++cell)
    for (int d = 0; d < D; ++d) EXPECT_EQ(y[cell * D + d], wt[tok[cell] * D + d]);
  Vec dw = grad_buf(wt.size());
  EM::backward(N, tok.data(), r.data(), dw.data());
  fd_check("embedding dweight", wt, minus_init(dw), [&] { return dot(r, forward()); });
  FVec wf = to_float(wt), yf(y.size());
  akorn::Embedding<float, P, V, D>::forward(N, tok.data(), wf.data(), yf.data());
  expect_close(y, yf, 1e-7, "embedding float");
}

TEST(Embedding, BadTokenThrows) {
  using EM = akorn::Embedding<float, 50, 10, 2>;
  std::vector<std::int32_t> tok(4 * 50, 1);
  tok[3 * 50 + 40] = 12;
  tok[3 * 50 + 45] = -1;  // only the first bad token is reported
  FVec w(10 * 2, 0.f), y(4 * 50 * 2);
  try {
    EM::forward(4, tok.data(), w.data(), y.data());
    FAIL() << "no error";
  } catch (const akorn::Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("embedding: token 12 at sample 3 position 40 is outside [0, 10)"),
              std::string::npos)
        << msg;
  }
  tok[3 * 50 + 40] = 1;
  EXPECT_THROW(EM::forward(4, tok.data(), w.data(), y.data()), akorn::Error);
}

// ---------------------------------------------------------------------------------------
// Results must not depend on the number of OpenMP threads (bitwise).

TEST(Determinism, ThreadCountIndependent) {
  constexpr int P = 9, C = 6;
  const int N = 7;
  const index_t E = index_t(N) * P * C;
  const Vec x = rand_vec(E), r = rand_vec(E), w = rand_vec(C), b = rand_vec(C);
  auto run = [&](int threads) {
    omp_set_num_threads(threads);
    Vec out;
    {
      using BN = akorn::BatchNorm<double, P, C>;
      Vec y(E), saved(N * BN::saved_elems), rm(C, 0.0), rv(C, 1.0);
      BN::forward_train(N, x.data(), w.data(), b.data(), rm.data(), rv.data(), 1e-5, 0.1,
                        y.data(), saved.data());
      Vec dx(E, 0.0), dw(C, 0.0), db(C, 0.0);
      BN::backward(N, x.data(), w.data(), saved.data(), r.data(), dx.data(), dw.data(), db.data());
      for (const Vec* v : {&y, &rm, &rv, &dx, &dw, &db})
        out.insert(out.end(), v->begin(), v->end());
    }
    {
      using GN = akorn::GroupNorm<double, P, C, 3, true>;
      Vec y(E), saved(N * GN::saved_elems), dx(E, 0.0), dw(C, 0.0), db(C, 0.0);
      GN::forward(N, x.data(), w.data(), b.data(), 1e-5, y.data(), saved.data());
      GN::backward(N, x.data(), w.data(), saved.data(), r.data(), dx.data(), dw.data(), db.data());
      for (const Vec* v : {&y, &dx, &dw, &db}) out.insert(out.end(), v->begin(), v->end());
    }
    {
      using SB = akorn::ScaleBias<double, P, C>;
      Vec ds(C, 0.0), db(C, 0.0);
      SB::backward(N, x.data(), w.data(), r.data(), nullptr, ds.data(), db.data());
      out.insert(out.end(), ds.begin(), ds.end());
      out.insert(out.end(), db.begin(), db.end());
    }
    {
      using CE = akorn::CrossEntropy<double, P, C>;
      std::vector<std::int32_t> tg(index_t(N) * P);
      for (std::size_t i = 0; i < tg.size(); ++i) tg[i] = std::int32_t(i % C);
      Vec saved(N * CE::saved_elems);
      double loss = 0;
      CE::forward(N, x.data(), tg.data(), 0, &loss, saved.data());
      out.push_back(loss);
    }
    return out;
  };
  const int max_threads = omp_get_max_threads();
  const Vec one = run(1), many = run(std::max(2, max_threads) + 1);
  omp_set_num_threads(max_threads);
  ASSERT_EQ(one.size(), many.size());
  for (std::size_t i = 0; i < one.size(); ++i) ASSERT_EQ(one[i], many[i]) << i;
}

}  // namespace
