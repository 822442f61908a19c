// Tests of NtXent (ops/nt_xent/): the loss against the formula written out over the full
// N x N similarity matrix (long double), finite differences in double, float against double,
// a zero vector, and the batch rule.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "akorn/ops/nt_xent/cpu.hpp"
#include "op_test.hpp"

template struct akorn::NtXent<float, 6>;

using namespace akorn_test;

namespace {

// The reference's simclr(): Z = normalize(h) (eps 1e-12), logits = Z Z^T / tau with -1e8 on
// the diagonal, target of row i its other view (pairs 2k, 2k+1), mean cross-entropy.
long double naive_loss(int N, int D, const Vec& h, double tau) {
  std::vector<long double> z(std::size_t(N) * D);
  for (int i = 0; i < N; ++i) {
    long double ss = 0;
    for (int k = 0; k < D; ++k) ss += (long double)h[i * D + k] * h[i * D + k];
    const long double nrm = std::max(std::sqrt(ss), 1e-12L);
    for (int k = 0; k < D; ++k) z[i * D + k] = h[i * D + k] / nrm;
  }
  long double total = 0;
  for (int i = 0; i < N; ++i) {
    std::vector<long double> row(N);
    long double mx = -1e30L;
    for (int j = 0; j < N; ++j) {
      long double d = 0;
      for (int k = 0; k < D; ++k) d += z[i * D + k] * z[j * D + k];
      row[j] = d / tau + (i == j ? -1e8L : 0.0L);
      mx = std::max(mx, row[j]);
    }
    long double s = 0;
    for (int j = 0; j < N; ++j) s += std::exp(row[j] - mx);
    total += mx + std::log(s) - row[i ^ 1];
  }
  return total / N;
}

template <int D>
void nt_xent_case(int N, double tau, double spread) {
  using L = akorn::NtXent<double, D>;
  using LF = akorn::NtXent<float, D>;
  Vec h = rand_vec(index_t(N) * D, -spread, spread);
  if (N >= 4)
    for (int k = 0; k < D; ++k) h[3 * D + k] = h[2 * D + k] * 0.5 + 0.01 * k;  // a close pair
  const double rl = 0.8;
  auto forward = [&](Vec* saved_out) {
    Vec saved(N * L::saved_elems);
    double loss = 0;
    L::forward(N, h.data(), tau, &loss, saved.data());
    if (saved_out) *saved_out = saved;
    return loss;
  };
  Vec saved;
  const double loss = forward(&saved);
  EXPECT_NEAR(loss, double(naive_loss(N, D, h, tau)), 1e-12 * (1 + std::fabs(loss))) << "N " << N << " D " << D;
  Vec dh = grad_buf(h.size());
  L::backward(N, tau, saved.data(), &rl, dh.data());
  fd_check("nt_xent dh", h, minus_init(dh), [&] { return rl * forward(nullptr); }, 300);

  FVec hf = to_float(h), sf(N * LF::saved_elems), dhf(h.size(), 0.f);
  float lossf = 0, rlf = float(rl);
  LF::forward(N, hf.data(), float(tau), &lossf, sf.data());
  EXPECT_NEAR(double(lossf), loss, 1e-5 * (1 + std::fabs(loss)));
  LF::backward(N, float(tau), sf.data(), &rlf, dhf.data());
  Vec dh2(h.size(), 0.0);
  L::backward(N, tau, saved.data(), &rl, dh2.data());
  double scale = 0, err = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    scale = std::max(scale, std::fabs(dh2[i]));
    err = std::max(err, std::fabs(double(dhf[i]) - dh2[i]));
  }
  EXPECT_LE(err, 1e-4 * scale + 1e-6) << "float backward";
}

// N = 2: each row's softmax has one entry, its partner: the loss is 0 whatever h
TEST(NtXent, SmallestBatch) { nt_xent_case<6>(2, 0.1, 1.0); }
TEST(NtXent, TemperaturePointOne) { nt_xent_case<6>(8, 0.1, 1.0); }
TEST(NtXent, TemperatureOneWideVectors) { nt_xent_case<40>(6, 1.0, 3.0); }
TEST(NtXent, ManyRows) { nt_xent_case<16>(34, 0.5, 1.0); }

TEST(NtXent, ZeroVectorAndItsGradient) {
  // h_0 = 0: z_0 = 0 (F.normalize), every s_0j = 0; the gradient through the clamp is dz/eps
  using L = akorn::NtXent<double, 4>;
  const int N = 4;
  Vec h = rand_vec(N * 4, -1, 1);
  for (int k = 0; k < 4; ++k) h[k] = 0;
  Vec saved(N * L::saved_elems), dh(h.size(), 0.0);
  double loss = 0, rl = 1;
  L::forward(N, h.data(), 0.1, &loss, saved.data());
  EXPECT_NEAR(loss, double(naive_loss(N, 4, h, 0.1)), 1e-12);
  L::backward(N, 0.1, saved.data(), &rl, dh.data());
  for (double v : dh) EXPECT_TRUE(std::isfinite(v));
}

TEST(NtXent, OddOrTinyBatchIsRefused) {
  using L = akorn::NtXent<double, 4>;
  Vec h(3 * 4, 0.5), saved(3 * L::saved_elems);
  double loss = 0;
  for (int N : {1, 3}) {
    try {
      L::forward(N, h.data(), 0.1, &loss, saved.data());
      FAIL() << "no error for N " << N;
    } catch (const akorn::Error& e) {
      EXPECT_NE(std::string(e.what()).find("pairs of views"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
