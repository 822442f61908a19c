// Generated stand-ins for two synthetic object-discovery sets (the originals, DeepMind's
// multi_object_datasets TFRecords, cannot be downloaded here). They follow the published
// descriptions as far as those go; where the descriptions are silent the choice is ours and
// named below. They are NOT the original sets: results on them are reported as
// "tetrominoes-gen" and "dsprites-gen".
//
// tetrominoes-gen (after "Tetris" / Tetrominoes, Greff et al. 2019, multi_object_datasets
//   README: "each 35x35 image contains three tetrominoes ... six possible colours (red,
//   green, blue, yellow, magenta, cyan)", black background, no occlusion):
//   - 35 x 35, black; three pieces, each one of the 19 fixed tetrominoes (the 7 shapes in
//     every distinct rotation; the README says 17 shape/orientation classes without listing
//     them) and one of the six fully saturated colours, both uniform and independent;
//   - 5 x 5-pixel blocks (the original's preview image) with a bevel: top and left rims at
//     the full colour, bottom and right rims at 0.6, inside 0.85 (ours: the preview shows
//     lit and shaded rims, not their values);
//   - each piece at a uniform pixel position that keeps it inside the frame, redrawn until
//     it overlaps no earlier piece (touching allowed);
//   - then cropped to 32 x 32 (rows and columns 1..32), as the AKOrN reference crops the
//     original 35 x 35 images.
// dsprites-gen (after Multi-dSprites "coloured sprites on grayscale", multi_object_datasets
//   README: "2-5 randomly colored HSV sprites on a randomly sampled grayscale background",
//   sprites of dSprites: square, ellipse, heart with scale 6 values in [0.5, 1], orientation
//   40 values in [0, 2 pi], position 32 values in [0, 1]):
//   - 64 x 64, background grey level uniform in 0..255; K uniform in 2..5 sprites drawn in
//     order, each over the earlier ones (occlusion);
//   - shape, scale, orientation and x / y position uniform over dSprites' latent values;
//     position p maps to the centre 8 + 48 p pixels (ours);
//   - sizes at scale 1 (ours, from the original's preview): square side 16 px, ellipse
//     20 x 10 px, heart about 19 x 19 px (the curve (x^2 + y^2 - 1)^3 = x^2 y^3, point down);
//     binary (no anti-aliasing), as dSprites;
//   - colour HSV with hue uniform in [0, 1), saturation and value uniform in [0.5, 1] (ours:
//     keeps a sprite apart from the grey background);
//   - a scene where some sprite keeps fewer than 8 visible pixels is drawn again (ours), so
//     that every labelled object is there to be found.
// Masks: 0 = background, 1..K = the objects in drawing order. Every image comes from its own
// generator, seeded by (seed, set, split, index): an image never depends on how many are
// made, and train and test never share one.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "akorn/common.hpp"
#include "akorn/parallel.hpp"
#include "akorn/rng.hpp"
#include "akorn/tasks/objects/colour.hpp"
#include "akorn/tasks/objects/images.hpp"

