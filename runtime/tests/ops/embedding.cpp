// Tests of Embedding (ops/embedding/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/ops/embedding/cpu.hpp"
#include "op_test.hpp"

template struct akorn::Embedding<float, 6, 7, 4>;

using namespace akorn_test;

namespace {

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

}  // namespace
