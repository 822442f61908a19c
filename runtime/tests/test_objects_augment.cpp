// The contrastive views (tasks/objects/augment.hpp): each transform on images whose result is
// known, the draws' ranges and rates, determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "akorn/tasks/objects/augment.hpp"
#include "akorn/tasks/objects/synth.hpp"

namespace {
using namespace akorn;
using namespace akorn::objects;

ViewDraw neutral(int H, int W) {
  ViewDraw d;
  d.height = H;
  d.width = W;
  return d;
}

std::vector<std::uint8_t> solid(int H, int W, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  std::vector<std::uint8_t> im(std::size_t(H) * W * 3);
  for (std::size_t p = 0; p < im.size() / 3; ++p) im[p * 3] = r, im[p * 3 + 1] = g, im[p * 3 + 2] = b;
  return im;
}

TEST(ObjectsAugment, NeutralViewIsTheImageInMinusOneToOne) {
  const ImageSet s = generate_synth(SynthKind::Dsprites, Split::Test, 2);
  std::vector<float> a(64 * 64 * 3), b(a.size());
  apply_view(neutral(64, 64), s.image(1), 64, 64, 64, a.data());
  image_to_input(s.image(1), a.size(), b.data());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_FLOAT_EQ(a[i], b[i]) << i;
  EXPECT_FLOAT_EQ(b[0], 2.f * s.image(1)[0] / 255.f - 1.f);
}

TEST(ObjectsAugment, BilinearResizeOfARampIsARamp) {
  // value 8 x at column x; the left half (16 columns) stretched to 32: half-pixel centres
  std::vector<std::uint8_t> im(32 * 32 * 3);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x)
      for (int c = 0; c < 3; ++c) im[std::size_t((y * 32 + x) * 3 + c)] = std::uint8_t(8 * x);
  ViewDraw d = neutral(32, 16);
  d.top = 0;
  d.left = 4;
  std::vector<float> out(32 * 32 * 3);
  apply_view(d, im.data(), 32, 32, 32, out.data());
  for (int x = 0; x < 32; ++x) {
    const double src = std::min(std::max((x + 0.5) * 0.5 - 0.5, 0.0), 15.0) + 4;  // crop column
    const double want = 2 * (8 * src / 255.0) - 1;
    EXPECT_NEAR(out[std::size_t((5 * 32 + x) * 3)], want, 1e-5) << "column " << x;
  }
  // rows: the image is constant down each column
  for (int y = 0; y < 32; ++y) EXPECT_EQ(out[std::size_t((y * 32 + 7) * 3)], out[std::size_t(7 * 3)]);
}

TEST(ObjectsAugment, EachColourTransform) {
  const int S = 4;
  std::vector<float> out(S * S * 3);
  auto run = [&](const std::vector<std::uint8_t>& im, ViewDraw d) {
    apply_view(d, im.data(), S, S, S, out.data());
    return std::array<float, 3>{(out[0] + 1) / 2, (out[1] + 1) / 2, (out[2] + 1) / 2};
  };
  auto only = [&](int op) {
    ViewDraw d = neutral(S, S);
    d.jitter = true;
    d.order = {op, op, op, op};  // one transform, four times
    return d;
  };
  const auto grey_red = 0.299f;
  ViewDraw d = only(0);
  d.brightness = std::sqrt(std::sqrt(0.5));  // four times: x 0.5
  auto c = run(solid(S, S, 200, 100, 0), d);
  EXPECT_NEAR(c[0], 100 / 255.f, 1e-5);
  EXPECT_NEAR(c[1], 50 / 255.f, 1e-5);
  d.brightness = 2;  // clamped at 1
  EXPECT_NEAR(run(solid(S, S, 200, 100, 0), d)[0], 1.f, 0);
  d = only(1);
  d.contrast = 0;  // every pixel the mean grey
  std::vector<std::uint8_t> half = solid(S, S, 255, 0, 0);
  for (std::size_t p = 8; p < 16; ++p) half[p * 3] = 0;  // half red, half black
  c = run(half, d);
  EXPECT_NEAR(c[0], grey_red / 2, 1e-6);
  EXPECT_NEAR(c[1], grey_red / 2, 1e-6);
  d = only(2);
  d.saturation = 0;  // the pixel's grey
  c = run(solid(S, S, 255, 0, 0), d);
  EXPECT_NEAR(c[0], grey_red, 1e-6);
  EXPECT_NEAR(c[2], grey_red, 1e-6);
  d = only(3);
  d.hue = 1.0 / 12;  // four times: a third of a turn, red -> green
  c = run(solid(S, S, 255, 0, 0), d);
  EXPECT_NEAR(c[0], 0.f, 1e-5);
  EXPECT_NEAR(c[1], 1.f, 1e-5);
  EXPECT_NEAR(c[2], 0.f, 1e-5);
  d = neutral(S, S);
  d.grey = true;
  c = run(solid(S, S, 10, 20, 30), d);
  const float g = (0.299f * 10 + 0.587f * 20 + 0.114f * 30) / 255.f;
  EXPECT_NEAR(c[0], g, 1e-6);
  EXPECT_NEAR(c[1], g, 1e-6);
  EXPECT_NEAR(c[2], g, 1e-6);
}

