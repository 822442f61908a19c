// Training for object discovery (spec §6): what an item is for the generic trainer
// (akorn/trainer.hpp): an image of the set, fed as two augmented views (augment.hpp) at
// samples 2b and 2b + 1 of the batch, the NT-Xent loss pairing them; validation by FG-ARI
// and MBO of the EMA and the last weights on the images of --eval-data.
#pragma once
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "akorn/tasks/objects/augment.hpp"
#include "akorn/tasks/objects/runner.hpp"
#include "akorn/trainer.hpp"

namespace akorn::objects {

struct TaskConfig {
  std::string data, eval_data;
  int eval_limit = 320;
  ClusterOptions cluster;
};

template <class Spec, class Be = CpuBackend>
struct TrainTask {
  static constexpr const char* kSample = "images";
  static constexpr int kViews = 2;
  TaskConfig cfg;
  int batch;  // model samples: 2 views of batch / 2 images
  std::uint64_t seed;
  Interface<Spec> io;
  ImageSet data, ev;
  std::vector<float> views;

  TrainTask(const TaskConfig& c, int batch_, std::uint64_t seed_, long limit) : cfg(c), batch(batch_), seed(seed_) {
    io.require(true);
    AKORN_CHECK(io.H == io.W, std::string("model ") + Spec::name + ": the views are square crops, the image is " +
                                  std::to_string(io.H) + " x " + std::to_string(io.W));
    data = load_image_set(cfg.data);
    io.check_set(data, cfg.data);
    if (limit > 0 && limit < data.n) {
      data.n = int(limit);
      data.images.resize(size_t(data.n) * data.h * data.w * 3);
      data.masks.resize(size_t(data.n) * data.h * data.w);
    }
    if (!cfg.eval_data.empty()) {
      ev = load_image_set(cfg.eval_data);
      io.check_set(ev, cfg.eval_data);
      ev.n = std::min(ev.n, cfg.eval_limit);
    }
    views.resize(size_t(batch) * io.H * io.W * 3);
  }

  std::vector<std::string> batch_columns() const { return {}; }
  std::vector<std::string> eval_columns() const { return {"eval_fg_ari", "eval_mbo", "eval_last_fg_ari", "eval_last_mbo"}; }
  size_t count() const { return size_t(data.n); }
  std::string data_name() const { return cfg.data; }
  std::string describe() const {
    return std::to_string(data.n) + " images of " + std::to_string(io.H) + " x " + std::to_string(io.W) +
           ", two augmented views each";
  }
  std::string eval_note() const {
    return ev.n ? ", validating on " + std::to_string(ev.n) + " images of " + cfg.eval_data + " (k = " +
                      std::to_string(cfg.cluster.k) + ")"
                : "";
  }

  // Views 2b and 2b + 1 of image idx[b]; each view's draws from (seed, step, image, view).
  void make_batch(const std::uint32_t* idx, int items, std::uint64_t step, const void** inputs, float** outputs) {
    (void)outputs;
    const index_t img = index_t(io.H) * io.W * 3;
    parallel_for(index_t(items) * kViews, [&](index_t s) {
      const index_t b = s / kViews;
      Rng rng(view_seed(seed, step, idx[b], int(s % kViews)));
      apply_view(draw_view(rng, io.H, io.W), data.image(idx[b]), io.H, io.W, io.H, views.data() + s * img);
    });
    inputs[io.image] = views.data();
  }

  std::vector<std::string> batch_metrics(int) { return {}; }
  std::string progress() const { return ""; }

  bool can_validate() const { return ev.n > 0; }
  ObjectScores evaluate(const float* weights) const {
    Runner<Spec, Be> r(std::min(batch, 256));
    r.set_params(weights);
    return r.evaluate(ev, 0, ev.n, cfg.cluster, seed + 1000003);
  }
  std::vector<std::string> validate(const float* ema, const float* last, std::uint64_t epoch, std::string& message) const {
    const ObjectScores a = evaluate(ema), l = evaluate(last);
    char b[512];
    std::snprintf(b, sizeof b, "epoch %llu on %d images of %s: EMA weights FG-ARI %.2f%%, MBO %.2f%%; last weights %.2f%%, %.2f%%",
                  static_cast<unsigned long long>(epoch), ev.n, cfg.eval_data.c_str(), 100 * a.mean_fg_ari(),
                  100 * a.mean_mbo(), 100 * l.mean_fg_ari(), 100 * l.mean_mbo());
    message = b;
    return {fixed(100 * a.mean_fg_ari()), fixed(100 * a.mean_mbo()), fixed(100 * l.mean_fg_ari()), fixed(100 * l.mean_mbo())};
  }

  std::vector<std::uint64_t> options() const { return {std::uint64_t(cfg.cluster.k)}; }
  std::string options_mismatch(const std::vector<std::uint64_t>& saved) const {
    if (saved == options()) return "";
    return "--clusters " + std::to_string(saved.empty() ? 0 : saved[0]);
  }

  static std::string fixed(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", v);
    return b;
  }
};

}  // namespace akorn::objects
