// Sudoku-symmetry augmentation (sudoku_augment.hpp): every draw maps boards to boards,
// keeps each puzzle paired with its solution, and the draws reach the whole group.
#include <gtest/gtest.h>

#include <set>

#include "akorn/tasks/sudoku/augment.hpp"

namespace {
using namespace akorn::sudoku;

// A valid grid (the first solution of data/sudoku/satnet-test.csv) and its puzzle.
const char* kSolution = "678312945153649782942875136265731894394286571781594623529468317417953268836127459";
const char* kPuzzle = "670000005003040082040005136000730090304206070001090600509008000000950208000127400";

std::vector<std::int32_t> cells(const char* s) {
  std::vector<std::int32_t> v(kCells);
  for (int i = 0; i < kCells; ++i) v[static_cast<size_t>(i)] = s[i] - '0';
  return v;
}

TEST(SudokuAugment, EveryDrawKeepsBoardsValidAndPaired) {
  const auto sol = cells(kSolution), puz = cells(kPuzzle);
  ASSERT_TRUE(valid_grid(sol.data()));
  std::vector<std::int32_t> s2(kCells), p2(kCells);
  for (std::uint64_t k = 0; k < 2000; ++k) {
    const BoardSymmetry sym = training_symmetry(7, k / 10, k % 10);
    std::set<int> sources(sym.source.begin(), sym.source.end());
    ASSERT_EQ(sources.size(), 81u) << "draw " << k << " is not a permutation of the cells";
    sym.apply(sol.data(), s2.data());
    sym.apply(puz.data(), p2.data());
    ASSERT_TRUE(valid_grid(s2.data())) << "draw " << k;
    ASSERT_TRUE(agrees(p2.data(), s2.data())) << "draw " << k;
    ASSERT_EQ(givens(p2.data()), givens(puz.data())) << "draw " << k;
  }
}

TEST(SudokuAugment, DrawsCoverTheGroup) {
  // Cell 0 can come from any of the 81 cells; digit 1 can become any of 1..9; about half
  // of the draws transpose (source of cell 1 in the first column of the input).
  std::set<int> from0, to1;
  int transposed = 0, n = 4000;
  for (int k = 0; k < n; ++k) {
    const BoardSymmetry sym = training_symmetry(1, static_cast<std::uint64_t>(k), 3);
    from0.insert(sym.source[0]);
    to1.insert(sym.digit[1]);
    EXPECT_EQ(sym.digit[0], 0);
    transposed += sym.source[1] % 9 == sym.source[0] % 9;  // neighbours in a row come from one column
  }
  EXPECT_EQ(from0.size(), 81u);
  EXPECT_EQ(to1.size(), 9u);
  EXPECT_GT(transposed, n * 45 / 100);
  EXPECT_LT(transposed, n * 55 / 100);
}

TEST(SudokuAugment, DeterministicInSeedStepAndBoard) {
  const auto a = training_symmetry(5, 11, 2), b = training_symmetry(5, 11, 2);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.digit, b.digit);
  const auto c = training_symmetry(5, 11, 3), d = training_symmetry(5, 12, 2), e = training_symmetry(6, 11, 2);
  EXPECT_NE(a.source, c.source);
  EXPECT_NE(a.source, d.source);
  EXPECT_NE(a.source, e.source);
}

TEST(SudokuAugment, IdentityChangesNothing) {
  const auto sol = cells(kSolution);
  std::vector<std::int32_t> out(kCells);
  BoardSymmetry::identity().apply(sol.data(), out.data());
  EXPECT_EQ(out, sol);
}

TEST(SplitOffLast, MovesTheTail) {
  Boards b;
  b.path = "x.csv";
  b.count = 3;
  for (int i = 0; i < 3 * kCells; ++i) {
    b.puzzles.push_back(i / kCells);
    b.solutions.push_back(10 + i / kCells);
  }
  Boards t = split_off_last(b, 1);
  EXPECT_EQ(b.count, 2u);
  EXPECT_EQ(t.count, 1u);
  EXPECT_EQ(b.puzzles.size(), 2u * kCells);
  EXPECT_EQ(t.puzzle(0)[0], 2);
  EXPECT_EQ(t.solution(0)[80], 12);
  EXPECT_EQ(b.puzzle(1)[0], 1);
}
}  // namespace
