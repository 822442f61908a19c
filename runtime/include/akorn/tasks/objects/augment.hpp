// The two augmented views of an image for contrastive training (spec §6; the AKOrN
// reference's torchvision pipeline, restated):
//   1. random resized crop: area share uniform in [0.08, 1], aspect ratio log-uniform in
//      [3/4, 4/3], up to 10 tries for a crop that fits, else the whole image cropped to the
//      nearest allowed ratio; the crop resized to out x out, bilinear (half-pixel centres,
//      edge pixels repeated);
//   2. with probability 0.8, colour jitter: brightness, contrast and saturation factors
//      uniform in [0.6, 1.4], hue shift uniform in [-0.1, 0.1] (of a turn), applied in a
//      random order, each clamped to [0, 1] (contrast and saturation blend with the grey of
//      ITU-R 601: 0.299 R + 0.587 G + 0.114 B; contrast with the mean grey of the image);
//   3. with probability 0.2, greyscale (the same grey in all three channels);
//   4. no flip; the result mapped from [0, 1] to [-1, 1].
// Arithmetic is float on [0, 1] values (torchvision's tensor path), not PIL's uint8 steps.
// Every view draws from its own generator, seeded by (seed, epoch, image, view), so a
// training run's inputs do not depend on the batch size, the thread count or a resume.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "akorn/rng.hpp"
#include "akorn/tasks/objects/colour.hpp"

namespace akorn::objects {

struct AugmentOptions {
  double scale_min = 0.08, scale_max = 1.0;
  double ratio_min = 3.0 / 4.0, ratio_max = 4.0 / 3.0;
  double jitter_p = 0.8, brightness = 0.4, contrast = 0.4, saturation = 0.4, hue = 0.1;
  double grey_p = 0.2;
};

// What one view drew (kept so that tests and pictures can show it).
struct ViewDraw {
  int top = 0, left = 0, height = 0, width = 0;  // the crop in source pixels
  bool jitter = false, grey = false;
  double brightness = 1, contrast = 1, saturation = 1, hue = 0;
  std::array<int, 4> order = {0, 1, 2, 3};       // 0 brightness, 1 contrast, 2 saturation, 3 hue
};

namespace augment_detail {

inline double uniform(Rng& rng, double a, double b) { return a + (b - a) * rng.uniform(); }
inline int below(Rng& rng, int n) { return int(rng.next() % std::uint64_t(n)); }

inline float grey_of(const float* p) { return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]; }
inline float clamp01(float v) { return std::min(1.f, std::max(0.f, v)); }

}  // namespace augment_detail

inline std::uint64_t view_seed(std::uint64_t seed, std::uint64_t epoch, std::uint64_t image, int view) {
  return noise_base(seed ^ 0x0b1ec75ULL, epoch * 2 + std::uint64_t(view), image);
}

// The draws of one view of an H x W image.
inline ViewDraw draw_view(Rng& rng, int H, int W, const AugmentOptions& o = {}) {
  using namespace augment_detail;
  ViewDraw d;
  const double area = double(H) * W;
  const double lr0 = std::log(o.ratio_min), lr1 = std::log(o.ratio_max);
  bool found = false;
  for (int attempt = 0; attempt < 10 && !found; ++attempt) {
    const double target = area * uniform(rng, o.scale_min, o.scale_max);
    const double ratio = std::exp(uniform(rng, lr0, lr1));
    const int w = int(std::lround(std::sqrt(target * ratio)));
    const int h = int(std::lround(std::sqrt(target / ratio)));
    if (w > 0 && w <= W && h > 0 && h <= H) {
      d.top = below(rng, H - h + 1);
      d.left = below(rng, W - w + 1);
      d.height = h;
      d.width = w;
      found = true;
    }
  }
  if (!found) {  // the whole image at the nearest allowed ratio, centred
    const double in_ratio = double(W) / H;
    if (in_ratio < o.ratio_min) d.width = W, d.height = int(std::lround(W / o.ratio_min));
    else if (in_ratio > o.ratio_max) d.height = H, d.width = int(std::lround(H * o.ratio_max));
    else d.width = W, d.height = H;
    d.top = (H - d.height) / 2;
    d.left = (W - d.width) / 2;
  }
  d.jitter = rng.uniform() < o.jitter_p;
  if (d.jitter) {
    for (int i = 3; i > 0; --i) std::swap(d.order[std::size_t(i)], d.order[std::size_t(below(rng, i + 1))]);
    d.brightness = uniform(rng, 1 - o.brightness, 1 + o.brightness);
    d.contrast = uniform(rng, 1 - o.contrast, 1 + o.contrast);
    d.saturation = uniform(rng, 1 - o.saturation, 1 + o.saturation);
    d.hue = uniform(rng, -o.hue, o.hue);
  }
  d.grey = rng.uniform() < o.grey_p;
  return d;
}

