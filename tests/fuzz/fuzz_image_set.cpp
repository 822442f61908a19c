// Fuzzer: an object-task image set (tasks/objects/images.hpp): images.npy and masks.npy,
// the input split in two (fuzz_target.hpp split2), checked together as `train`, `eval` and
// `kmeans` read them, then each image's objects counted as the metrics do.
#include <akorn/tasks/objects/images.hpp>

#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  std::vector<char> images, masks;
  akorn_fuzz::split2(data, size, images, masks);
  akorn_fuzz::refused_or_accepted([&] {
    const akorn::NpyArray im = akorn::parse_npy("set/images.npy", images);
    const akorn::NpyArray mk = akorn::parse_npy("set/masks.npy", masks);
    akorn::objects::ImageSet s = akorn::objects::image_set_from("set/images.npy", im, "set/masks.npy", mk);
    volatile int labels = s.max_label();
    for (akorn::index_t i = 0; i < s.n; ++i) labels = labels + s.image(i)[0] + s.mask(i)[s.h * s.w - 1];
  });
  return 0;
}
