// From a feature map to object labels per pixel (spec §6, "Read-out of objects"):
//   features [P, D] of one image (P = gh x gw positions) -> each position's vector
//   L2-normalised -> PCA to at most `components` dimensions (fitted on this image's P
//   positions) -> agglomerative clustering with average linkage on Euclidean distances into
//   k clusters -> labels 0..k-1 per position -> nearest-neighbour upsampling to H x W pixels.
// The clustering is the nearest-neighbour-chain algorithm (exact for average linkage, the
// one SciPy's `linkage(method="average")` runs), its merges sorted by distance and the first
// P - k applied; ties go to the lower index. PCA is through the eigenvectors of the P x P
// Gram matrix or the D x D covariance, whichever is smaller (Jacobi rotations, double).
// Note that PCA to min(P - 1, D) or more components keeps every distance, so it changes
// nothing before average linkage; it matters only when `components` is smaller.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "akorn/common.hpp"

namespace akorn::objects {

// Each row of x [rows, cols] divided by max(||row||, eps) (torch's F.normalize, eps 1e-12).
inline void l2_normalize_rows(std::vector<double>& x, int rows, int cols) {
  for (int r = 0; r < rows; ++r) {
    double ss = 0;
    for (int c = 0; c < cols; ++c) ss += x[std::size_t(r) * cols + c] * x[std::size_t(r) * cols + c];
    const double inv = 1.0 / std::max(std::sqrt(ss), 1e-12);
    for (int c = 0; c < cols; ++c) x[std::size_t(r) * cols + c] *= inv;
  }
}

namespace cluster_detail {

// Eigen-decomposition of the symmetric n x n matrix a (row-major, destroyed) by cyclic Jacobi
// rotations: eigenvalues into w, eigenvectors into the columns of v, sorted by decreasing w.
inline void symmetric_eigen(std::vector<double>& a, int n, std::vector<double>& w, std::vector<double>& v) {
  v.assign(std::size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i) v[std::size_t(i) * n + i] = 1.0;
  auto A = [&](int i, int j) -> double& { return a[std::size_t(i) * n + j]; };
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, diag = 0;
    for (int i = 0; i < n; ++i) {
      diag += A(i, i) * A(i, i);
      for (int j = i + 1; j < n; ++j) off += A(i, j) * A(i, j);
    }
    if (off <= 1e-30 * std::max(diag, 1e-300)) break;
    for (int p = 0; p < n; ++p)
      for (int q = p + 1; q < n; ++q) {
        const double apq = A(p, q);
        if (std::fabs(apq) < 1e-300) continue;
        const double theta = (A(q, q) - A(p, p)) / (2 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; ++k) {  // columns p, q
          const double akp = A(k, p), akq = A(k, q);
          A(k, p) = c * akp - s * akq;
          A(k, q) = s * akp + c * akq;
        }
        for (int k = 0; k < n; ++k) {  // rows p, q
          const double apk = A(p, k), aqk = A(q, k);
          A(p, k) = c * apk - s * aqk;
          A(q, k) = s * apk + c * aqk;
        }
        for (int k = 0; k < n; ++k) {
          const double vkp = v[std::size_t(k) * n + p], vkq = v[std::size_t(k) * n + q];
          v[std::size_t(k) * n + p] = c * vkp - s * vkq;
          v[std::size_t(k) * n + q] = s * vkp + c * vkq;
        }
      }
  }
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int i, int j) { return A(i, i) > A(j, j); });
  std::vector<double> v2(std::size_t(n) * n);
  w.resize(std::size_t(n));
  for (int c = 0; c < n; ++c) {
    w[std::size_t(c)] = A(order[std::size_t(c)], order[std::size_t(c)]);
    for (int k = 0; k < n; ++k) v2[std::size_t(k) * n + c] = v[std::size_t(k) * n + order[std::size_t(c)]];
  }
  v.swap(v2);
}

}  // namespace cluster_detail

// PCA scores of x [rows, cols] on its first min(components, rows, cols) principal axes
// (centred on the rows' mean), into [rows, ncomp]; returns ncomp. Components of eigenvalue 0
// score 0. Their signs are arbitrary (distances do not depend on them).
inline int pca_scores(const std::vector<double>& x, int rows, int cols, int components, std::vector<double>& out) {
  AKORN_CHECK(rows > 0 && cols > 0 && components > 0, "pca_scores: empty input");
  const int nc = std::min({components, rows, cols});
  std::vector<double> xc(x);
  for (int c = 0; c < cols; ++c) {
    double m = 0;
    for (int r = 0; r < rows; ++r) m += xc[std::size_t(r) * cols + c];
    m /= rows;
    for (int r = 0; r < rows; ++r) xc[std::size_t(r) * cols + c] -= m;
  }
  out.assign(std::size_t(rows) * nc, 0.0);
  std::vector<double> w, v;
  if (cols <= rows) {  // covariance D x D: scores = Xc V
    std::vector<double> cov(std::size_t(cols) * cols, 0.0);
    for (int r = 0; r < rows; ++r)
      for (int i = 0; i < cols; ++i)
        for (int j = 0; j < cols; ++j) cov[std::size_t(i) * cols + j] += xc[std::size_t(r) * cols + i] * xc[std::size_t(r) * cols + j];
    cluster_detail::symmetric_eigen(cov, cols, w, v);
    for (int r = 0; r < rows; ++r)
      for (int k = 0; k < nc; ++k) {
        double s = 0;
        for (int i = 0; i < cols; ++i) s += xc[std::size_t(r) * cols + i] * v[std::size_t(i) * cols + k];
        out[std::size_t(r) * nc + k] = s;
      }
  } else {  // Gram P x P: Xc Xc^T = U S^2 U^T, scores = U S
    std::vector<double> gram(std::size_t(rows) * rows, 0.0);
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < rows; ++j) {
        double s = 0;
        for (int c = 0; c < cols; ++c) s += xc[std::size_t(i) * cols + c] * xc[std::size_t(j) * cols + c];
        gram[std::size_t(i) * rows + j] = s;
      }
    cluster_detail::symmetric_eigen(gram, rows, w, v);
    for (int k = 0; k < nc; ++k) {
      const double sv = std::sqrt(std::max(w[std::size_t(k)], 0.0));
      for (int r = 0; r < rows; ++r) out[std::size_t(r) * nc + k] = v[std::size_t(r) * rows + k] * sv;
    }
  }
  return nc;
}

