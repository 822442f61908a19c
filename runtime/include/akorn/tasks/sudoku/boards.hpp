// Sudoku boards: the `puzzle,solution` CSV format of data/sudoku/ (81 digits each, 0 =
// blank, no header), board text from the command line, and the checks of a grid.
// Every error names the file and line.
#pragma once
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "akorn/common.hpp"

namespace akorn::sudoku {

constexpr int kCells = 81;

struct Boards {
  std::string path;
  std::vector<std::int32_t> puzzles;    // [count, 81], 0 = blank
  std::vector<std::int32_t> solutions;  // [count, 81], 1..9
  size_t count = 0;
  const std::int32_t* puzzle(size_t i) const { return puzzles.data() + i * kCells; }
  const std::int32_t* solution(size_t i) const { return solutions.data() + i * kCells; }
};

// Moves the last n boards of b into a set of their own (b keeps the others, in order).
inline Boards split_off_last(Boards& b, size_t n) {
  AKORN_CHECK(n <= b.count, b.path + ": cannot split off " + std::to_string(n) + " of " + std::to_string(b.count) + " boards");
  Boards tail;
  tail.path = b.path;
  tail.count = n;
  const size_t keep = b.count - n;
  tail.puzzles.assign(b.puzzles.begin() + static_cast<std::ptrdiff_t>(keep * kCells), b.puzzles.end());
  tail.solutions.assign(b.solutions.begin() + static_cast<std::ptrdiff_t>(keep * kCells), b.solutions.end());
  b.puzzles.resize(keep * kCells);
  b.solutions.resize(keep * kCells);
  b.count = keep;
  return tail;
}

// A full grid of digits 1..9 with every row, column and 3x3 box a permutation.
inline bool valid_grid(const std::int32_t* g) {
  for (int u = 0; u < 9; ++u) {
    int row = 0, col = 0, box = 0;
    for (int k = 0; k < 9; ++k) {
      int r = g[u * 9 + k], c = g[k * 9 + u];
      int b = g[(u / 3 * 3 + k / 3) * 9 + (u % 3) * 3 + k % 3];
      if (r < 1 || r > 9 || c < 1 || c > 9 || b < 1 || b > 9) return false;
      row |= 1 << r;
      col |= 1 << c;
      box |= 1 << b;
    }
    if (row != 0x3FE || col != 0x3FE || box != 0x3FE) return false;
  }
  return true;
}

// Agrees with every given digit of the puzzle.
inline bool agrees(const std::int32_t* puzzle, const std::int32_t* grid) {
  for (int i = 0; i < kCells; ++i)
    if (puzzle[i] != 0 && puzzle[i] != grid[i]) return false;
  return true;
}

inline int givens(const std::int32_t* puzzle) {
  int n = 0;
  for (int i = 0; i < kCells; ++i) n += puzzle[i] != 0;
  return n;
}

// Parses 81 cells: digits 1-9, and 0 or '.' for a blank (blank_ok); whitespace is ignored.
// Returns "" or what is wrong.
inline std::string parse_cells(const std::string& s, bool blank_ok, std::int32_t* out) {
  int n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '|' || ch == '-' || ch == '+') continue;
    int v;
    if (ch >= '1' && ch <= '9') v = ch - '0';
    else if ((ch == '0' || ch == '.') && blank_ok) v = 0;
    else return "character '" + std::string(1, ch) + "' at position " + std::to_string(i + 1) +
                (blank_ok ? " is not a digit, 0 or '.'" : " is not a digit 1-9");
    if (n == kCells) return "more than 81 cells";
    out[n++] = v;
  }
  if (n != kCells) return "has " + std::to_string(n) + " cells, a board needs 81";
  return "";
}

// Reads `puzzle,solution` lines. limit = 0 reads all. Rejects (naming file and line) a
// wrong length, a non-digit, a solution that is not a valid grid or contradicts a given.
// `in` is the text of the file at `path` (named in messages).
inline Boards parse_boards(const std::string& path, std::istream& f, size_t limit = 0) {
  Boards b;
  b.path = path;
  std::string line;
  size_t lineno = 0;
  while (std::getline(f, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::string where = path + ":" + std::to_string(lineno) + ": ";
    size_t comma = line.find(',');
    AKORN_CHECK(comma != std::string::npos, where + "expected 'puzzle,solution' (81 digits each), found no comma");
    AKORN_CHECK(comma == 81 && line.size() == 163,
                where + "expected 81 digits, a comma and 81 digits (163 characters), found " +
                    std::to_string(line.size()) + " characters with the comma at " + std::to_string(comma + 1));
    std::int32_t p[kCells], s[kCells];
    for (int i = 0; i < kCells; ++i) {
      char a = line[i], c = line[82 + i];
      AKORN_CHECK(a >= '0' && a <= '9', where + "puzzle cell " + std::to_string(i + 1) + " is '" + std::string(1, a) + "', not a digit");
      AKORN_CHECK(c >= '1' && c <= '9', where + "solution cell " + std::to_string(i + 1) + " is '" + std::string(1, c) + "', not a digit 1-9");
      p[i] = a - '0';
      s[i] = c - '0';
    }
    AKORN_CHECK(valid_grid(s), where + "the solution is not a valid Sudoku grid");
    for (int i = 0; i < kCells; ++i)
      AKORN_CHECK(p[i] == 0 || p[i] == s[i], where + "the solution contradicts the given " + std::to_string(p[i]) +
                                                 " at row " + std::to_string(i / 9 + 1) + ", column " + std::to_string(i % 9 + 1));
    b.puzzles.insert(b.puzzles.end(), p, p + kCells);
    b.solutions.insert(b.solutions.end(), s, s + kCells);
    ++b.count;
    if (limit && b.count >= limit) break;
  }
  AKORN_CHECK(b.count > 0, path + ": no boards");
  return b;
}

inline Boards load_boards(const std::string& path, size_t limit = 0) {
  std::ifstream f(path);
  AKORN_CHECK(f.good(), path + ": cannot open");
  return parse_boards(path, f, limit);
}

inline std::string format_grid(const std::int32_t* g) {
  std::string s;
  for (int r = 0; r < 9; ++r) {
    if (r && r % 3 == 0) s += "------+-------+------\n";
    for (int c = 0; c < 9; ++c) {
      if (c && c % 3 == 0) s += "| ";
      int v = g[r * 9 + c];
      s += v ? static_cast<char>('0' + v) : '.';
      s += ' ';
    }
    s.back() = '\n';
  }
  return s;
}

}  // namespace akorn::sudoku
