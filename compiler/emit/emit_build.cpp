// Emits main.cpp (the model's program) and CMakeLists.txt (a standalone build of the
// generated directory that needs only CMake, a C++17 compiler, OpenBLAS (none with
// -DAKORN_BLAS=builtin) and the runtime headers: no akornc, no flatc).
#include "emit.hpp"
#include "op_common.hpp"
#include "tasks/tasks.hpp"

namespace akornc {

// kTraining: false in the inference-only program <model>-infer (AKORN_INFER_ONLY), whose
// main.cpp and model_cuda.cu then compile no training code.
static void emit_training_switch(Writer& w) {
  w.line("#ifdef AKORN_INFER_ONLY  // <model>-infer: no training code");
  w.line("constexpr bool kTraining = false;");
  w.line("#else");
  w.line("constexpr bool kTraining = true;");
  w.line("#endif");
}

// Entry points of model_cuda.cu, named per model: "akorn_gen_<model>_cuda_<what>".
static std::string cuda_hook(const Program& prog, const std::string& what) {
  return "akorn_gen_" + ident(prog.graph->model->name) + "_cuda_" + what;
}

// The task's commands (Model.task): its header, and the template arguments that add them.
static void emit_task_include(Writer& w, const Program& prog) {
  if (const TaskInfo* t = find_task(*prog.graph->model))
    w.line(std::string("#include <") + t->header + ">  // task '" + t->name + "': " + t->summary);
}
static std::string task_args(const Program& prog) {
  const TaskInfo* t = find_task(*prog.graph->model);
  return t ? std::string(", ") + t->commands : std::string();
}

std::string emit_main_cpp(const Program& prog) {
  Writer w;
  w.line(emit_provenance(prog, "main.cpp"));
  w.line("// The model's command-line program: `" + prog.graph->model->name + " help` lists its commands.");
  w.line("#include <akorn/cli.hpp>");
  emit_task_include(w, prog);
  w.line();
  w.line("#include \"model.hpp\"");
  w.line();
  emit_training_switch(w);
  w.line();
  w.line("#ifdef AKORN_WITH_CUDA");
  w.line("// model_cuda.cu: the same commands on the GPU (built with -DAKORN_CUDA=ON)");
  w.line("int " + cuda_hook(prog, "devices") + "();");
  w.line("int " + cuda_hook(prog, "run") + "(int argc, char** argv);");
  w.line("#endif");
  w.line();
  w.open("int main(int argc, char** argv) {");
  w.line("akorn::cli::CudaHooks cuda;");
  w.line("#ifdef AKORN_WITH_CUDA");
  w.line("cuda.devices = " + cuda_hook(prog, "devices") + ";");
  w.line("cuda.run = " + cuda_hook(prog, "run") + ";");
  w.line("#endif");
  w.line("return akorn::cli::run<" + model_namespace(prog) + "::Spec, kTraining" + task_args(prog) + ">(argc, argv, cuda);");
  w.close();
  return w.str();
}

std::string emit_model_cuda(const Program& prog) {
  Writer w;
  w.line(emit_provenance(prog, "model_cuda.cu"));
  w.line("// The model's commands on the GPU: Model<float, akorn::cuda::Backend> (model.hpp) with the");
  w.line("// kernels of akorn/ops/<op>/cuda.cuh. main.cpp calls in here for --device cuda (or auto with a GPU).");
  w.line("#include <akorn/cli.hpp>");
  emit_task_include(w, prog);
  w.line("#include <akorn/cuda/backend.cuh>");
  w.line("#include <akorn/cuda/train_step.cuh>");
  w.line("#include <cstring>");
  w.line();
  w.line("#include \"model.hpp\"");
  w.line();
  emit_training_switch(w);
  w.line();
  w.line("int " + cuda_hook(prog, "devices") + "() { return akorn::cuda::device_count(); }");
  w.line();
  w.open("int " + cuda_hook(prog, "run") + "(int argc, char** argv) {");
  w.line("bool tf32 = false;");
  w.line("for (int i = 2; i + 1 < argc; ++i)");
  w.line("  if (std::strcmp(argv[i], \"--tf32\") == 0) tf32 = std::strcmp(argv[i + 1], \"yes\") == 0;");
  w.open("try {");
  w.line("akorn::cuda::init(0, tf32);");
  w.close("} catch (const std::exception& e) {");
  w.line("  std::fprintf(stderr, \"%s %s: error: %s\\n\", " + model_namespace(prog) + "::kModelName, argc > 1 ? argv[1] : \"\", e.what());");
  w.line("  return 1;");
  w.line("}");
  w.line("return akorn::cli::run_on<" + model_namespace(prog) + "::Spec, akorn::cuda::Backend, kTraining" + task_args(prog) +
         ">(argc, argv);");
  w.close();
  return w.str();
}

std::string emit_test_cuda(const Program& prog) {
  Writer w;
  w.line(emit_provenance(prog, "test_model_cuda.cu"));
  w.line("// GPU tests of this model (CTest label `gpu`; exit 77 = skipped when there is no GPU):");
  w.line("//   ops    every op on the GPU against the CPU, forward and backward, on identical inputs");
  w.line("//   train  10 training steps GPU against CPU (gradient, Adam moments, parameters and EMA");
  w.line("//          checked element-wise); stop, reload, continue on the GPU gives bit-identical");
  w.line("//          state; CUDA-graph replay equals plain launches");
  w.line("//   infer  inference at the trained T and at other T, GPU against CPU; the task's");
  w.line("//          drivers (its eval / solve / dump), when the spec names a task");
  w.line("#include <akorn/cuda/testing.cuh>");
  const TaskInfo* task = find_task(*prog.graph->model);
  if (task) w.line(std::string("#include <") + task->cuda_tests_header + ">  // task '" + task->name + "': its drivers");
  w.line();
  w.line("#include \"model.hpp\"");
  w.line();
  w.line("int main(int argc, char** argv) { return akorn::cuda::gpu_test_main<" + model_namespace(prog) + "::Spec" +
         (task ? std::string(", ") + task->cuda_tests : std::string()) + ">(argc, argv); }");
  return w.str();
}

std::string emit_cmake(const Program& prog) {
  const std::string name = prog.graph->model->name;
  const std::string id = ident(name);
  std::string p = emit_provenance(prog, "CMakeLists.txt");
  for (size_t i = 0; (i = p.find("//", i)) != std::string::npos;) p.replace(i, 2, "#");
  Writer w;
  w.line(p);
  w.line("# Standalone build of this generated model:");
  w.line("#   cmake -S . -B build -G Ninja -DAKORN_RUNTIME_DIR=<repo>/runtime/include && cmake --build build");
  w.line("#   ctest --test-dir build");
  w.line("cmake_minimum_required(VERSION 3.22)");
  w.line("project(akorn_model_" + id + " LANGUAGES CXX)");
  w.line("set(AKORN_RUNTIME_DIR \"${CMAKE_CURRENT_SOURCE_DIR}/../../runtime/include\" CACHE PATH \"akorn runtime headers\")");
  w.line("set(AKORN_GOLDEN_DIR \"\" CACHE PATH \"golden values from tools/make_golden.py (optional)\")");
  w.line("# the module every akorn build shares: AKORN_CPU_ARCH, AKORN_BLAS, akorn_runtime,");
  w.line("# akorn_enable_cuda, akorn_model_targets");
  w.line("if(NOT EXISTS \"${AKORN_RUNTIME_DIR}/akorn/runtime.hpp\" OR NOT EXISTS \"${AKORN_RUNTIME_DIR}/../cmake/AkornRuntime.cmake\")");
  w.line("  message(FATAL_ERROR \"AKORN_RUNTIME_DIR=${AKORN_RUNTIME_DIR} is not the akorn runtime's include directory \"");
  w.line("                      \"(no akorn/runtime.hpp and ../cmake/AkornRuntime.cmake there): pass \"");
  w.line("                      \"-DAKORN_RUNTIME_DIR=<repo>/runtime/include\")");
  w.line("endif()");
  w.line("include(${AKORN_RUNTIME_DIR}/../cmake/AkornRuntime.cmake)");
  w.line("# CUDA backend (-DAKORN_CUDA=ON): the program gains --device cuda; <model>_gpu_tests.");
  w.line("# Architectures are named, never detected: CMAKE_CUDA_ARCHITECTURES, default below");
  w.line("# (the presets in targets/ set theirs: desktop, jetson-orin 87, jetson-thor 110).");
  w.line("option(AKORN_CUDA \"build the CUDA backend\" OFF)");
  w.line("if(AKORN_CUDA)");
  w.line("  # 75 Turing, 80 A100, 86 RTX 30xx, 89 RTX 40xx / L4, 90 H100 / H200, 100 B200, 120 RTX 50xx;");
  w.line("  # -real: machine code only; PTX only for the newest, which later GPUs compile at load time");
  w.line("  akorn_enable_cuda(\"75-real;80-real;86-real;89-real;90-real;100-real;120\")");
  w.line("endif()");
  w.line("enable_testing()");
  w.line("# " + name + " (every command) and " + name + "-infer (inference only, the smaller binary to");
  w.line("# deploy), " + name + "_tests and, with AKORN_CUDA, " + name + "_gpu_tests (skipped without a GPU)");
  w.line(std::string("akorn_model_targets(NAME ") + name + " DIR ${CMAKE_CURRENT_SOURCE_DIR} INFER_BINARY" +
         (prog.graph->loss_op >= 0 ? "" : " NO_TRAINING") + " GOLDEN \"${AKORN_GOLDEN_DIR}\")");
  return w.str();
}

}  // namespace akornc
