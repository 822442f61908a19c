// The tasks a model can be compiled for (Model.task, schema revision 3). A task adds its
// commands to the model's program (runtime/include/akorn/tasks/<name>/commands.hpp); the
// compiler only checks that the model has the interface the task needs and names the
// header and the type that main.cpp includes. One file per task in this directory.
#pragma once
#include <string>

#include "ir.hpp"

namespace akornc {

struct TaskInfo {
  const char* name;      // as written in Model.task
  const char* header;    // included by the generated main.cpp / model_cuda.cu
  const char* commands;  // the C++ type handed to akorn::cli::run
  const char* summary;   // one line for messages and the provenance header
  const char* cuda_tests_header;  // included by the generated test_model_cuda.cu
  const char* cuda_tests;         // the C++ type handed to akorn::cuda::gpu_test_main
  // Throws CompileError naming the spec when the model lacks the task's interface.
  void (*check)(const Model& m, const Graph& g);
};

// The task named by Model.task, or nullptr when the spec names none; an unknown name fails
// with the list of known tasks.
const TaskInfo* find_task(const Model& m);

// Every task (the table, for messages and tests).
const TaskInfo* const* all_tasks(int* count);

// Called by check_model: the named task's interface check (nothing when no task is named).
void check_task(const Model& m, const Graph& g);

}  // namespace akornc
