// Sudoku's symmetries as training augmentation (our addition: the reference trains without
// any). Each map below sends a valid grid to a valid grid and a puzzle with one solution to
// a puzzle with one solution, so a board and its solution stay a pair:
//   - relabel the digits 1..9 (0, a blank, stays 0);
//   - transpose;
//   - permute the three bands, and the three rows within each band;
//   - permute the three stacks, and the three columns within each stack.
// A draw picks each of them uniformly, i.e. a uniform element of the group they generate
// (9! * 2 * 6^4 * 6^4 maps up to the few that coincide).
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>

#include "akorn/rng.hpp"
#include "akorn/tasks/sudoku/boards.hpp"

namespace akorn::sudoku {

struct BoardSymmetry {
  std::array<std::int32_t, 10> digit;  // digit[v] replaces v; digit[0] = 0
  std::array<int, kCells> source;      // output cell i takes input cell source[i]

  static BoardSymmetry identity() {
    BoardSymmetry s;
    for (int v = 0; v < 10; ++v) s.digit[v] = v;
    for (int i = 0; i < kCells; ++i) s.source[i] = i;
    return s;
  }

  // out[i] = digit[in[source[i]]]; in and out must not overlap.
  void apply(const std::int32_t* in, std::int32_t* out) const {
    for (int i = 0; i < kCells; ++i) out[i] = digit[static_cast<size_t>(in[source[i]])];
  }
};

namespace detail {
template <size_t N>
inline void shuffle(std::array<int, N>& a, Rng& rng) {
  for (size_t i = N; i > 1; --i) std::swap(a[i - 1], a[rng.next() % i]);
}

// A permutation of 0..8 that keeps each group of three (band or stack) together.
inline std::array<int, 9> line_permutation(Rng& rng) {
  std::array<int, 3> groups = {0, 1, 2};
  shuffle(groups, rng);
  std::array<int, 9> line{};
  for (int g = 0; g < 3; ++g) {
    std::array<int, 3> within = {0, 1, 2};
    shuffle(within, rng);
    for (int k = 0; k < 3; ++k) line[static_cast<size_t>(3 * g + k)] = 3 * groups[static_cast<size_t>(g)] + within[static_cast<size_t>(k)];
  }
  return line;
}
}  // namespace detail

inline BoardSymmetry random_symmetry(Rng& rng) {
  BoardSymmetry s;
  std::array<int, 9> digits = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  detail::shuffle(digits, rng);
  s.digit[0] = 0;
  for (int v = 1; v <= 9; ++v) s.digit[static_cast<size_t>(v)] = digits[static_cast<size_t>(v - 1)];
  const std::array<int, 9> rows = detail::line_permutation(rng), cols = detail::line_permutation(rng);
  const bool transpose = (rng.next() >> 63) != 0;
  for (int r = 0; r < 9; ++r)
    for (int c = 0; c < 9; ++c) {
      const int sr = rows[static_cast<size_t>(r)], sc = cols[static_cast<size_t>(c)];
      s.source[static_cast<size_t>(r * 9 + c)] = transpose ? sc * 9 + sr : sr * 9 + sc;
    }
  return s;
}

// The symmetry applied to board b of training step `step`: a function of (seed, step, b)
// only, so a resumed run draws the same boards as one that never stopped.
inline BoardSymmetry training_symmetry(std::uint64_t seed, std::uint64_t step, std::uint64_t b) {
  Rng rng(splitmix64(splitmix64(seed ^ 0x5D0C0A06ull) + step * 0x9E3779B97F4A7C15ull + b));
  return random_symmetry(rng);
}

}  // namespace akorn::sudoku
