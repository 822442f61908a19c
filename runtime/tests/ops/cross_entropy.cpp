// Tests of CrossEntropy (ops/cross_entropy/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/cross_entropy/cpu.hpp"
#include "op_test.hpp"

template struct akorn::CrossEntropy<float, 6, 5>;

using namespace akorn_test;

namespace {

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

}  // namespace
