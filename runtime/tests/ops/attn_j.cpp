// Tests of AttnJ and its GTA init (ops/attn_j/): a table of variants (sizes, options), each checked by finite
// differences in double, float against double and naive loops (ops/op_test.hpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "akorn/ops/attn_j/cpu.hpp"
#include "akorn/ops/attn_j/gta_init.hpp"
#include "akorn/ops/attn_j/layout.hpp"
#include "op_test.hpp"
#include "reference.hpp"

using namespace akorn_test;
using namespace akorn;

namespace {

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
TEST(AttnJ, FloatEightHeadsHd16NoGta) { attn_float_vs_naive<128, 8, false>(); }

// The float backward (its own code paths: the vector tiles, the vectorised exp and softmax)
// against the double one on the same inputs, every gradient, at the models' head layouts.
template <int C, int HEADS, bool GTA>
void attn_float_backward_vs_double() {
  constexpr int H = 9, W = 9, P = H * W, HD = C / HEADS, N = 2;
  using AD = AttnJ<double, H, W, C, HEADS, GTA>;
  using AF = AttnJ<float, H, W, C, HEADS, GTA>;
  const std::size_t sz = std::size_t(N) * P * C;
  Vec x = randn(sz, 70), wqkv = randn(3 * C * C, 71, 1.0 / std::sqrt(double(C))), bqkv = randn(3 * C, 72, 0.1),
      wo = randn(C * C, 73, 1.0 / std::sqrt(double(C))), bo = randn(C, 74, 0.1), dy = randn(sz, 75);
  Vec gta;
  if (GTA) {
    gta.resize(4 * std::size_t(P) * HD / 2 * 4);
    gta_init(H, W, HD, gta.data());
    Vec pert = randn(gta.size(), 76, 0.3);
    for (std::size_t i = 0; i < gta.size(); ++i) gta[i] += pert[i];
  }
  // grads: dx, dw_qkv, db_qkv, dw_o, db_o, dgta, each starting at 0.25 (accumulated)
  const std::size_t gsz[6] = {sz, std::size_t(3) * C * C, std::size_t(3) * C, std::size_t(C) * C, std::size_t(C), gta.size()};
  auto run = [&](auto tag) {
    using T = decltype(tag);
    using A = std::conditional_t<std::is_same_v<T, double>, AD, AF>;
    auto xf = cast<T>(x), wqf = cast<T>(wqkv), bqf = cast<T>(bqkv), wof = cast<T>(wo), bof = cast<T>(bo),
         gf = cast<T>(gta), dyf = cast<T>(dy);
    std::vector<T> y(sz), sv(N * A::saved_elems), fw(N * A::fwd_ws_elems), bw(N * A::bwd_ws_elems);
    std::vector<std::vector<T>> g(6);
    for (int i = 0; i < 6; ++i) g[i].assign(gsz[i], T(0.25));
    A::forward(N, xf.data(), wqf.data(), bqf.data(), wof.data(), bof.data(), GTA ? gf.data() : nullptr, y.data(),
               sv.data(), fw.data());
    A::backward(N, xf.data(), wqf.data(), wof.data(), GTA ? gf.data() : nullptr, sv.data(), dyf.data(), g[0].data(),
                g[1].data(), g[2].data(), g[3].data(), g[4].data(), GTA ? g[5].data() : nullptr, bw.data());
    std::vector<Vec> out(6);
    for (int i = 0; i < 6; ++i) out[i].assign(g[i].begin(), g[i].end());
    return out;
  };
  const std::vector<Vec> d = run(double{}), f = run(float{});
  const char* names[6] = {"dx", "dw_qkv", "db_qkv", "dw_o", "db_o", "dgta"};
  for (int i = 0; i < (GTA ? 6 : 5); ++i) {
    double scale = 0, err = 0;
    for (std::size_t j = 0; j < d[i].size(); ++j) scale = std::max(scale, std::fabs(d[i][j]));
    for (std::size_t j = 0; j < d[i].size(); ++j) err = std::max(err, std::fabs(d[i][j] - f[i][j]));
    EXPECT_LT(err, 1e-4 * (1 + scale)) << names[i] << " C " << C << " heads " << HEADS;
  }
}
TEST(AttnJ, FloatBackwardSudokuSmallSizes) { attn_float_backward_vs_double<64, 8, true>(); }
TEST(AttnJ, FloatBackwardEightHeadsHd16NoGta) { attn_float_backward_vs_double<128, 8, false>(); }
TEST(AttnJ, FloatBackwardHeadDim64) { attn_float_backward_vs_double<128, 2, true>(); }

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

// The register-tiled products against plain loops, at both vector widths whatever the
// build's -march (64-byte vectors are AVX-512 registers with -march=x86-64-v4 and split into
// narrower ones otherwise: the same values), on the shapes of the model sizes (P = 81; head
// dimensions 8, 16, 64) and odd ones that exercise every tail (row remainder, one-vector tile,
// scalar columns).
template <typename S, bool TA, int R, int K, int M, int VB>
void mm_vs_loops() {
  constexpr std::size_t na = std::size_t(R) * K, nb = std::size_t(K) * M, nout = std::size_t(R) * M;
  std::vector<S> a(na), b(nb), out(nout, S(7));
  const Vec ra = randn(a.size(), 40 + R), rb = randn(b.size(), 41 + M);
  std::copy(ra.begin(), ra.end(), a.begin());
  std::copy(rb.begin(), rb.end(), b.begin());
  attn_detail::mm<S, TA, R, K, M, VB>(a.data(), b.data(), out.data());
  double worst = 0;
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < M; ++m) {
      double ref = 0;
      for (int k = 0; k < K; ++k) ref += double(TA ? a[std::size_t(k) * R + r] : a[std::size_t(r) * K + k]) * b[std::size_t(k) * M + m];
      worst = std::max(worst, std::fabs(ref - out[std::size_t(r) * M + m]));
    }
  EXPECT_LT(worst, (std::is_same_v<S, float> ? 2e-5 : 1e-12) * K)
      << "R " << R << " K " << K << " M " << M << " TA " << TA << " vector bytes " << VB;
}
template <int VB>
void mm_table() {
  mm_vs_loops<float, false, 81, 8, 81, VB>();   // scores, head dim 8
  mm_vs_loops<float, false, 81, 81, 8, VB>();   // A v, head dim 8
  mm_vs_loops<float, true, 81, 81, 8, VB>();    // A^T dO, head dim 8 (64 bytes: the column tiles)
  mm_vs_loops<float, true, 81, 81, 16, VB>();   // A^T dO, head dim 16
  mm_vs_loops<float, false, 81, 81, 64, VB>();  // head dim 64
  mm_vs_loops<float, true, 81, 64, 81, VB>();
  mm_vs_loops<float, false, 37, 5, 53, VB>();   // every tail
  mm_vs_loops<float, true, 17, 3, 23, VB>();
  mm_vs_loops<double, false, 81, 16, 81, VB>();
  mm_vs_loops<double, true, 19, 7, 45, VB>();
  mm_vs_loops<double, true, 37, 9, 6, VB>();
}
TEST(AttnJ, TiledProductsVec32) { mm_table<32>(); }
TEST(AttnJ, TiledProductsVec64) { mm_table<64>(); }

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
  EXPECT_EQ(attn_j_saved_elems(3, 3, 16, 2, false), 9 * (4 * 16 + 2 * 9));
}

}  // namespace
