// What every fuzzer of tests/fuzz/ shares: an input is either accepted or refused with the
// loader's own error (akorn::Error, or the compiler's CompileError); anything else -- another
// exception (std::terminate), a crash, a hang, an allocation past -malloc_limit_mb or an
// ASan / UBSan report -- is a finding that libFuzzer stops on and saves.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <akorn/common.hpp>

namespace akorn_fuzz {

// Runs f(), swallowing only the refusal type E.
template <class E = akorn::Error, class F>
void refused_or_accepted(F&& f) {
  try {
    f();
  } catch (const E&) {
  }
}

inline std::vector<unsigned char> bytes_of(const std::uint8_t* data, size_t size) {
  return std::vector<unsigned char>(data, data + size);
}

// Splits an input into two parts at a position named by its first two bytes (for loaders
// that read two files, e.g. an image set's images.npy and masks.npy).
inline void split2(const std::uint8_t* data, size_t size, std::vector<char>& a, std::vector<char>& b) {
  if (size < 2) {
    a.assign(data, data + size);
    b.clear();
    return;
  }
  size_t cut = (static_cast<size_t>(data[0]) | (static_cast<size_t>(data[1]) << 8)) % (size - 1);
  a.assign(data + 2, data + 2 + cut);
  b.assign(data + 2 + cut, data + size);
}

}  // namespace akorn_fuzz
