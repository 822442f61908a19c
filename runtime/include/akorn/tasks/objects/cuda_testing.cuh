// GPU tests of the object task's driver (called by akorn/cuda/testing.cuh's `infer` mode of a
// model compiled with "task": "objects"; the generated test_model_cuda.cu hands
// akorn::objects::GpuTests to gpu_test_main): the feature maps of a few generated images on
// the GPU and on the CPU (float, same weights and noise) agree within tol of their scale.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "akorn/cuda/testing.cuh"
#include "akorn/tasks/objects/runner.hpp"
#include "akorn/tasks/objects/synth.hpp"

namespace akorn::objects {

struct GpuTests {
  template <class Spec>
  static int infer(const std::vector<float>& params, double tol) {
    Interface<Spec> io;
    ImageSet s;
    s.n = 3;
    s.h = io.H;
    s.w = io.W;
    Rng rng(77);
    s.images.resize(size_t(s.n) * s.h * s.w * 3);
    for (auto& v : s.images) v = std::uint8_t(rng.next() % 256);
    s.masks.assign(size_t(s.n) * s.h * s.w, 0);
    Runner<Spec, CpuBackend> rc(2);
    Runner<Spec, cuda::Backend> rg(2);
    rc.set_params(params.data());
    rg.set_params(params.data());
    std::vector<float> fc(size_t(s.n * rc.feature_elems())), fg(fc.size());
    rc.features(s, 0, s.n, 5, fc.data());
    rg.features(s, 0, s.n, 5, fg.data());
    double scale = 0, err = 0;
    for (size_t i = 0; i < fc.size(); ++i) {
      scale = std::max(scale, double(std::fabs(fc[i])));
      err = std::max(err, double(std::fabs(fc[i] - fg[i])));
    }
    const bool ok = err <= tol * std::max(scale, 1.0);
    std::printf("%s  objects runner: features of %d images, GPU vs CPU %.1e (scale %.2f, tol %.1e)\n", ok ? "ok  " : "FAIL",
                s.n, err, scale, tol);
    return ok ? 0 : 1;
  }
};

}  // namespace akorn::objects
