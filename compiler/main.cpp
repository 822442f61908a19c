// akornc: the AKOrN model compiler.
//   akornc check SPEC [--batch N] [--plan] [--recompute] [--max-memory SIZE]
//   akornc compile SPEC -o DIR [--recompute] [--max-memory SIZE [--batch N]]
// Stages: parse (parse.cpp) -> check: validate + shapes (check/) -> lower: params + autodiff
// (lower.cpp) -> plan (plan.cpp) -> emit (emit/). Every error is one line naming the file,
// the op and the field; the exit status is 1 for a bad spec, 2 for bad usage.
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include <akorn/format.hpp>

#include "check/check.hpp"
#include "diag.hpp"
#include "emit/emit.hpp"
#include "emit/writer.hpp"
#include "parse.hpp"
#include "program.hpp"

using namespace akornc;

namespace {

int usage() {
  std::fprintf(stderr,
               "akornc " AKORN_VERSION ": compiles AKOrN model specs (FlatBuffers JSON or .akorn binary) to C++\n"
               "usage:\n"
               "  akornc check SPEC [--batch N] [--plan] [--recompute] [--max-memory SIZE]\n"
               "      validate, print every op with its shapes, the parameter count and the arena\n"
               "      bytes for inference and training at batch N (default 1); --plan prints the\n"
               "      memory plans buffer by buffer\n"
               "  akornc compile SPEC -o DIR [--recompute] [--max-memory SIZE [--batch N]]\n"
               "      write model.hpp, main.cpp, test_model.cpp, CMakeLists.txt, model_cuda.cu and test_model_cuda.cu into DIR\n"
               "  --recompute: recompute the Kuramoto steps' intermediates in the backward pass\n"
               "      instead of storing them (less memory, one more J evaluation per step)\n"
               "  --max-memory SIZE: the arena (float32, at --batch N) must fit in SIZE (512MiB, 2GiB,\n"
               "      1.5GB, 1000000 = bytes); when the training arena with the Kuramoto steps stored\n"
               "      does not and the --recompute one does, the steps are recomputed (said on stderr);\n"
               "      when neither does, exit 1\n");
  return 2;
}

// "512MiB", "2GiB", "1.5GB", "2 GiB", "1000000" (bytes) -> bytes. Binary (KiB..TiB) and
// decimal (kB..TB) units, case-insensitive; a bare number must be a whole byte count.
bool parse_size(const std::string& text, double& bytes) {
  size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  std::string num = text.substr(0, i), unit;
  for (size_t j = i; j < text.size(); ++j)
    if (!(j == i && text[j] == ' ')) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(text[j])));
  if (num.empty() || num[0] == '.' || num.find('.') != num.rfind('.') || num.back() == '.') return false;
  const double v = std::strtod(num.c_str(), nullptr);
  static const std::pair<const char*, double> units[] = {
      {"", 1.0},           {"b", 1.0},          {"kb", 1e3},         {"mb", 1e6},
      {"gb", 1e9},         {"tb", 1e12},        {"kib", 1024.0},     {"mib", 1048576.0},
      {"gib", 1073741824.0}, {"tib", 1099511627776.0}};
  for (const auto& [name, scale] : units) {
    if (unit != name) continue;
    if (scale == 1.0 && num.find('.') != std::string::npos) return false;  // fractional bytes
    bytes = std::floor(v * scale);
    return bytes >= 1.0 && bytes < 1e18;
  }
  return false;
}

using akorn::human_bytes;

