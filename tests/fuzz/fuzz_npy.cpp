// Fuzzer: a .npy file (npy.hpp), as every command that reads one does (run --input, the
// golden files, the object task's image sets), then its values converted.
#include <akorn/npy.hpp>

#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  const std::vector<char> bytes(data, data + size);
  akorn_fuzz::refused_or_accepted([&] {
    akorn::NpyArray a = akorn::parse_npy("fuzz.npy", bytes);
    volatile double sum = 0;
    for (float v : a.as<float>()) sum = sum + v;
    for (std::int32_t v : a.as<std::int32_t>()) sum = sum + v;
  });
  return 0;
}
