// The object task's commands, added to the program of a model compiled with
// "task": "objects" (compiler/tasks/objects.cpp; the generated main.cpp hands
// akorn::objects::Commands to akorn::cli::run):
//   make-data  a generated image set (synth.hpp) as DIR/images.npy and DIR/masks.npy
//   train      the generic trainer (akorn/trainer.hpp) on two views of each image (train.hpp)
//   eval       FG-ARI and MBO of the clustered feature maps (runner.hpp), optionally the
//              labels per pixel as .npy for pictures
//   kmeans     the same scores for the pixel-colour baseline (kmeans.hpp)
#pragma once
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "akorn/cli.hpp"
#include "akorn/files.hpp"
#include "akorn/npy.hpp"
#include "akorn/parallel.hpp"
#include "akorn/tasks/objects/kmeans.hpp"
#include "akorn/tasks/objects/runner.hpp"
#include "akorn/tasks/objects/synth.hpp"
#include "akorn/tasks/objects/train.hpp"
#include "akorn/trainer.hpp"

namespace akorn::objects {

using cli::Args;
using cli::parse_args;
using cli::seconds_since;

inline ClusterOptions cluster_options(const Args& a) {
  ClusterOptions co;
  co.k = static_cast<int>(a.get_int("clusters", 4, 1, 1000));
  co.components = static_cast<int>(a.get_int("pca", 128, 1, 100000));
  return co;
}

inline int cmd_make_data(const Args& a) {
  const SynthKind kind = parse_synth_kind(a.get("set", "tetrominoes-gen"));
  const Split split = parse_split(a.get("split", "train"));
  const SynthInfo info = synth_info(kind);
  const int def = split == Split::Train ? info.train_n : split == Split::Test ? info.test_n : info.test_n;
  const int n = static_cast<int>(a.get_int("count", def, 1, 10000000));
  const std::uint64_t seed = static_cast<std::uint64_t>(a.get_int("seed", 2025, 0, 1L << 40));
  const std::string out = a.get("out", "");
  AKORN_CHECK(!out.empty(), "make-data needs --out DIR (images.npy and masks.npy go there)");
  AKORN_CHECK(a.get_yes_no("overwrite", false) || !path_exists(images_path(out)),
              images_path(out) + ": exists (pass --overwrite yes to replace it)");
  auto t0 = std::chrono::steady_clock::now();
  const ImageSet s = generate_synth(kind, split, n, seed);
  save_image_set(out, s);
  std::printf("%s: %d images of %s (%s split, seed %llu), %d x %d, up to %d objects, %.1f s\n", out.c_str(), n, info.name,
              a.get("split", "train").c_str(), static_cast<unsigned long long>(seed), s.h, s.w, info.max_objects,
              seconds_since(t0));
  return 0;
}

template <class Spec, class Be>
int cmd_train(const Args& a) {
  TaskConfig tc;
  tc.data = a.get("data", "");
  AKORN_CHECK(!tc.data.empty(), "train needs --data DIR (an image set: images.npy, masks.npy; make-data writes one)");
  tc.eval_data = a.get("eval-data", "");
  tc.eval_limit = static_cast<int>(a.get_int("eval-limit", 320, 1, 100000000));
  tc.cluster = cluster_options(a);
  TrainConfig c;
  c.out = a.get("out", "");
  AKORN_CHECK(!c.out.empty(), "train needs --out DIR (checkpoint, log and weights go there)");
  // the reference's recipe (spec §6): Adam 1e-3, 256 images = 512 views, no clipping,
  // EMA 0.998 every 10 steps after step 200 (ema_pytorch's warm-up)
  c.epochs = static_cast<int>(a.get_int("epochs", 50, 1, 1000000));
  c.batch = 2 * static_cast<int>(a.get_int("batch", 256, 1, 100000));
  c.eval_every = static_cast<int>(a.get_int("eval-every", 1, 0, 1000000));
  c.lr = a.get_double("lr", 1e-3, 0.0, 10.0);
  c.clip = 0;
  c.ema_decay = 0.998;
  c.ema_every = 10;
  c.ema_after = 200;
  read_run_flags(a, c);
  TrainTask<Spec, Be> task(tc, c.batch, c.seed, c.limit);
  Trainer<Spec, Be, TrainTask<Spec, Be>> t(c, task);
  return t.run();
}

// One line of scores (the form task.objects_cli and the benchmarks read) and, when asked,
// the labels per pixel as int32 .npy [n, H, W].
inline void report_scores(const std::string& data, index_t n, const std::string& how, const ObjectScores& sc, double secs,
                          const std::string& where, const std::string& labels_out, const std::vector<int>& labels,
                          const ImageSet& s) {
  std::printf("%s: %lld images, %s: FG-ARI %.2f%%, MBO %.2f%% (%d images with objects), %.1f s on %s\n", data.c_str(),
              static_cast<long long>(n), how.c_str(), 100 * sc.mean_fg_ari(), 100 * sc.mean_mbo(), sc.mbo_images, secs,
              where.c_str());
  if (labels_out.empty()) return;
  std::vector<std::int32_t> l32(labels.begin(), labels.end());
  save_npy(labels_out, l32.data(), {n, s.h, s.w});
  std::printf("wrote %s (predicted labels [%lld, %d, %d], int32)\n", labels_out.c_str(), static_cast<long long>(n), s.h, s.w);
}

template <class Spec, class Be>
int cmd_eval(const Args& a) {
  const std::string data = a.get("data", "");
  AKORN_CHECK(!data.empty(), "eval needs --data DIR (an image set with masks)");
  const std::string weights = a.get("weights", "");
  AKORN_CHECK(!weights.empty(), "eval needs --weights FILE");
  const ClusterOptions co = cluster_options(a);
  const int batch = static_cast<int>(a.get_int("batch", 64, 1, 100000));
  const long limit = a.get_int("limit", 0, 0, 100000000);
  const std::uint64_t seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  const std::string labels_out = a.get("labels-out", "");
  const int steps = static_cast<int>(a.get_int("steps", 0, 0, 100000));
  ImageSet s = load_image_set(data);
  Runner<Spec, Be> r(batch);
  r.io.check_set(s, data);
  r.load(weights);
  const index_t n = limit > 0 && limit < s.n ? limit : s.n;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<int> labels;
  const ObjectScores sc = r.evaluate(s, 0, n, co, seed, labels_out.empty() ? nullptr : &labels, steps);
  std::string how = "k = " + std::to_string(co.k) + ", PCA <= " + std::to_string(co.components);
  if (steps > 0) how += ", T = " + std::to_string(steps);
  report_scores(data, n, how, sc, seconds_since(t0), Be::describe(), labels_out, labels, s);
  return 0;
}

// The baseline of issue 14's table: k-means on each image's pixel colours (kmeans.hpp),
// scored like `eval`; no model involved.
inline int cmd_kmeans(const Args& a) {
  const std::string data = a.get("data", "");
  AKORN_CHECK(!data.empty(), "kmeans needs --data DIR (an image set with masks)");
  const int k = static_cast<int>(a.get_int("clusters", 4, 1, 1 << 20));
  const long limit = a.get_int("limit", 0, 0, 100000000);
  const std::uint64_t seed = static_cast<std::uint64_t>(a.get_int("seed", 0, 0, 1L << 40));
  const std::string labels_out = a.get("labels-out", "");
  const ImageSet s = load_image_set(data);
  AKORN_CHECK(k <= s.h * s.w, data + ": " + std::to_string(k) + " clusters for images of " + std::to_string(s.h * s.w) +
                                  " pixels");
  const index_t n = limit > 0 && limit < s.n ? limit : s.n;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::vector<int>> lab(static_cast<size_t>(n));
  parallel_for(n, [&](index_t i) { lab[size_t(i)] = kmeans_pixel_labels(s.image(i), s.h, s.w, k, splitmix64(seed + i)); });
  ObjectScores sc;
  std::vector<int> labels;
  for (index_t i = 0; i < n; ++i) {
    sc.add(fg_ari(s.mask(i), lab[size_t(i)]), mean_best_overlap(s.mask(i), lab[size_t(i)]));
    if (!labels_out.empty()) labels.insert(labels.end(), lab[size_t(i)].begin(), lab[size_t(i)].end());
  }
  report_scores(data, n, "k-means on pixel colours, k = " + std::to_string(k), sc, seconds_since(t0), "the CPU",
                labels_out, labels, s);
  return 0;
}

struct Commands {
  static constexpr const char* kName = "objects";
  static bool has(const std::string& cmd) {
    return cmd == "make-data" || cmd == "train" || cmd == "eval" || cmd == "kmeans";
  }
  static bool runs_model(const std::string& cmd) { return cmd == "train" || cmd == "eval"; }
  static bool trains(const std::string& cmd) { return cmd == "train"; }
  static const char* help() {
    return "Object discovery (the spec's task; input 'image', output 'features'):\n"
           "  make-data --out DIR [--set tetrominoes-gen|dsprites-gen] [--split train|val|test] [--count N] [--seed S]\n"
           "        [--overwrite yes]   (a generated stand-in for the synthetic sets: images.npy, masks.npy)\n"
           "  train --data DIR --out DIR [--eval-data DIR] [--epochs E] [--batch IMAGES] [--lr LR] [--seed S]\n"
           "        [--limit N] [--max-steps K] [--ckpt-every K] [--eval-every E] [--eval-limit N] [--clusters K]\n"
           "        [--resume yes]   (two augmented views of each image, NT-Xent; EMA 0.998)\n"
           "  eval --weights W --data DIR [--clusters K] [--pca D] [--limit N] [--batch B] [--seed S]\n"
           "        [--labels-out FILE.npy] [--steps T]   FG-ARI and MBO of the clustered 'features' map\n"
           "        (--steps: T Kuramoto steps instead of the trained number, same noise)\n"
           "  kmeans --data DIR [--clusters K] [--limit N] [--seed S] [--labels-out FILE.npy]\n"
           "        the baseline: k-means on each image's pixel colours, scored like eval\n";
  }
  template <class Spec, class Be, bool kTraining>
  static int run(const std::string& cmd, int argc, char** argv) {
    if constexpr (kTraining) {
      if (cmd == "train")
        return cmd_train<Spec, Be>(parse_args(argc, argv, {"data", "eval-data", "out", "epochs", "batch", "lr", "seed", "limit",
                                                       "max-steps", "ckpt-every", "eval-every", "eval-limit", "clusters",
                                                       "pca", "resume", "quiet", "device", "tf32", "precision",
                                                       "cuda-graph"}));
    }
    if (cmd == "eval")
      return cmd_eval<Spec, Be>(parse_args(argc, argv, {"data", "weights", "clusters", "pca", "batch", "limit", "seed",
                                                    "labels-out", "steps", "device", "tf32", "precision", "cuda-graph"}));
    if (cmd == "kmeans")
      return cmd_kmeans(parse_args(argc, argv, {"data", "clusters", "limit", "seed", "labels-out", "device", "tf32",
                                                "precision", "cuda-graph"}));
    if (cmd == "make-data")
      return cmd_make_data(parse_args(argc, argv, {"set", "split", "count", "seed", "out", "overwrite", "device", "tf32",
                                                   "precision", "cuda-graph"}));
    return -1;
  }
};

}  // namespace akorn::objects