// Applies a drawn view to img [H, W, 3] (uint8) into out [S, S, 3] (floats in [-1, 1]).
inline void apply_view(const ViewDraw& d, const std::uint8_t* img, int H, int W, int S, float* out) {
  using namespace augment_detail;
  (void)H;
  std::vector<float> v(std::size_t(S) * S * 3);
  // bilinear resize of the crop: output pixel centre (y + 0.5) maps to crop coordinate
  // (y + 0.5) * h / S - 0.5, clamped to the crop's edge pixels
  const double sy = double(d.height) / S, sx = double(d.width) / S;
  for (int y = 0; y < S; ++y) {
    const double fy = std::max(0.0, (y + 0.5) * sy - 0.5);
    const int y0 = std::min(int(fy), d.height - 1), y1 = std::min(y0 + 1, d.height - 1);
    const double ay = fy - y0;
    for (int x = 0; x < S; ++x) {
      const double fx = std::max(0.0, (x + 0.5) * sx - 0.5);
      const int x0 = std::min(int(fx), d.width - 1), x1 = std::min(x0 + 1, d.width - 1);
      const double ax = fx - x0;
      for (int c = 0; c < 3; ++c) {
        auto at = [&](int yy, int xx) { return double(float(img[((d.top + yy) * W + d.left + xx) * 3 + c]) / 255.f); };
        const double top = at(y0, x0) * (1 - ax) + at(y0, x1) * ax;
        const double bot = at(y1, x0) * (1 - ax) + at(y1, x1) * ax;
        v[(std::size_t(y) * S + x) * 3 + c] = float(top * (1 - ay) + bot * ay);
      }
    }
  }
  const std::size_t npx = std::size_t(S) * S;
  if (d.jitter) {
    for (int op : d.order) {
      if (op == 0) {
        for (float& e : v) e = clamp01(e * float(d.brightness));
      } else if (op == 1) {
        double mean = 0;
        for (std::size_t p = 0; p < npx; ++p) mean += grey_of(&v[p * 3]);
        const float m = float(mean / double(npx)), c = float(d.contrast);
        for (float& e : v) e = clamp01(c * e + (1 - c) * m);
      } else if (op == 2) {
        const float s = float(d.saturation);
        for (std::size_t p = 0; p < npx; ++p) {
          const float g = grey_of(&v[p * 3]);
          for (int c = 0; c < 3; ++c) v[p * 3 + c] = clamp01(s * v[p * 3 + c] + (1 - s) * g);
        }
      } else {
        for (std::size_t p = 0; p < npx; ++p) {
          float h, s, val;
          rgb_to_hsv(v[p * 3], v[p * 3 + 1], v[p * 3 + 2], h, s, val);
          hsv_to_rgb(h + float(d.hue), s, val, v[p * 3], v[p * 3 + 1], v[p * 3 + 2]);
        }
      }
    }
  }
  if (d.grey)
    for (std::size_t p = 0; p < npx; ++p) {
      const float g = grey_of(&v[p * 3]);
      v[p * 3] = v[p * 3 + 1] = v[p * 3 + 2] = g;
    }
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = 2.f * v[i] - 1.f;
}

// The image itself in [-1, 1] (evaluation: no augmentation).
inline void image_to_input(const std::uint8_t* img, std::size_t elems, float* out) {
  for (std::size_t i = 0; i < elems; ++i) out[i] = 2.f * (float(img[i]) / 255.f) - 1.f;
}

}  // namespace akorn::objects