// `other`: the same model lowered with the opposite --recompute setting (training arena with
// and without recompute); `budget`: the --max-memory verdict line, or empty.
void print_check(const Program& prog, const Program& other, int batch, bool show_plan, const std::string& budget) {
  const Graph& g = *prog.graph;
  const Model& m = *g.model;
  std::printf("model '%s' (%s), spec sha256 %s\n", m.name.c_str(), m.path.c_str(), m.spec_hash.c_str());
  std::printf("inputs:\n");
  for (const auto& in : m.inputs)
    std::printf("  %-12s %-6s %s%s\n", in.name.c_str(), in.dtype == DType::I32 ? "int32" : "float",
                shape_str(in.shape).c_str(), in.training_only ? "  (training only)" : "");
  std::printf("ops:\n");
  for (const auto& lop : prog.ops) {
    OpCtx ctx{prog, lop};
    std::string ins, outs;
    for (int v : lop.in_values) ins += (ins.empty() ? "" : ", ") + g.values[v].name + shape_str(g.values[v].shape);
    for (int v : lop.out_values) outs += (outs.empty() ? "" : ", ") + g.values[v].name + shape_str(g.values[v].shape);
    int64_t np = 0;
    for (int p : lop.params) np += prog.params[p].elems();
    std::printf("  %2d %-12s %-16s %s -> %s\n", lop.op->index, lop.op->name.c_str(), op_kind_name(lop.op->kind),
                ins.c_str(), outs.c_str());
    std::printf("     %s; %lld params%s\n", lop.impl->summary(ctx).c_str(), static_cast<long long>(np),
                lop.in_infer ? "" : "; training only");
  }
  int64_t trainable = 0, total = 0;
  for (const auto& p : prog.params) {
    total += p.elems();
    if (p.trainable) trainable += p.elems();
  }
  std::printf("parameters: %lld (%lld trainable), %s as float32\n", static_cast<long long>(total),
              static_cast<long long>(trainable), human_bytes(4.0 * static_cast<double>(total)).c_str());
  std::printf("arena at batch %d (float32): inference %s", batch,
              human_bytes(4.0 * static_cast<double>(prog.infer_plan.total_elems) * batch).c_str());
  if (g.loss_op >= 0)
    std::printf(", training %s (%s)", human_bytes(4.0 * static_cast<double>(prog.train_plan.total_elems) * batch).c_str(),
                prog.options.recompute_steps ? "Kuramoto steps recomputed in the backward pass"
                                             : "Kuramoto steps stored");
  std::printf("\n");
  if (g.loss_op >= 0) {
    const Program& stored = prog.options.recompute_steps ? other : prog;
    const Program& recomputed = prog.options.recompute_steps ? prog : other;
    std::printf("training arena at batch %d: %s with the Kuramoto steps stored, %s recomputed (--recompute)\n",
                batch, human_bytes(arena_bytes(stored.train_plan, batch)).c_str(),
                human_bytes(arena_bytes(recomputed.train_plan, batch)).c_str());
  }
  if (!budget.empty()) std::printf("%s\n", budget.c_str());
  if (g.loss_op >= 0)
    std::printf("training also holds gradients and Adam state: %s\n",
                human_bytes(3.0 * 4.0 * static_cast<double>(prog.param_elems)).c_str());
  if (show_plan) {
    std::printf("inference plan (%zu buffers, %d steps):\n%s", prog.infer_plan.buffers.size(), prog.infer_plan.schedule.steps,
                format_plan(prog.infer_plan, batch).c_str());
    if (g.loss_op >= 0)
      std::printf("training plan (%zu buffers, %d steps):\n%s", prog.train_plan.buffers.size(), prog.train_plan.schedule.steps,
                  format_plan(prog.train_plan, batch).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage();
    return 0;
  }
  if (cmd == "--version") {
    std::printf("akornc " AKORN_VERSION "\n");
    return 0;
  }
  if (cmd != "check" && cmd != "compile") {
    std::fprintf(stderr, "akornc: unknown command '%s'\n", cmd.c_str());
    return usage();
  }
  std::string spec, out_dir;
  // The batch for the arena numbers and --max-memory. Specs carry no training batch size
  // (the program's `train --batch` chooses it at run time), so the default is 1.
  int batch = 1;
  bool batch_given = false;
  std::string max_memory_text;  // as given, for messages and provenance
  double max_memory = 0;        // bytes; 0 = no budget
  bool show_plan = false;
  LowerOptions opt;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-o" && i + 1 < argc) {
      out_dir = argv[++i];
    } else if (a == "--batch" && i + 1 < argc) {
      char* end = nullptr;
      long b = std::strtol(argv[++i], &end, 10);
      if (!end || *end || b < 1 || b > 1000000) {
        std::fprintf(stderr, "akornc: --batch needs a whole number in [1, 1000000], got '%s'\n", argv[i]);
        return 2;
      }
      batch = static_cast<int>(b);
      batch_given = true;
    } else if (a == "--max-memory") {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "akornc: --max-memory needs a size such as 512MiB, 2GiB, 1.5GB or 1000000 (bytes)\n");
        return 2;
      }
      max_memory_text = argv[++i];
      if (!parse_size(max_memory_text, max_memory)) {
        std::fprintf(stderr,
                     "akornc: --max-memory needs a size such as 512MiB, 2GiB, 1.5GB or 1000000 (bytes), got '%s'\n",
                     argv[i]);
        return 2;
      }
    } else if (a == "--plan") {
      show_plan = true;
    } else if (a == "--recompute") {
      opt.recompute_steps = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "akornc: unknown option '%s'\n", a.c_str());
      return usage();
    } else if (spec.empty()) {
      spec = a;
    } else {
      std::fprintf(stderr, "akornc: unexpected argument '%s'\n", a.c_str());
      return usage();
    }
  }
  if (spec.empty()) return usage();
  if (cmd == "compile" && out_dir.empty()) {
    std::fprintf(stderr, "akornc: compile needs -o DIR\n");
    return 2;
  }
  // Provenance names the spec by its file name only, so output does not depend on where
  // the repository lies (CI compares regenerated files with the committed ones).
  std::string base = spec.substr(spec.find_last_of('/') == std::string::npos ? 0 : spec.find_last_of('/') + 1);
  opt.command_line = "akornc " + cmd + " " + base + (opt.recompute_steps ? " --recompute" : "");
  if (max_memory > 0)  // the budget decides --recompute: the command must say so to reproduce
    opt.command_line += " --max-memory " + max_memory_text + (batch_given ? " --batch " + std::to_string(batch) : "");
  try {
    Model model = load_model(spec);
    Graph graph = check_model(model);
    BudgetedProgram bp = lower_within_budget(graph, opt, cmd == "check", batch, max_memory, max_memory_text);
    if (!bp.error.empty()) {
      std::fprintf(stderr, "akornc: %s\n", bp.error.c_str());
      return 1;
    }
    if (!bp.note.empty()) std::fprintf(stderr, "akornc: %s\n", bp.note.c_str());
    Program& prog = bp.prog;
    const std::optional<Program>& other = bp.other;
    const std::string& budget = bp.verdict;
    if (cmd == "check") {
      print_check(prog, other ? *other : prog, batch, show_plan, budget);
      return 0;
    }
    std::vector<std::pair<std::string, std::string>> files = {
        {"model.hpp", emit_model_hpp(prog)},
        {"main.cpp", emit_main_cpp(prog)},
        {"test_model.cpp", emit_test_cpp(prog)},
        {"CMakeLists.txt", emit_cmake(prog)},
        {"model_cuda.cu", emit_model_cuda(prog)},
        {"test_model_cuda.cu", emit_test_cuda(prog)},
    };
    write_output_dir(prog, out_dir, files);
    return 0;
  } catch (const CompileError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%s: out of memory while compiling\n", spec.c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: internal error: %s\n", spec.c_str(), e.what());
    return 1;
  }
}
