// The lowered program: what the back end needs after parse -> check.
//   lower  (lower.cpp):   parameters, which values need gradients (autodiff), the schedule of
//                         forward and backward steps, and every buffer each step needs;
//   plan   (plan.cpp):    liveness and arena offsets for the inference and training phases;
//   emit   (emit/*.cpp):  C++ source, CMake file and tests.
// Sizes of activations are in elements PER SAMPLE: every arena buffer scales with the batch
// size N, so an offset planned per sample is valid for any N once multiplied by N.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ir.hpp"

namespace akornc {

class Writer;

enum class Phase { Infer, Train };

// A parameter tensor ("<op>.<param>"), stored at `offset` in one flat parameter array.
struct ParamDecl {
  std::string name;           // full name, e.g. "klayer.J.w_qkv"
  std::string local;          // C++ identifier inside the op's code, e.g. "w_qkv"
  std::vector<int> shape;
  bool trainable = true;
  // Initialisation (docs/OPS.md): kind plus arguments.
  enum class Init { Uniform, Normal, Const, Gta, Omega, SinCos2d } init = Init::Const;
  double a = 0.0;             // Uniform bound / Normal std / Const value / Omega init
  int gta_h = 0, gta_w = 0, gta_hd = 0;
  int64_t offset = 0;         // filled by lower
  int op = -1;
  int64_t elems() const {
    int64_t e = 1;
    for (int d : shape) e *= d;
    return e;
  }
};

// A buffer an op needs besides its inputs and outputs.
struct BufReq {
  std::string role;           // C++ identifier inside the op's code ("saved", "ws", "X", ...)
  int64_t elems = 0;          // per sample
  enum Life { FwdWs, Saved, BwdWs } life = FwdWs;  // FwdWs: during forward only; Saved: forward
                                                   // until backward; BwdWs: during backward only
  std::string what;           // comment for the generated code
};

// What a planned buffer holds: a value, a value's gradient, or a buffer an op asked for
// (BufReq, by role). The plan and the emitter find buffers by this key, never by name.
struct BufferKey {
  enum class Kind { Value, Grad, OpBuffer };
  Kind kind = Kind::Value;
  int index = -1;             // Graph::values index (Value, Grad) or the op's index (OpBuffer)
  std::string role;           // OpBuffer: BufReq::role
  static BufferKey value(int v) { return {Kind::Value, v, {}}; }
  static BufferKey grad(int v) { return {Kind::Grad, v, {}}; }
  static BufferKey op_buffer(int op, const std::string& role) { return {Kind::OpBuffer, op, role}; }
  bool operator==(const BufferKey& o) const { return kind == o.kind && index == o.index && role == o.role; }
};

// One buffer of the arena plan: its lifetime (plan_lifetimes), then its place (place_buffers).
struct PlannedBuffer {
  BufferKey key;
  std::string name;           // for people and the generated tables: "value h1", "grad h1", "klayer: X"
  std::string ident;          // C++ identifier used in generated tables
  int64_t elems = 0;          // per sample
  int first = 0, last = 0;    // schedule steps during which it is live (inclusive)
  int64_t offset = -1;        // per sample, filled by place_buffers
};

// The steps of one phase, stored once: the plan's lifetimes, the emitted schedules and the
// emitter's "first writer zeroes the gradient" all read it.
struct Schedule {
  std::vector<int> fwd_step, bwd_step;  // per op (Program::ops order): its step, or -1
  std::vector<std::string> step_names;  // "forward klayer", "backward head", ...
  int steps = 0;
};

struct Plan {
  Phase phase = Phase::Infer;
  Schedule schedule;
  std::vector<PlannedBuffer> buffers;
  int64_t total_elems = 0;    // per sample
  int find(const BufferKey& key) const {
    for (size_t i = 0; i < buffers.size(); ++i)
      if (buffers[i].key == key) return static_cast<int>(i);
    return -1;
  }
};

struct LowerOptions {
  bool recompute_steps = false;   // recompute Kuramoto J-intermediates in the backward pass
  std::string command_line;       // for provenance headers
};

struct OpLowering;

struct LoweredOp {
  const Op* op = nullptr;
  const OpLowering* impl = nullptr;
  std::vector<int> in_values, out_values;   // indices into Graph::values
  std::vector<int> params;                  // indices into Program::params
  bool has_backward = false;                // computes some gradient
  std::vector<bool> in_needs_grad;          // per input
  bool in_train = true, in_infer = true;    // ops on training-only values run only in training
};

struct Program {
  const Graph* graph = nullptr;
  LowerOptions options;
  std::vector<ParamDecl> params;
  int64_t param_elems = 0;
  std::vector<LoweredOp> ops;
  std::vector<bool> value_needs_grad;       // per Graph value
  Plan infer_plan, train_plan;
};

std::string ident(const std::string& name);

// Context handed to one op's lowering: shapes and the names the emitted code uses.
struct OpCtx {
  const Program& prog;
  const LoweredOp& lop;
  const Op& op() const { return *lop.op; }
  const Value& in(int i) const { return prog.graph->values[lop.in_values[i]]; }
  const Value& out(int i) const { return prog.graph->values[lop.out_values[i]]; }
  int num_in() const { return static_cast<int>(lop.in_values.size()); }
  int num_out() const { return static_cast<int>(lop.out_values.size()); }
  bool in_grad(int i) const { return lop.in_needs_grad[i]; }
  const ParamDecl* param(const std::string& local) const {
    const std::string id = ident(local);  // accepts "J.w_qkv" or "J_w_qkv"
    for (int p : lop.params)
      if (prog.params[p].local == id) return &prog.params[p];
    return nullptr;
  }
  bool param_trainable(const std::string& local) const {
    const ParamDecl* p = param(local);
    return p && p->trainable;
  }
  std::string kt() const;   // the op's kernel-type alias name, e.g. "K_klayer"
};

// One per op kind (ops/<op>.cpp, reached through its OpDef). Names used by emitted code, bound by the emitter:
//   inputs/outputs: in_names()/out_names() (const S* / S*), their gradients "d_<name>" (S*,
//   nullptr when not needed), parameters by local name and "d_<local>" (nullptr when not
//   trainable), buffers by role; N = batch; for Kuramoto in inference, `steps` (runtime T).
struct OpLowering {
  virtual ~OpLowering() = default;
  virtual std::vector<std::string> in_names(const OpCtx&) const = 0;
  virtual std::vector<std::string> out_names(const OpCtx&) const = 0;
  virtual std::vector<ParamDecl> params(const OpCtx&) const { return {}; }
  virtual std::vector<BufReq> buffers(const OpCtx&, Phase) const { return {}; }
  // Which forward tensors the backward pass reads (they are kept alive until then).
  virtual bool bwd_needs_input(const OpCtx&, int) const { return true; }
  virtual bool bwd_needs_output(const OpCtx&, int) const { return true; }
  // Outputs written straight to the caller (never in the arena), e.g. the energy trace.
  virtual bool output_is_external(const OpCtx&, int) const { return false; }
  // T of an op that unrolls steps (Kuramoto, IteratedSelfAttention), else 0: its inference
  // reads the run's `steps` (0 = T), and the largest is the model's trained T.
  virtual int unrolled_steps(const OpCtx&) const { return 0; }
  // The smallest batch at which the op's gradient says something (the model's grad-model test
  // runs at the largest over its ops, at least 2).
  virtual int gradient_check_batch(const OpCtx&) const { return 2; }
  // Kernel type aliases {suffix, type}: alias "K_<op>" + suffix = "akorn::Conv2d<S, 9, ...>".
  virtual std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx&) const = 0;
  virtual std::string summary(const OpCtx&) const = 0;       // one line for comments and `check`
  virtual void emit_forward(const OpCtx&, Writer&, Phase) const = 0;
  virtual void emit_backward(const OpCtx&, Writer&) const = 0;
};

