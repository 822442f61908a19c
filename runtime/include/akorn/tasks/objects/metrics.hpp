// Object-discovery metrics of one image (spec §6), from the ground-truth labels (0 =
// background, 1.. = objects) and a predicted label per pixel (any non-negative integers):
//   ARI     adjusted Rand index, by pair counts (Hubert & Arabie 1985): with the pairs of
//           items that share a true group and a predicted cluster counted as tp, split
//           in the prediction fn, joined only in the prediction fp, neither tn,
//           ARI = 2 (tp tn - fn fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn)),
//           and 1 when fn = fp = 0 (the two partitions are the same, no items included:
//           scikit-learn's rule, which the AKOrN reference's FG-ARI inherits).
//   FG-ARI  the ARI over the foreground pixels only (true label != 0); 1 for an image with no
//           foreground (as the reference: its mean runs over every image).
//   MBO     mean best overlap: for each ground-truth object present in the image, the best
//           IoU with any one predicted cluster (clusters over the background included),
//           averaged over the image's objects; NaN for an image with no object, which the
//           mean over images leaves out (as the reference).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

#include "akorn/common.hpp"

namespace akorn::objects {

namespace metrics_detail {
inline double choose2(double n) { return n * (n - 1) / 2; }
}  // namespace metrics_detail

// ARI of the items where `keep` is true (all items when keep is empty).
inline double adjusted_rand_index(const std::vector<int>& truth, const std::vector<int>& pred,
                                  const std::vector<char>& keep = {}) {
  AKORN_CHECK(truth.size() == pred.size() && (keep.empty() || keep.size() == truth.size()),
              "adjusted_rand_index: sizes differ");
  std::map<std::pair<int, int>, std::int64_t> joint;
  std::map<int, std::int64_t> rows, cols;
  std::int64_t n = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (!keep.empty() && !keep[i]) continue;
    ++joint[{truth[i], pred[i]}];
    ++rows[truth[i]];
    ++cols[pred[i]];
    ++n;
  }
  using metrics_detail::choose2;
  double same_both = 0, same_true = 0, same_pred = 0;  // pairs (exact below 2^53: n <= 2^26)
  for (auto& [key, c] : joint) same_both += choose2(double(c));
  for (auto& [key, c] : rows) same_true += choose2(double(c));
  for (auto& [key, c] : cols) same_pred += choose2(double(c));
  const double tp = same_both, fn = same_true - same_both, fp = same_pred - same_both;
  const double tn = choose2(double(n)) - tp - fn - fp;
  if (fn == 0 && fp == 0) return 1.0;
  return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

inline double fg_ari(const std::uint8_t* truth_mask, const std::vector<int>& pred) {
  std::vector<int> t(pred.size());
  std::vector<char> keep(pred.size());
  for (std::size_t i = 0; i < pred.size(); ++i) {
    t[i] = truth_mask[i];
    keep[i] = truth_mask[i] != 0;
  }
  return adjusted_rand_index(t, pred, keep);
}

// Mean over the image's ground-truth objects of the best IoU with a predicted cluster; NaN
// when the image has no object.
inline double mean_best_overlap(const std::uint8_t* truth_mask, const std::vector<int>& pred) {
  std::map<int, std::int64_t> area_true, area_pred;
  std::map<std::pair<int, int>, std::int64_t> joint;
  for (std::size_t i = 0; i < pred.size(); ++i) {
    AKORN_CHECK(pred[i] >= 0, "mean_best_overlap: negative predicted label");
    ++area_pred[pred[i]];
    if (truth_mask[i] == 0) continue;
    ++area_true[truth_mask[i]];
    ++joint[{truth_mask[i], pred[i]}];
  }
  if (area_true.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (auto& [obj, at] : area_true) {
    double best = 0;
    for (auto& [cl, ap] : area_pred) {
      auto it = joint.find({obj, cl});
      const double inter = it == joint.end() ? 0.0 : double(it->second);
      best = std::max(best, inter / (double(at) + double(ap) - inter));
    }
    sum += best;
  }
  return sum / double(area_true.size());
}

// Means over images of FG-ARI and MBO (images where MBO is NaN, no object, are left out of it).
struct ObjectScores {
  double fg_ari = 0, mbo = 0;
  int images = 0, fg_ari_images = 0, mbo_images = 0;
  void add(double ari, double bo) {
    ++images;
    if (!std::isnan(ari)) fg_ari += ari, ++fg_ari_images;
    if (!std::isnan(bo)) mbo += bo, ++mbo_images;
  }
  double mean_fg_ari() const { return fg_ari_images ? fg_ari / fg_ari_images : std::numeric_limits<double>::quiet_NaN(); }
  double mean_mbo() const { return mbo_images ? mbo / mbo_images : std::numeric_limits<double>::quiet_NaN(); }
};

}  // namespace akorn::objects
