// Shared basics of the akorn runtime: errors that name file and line, enums shared with
// the compiler, index types.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace akorn {

using index_t = std::int64_t;

// Every runtime failure (bad token, corrupt file, CUDA error, ...) is an akorn::Error whose
// message already says where; the CLI prints it and exits non-zero.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail_at(const char* file, int line, const std::string& msg) {
  throw Error(msg + " [" + file + ":" + std::to_string(line) + "]");
}

// acc *= d for sizes read from a file: false (acc unchanged) when the product would pass
// `limit`. Checked before multiplying, so a shape like [2^32, 2^32, 16] never wraps to 0.
inline bool mul_within(std::uint64_t& acc, std::uint64_t d, std::uint64_t limit) {
  if (d != 0 && acc > limit / d) return false;
  acc *= d;
  return true;
}

}  // namespace akorn

// AKORN_CHECK(cond, msg): throw akorn::Error(msg + file:line) unless cond. msg is a
// std::string expression, built only on failure.
#define AKORN_CHECK(cond, msg)                                          \
  do {                                                                  \
    if (!(cond)) ::akorn::fail_at(__FILE__, __LINE__, (msg));           \
  } while (0)

namespace akorn {

// Omega of the Kuramoto step (spec §2): none, a rotation with one learned frequency for all
// pairs or one per pair, or the identity (upstream's use_omega=False, spec §6).
enum class OmegaMode { None = 0, Global = 1, PerPair = 2, Identity = 3 };

}  // namespace akorn
