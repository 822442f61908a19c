// Image sets of the object-discovery task: RGB images with per-pixel object labels.
//
// On disk a set is a directory with two NumPy files (so that a real dataset, e.g. the
// original Tetrominoes exported from its TFRecords, is one np.save away):
//   images.npy  uint8 [N, H, W, 3]   RGB, 0..255
//   masks.npy   uint8 [N, H, W]      0 = background, 1..K = the objects (K <= 255)
// Every error names the file and the problem.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "akorn/common.hpp"
#include "akorn/files.hpp"
#include "akorn/npy.hpp"

namespace akorn::objects {

struct ImageSet {
  int n = 0, h = 0, w = 0;
  std::vector<std::uint8_t> images;  // [n, h, w, 3]
  std::vector<std::uint8_t> masks;   // [n, h, w]

  const std::uint8_t* image(index_t i) const { return images.data() + i * h * w * 3; }
  const std::uint8_t* mask(index_t i) const { return masks.data() + i * h * w; }
  // The largest object label in the set (the number of objects of the fullest image when
  // labels are 1..K without gaps).
  int max_label() const {
    int m = 0;
    for (std::uint8_t v : masks) m = v > m ? v : m;
    return m;
  }
};

inline std::string images_path(const std::string& dir) { return dir + "/images.npy"; }
inline std::string masks_path(const std::string& dir) { return dir + "/masks.npy"; }

inline void save_image_set(const std::string& dir, const ImageSet& s) {
  make_dirs(dir);
  save_npy(images_path(dir), s.images.data(), {s.n, s.h, s.w, 3});
  save_npy(masks_path(dir), s.masks.data(), {s.n, s.h, s.w});
}

// Loads DIR/images.npy and DIR/masks.npy, checking their types and that their shapes agree.
// The set from its two arrays, read from `ip` and `mp` (named in messages).
inline ImageSet image_set_from(const std::string& ip, const NpyArray& im, const std::string& mp, const NpyArray& mk) {
  AKORN_CHECK(im.dtype == "|u1", ip + ": dtype " + im.dtype + ", need uint8 (|u1)");
  AKORN_CHECK(im.shape.size() == 4 && im.shape[3] == 3,
              ip + ": shape " + im.shape_str() + ", need [N, H, W, 3]");
  AKORN_CHECK(im.shape[0] > 0 && im.shape[1] > 0 && im.shape[2] > 0,
              ip + ": shape " + im.shape_str() + " has no pixels");
  AKORN_CHECK(im.shape[1] <= 4096 && im.shape[2] <= 4096,
              ip + ": shape " + im.shape_str() + ": images larger than 4096 x 4096 are not supported");
  AKORN_CHECK(mk.dtype == "|u1", mp + ": dtype " + mk.dtype + ", need uint8 (|u1)");
  AKORN_CHECK(mk.shape.size() == 3 && mk.shape[0] == im.shape[0] && mk.shape[1] == im.shape[1] &&
                  mk.shape[2] == im.shape[2],
              mp + ": shape " + mk.shape_str() + ", need [N, H, W] = " +
                  shape_str(std::vector<std::int64_t>(im.shape.begin(), im.shape.begin() + 3)) +
                  " as in " + ip);
  AKORN_CHECK(im.shape[0] <= (std::int64_t(1) << 31) - 1, ip + ": too many images");
  ImageSet s;
  s.n = static_cast<int>(im.shape[0]);
  s.h = static_cast<int>(im.shape[1]);
  s.w = static_cast<int>(im.shape[2]);
  s.images.assign(im.bytes.begin(), im.bytes.end());
  s.masks.assign(mk.bytes.begin(), mk.bytes.end());
  return s;
}

inline ImageSet load_image_set(const std::string& dir) {
  const std::string ip = images_path(dir), mp = masks_path(dir);
  AKORN_CHECK(path_exists(ip), ip + ": missing (an image set is a directory with images.npy and masks.npy)");
  AKORN_CHECK(path_exists(mp), mp + ": missing (an image set is a directory with images.npy and masks.npy)");
  const NpyArray im = load_npy(ip);
  const NpyArray mk = load_npy(mp);
  return image_set_from(ip, im, mp, mk);
}

}  // namespace akorn::objects
