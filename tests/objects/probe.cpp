// A command-line window on the object task's read-out and metrics (tasks/objects/), so that
// run_metrics_tests.py can hold them against SciPy and scikit-learn:
//   probe metrics TRUTH.npy PRED.npy     truth |u1 [M, N], pred <i4 [M, N]: per image a line
//                                        "<ARI of all> <FG-ARI> <MBO>"
//   probe cluster FEAT.npy K COMPONENTS  features <f4 [M, P, D]: per image a line of the P
//                                        labels (L2-normalise, PCA, average linkage)
//   probe pca FEAT.npy COMPONENTS        per image, the P x ncomp PCA scores, one row a line
//   probe kmeans PTS.npy K SEED          points <f8 [M, N, D]: per image a line "<inertia> <N labels>"
#include <cstdio>
#include <cstdlib>
#include <string>

#include "akorn/npy.hpp"
#include "akorn/tasks/objects/cluster.hpp"
#include "akorn/tasks/objects/kmeans.hpp"
#include "akorn/tasks/objects/metrics.hpp"

using namespace akorn;
using namespace akorn::objects;

int main(int argc, char** argv) try {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "metrics" && argc == 4) {
    const NpyArray t = load_npy(argv[2]), p = load_npy(argv[3]);
    AKORN_CHECK(t.dtype == "|u1" && p.dtype == "<i4" && t.shape.size() == 2 && t.shape == p.shape,
                "metrics: need truth |u1 [M, N] and pred <i4 [M, N]");
    const auto pred = p.as<int>();
    const std::int64_t M = t.shape[0], N = t.shape[1];
    for (std::int64_t m = 0; m < M; ++m) {
      const auto* tm = reinterpret_cast<const std::uint8_t*>(t.bytes.data()) + m * N;
      std::vector<int> pr(pred.begin() + m * N, pred.begin() + (m + 1) * N), tr(tm, tm + N);
      std::printf("%.17g %.17g %.17g\n", adjusted_rand_index(tr, pr), fg_ari(tm, pr), mean_best_overlap(tm, pr));
    }
    return 0;
  }
  if ((cmd == "cluster" && argc == 5) || (cmd == "pca" && argc == 4)) {
    const NpyArray f = load_npy(argv[2]);
    AKORN_CHECK(f.dtype == "<f4" && f.shape.size() == 3, "need features <f4 [M, P, D]");
    const auto v = f.as<float>();
    const int M = int(f.shape[0]), P = int(f.shape[1]), D = int(f.shape[2]);
    for (int m = 0; m < M; ++m) {
      const float* fm = v.data() + std::size_t(m) * P * D;
      if (cmd == "cluster") {
        const auto lab = cluster_feature_map(fm, P, 1, D, std::atoi(argv[3]), std::atoi(argv[4]), P, 1);
        for (int i = 0; i < P; ++i) std::printf(i ? " %d" : "%d", lab[std::size_t(i)]);
        std::printf("\n");
      } else {
        std::vector<double> x(fm, fm + std::size_t(P) * D), y;
        const int nc = pca_scores(x, P, D, std::atoi(argv[3]), y);
        for (int i = 0; i < P; ++i)
          for (int k = 0; k < nc; ++k) std::printf(k + 1 < nc ? "%.17g " : "%.17g\n", y[std::size_t(i) * nc + k]);
      }
    }
    return 0;
  }
  if (cmd == "kmeans" && argc == 5) {
    const NpyArray f = load_npy(argv[2]);
    AKORN_CHECK(f.dtype == "<f8" && f.shape.size() == 3, "kmeans: need points <f8 [M, N, D]");
    const auto v = f.as<double>();
    const int M = int(f.shape[0]), N = int(f.shape[1]), D = int(f.shape[2]);
    for (int m = 0; m < M; ++m) {
      const std::vector<double> x(v.begin() + std::size_t(m) * N * D, v.begin() + std::size_t(m + 1) * N * D);
      const KMeansResult r = kmeans(x, N, D, std::atoi(argv[3]), std::strtoull(argv[4], nullptr, 10) + m);
      std::printf("%.17g", r.inertia);
      for (int l : r.labels) std::printf(" %d", l);
      std::printf("\n");
    }
    return 0;
  }
  std::fprintf(stderr, "usage: probe metrics TRUTH.npy PRED.npy | cluster FEAT.npy K COMPONENTS | pca FEAT.npy COMPONENTS"
                       " | kmeans PTS.npy K SEED\n");
  return 2;
} catch (const std::exception& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