TEST(ObjectsAugment, DrawsFollowTheRecipe) {
  const int N = 20000;
  int jitter = 0, grey = 0, full = 0;
  double share_sum = 0;
  std::set<std::array<int, 4>> orders;
  for (int i = 0; i < N; ++i) {
    Rng rng(view_seed(3, 0, std::uint64_t(i), 0));
    const ViewDraw d = draw_view(rng, 32, 32);
    ASSERT_TRUE(d.top >= 0 && d.left >= 0 && d.top + d.height <= 32 && d.left + d.width <= 32);
    const double share = double(d.height) * d.width / (32.0 * 32.0);
    ASSERT_GE(share, 0.06);  // 0.08 of the area, rounded to whole pixels
    const double ratio = double(d.width) / d.height;
    ASSERT_TRUE(ratio > 0.6 && ratio < 1.7) << d.width << "x" << d.height;
    share_sum += share;
    full += d.height == 32 && d.width == 32;
    jitter += d.jitter;
    grey += d.grey;
    if (d.jitter) {
      orders.insert(d.order);
      ASSERT_TRUE(d.brightness >= 0.6 && d.brightness <= 1.4 && d.contrast >= 0.6 && d.contrast <= 1.4 &&
                  d.saturation >= 0.6 && d.saturation <= 1.4 && std::fabs(d.hue) <= 0.1);
    }
  }
  EXPECT_NEAR(double(jitter) / N, 0.8, 0.015);
  EXPECT_NEAR(double(grey) / N, 0.2, 0.015);
  EXPECT_EQ(orders.size(), 24u) << "every order of the four jitter transforms";
  // area share uniform on [0.08, 1] (mean 0.54) before the retries: large crops at a ratio
  // away from 1 do not fit in a square and are drawn again, which pulls the mean to 0.490
  // (a NumPy simulation of the same recipe, 200,000 draws, 32 x 32)
  EXPECT_NEAR(share_sum / N, 0.490, 0.01);
  EXPECT_LT(full, N / 20);
}

TEST(ObjectsAugment, ViewsHaveTheirOwnSeeds) {
  const ImageSet s = generate_synth(SynthKind::Tetrominoes, Split::Train, 1);
  std::vector<float> v0(32 * 32 * 3), v1(v0.size()), again(v0.size());
  Rng r0(view_seed(1, 5, 0, 0)), r1(view_seed(1, 5, 0, 1)), r2(view_seed(1, 5, 0, 0));
  apply_view(draw_view(r0, 32, 32), s.image(0), 32, 32, 32, v0.data());
  apply_view(draw_view(r1, 32, 32), s.image(0), 32, 32, 32, v1.data());
  apply_view(draw_view(r2, 32, 32), s.image(0), 32, 32, 32, again.data());
  EXPECT_EQ(v0, again);
  EXPECT_NE(v0, v1);
  EXPECT_NE(view_seed(1, 5, 0, 0), view_seed(1, 6, 0, 0));
  EXPECT_NE(view_seed(1, 5, 0, 0), view_seed(1, 5, 1, 0));
  for (float e : v0) ASSERT_TRUE(e >= -1.f && e <= 1.f);
}

}  // namespace
