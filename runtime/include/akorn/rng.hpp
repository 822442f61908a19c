// Deterministic random numbers.
//  - splitmix64 and the counter-based normal noise of docs/OPS.md ("Deterministic noise"):
//    the value for (seed, stream, sample, element) never depends on batch size, thread count
//    or device.
//  - Rng: a small sequential generator (splitmix64 stream, Box-Muller normals) for parameter
//    initialisation from a training seed.
#pragma once
#include <cmath>
#include <cstdint>

namespace akorn {

inline constexpr std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// base(seed, stream, sample) = splitmix64(splitmix64(seed ^ (stream * 0xD1B54A32D192ED03)) + sample)
inline constexpr std::uint64_t noise_base(std::uint64_t seed, std::uint64_t stream,
                                          std::uint64_t sample) {
  return splitmix64(splitmix64(seed ^ (stream * 0xD1B54A32D192ED03ULL)) + sample);
}

namespace detail {
constexpr double kTwoPow53Inv = 1.0 / 9007199254740992.0;  // 2^-53
constexpr double kTwoPi = 6.283185307179586476925286766559;
// Box-Muller from two raw 64-bit words: u1 in (0, 1], u2 in [0, 1).
inline double box_muller(std::uint64_t a, std::uint64_t b) {
  const double u1 = static_cast<double>((a >> 11) + 1) * kTwoPow53Inv;
  const double u2 = static_cast<double>(b >> 11) * kTwoPow53Inv;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}
}  // namespace detail

// N(0,1) value for element e (index inside the sample) given base = noise_base(...).
inline double noise_normal(std::uint64_t base, std::uint64_t element) {
  const std::uint64_t a = splitmix64(base + 2 * element);
  const std::uint64_t b = splitmix64(base + 2 * element + 1);
  return detail::box_muller(a, b);
}

// Sequential generator: outputs splitmix64(s0), splitmix64(s0 + g), splitmix64(s0 + 2g), ...
// (g = 0x9E3779B97F4A7C15), i.e. the classic splitmix64 stream seeded with `seed`.
struct Rng {
  std::uint64_t state;
  explicit Rng(std::uint64_t seed) : state(seed) {}
  std::uint64_t next() {
    const std::uint64_t r = splitmix64(state);
    state += 0x9E3779B97F4A7C15ULL;
    return r;
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * detail::kTwoPow53Inv; }
  // Standard normal (Box-Muller, one value per two draws; no cached second value, so the
  // sequence depends only on the number of calls).
  double normal() {
    const std::uint64_t a = next();
    const std::uint64_t b = next();
    return detail::box_muller(a, b);
  }
};

}  // namespace akorn
