// Fuzzer: Sudoku boards, the `puzzle,solution` CSV of train / eval (boards.hpp) and the board
// text of `solve --board` (parse_cells), from the same bytes.
#include <sstream>

#include <akorn/tasks/sudoku/boards.hpp>

#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  akorn_fuzz::refused_or_accepted([&] {
    std::istringstream in(text);
    akorn::sudoku::Boards b = akorn::sudoku::parse_boards("fuzz.csv", in, size % 7);
    if (b.count > 1) akorn::sudoku::split_off_last(b, 1);
    for (size_t i = 0; i < b.count; ++i) (void)akorn::sudoku::givens(b.puzzle(i));
  });
  std::int32_t cells[akorn::sudoku::kCells];
  for (bool blank_ok : {false, true})
    if (akorn::sudoku::parse_cells(text, blank_ok, cells).empty()) (void)akorn::sudoku::valid_grid(cells);
  return 0;
}