// Average-linkage agglomerative clustering of the rows of x [n, d] into k clusters (Euclidean
// distances). Labels 0..k-1, numbered by each cluster's first row.
inline std::vector<int> agglomerative_average(const std::vector<double>& x, int n, int d, int k) {
  AKORN_CHECK(n > 0 && k > 0, "agglomerative_average: empty input");
  k = std::min(k, n);
  std::vector<double> D(std::size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      double s = 0;
      for (int c = 0; c < d; ++c) {
        const double t = x[std::size_t(i) * d + c] - x[std::size_t(j) * d + c];
        s += t * t;
      }
      D[std::size_t(i) * n + j] = D[std::size_t(j) * n + i] = std::sqrt(s);
    }
  struct Merge {
    int a, b;  // the two clusters' slots (the merged one lives on in b)
    double dist;
  };
  std::vector<Merge> merges;
  std::vector<int> size(std::size_t(n), 1);
  std::vector<char> active(std::size_t(n), 1);
  std::vector<int> chain;
  for (int left = n; left > 1; --left) {
    if (chain.empty()) chain.push_back(int(std::find(active.begin(), active.end(), 1) - active.begin()));
    int x0, y0;
    double dmin;
    for (;;) {
      x0 = chain.back();
      y0 = -1;
      dmin = std::numeric_limits<double>::infinity();
      if (chain.size() >= 2) {  // the previous link first: ties keep the chain reciprocal
        y0 = chain[chain.size() - 2];
        dmin = D[std::size_t(x0) * n + y0];
      }
      for (int z = 0; z < n; ++z) {
        if (!active[std::size_t(z)] || z == x0) continue;
        const double dz = D[std::size_t(x0) * n + z];
        if (dz < dmin) dmin = dz, y0 = z;
      }
      if (chain.size() >= 2 && y0 == chain[chain.size() - 2]) break;
      chain.push_back(y0);
    }
    chain.pop_back();
    chain.pop_back();
    const int a = std::min(x0, y0), b = std::max(x0, y0);
    merges.push_back({a, b, dmin});
    const double na = size[std::size_t(a)], nb = size[std::size_t(b)];
    for (int z = 0; z < n; ++z) {
      if (!active[std::size_t(z)] || z == a || z == b) continue;
      const double nd = (na * D[std::size_t(a) * n + z] + nb * D[std::size_t(b) * n + z]) / (na + nb);
      D[std::size_t(b) * n + z] = D[std::size_t(z) * n + b] = nd;
    }
    active[std::size_t(a)] = 0;
    size[std::size_t(b)] += size[std::size_t(a)];
  }
  // The first n - k merges by distance (stable: ties in the order found) joined by union-find.
  std::stable_sort(merges.begin(), merges.end(), [](const Merge& p, const Merge& q) { return p.dist < q.dist; });
  std::vector<int> parent(static_cast<std::size_t>(n));
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int i) {
    while (parent[std::size_t(i)] != i) i = parent[std::size_t(i)] = parent[std::size_t(parent[std::size_t(i)])];
    return i;
  };
  // A merge names slots; slot b holds, at that moment, the union of everything merged into
  // it before, so joining the slots' sets in distance order rebuilds the same clusters.
  for (int m = 0; m < n - k; ++m) parent[std::size_t(find(merges[std::size_t(m)].a))] = find(merges[std::size_t(m)].b);
  std::vector<int> label(std::size_t(n), -1), root_label(std::size_t(n), -1);
  int next = 0;
  for (int i = 0; i < n; ++i) {
    const int r = find(i);
    if (root_label[std::size_t(r)] < 0) root_label[std::size_t(r)] = next++;
    label[std::size_t(i)] = root_label[std::size_t(r)];
  }
  return label;
}

// labels [gh, gw] -> [H, W] by nearest neighbour (pixel (y, x) takes cell (y*gh/H, x*gw/W),
// torch's interpolate(mode="nearest")).
inline std::vector<int> upsample_nearest(const std::vector<int>& labels, int gh, int gw, int H, int W) {
  std::vector<int> out(std::size_t(H) * W);
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x)
      out[std::size_t(y) * W + x] = labels[std::size_t(int(std::int64_t(y) * gh / H)) * gw + int(std::int64_t(x) * gw / W)];
  return out;
}

// The whole read-out for one image: feature map f [gh * gw, dim] (position-major) -> labels
// per pixel [H, W].
inline std::vector<int> cluster_feature_map(const float* f, int gh, int gw, int dim, int k, int components,
                                            int H, int W) {
  const int P = gh * gw;
  std::vector<double> x(f, f + std::size_t(P) * dim);
  l2_normalize_rows(x, P, dim);
  std::vector<double> y;
  const int nc = pca_scores(x, P, dim, components, y);
  return upsample_nearest(agglomerative_average(y, P, nc, k), gh, gw, H, W);
}

}  // namespace akorn::objects