namespace akorn::objects {

enum class SynthKind { Tetrominoes = 0, Dsprites = 1 };
enum class Split { Train = 0, Test = 1, Val = 2 };  // val: our validation split (the reference has 10,000 unused)

struct SynthInfo {
  const char* name;    // "tetrominoes-gen"
  int size;            // output images are size x size
  int max_objects;     // labels 1..max_objects
  int train_n, test_n; // the split sizes of the AKOrN reference
};

inline SynthInfo synth_info(SynthKind k) {
  if (k == SynthKind::Tetrominoes) return {"tetrominoes-gen", 32, 3, 60000, 320};
  return {"dsprites-gen", 64, 5, 60000, 320};
}

namespace synth_detail {

inline std::uint64_t below(Rng& rng, std::uint64_t n) { return rng.next() % n; }

// ---- tetrominoes ----
constexpr int kTetFrame = 35, kTetCrop = 32, kBlock = 5;

struct Piece {
  std::array<std::pair<int, int>, 4> cells;  // (row, col), shifted so the minima are 0
  int rows, cols;
};

// The 19 fixed tetrominoes: the 7 free shapes rotated by 0, 90, 180, 270 degrees, duplicates
// removed, in a fixed order.
inline const std::vector<Piece>& tetrominoes() {
  static const std::vector<Piece> all = [] {
    const int base[7][4][2] = {
        {{0, 0}, {0, 1}, {0, 2}, {0, 3}},  // I
        {{0, 0}, {0, 1}, {1, 0}, {1, 1}},  // O
        {{0, 0}, {0, 1}, {0, 2}, {1, 1}},  // T
        {{0, 1}, {0, 2}, {1, 0}, {1, 1}},  // S
        {{0, 0}, {0, 1}, {1, 1}, {1, 2}},  // Z
        {{0, 0}, {1, 0}, {2, 0}, {2, 1}},  // L
        {{0, 1}, {1, 1}, {2, 1}, {2, 0}},  // J
    };
    std::vector<Piece> out;
    for (const auto& b : base) {
      std::array<std::pair<int, int>, 4> c;
      for (int i = 0; i < 4; ++i) c[i] = {b[i][0], b[i][1]};
      for (int rot = 0; rot < 4; ++rot) {
        int r0 = 99, c0 = 99, r1 = -99, c1 = -99;
        for (auto& [r, cc] : c) r0 = std::min(r0, r), c0 = std::min(c0, cc);
        Piece p;
        for (int i = 0; i < 4; ++i) p.cells[i] = {c[i].first - r0, c[i].second - c0};
        std::sort(p.cells.begin(), p.cells.end());
        for (auto& [r, cc] : p.cells) r1 = std::max(r1, r), c1 = std::max(c1, cc);
        p.rows = r1 + 1;
        p.cols = c1 + 1;
        bool seen = false;
        for (const Piece& q : out) seen = seen || q.cells == p.cells;
        if (!seen) out.push_back(p);
        for (auto& [r, cc] : c) std::tie(r, cc) = std::make_pair(cc, -r);  // rotate 90 degrees
      }
    }
    return out;
  }();
  return all;
}

inline void tetromino_scene(Rng& rng, std::uint8_t* img, std::uint8_t* mask) {
  static const std::uint8_t colours[6][3] = {{255, 0, 0},   {0, 255, 0},   {0, 0, 255},
                                             {255, 255, 0}, {255, 0, 255}, {0, 255, 255}};
  const auto& pieces = tetrominoes();
  std::uint8_t frame[kTetFrame * kTetFrame * 3];
  std::uint8_t label[kTetFrame * kTetFrame];
  for (;;) {  // a scene whose third piece finds no room (rare) is drawn again
    std::fill(std::begin(frame), std::end(frame), std::uint8_t(0));
    std::fill(std::begin(label), std::end(label), std::uint8_t(0));
    int placed = 0;
    for (int obj = 1; obj <= 3; ++obj) {
      const Piece& p = pieces[below(rng, pieces.size())];
      const std::uint8_t* col = colours[below(rng, 6)];
      bool ok = false;
      for (int attempt = 0; attempt < 100 && !ok; ++attempt) {
        const int y0 = int(below(rng, kTetFrame - kBlock * p.rows + 1));
        const int x0 = int(below(rng, kTetFrame - kBlock * p.cols + 1));
        ok = true;
        for (auto [r, c] : p.cells)
          for (int u = 0; u < kBlock && ok; ++u)
            for (int v = 0; v < kBlock && ok; ++v)
              ok = label[(y0 + r * kBlock + u) * kTetFrame + x0 + c * kBlock + v] == 0;
        if (!ok) continue;
        for (auto [r, c] : p.cells)
          for (int u = 0; u < kBlock; ++u)
            for (int v = 0; v < kBlock; ++v) {
              const int at = (y0 + r * kBlock + u) * kTetFrame + x0 + c * kBlock + v;
              const double shade =
                  (u == kBlock - 1 || v == kBlock - 1) ? 0.6 : (u == 0 || v == 0) ? 1.0 : 0.85;
              label[at] = std::uint8_t(obj);
              for (int ch = 0; ch < 3; ++ch)
                frame[at * 3 + ch] = std::uint8_t(std::lround(col[ch] * shade));
            }
      }
      placed += ok;
      if (!ok) break;
    }
    if (placed == 3) break;
  }
  constexpr int kCropAt = 1;  // rows and columns 1..32 of 0..34
  for (int y = 0; y < kTetCrop; ++y)
    for (int x = 0; x < kTetCrop; ++x) {
      const int from = (y + kCropAt) * kTetFrame + x + kCropAt;
      mask[y * kTetCrop + x] = label[from];
      for (int ch = 0; ch < 3; ++ch) img[(y * kTetCrop + x) * 3 + ch] = frame[from * 3 + ch];
    }
}

// ---- dsprites ----
constexpr int kSpr = 64;

// Inside test of a sprite in its own frame, (u, v) in units of 10 px at scale 1, v down.
inline bool sprite_inside(int shape, double u, double v) {
  if (shape == 0) return std::fabs(u) <= 0.8 && std::fabs(v) <= 0.8;  // square
  if (shape == 1) return u * u + 4.0 * v * v <= 1.0;                   // ellipse 2:1
  const double x = u / 0.85, y = -v / 0.85 + 0.12;                     // heart, point down
  const double q = x * x + y * y - 1.0;
  return q * q * q - x * x * y * y * y <= 0.0;
}

// The sprite colour as bytes; hue in [0, 1), so (colour.hpp) its sector is floor(6 h).
inline void hsv_to_bytes(double h, double s, double v, std::uint8_t* rgb) {
  double r, g, b;
  hsv_to_rgb(h, s, v, r, g, b);
  rgb[0] = std::uint8_t(std::lround(r * 255));
  rgb[1] = std::uint8_t(std::lround(g * 255));
  rgb[2] = std::uint8_t(std::lround(b * 255));
}

inline void dsprites_scene(Rng& rng, std::uint8_t* img, std::uint8_t* mask) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  for (;;) {
    const std::uint8_t grey = std::uint8_t(below(rng, 256));
    std::fill(img, img + kSpr * kSpr * 3, grey);
    std::fill(mask, mask + kSpr * kSpr, std::uint8_t(0));
    const int K = 2 + int(below(rng, 4));
    for (int obj = 1; obj <= K; ++obj) {
      const int shape = int(below(rng, 3));
      const double scale = 0.5 + 0.1 * double(below(rng, 6));            // 0.5 .. 1 in 6 values
      const double angle = kTwoPi * double(below(rng, 40)) / 39.0;        // 40 values in [0, 2 pi]
      const double cx = 8.0 + 48.0 * double(below(rng, 32)) / 31.0;       // 32 values in [0, 1]
      const double cy = 8.0 + 48.0 * double(below(rng, 32)) / 31.0;
      std::uint8_t rgb[3];
      const double hue = rng.uniform(), sat = 0.5 + 0.5 * rng.uniform(), val = 0.5 + 0.5 * rng.uniform();
      hsv_to_bytes(hue, sat, val, rgb);
      const double ca = std::cos(angle), sa = std::sin(angle), unit = 10.0 * scale;
      for (int y = 0; y < kSpr; ++y)
        for (int x = 0; x < kSpr; ++x) {
          const double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
          const double u = (ca * dx + sa * dy) / unit, v = (-sa * dx + ca * dy) / unit;
          if (!sprite_inside(shape, u, v)) continue;
          mask[y * kSpr + x] = std::uint8_t(obj);
          for (int ch = 0; ch < 3; ++ch) img[(y * kSpr + x) * 3 + ch] = rgb[ch];
        }
    }
    int visible[6] = {};
    for (int i = 0; i < kSpr * kSpr; ++i) ++visible[mask[i]];
    bool ok = true;
    for (int obj = 1; obj <= K; ++obj) ok = ok && visible[obj] >= 8;
    if (ok) return;
  }
}

}  // namespace synth_detail

