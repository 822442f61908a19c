// The object task's model runner (spec §6) for any generated model with its interface
// (compiler/tasks/objects.cpp checks it at compile time): input 'image' [H, W, 3] in [-1, 1],
// output 'features' [h, w, D]. Batched inference of the feature maps, their clustering into
// objects, and FG-ARI / MBO against the masks of an image set.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "akorn/backend.hpp"
#include "akorn/model_info.hpp"
#include "akorn/tasks/objects/augment.hpp"
#include "akorn/tasks/objects/cluster.hpp"
#include "akorn/tasks/objects/images.hpp"
#include "akorn/tasks/objects/metrics.hpp"
#include "akorn/weights.hpp"

namespace akorn::objects {

template <class Spec>
struct Interface {
  int image = -1, features = -1;
  int H = 0, W = 0, gh = 0, gw = 0, D = 0;
  Interface() {
    for (int i = 0; i < Spec::num_inputs; ++i) {
      const InputInfo& in = Spec::inputs[i];
      if (std::string(in.name) == "image" && !in.is_int && in.rank == 3 && in.shape[2] == 3)
        image = i, H = in.shape[0], W = in.shape[1];
    }
    for (int o = 0; o < Spec::num_outputs; ++o) {
      const OutputInfo& out = Spec::outputs[o];
      if (std::string(out.name) == "features" && !out.per_step && out.rank == 3)
        features = o, gh = out.shape[0], gw = out.shape[1], D = out.shape[2];
    }
  }
  void require(bool training) const {
    AKORN_CHECK(image >= 0 && features >= 0,
                std::string("model ") + Spec::name +
                    " does not have the object task's interface (input 'image' [H, W, 3], output 'features' [h, w, D])");
    AKORN_CHECK(!training || Spec::trainable, std::string("model ") + Spec::name + " has no loss: it cannot be trained");
  }
  // An image set must have the model's image size.
  void check_set(const ImageSet& s, const std::string& dir) const {
    AKORN_CHECK(s.h == H && s.w == W, dir + ": images are " + std::to_string(s.h) + " x " + std::to_string(s.w) +
                                          ", the model " + Spec::name + " takes " + std::to_string(H) + " x " +
                                          std::to_string(W));
  }
};

// The read-out's settings (spec §6): k clusters, PCA to at most `components` dimensions.
struct ClusterOptions {
  int k = 4, components = 128;
};

template <class Spec, class Be = CpuBackend>
struct Runner {
  using M = typename Spec::template ModelT<float, Be>;
  template <typename T>
  using Array = typename Be::template Array<T>;
  Interface<Spec> io;
  int max_batch;
  Array<float> params, arena, image_dev, feat_dev;
  M model;
  explicit Runner(int max_batch_) : max_batch(max_batch_), model(nullptr, nullptr, nullptr, max_batch_) {
    io.require(false);
    params.resize(Spec::param_elems);
    arena.resize(Spec::infer_arena_elems * max_batch_);
    image_dev.resize(index_t(max_batch_) * io.H * io.W * 3);
    feat_dev.resize(index_t(max_batch_) * io.gh * io.gw * io.D);
    model = M(params.data(), nullptr, arena.data(), max_batch_);
  }
  void set_params(const float* host) { Be::upload(params.data(), host, Spec::param_elems); }
  void load(const std::string& weights_path) {
    std::vector<float> h(static_cast<size_t>(Spec::param_elems));
    load_weights<Spec>(weights_path, h.data());
    set_params(h.data());
  }
  index_t feature_elems() const { return index_t(io.gh) * io.gw * io.D; }

  // The feature maps of images first .. first + n - 1 of a set, [n, h, w, D] (host); image i
  // draws its oscillators' noise as sample (first + i), so a result does not depend on the
  // batch size. `steps` overrides the Kuramoto layers' T (0 = as trained): the same noise
  // and weights at T = 1, 2, ... give the oscillators' states along one trajectory.
  void features(const ImageSet& s, index_t first, index_t n, std::uint64_t seed, float* out, int steps = 0) {
    const index_t img = index_t(io.H) * io.W * 3;
    std::vector<float> host(static_cast<size_t>(max_batch * img));
    for (index_t b0 = 0; b0 < n; b0 += max_batch) {
      const int nb = int(std::min<index_t>(max_batch, n - b0));
      for (int b = 0; b < nb; ++b) image_to_input(s.image(first + b0 + b), size_t(img), host.data() + b * img);
      Be::upload(image_dev.data(), host.data(), nb * img);
      std::vector<const void*> iptr(Spec::num_inputs, nullptr);
      iptr[io.image] = image_dev.data();
      std::vector<float*> optr(Spec::num_outputs, nullptr);
      optr[io.features] = feat_dev.data();
      model.infer(nb, Spec::template inputs_from<float>(iptr.data()), Spec::template outputs_from<float>(optr.data()), seed,
                  std::uint64_t(first + b0), steps);
      Be::download(out + b0 * feature_elems(), feat_dev.data(), nb * feature_elems());
    }
  }

  // Labels per pixel [n, H, W] of images first .. first + n - 1 and their scores.
  ObjectScores evaluate(const ImageSet& s, index_t first, index_t n, const ClusterOptions& co, std::uint64_t seed,
                        std::vector<int>* labels_out = nullptr, int steps = 0) {
    std::vector<float> f(static_cast<size_t>(n * feature_elems()));
    features(s, first, n, seed, f.data(), steps);
    ObjectScores sc;
    if (labels_out) labels_out->assign(static_cast<size_t>(n) * io.H * io.W, 0);
    std::vector<std::vector<int>> lab(static_cast<size_t>(n));
    parallel_for(n, [&](index_t i) {
      lab[size_t(i)] = cluster_feature_map(f.data() + i * feature_elems(), io.gh, io.gw, io.D, co.k, co.components, io.H, io.W);
    });
    for (index_t i = 0; i < n; ++i) {
      const std::vector<int>& l = lab[size_t(i)];
      sc.add(fg_ari(s.mask(first + i), l), mean_best_overlap(s.mask(first + i), l));
      if (labels_out) std::copy(l.begin(), l.end(), labels_out->begin() + i * io.H * io.W);
    }
    return sc;
  }
};

}  // namespace akorn::objects
