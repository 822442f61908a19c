// What the per-op tests (runtime/tests/ops/<op>.cpp, one file per kernel) share: random
// inputs, the one finite-difference check (through akorn/finite_diff.hpp, as the generated
// models' gradient tests), and tolerance comparisons. Every op file runs its table of
// variants (sizes and options) in these modes: finite differences in double for every input
// and parameter gradient (L = sum(r * y) for a random r, gradient buffers starting non-zero
// so that backward must accumulate), float against double, and naive loops
// (ops/reference.hpp and the op's own). GPU against CPU runs per model on a GPU or on the
// CUDA emulator (tests/cuda_emu).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "akorn/common.hpp"
#include "akorn/finite_diff.hpp"
#include "akorn/rng.hpp"

namespace akorn_test {

using akorn::index_t;
using Vec = std::vector<double>;
using FVec = std::vector<float>;

constexpr double kInit = 0.25;  // gradient buffers start here: backward must accumulate

inline std::mt19937_64& rng() {
  static std::mt19937_64 g(12345);
  return g;
}

inline Vec rand_vec(index_t n, double lo = -1.0, double hi = 1.0) {
  std::uniform_real_distribution<double> d(lo, hi);
  Vec v(n);
  for (auto& e : v) e = d(rng());
  return v;
}

// N(0, scale^2) values from the runtime's counter-based generator (seeded: reproducible).
inline Vec randn(std::size_t n, std::uint64_t seed, double scale = 1.0) {
  akorn::Rng r(seed);
  Vec v(n);
  for (auto& e : v) e = scale * r.normal();
  return v;
}

inline FVec to_float(const Vec& v) { return FVec(v.begin(), v.end()); }
template <typename T>
std::vector<T> cast(const Vec& v) {
  return std::vector<T>(v.begin(), v.end());
}

inline double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

template <typename A, typename B>
double max_abs_diff(const A& a, const B& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a[i]) - double(b[i])));
  return m;
}

// A zero-initialised gradient buffer would hide a '=' where '+=' is required.
inline Vec grad_buf(index_t n) { return Vec(n, kInit); }
inline Vec minus_init(Vec g) {
  for (auto& e : g) e -= kInit;
  return g;
}

// The finite-difference check: central differences of loss() w.r.t. v at up to max_checks
// entries (all if fewer), each within atol + rtol * |numeric| of the analytic gradient.
inline void fd_check(const std::string& what, Vec& v, const Vec& analytic, const std::function<double()>& loss,
                     int max_checks = 80, double h = 1e-6, double atol = 2e-6, double rtol = 1e-5) {
  ASSERT_EQ(v.size(), analytic.size()) << what;
  std::vector<std::size_t> idx(v.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  if (idx.size() > std::size_t(max_checks)) {
    std::shuffle(idx.begin(), idx.end(), rng());
    idx.resize(max_checks);
  }
  int failures = 0;
  for (std::size_t i : idx) {
    const double num = akorn::central_difference(v[i], h, loss);
    EXPECT_NEAR(analytic[i], num, atol + rtol * std::fabs(num)) << what << "[" << i << "]";
    if (std::fabs(analytic[i] - num) > atol + rtol * std::fabs(num) && ++failures >= 5) return;  // enough said
  }
}

// Every entry, |analytic - numeric| <= tol * (1 + |numeric|) (the Kuramoto kernels' tests).
inline void check_grad(const std::string& name, Vec& p, const Vec& g, const std::function<double()>& loss,
                       double h = 1e-6, double tol = 2e-6) {
  fd_check(name, p, g, loss, INT_MAX, h, tol, tol);
}

inline void expect_close(const Vec& ref, const FVec& got, double tol, const char* what) {
  ASSERT_EQ(ref.size(), got.size()) << what;
  for (std::size_t i = 0; i < ref.size(); ++i)
    EXPECT_NEAR(ref[i], double(got[i]), tol * (1 + std::fabs(ref[i]))) << what << "[" << i << "]";
}

inline void expect_close(const Vec& ref, const Vec& got, double tol, const char* what) {
  ASSERT_EQ(ref.size(), got.size()) << what;
  for (std::size_t i = 0; i < ref.size(); ++i)
    EXPECT_NEAR(ref[i], got[i], tol * (1 + std::fabs(ref[i]))) << what << "[" << i << "]";
}

}  // namespace akorn_test
