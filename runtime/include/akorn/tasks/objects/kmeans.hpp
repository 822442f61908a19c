// The pixel-colour baseline of the object task (issue 14's table): per image, k-means on the
// RGB values of its pixels (0..1), the k clusters taken as the objects. Lloyd's algorithm from
// k-means++ seeds (each new centre the best of 2 + floor(ln k) candidates drawn in proportion
// to the squared distance, scikit-learn's greedy k-means++), `restarts` times, the lowest
// inertia kept: what sklearn.cluster.KMeans(n_clusters=k, n_init=restarts) does, so its
// inertia is the test's yardstick (tests/objects/run_metrics_tests.py). Seeded per image.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "akorn/common.hpp"
#include "akorn/rng.hpp"

namespace akorn::objects {

struct KMeansResult {
  std::vector<int> labels;  // per point, 0..k-1
  double inertia = 0;       // sum of squared distances to the assigned centres
};

namespace kmeans_detail {

inline double sq_dist(const double* a, const double* b, int d) {
  double s = 0;
  for (int j = 0; j < d; ++j) s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

// Index of the point whose cumulative weight first exceeds u * total.
inline int draw_weighted(const std::vector<double>& w, double total, double u) {
  double acc = 0, target = u * total;
  for (std::size_t i = 0; i < w.size(); ++i) {
    acc += w[i];
    if (acc > target) return int(i);
  }
  return int(w.size()) - 1;
}

// Greedy k-means++ seeding into centres [k, d].
inline void seed_centres(const std::vector<double>& x, int n, int d, int k, Rng& rng, std::vector<double>& centres) {
  centres.assign(std::size_t(k) * d, 0.0);
  const int trials = 2 + int(std::log(double(k)));
  const int first = int(rng.next() % std::uint64_t(n));
  for (int j = 0; j < d; ++j) centres[std::size_t(j)] = x[std::size_t(first) * d + j];
  std::vector<double> closest(static_cast<std::size_t>(n)), cand(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) closest[std::size_t(i)] = sq_dist(&x[std::size_t(i) * d], &centres[0], d);
  for (int c = 1; c < k; ++c) {
    double total = 0;
    for (double v : closest) total += v;
    int best = -1;
    double best_pot = std::numeric_limits<double>::infinity();
    std::vector<double> best_closest;
    for (int t = 0; t < trials; ++t) {
      // all points at distance 0 (fewer distinct colours than k): any point will do
      const int p = total > 0 ? draw_weighted(closest, total, rng.uniform()) : int(rng.next() % std::uint64_t(n));
      double pot = 0;
      for (int i = 0; i < n; ++i) {
        cand[std::size_t(i)] = std::min(closest[std::size_t(i)], sq_dist(&x[std::size_t(i) * d], &x[std::size_t(p) * d], d));
        pot += cand[std::size_t(i)];
      }
      if (pot < best_pot) best_pot = pot, best = p, best_closest = cand;
    }
    for (int j = 0; j < d; ++j) centres[std::size_t(c) * d + j] = x[std::size_t(best) * d + j];
    closest = best_closest;
  }
}

// Lloyd iterations until no label changes (or max_iter); an emptied cluster takes the point
// farthest from its centre.
inline KMeansResult lloyd(const std::vector<double>& x, int n, int d, int k, std::vector<double> centres, int max_iter) {
  KMeansResult r;
  r.labels.assign(static_cast<std::size_t>(n), -1);
  std::vector<double> dist(static_cast<std::size_t>(n));
  for (int it = 0; it < max_iter; ++it) {
    bool changed = false;
    for (int i = 0; i < n; ++i) {
      int best = 0;
      double bd = std::numeric_limits<double>::infinity();
      for (int c = 0; c < k; ++c) {
        const double v = sq_dist(&x[std::size_t(i) * d], &centres[std::size_t(c) * d], d);
        if (v < bd) bd = v, best = c;
      }
      if (r.labels[std::size_t(i)] != best) changed = true, r.labels[std::size_t(i)] = best;
      dist[std::size_t(i)] = bd;
    }
    if (!changed) break;
    std::vector<double> sum(std::size_t(k) * d, 0.0);
    std::vector<int> count(static_cast<std::size_t>(k), 0);
    for (int i = 0; i < n; ++i) {
      const int c = r.labels[std::size_t(i)];
      ++count[std::size_t(c)];
      for (int j = 0; j < d; ++j) sum[std::size_t(c) * d + j] += x[std::size_t(i) * d + j];
    }
    for (int c = 0; c < k; ++c) {
      if (count[std::size_t(c)] == 0) {
        int far = 0;
        for (int i = 1; i < n; ++i)
          if (dist[std::size_t(i)] > dist[std::size_t(far)]) far = i;
        for (int j = 0; j < d; ++j) centres[std::size_t(c) * d + j] = x[std::size_t(far) * d + j];
        dist[std::size_t(far)] = 0;
        continue;
      }
      for (int j = 0; j < d; ++j) centres[std::size_t(c) * d + j] = sum[std::size_t(c) * d + j] / count[std::size_t(c)];
    }
  }
  r.inertia = 0;
  for (int i = 0; i < n; ++i)
    r.inertia += sq_dist(&x[std::size_t(i) * d], &centres[std::size_t(r.labels[std::size_t(i)]) * d], d);
  return r;
}

}  // namespace kmeans_detail

// k-means of the n points x [n, d] into k clusters (k <= n).
inline KMeansResult kmeans(const std::vector<double>& x, int n, int d, int k, std::uint64_t seed, int restarts = 10,
                           int max_iter = 300) {
  AKORN_CHECK(k >= 1 && k <= n && d >= 1 && restarts >= 1, "kmeans: need 1 <= k <= points, d >= 1, restarts >= 1");
  Rng rng(seed);
  KMeansResult best;
  best.inertia = std::numeric_limits<double>::infinity();
  for (int r = 0; r < restarts; ++r) {
    std::vector<double> centres;
    kmeans_detail::seed_centres(x, n, d, k, rng, centres);
    KMeansResult cur = kmeans_detail::lloyd(x, n, d, k, centres, max_iter);
    if (cur.inertia < best.inertia) best = std::move(cur);
  }
  return best;
}

// The baseline's labels per pixel of one RGB image [h, w, 3] (uint8).
inline std::vector<int> kmeans_pixel_labels(const std::uint8_t* rgb, int h, int w, int k, std::uint64_t seed) {
  const int n = h * w;
  std::vector<double> x(std::size_t(n) * 3);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = rgb[i] / 255.0;
  return kmeans(x, n, 3, k, seed).labels;
}

}  // namespace akorn::objects