const OpLowering& lowering_for(OpKind kind);

Program lower(const Graph& g, const LowerOptions& opt);   // lower.cpp (also runs plan)

// The memory budget (--max-memory): the model lowered as `opt` asks, or, when its training
// arena at `batch` does not fit `max_bytes` and the --recompute one does, with the Kuramoto
// steps recomputed (`note` says so, for stderr). `other`: the opposite --recompute setting
// (lowered when `want_other` or a budget is given); `verdict`: the budget line for `check`;
// `error`: non-empty when nothing fits.
struct BudgetedProgram {
  Program prog;
  std::optional<Program> other;
  std::string verdict, note, error;
};
BudgetedProgram lower_within_budget(const Graph& g, const LowerOptions& opt, bool want_other, int batch,
                                    double max_bytes, const std::string& max_text);
double arena_bytes(const Plan& p, int batch);             // float32 arena of a plan at `batch`

Schedule plan_schedule(const Program& prog, Phase phase); // plan.cpp: the steps of a phase
Plan plan_lifetimes(const Program& prog, Phase phase);    // every buffer and its live steps
void place_buffers(Plan& plan);                           // greedy by size: the offsets
void verify_plan(const Plan& plan);                       // throws CompileError on overlap
std::string format_plan(const Plan& plan, int batch);     // human-readable table

// C++ identifier from a user name: [A-Za-z0-9_], not starting with a digit.
std::string ident(const std::string& name);

}  // namespace akornc
