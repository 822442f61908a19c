// Tests of thread-count independence of the basic kernels: a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

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
#include "op_test.hpp"

using namespace akorn_test;

namespace {

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
