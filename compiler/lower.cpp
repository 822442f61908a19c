// Lowering: parameters, automatic differentiation (which values need gradients and which
// ops run a backward step) and the op list both phases run. The per-op rules live in
// emit/op_*.cpp; this file only wires them together.
#include <algorithm>
#include <set>

#include "diag.hpp"
#include "import_map.hpp"
#include "program.hpp"

#include <akorn/format.hpp>

namespace akornc {

namespace {
// Names a spec may use that C++ or the generated code itself already means something by:
// the keywords and alternative tokens, macros of the C and C++ headers the code includes,
// and the generated code's own template parameters and locals
// (tests/compiler/valid_spec_fuzz.py draws its names from these).
const std::set<std::string>& cxx_reserved() {
  static const std::set<std::string> r = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
      "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
      "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete",
      "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
      "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
      "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
      "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct",
      "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename",
      "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
      "NULL", "EOF", "errno", "assert", "stdin", "stdout", "stderr", "INFINITY", "NAN", "BUFSIZ", "CHAR_BIT",
      "INT_MAX", "INT_MIN", "UINT_MAX", "SIZE_MAX", "FLT_MAX", "DBL_MAX", "HUGE_VAL", "offsetof", "unix", "linux",
      "S", "Be", "Spec", "M", "std", "akorn", "akorn_gen", "main"};
  return r;
}
}  // namespace

// One-to-one on the identifiers a spec may hold: a reserved name gets a '_' appended, and so
// does a name that is a reserved one followed by '_'s (so "int" -> "int_", "int_" -> "int__").
std::string ident(const std::string& name) {
  std::string s;
  for (char ch : name) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    s += ok ? ch : '_';
  }
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) s = "v_" + s;
  const size_t base = s.find_last_not_of('_');
  if (base != std::string::npos && cxx_reserved().count(s.substr(0, base + 1))) s += '_';
  return s;
}

std::string OpCtx::kt() const { return "K_" + ident(op().name); }

Program lower(const Graph& g, const LowerOptions& opt) {
  const Model& m = *g.model;
  Program prog;
  prog.graph = &g;
  prog.options = opt;

  // ---- ops, their values and phases
  for (const Op& op : m.ops) {
    LoweredOp lop;
    lop.op = &op;
    lop.impl = &lowering_for(op.kind);
    bool training_only = false;
    for (const auto& name : op.inputs) {
      int v = g.find(name);
      if (v < 0) fail(where(m, op) + ": input '" + name + "' has no value (internal error)");
      lop.in_values.push_back(v);
      training_only = training_only || g.values[v].training_only;
    }
    for (const auto& name : op.outputs) {
      lop.out_values.push_back(g.find(name));
      training_only = training_only || g.values[lop.out_values.back()].training_only;  // a loss
    }
    lop.in_infer = !training_only;
    lop.in_train = true;
    lop.in_needs_grad.assign(lop.in_values.size(), false);
    prog.ops.push_back(lop);
  }
  // Inference runs only the ops the model's outputs need: a contrastive model's projection
  // head, read by its loss alone, is training's.
  {
    std::vector<bool> needed(g.values.size(), false);
    for (const auto& name : m.outputs) needed[static_cast<size_t>(g.find(name))] = true;
    for (auto it = prog.ops.rbegin(); it != prog.ops.rend(); ++it) {
      bool feeds_output = false;
      for (int v : it->out_values) feeds_output = feeds_output || needed[static_cast<size_t>(v)];
      it->in_infer = it->in_infer && feeds_output;
      if (it->in_infer)
        for (int v : it->in_values) needed[static_cast<size_t>(v)] = true;
    }
  }

  // ---- parameters, in op order, each aligned to 16 elements (64-byte vectors)
  for (auto& lop : prog.ops) {
    OpCtx ctx{prog, lop};
    for (ParamDecl p : lop.impl->params(ctx)) {
      p.op = lop.op->index;
      p.name = lop.op->name + "." + p.name;
      p.offset = prog.param_elems;
      prog.param_elems += (p.elems() + 15) / 16 * 16;
      lop.params.push_back(static_cast<int>(prog.params.size()));
      prog.params.push_back(p);
    }
  }
  check_import_map(prog);  // the spec's name map must fit these parameters

  // ---- autodiff: a value needs a gradient when it depends on a trainable parameter (or
  // on a value that does) AND the loss depends on it.
  const size_t nv = g.values.size();
  std::vector<bool> depends_on_param(nv, false), reaches_loss(nv, false);
  for (auto& lop : prog.ops) {
    bool d = false;
    for (int p : lop.params) d = d || prog.params[p].trainable;
    for (int v : lop.in_values) d = d || depends_on_param[v];
    for (int v : lop.out_values)
      depends_on_param[v] = d && g.values[v].dtype == DType::F32;
  }
  if (g.loss_op >= 0)
    for (int v : prog.ops[g.loss_op].out_values) reaches_loss[v] = true;
  for (auto it = prog.ops.rbegin(); it != prog.ops.rend(); ++it) {
    bool r = false;
    for (int v : it->out_values) r = r || reaches_loss[v];
    if (r)
      for (int v : it->in_values) reaches_loss[v] = true;
  }
  prog.value_needs_grad.assign(nv, false);
  for (size_t v = 0; v < nv; ++v)
    prog.value_needs_grad[v] = depends_on_param[v] && reaches_loss[v];
  for (auto& lop : prog.ops) {
    bool any_out = false;
    for (int v : lop.out_values) any_out = any_out || prog.value_needs_grad[v];
    for (size_t i = 0; i < lop.in_values.size(); ++i)
      lop.in_needs_grad[i] = any_out && prog.value_needs_grad[lop.in_values[i]];
    lop.has_backward = any_out && g.loss_op >= 0;
  }

  // ---- plan: lifetimes of every buffer of a phase, then their places in the arena
  prog.infer_plan = plan_lifetimes(prog, Phase::Infer);
  place_buffers(prog.infer_plan);
  verify_plan(prog.infer_plan);
  if (g.loss_op >= 0) {
    prog.train_plan = plan_lifetimes(prog, Phase::Train);
    place_buffers(prog.train_plan);
    verify_plan(prog.train_plan);
  }
  return prog;
}

