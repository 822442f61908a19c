// The generated object-discovery sets (tasks/objects/synth.hpp) and their files
// (tasks/objects/images.hpp): what each image must hold, determinism, and clear errors.
#include <gtest/gtest.h>
#include <omp.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include "akorn/tasks/objects/synth.hpp"

namespace {
using namespace akorn::objects;

std::string temp_dir(const std::string& name) {
  const std::string d = ::testing::TempDir() + "akorn_objects_" + name;
  akorn::make_dirs(d);
  return d;
}

TEST(ObjectsSynth, NineteenFixedTetrominoes) {
  const auto& pieces = synth_detail::tetrominoes();
  ASSERT_EQ(pieces.size(), 19u);
  std::set<std::array<std::pair<int, int>, 4>> distinct;
  for (const auto& p : pieces) {
    distinct.insert(p.cells);
    // four cells, edge-connected, inside rows x cols
    int links = 0;
    for (auto [r, c] : p.cells) {
      EXPECT_TRUE(r >= 0 && r < p.rows && c >= 0 && c < p.cols);
      for (auto [r2, c2] : p.cells) links += std::abs(r - r2) + std::abs(c - c2) == 1;
    }
    EXPECT_GE(links / 2, 3) << "a piece is not connected";
  }
  EXPECT_EQ(distinct.size(), 19u);
  // I: 2 rotations, O: 1, T, L, J: 4 each, S, Z: 2 each -> 1x4 / 4x1 / 2x2 / 2x3 / 3x2 boxes
  std::map<std::pair<int, int>, int> boxes;
  for (const auto& p : pieces) ++boxes[{p.rows, p.cols}];
  EXPECT_EQ(boxes[std::make_pair(1, 4)], 1);
  EXPECT_EQ(boxes[std::make_pair(4, 1)], 1);
  EXPECT_EQ(boxes[std::make_pair(2, 2)], 1);
  EXPECT_EQ(boxes[std::make_pair(2, 3)], 8);  // T x2, S, Z, L x2, J x2
  EXPECT_EQ(boxes[std::make_pair(3, 2)], 8);
}

TEST(ObjectsSynth, TetrominoImagesHoldThreeSolidPiecesOnBlack) {
  const ImageSet s = generate_synth(SynthKind::Tetrominoes, Split::Train, 500);
  ASSERT_EQ(s.h, 32);
  ASSERT_EQ(s.w, 32);
  std::map<int, int> colour_count;
  for (int i = 0; i < s.n; ++i) {
    const std::uint8_t* im = s.image(i);
    const std::uint8_t* mk = s.mask(i);
    int area[4] = {};
    int colour[4] = {-1, -1, -1, -1};
    for (int px = 0; px < 32 * 32; ++px) {
      const int l = mk[px];
      ASSERT_LE(l, 3) << "image " << i;
      ++area[l];
      const std::uint8_t* rgb = im + px * 3;
      if (l == 0) {
        ASSERT_EQ(rgb[0] + rgb[1] + rgb[2], 0) << "image " << i << ": background not black";
        continue;
      }
      // one of the six colours, shaded: the lit channels equal, the others 0
      const int pattern = (rgb[0] > 0) | (rgb[1] > 0) << 1 | (rgb[2] > 0) << 2;
      ASSERT_TRUE(pattern == 1 || pattern == 2 || pattern == 4 || pattern == 3 || pattern == 5 || pattern == 6)
          << "image " << i << " pixel " << px;
      if (colour[l] < 0) colour[l] = pattern;
      ASSERT_EQ(colour[l], pattern) << "image " << i << ": object " << l << " has two colours";
    }
    // each piece is whole 5 x 5 blocks (at most four) on one grid: no other piece covers
    // part of it. The grid starts at the piece's first visible row / column, or one pixel
    // before it where the crop (rows and columns 1..32 of 35) cut the piece's first block.
    for (int l = 1; l <= 3; ++l) {
      int y0 = 99, x0 = 99;
      for (int px = 0; px < 32 * 32; ++px)
        if (mk[px] == l) y0 = std::min(y0, px / 32), x0 = std::min(x0, px % 32);
      auto whole_blocks_from = [&](int oy, int ox) {
        std::set<std::pair<int, int>> blocks;
        for (int px = 0; px < 32 * 32; ++px)
          if (mk[px] == l) blocks.insert({(px / 32 - oy) / 5, (px % 32 - ox) / 5});
        if (blocks.size() > 4) return false;
        for (auto [by, bx] : blocks)
          for (int u = 0; u < 5; ++u)
            for (int v = 0; v < 5; ++v) {
              const int y = oy + 5 * by + u, x = ox + 5 * bx + v;
              if (y >= 0 && x >= 0 && y < 32 && x < 32 && mk[y * 32 + x] != l) return false;
            }
        return true;
      };
      const bool whole = whole_blocks_from(y0, x0) || (y0 == 0 && whole_blocks_from(-1, x0)) ||
                         (x0 == 0 && whole_blocks_from(y0, -1)) || (y0 == 0 && x0 == 0 && whole_blocks_from(-1, -1));
      ASSERT_TRUE(whole) << "image " << i << ": object " << l << " is not whole blocks (covered by another?)";
    }
    for (int l = 1; l <= 3; ++l) {
      EXPECT_GT(area[l], 0) << "image " << i << ": object " << l << " missing";
      EXPECT_LE(area[l], 100) << "image " << i << ": object " << l << " larger than 4 blocks";
      ++colour_count[colour[l]];
    }
  }
  // the six colours are drawn uniformly: 1500 pieces, 250 expected each (sd ~14)
  ASSERT_EQ(colour_count.size(), 6u);
  for (auto [c, k] : colour_count) EXPECT_TRUE(k > 180 && k < 320) << "colour " << c << ": " << k;
}

TEST(ObjectsSynth, DspritesImagesHoldTwoToFiveVisibleSprites) {
  const ImageSet s = generate_synth(SynthKind::Dsprites, Split::Train, 400);
  ASSERT_EQ(s.h, 64);
  std::map<int, int> count_of_k;
  for (int i = 0; i < s.n; ++i) {
    const std::uint8_t* im = s.image(i);
    const std::uint8_t* mk = s.mask(i);
    int area[256] = {};
    int k = 0;
    for (int px = 0; px < 64 * 64; ++px) {
      ++area[mk[px]];
      k = std::max(k, int(mk[px]));
      const std::uint8_t* rgb = im + px * 3;
      if (mk[px] == 0) ASSERT_TRUE(rgb[0] == rgb[1] && rgb[1] == rgb[2]) << "image " << i << ": background not grey";
    }
    ASSERT_TRUE(k >= 2 && k <= 5) << "image " << i << ": " << k << " sprites";
    for (int l = 1; l <= k; ++l) EXPECT_GE(area[l], 8) << "image " << i << ": sprite " << l;
    ++count_of_k[k];
    // every pixel of a sprite has the sprite's one colour
    std::map<int, std::array<int, 3>> col;
    for (int px = 0; px < 64 * 64; ++px) {
      const int l = mk[px];
      if (l == 0) continue;
      const std::array<int, 3> c = {im[px * 3], im[px * 3 + 1], im[px * 3 + 2]};
      auto [it, fresh] = col.emplace(l, c);
      ASSERT_TRUE(fresh || it->second == c) << "image " << i << ": sprite " << l << " has two colours";
    }
  }
  for (int k = 2; k <= 5; ++k) EXPECT_TRUE(count_of_k[k] > 60 && count_of_k[k] < 140) << k << ": " << count_of_k[k];
}

TEST(ObjectsSynth, EachImageHasItsOwnSeed) {
  for (SynthKind kind : {SynthKind::Tetrominoes, SynthKind::Dsprites}) {
    omp_set_num_threads(1);
    const ImageSet a = generate_synth(kind, Split::Train, 40);
    omp_set_num_threads(2);
    const ImageSet b = generate_synth(kind, Split::Train, 40);
    const ImageSet tail = generate_synth(kind, Split::Train, 10, 2025, 30);  // images 30..39
    const ImageSet test = generate_synth(kind, Split::Test, 40);
    const ImageSet other_seed = generate_synth(kind, Split::Train, 40, 7);
    EXPECT_EQ(a.images, b.images) << "depends on the thread count";
    EXPECT_EQ(a.masks, b.masks);
    const std::size_t im = std::size_t(a.h) * a.w * 3;
    EXPECT_TRUE(std::equal(tail.images.begin(), tail.images.end(), a.images.begin() + 30 * im))
        << "image 30 depends on how many are made";
    EXPECT_NE(a.images, test.images);
    EXPECT_NE(a.images, other_seed.images);
    // no two images of the 40 alike
    std::set<std::vector<std::uint8_t>> distinct;
    for (int i = 0; i < a.n; ++i) distinct.emplace(a.image(i), a.image(i) + im);
    EXPECT_EQ(distinct.size(), 40u);
  }
}

TEST(ObjectsImages, SaveLoadRoundTrip) {
  const ImageSet s = generate_synth(SynthKind::Dsprites, Split::Test, 5);
  const std::string d = temp_dir("roundtrip");
  save_image_set(d, s);
  const ImageSet t = load_image_set(d);
  EXPECT_EQ(t.n, 5);
  EXPECT_EQ(t.h, 64);
  EXPECT_EQ(t.w, 64);
  EXPECT_EQ(t.images, s.images);
  EXPECT_EQ(t.masks, s.masks);
}

void expect_load_error(const std::string& dir, const std::string& want) {
  try {
    load_image_set(dir);
    ADD_FAILURE() << "no error for " << dir;
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
  }
}

TEST(ObjectsImages, BadFilesGiveClearErrors) {
  const ImageSet s = generate_synth(SynthKind::Tetrominoes, Split::Test, 3);
  const std::string d = temp_dir("bad");
  expect_load_error(d + "/none", "images.npy: missing");
  // masks of another shape
  akorn::save_npy(images_path(d), s.images.data(), {3, 32, 32, 3});
  akorn::save_npy(masks_path(d), s.masks.data(), {3, 32, 16});
  expect_load_error(d, "masks.npy: shape [3, 32, 16], need [N, H, W] = [3, 32, 32]");
  // images as float
  std::vector<float> f(3 * 32 * 32 * 3, 0.f);
  akorn::save_npy(images_path(d), f.data(), {3, 32, 32, 3});
  expect_load_error(d, "images.npy: dtype <f4, need uint8");
  // grey images
  akorn::save_npy(images_path(d), s.images.data(), {3, 32, 32});
  expect_load_error(d, "images.npy: shape [3, 32, 32], need [N, H, W, 3]");
  // a truncated file
  akorn::save_npy(images_path(d), s.images.data(), {3, 32, 32, 3});
  akorn::save_npy(masks_path(d), s.masks.data(), {3, 32, 32});
  {
    std::ifstream in(masks_path(d), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream out(masks_path(d), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size() - 100));
  }
  expect_load_error(d, "masks.npy: data is");
  EXPECT_THROW(parse_synth_kind("clevr"), std::exception);
}

}  // namespace
