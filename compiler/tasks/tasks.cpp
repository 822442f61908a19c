// The table of tasks (see tasks.hpp).
#include "tasks.hpp"

#include "diag.hpp"

namespace akornc {

extern const TaskInfo kSudokuTask;   // sudoku.cpp
extern const TaskInfo kObjectsTask;  // objects.cpp

namespace {
const TaskInfo* const kTasks[] = {&kSudokuTask, &kObjectsTask};
}

const TaskInfo* const* all_tasks(int* count) {
  *count = static_cast<int>(sizeof(kTasks) / sizeof(kTasks[0]));
  return kTasks;
}

const TaskInfo* find_task(const Model& m) {
  if (m.task.empty()) return nullptr;
  std::string known;
  for (const TaskInfo* t : kTasks) {
    if (m.task == t->name) return t;
    known += std::string(known.empty() ? "" : ", ") + "'" + t->name + "'";
  }
  std::string shown;
  for (size_t i = 0; i < m.task.size() && i < 64; ++i) {
    const unsigned char ch = static_cast<unsigned char>(m.task[i]);
    shown += ch >= 0x20 && ch < 0x7f ? static_cast<char>(ch) : '?';
  }
  fail(m.path + ": task '" + shown + (m.task.size() > 64 ? "..." : "") + "' is not a task akornc knows (known: " +
       known + "; leave 'task' out for a model with the generic commands only)");
}

void check_task(const Model& m, const Graph& g) {
  if (const TaskInfo* t = find_task(m)) t->check(m, g);
}

}  // namespace akornc