double arena_bytes(const Plan& plan, int batch) { return 4.0 * static_cast<double>(plan.total_elems) * batch; }

BudgetedProgram lower_within_budget(const Graph& g, const LowerOptions& opt, bool want_other, int batch,
                                    double max_bytes, const std::string& max_text) {
  using akorn::human_bytes;
  BudgetedProgram r{lower(g, opt), std::nullopt, "", "", ""};
  if (g.loss_op >= 0 && (want_other || max_bytes > 0)) {
    LowerOptions o2 = opt;
    o2.recompute_steps = !opt.recompute_steps;
    r.other = lower(g, o2);
  }
  if (max_bytes <= 0) return r;
  const std::string bstr = " at batch " + std::to_string(batch) + " ";
  const std::string limit = "--max-memory " + max_text;
  const std::string limit_b = limit + " (" + std::to_string(static_cast<long long>(max_bytes)) + " B)";
  if (g.loss_op >= 0) {
    const Program& stored = opt.recompute_steps ? *r.other : r.prog;
    const Program& recomputed = opt.recompute_steps ? r.prog : *r.other;
    const double st = arena_bytes(stored.train_plan, batch), rc = arena_bytes(recomputed.train_plan, batch);
    if (opt.recompute_steps) {
      if (rc > max_bytes) {
        r.error = "training arena " + human_bytes(rc) + bstr + "with --recompute exceeds " + limit + " (" +
                  human_bytes(st) + " with the Kuramoto steps stored)";
        return r;
      }
      r.verdict = "memory budget " + limit_b + ": training arena " + human_bytes(rc) + " (--recompute) fits";
    } else if (st <= max_bytes) {
      r.verdict = "memory budget " + limit_b + ": training arena " + human_bytes(st) + " fits with the Kuramoto steps stored";
    } else if (rc <= max_bytes) {
      r.note = "training arena " + human_bytes(st) + bstr + "exceeds " + limit +
               "; recomputing Kuramoto steps in the backward pass: " + human_bytes(rc);
      r.verdict = "memory budget " + limit_b + ": training arena " + human_bytes(st) +
                  " with the Kuramoto steps stored does not fit; " + human_bytes(rc) + " recomputed (--recompute) fits";
      std::swap(r.prog, *r.other);  // prog: the recompute plan (its options say so)
    } else {
      r.error = "training arena" + bstr + "exceeds " + limit + ": " + human_bytes(st) +
                " with the Kuramoto steps stored, " + human_bytes(rc) + " recomputed (--recompute)";
      return r;
    }
  }
  // Inference runs on its own arena: it must fit too (a model without a loss has only it).
  const double infer = arena_bytes(r.prog.infer_plan, batch);
  if (infer > max_bytes) {
    r.error = "inference arena " + human_bytes(infer) + bstr + "exceeds " + limit;
    return r;
  }
  if (g.loss_op < 0) r.verdict = "memory budget " + limit_b + ": inference arena " + human_bytes(infer) + " fits";
  return r;
}

}  // namespace akornc
