// Fuzzer: weights (.akw) and checkpoint (.ckpt) files (tensor_file.hpp, weights.hpp,
// trainer.hpp's parse_checkpoint) against a real generated model's parameter table (the
// fc-scalebias fixture, the smallest, compiled by this build's akornc: MODEL_HPP; checkpoints
// read as a task's with one option).
//
// The file's CRC-32 would stop almost every mutation at the checksum, so the first byte of
// the input chooses: odd, the rest gets its checksum recomputed (the parser's later checks
// are reached); even, the rest is read as it is (the checksum check itself).
#include <cstring>

#include <akorn/trainer.hpp>
#include <akorn/weights.hpp>

#include MODEL_HPP
#include "fuzz_target.hpp"

using Spec = MODEL_SPEC;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::vector<unsigned char> file(data + 1, data + size);
  if ((data[0] & 1) && file.size() >= 4) {
    const std::uint32_t crc = akorn::crc32(file.data(), file.size() - 4);
    for (int k = 0; k < 4; ++k) file[file.size() - 4 + k] = static_cast<unsigned char>(crc >> (8 * k));
  }
  akorn_fuzz::refused_or_accepted([&] {
    const akorn::TensorFile tf = akorn::parse_tensor_file("fuzz.akw", file);
    std::vector<float> params(static_cast<size_t>(Spec::param_elems));
    akorn_fuzz::refused_or_accepted([&] { akorn::load_params_from<Spec>(tf, "fuzz.akw", "", params.data()); });
    akorn_fuzz::refused_or_accepted([&] { (void)akorn::parse_checkpoint<Spec>(tf, "fuzz.ckpt", 1); });
    if (tf.has("meta.note")) (void)tf.get_string("fuzz.akw", "meta.note");
  });
  return 0;
}