// The 64-bit seed of image `index` of a split: its own generator, whatever else is made.
inline std::uint64_t synth_image_seed(std::uint64_t seed, SynthKind kind, Split split, std::uint64_t index) {
  return noise_base(seed, 4 * std::uint64_t(kind) + std::uint64_t(split) + 1000, index);
}

// Images first .. first + n - 1 of a split (parallel over images; the result does not depend
// on the thread count).
inline ImageSet generate_synth(SynthKind kind, Split split, int n, std::uint64_t seed = 2025,
                               int first = 0) {
  AKORN_CHECK(n > 0, "generate_synth: n must be positive");
  const int S = synth_info(kind).size;
  ImageSet s;
  s.n = n;
  s.h = s.w = S;
  s.images.resize(std::size_t(n) * S * S * 3);
  s.masks.resize(std::size_t(n) * S * S);
  parallel_for(n, [&](index_t i) {
    Rng rng(synth_image_seed(seed, kind, split, std::uint64_t(first + i)));
    std::uint8_t* img = s.images.data() + i * S * S * 3;
    std::uint8_t* mask = s.masks.data() + i * S * S;
    if (kind == SynthKind::Tetrominoes) synth_detail::tetromino_scene(rng, img, mask);
    else synth_detail::dsprites_scene(rng, img, mask);
  });
  return s;
}

inline Split parse_split(const std::string& name) {
  if (name == "train") return Split::Train;
  if (name == "test") return Split::Test;
  if (name == "val") return Split::Val;
  AKORN_CHECK(false, "unknown split '" + name + "' (have: train, val, test)");
  return Split::Train;
}

inline SynthKind parse_synth_kind(const std::string& name) {
  if (name == "tetrominoes-gen" || name == "tetrominoes") return SynthKind::Tetrominoes;
  if (name == "dsprites-gen" || name == "dsprites") return SynthKind::Dsprites;
  AKORN_CHECK(false, "unknown image set '" + name + "' (have: tetrominoes-gen, dsprites-gen)");
  return SynthKind::Tetrominoes;
}

}  // namespace akorn::objects
