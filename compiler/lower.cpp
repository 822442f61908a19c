// Lowering: parameters, automatic differentiation (which values need gradients and which
// ops run a backward step) and the op list both phases run. The per-op rules live in
// emit/op_*.cpp; this file only wires them together.
#include <algorithm>

#include "diag.hpp"
#include "import_map.hpp"
#include "program.hpp"

namespace akornc {

std::string ident(const std::string& name) {
  std::string s;
  for (char ch : name) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    s += ok ? ch : '_';
  }
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) s = "v_" + s;
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
    for (const auto& name : op.outputs) lop.out_values.push_back(g.find(name));
    lop.in_infer = !training_only;
    lop.in_train = true;
    lop.in_needs_grad.assign(lop.in_values.size(), false);
    prog.ops.push_back(lop);
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

  prog.infer_plan = plan_memory(prog, Phase::Infer);
  verify_plan(prog.infer_plan);
  if (g.loss_op >= 0) {
    prog.train_plan = plan_memory(prog, Phase::Train);
    verify_plan(prog.train_plan);
  }
  return prog;
}

}  // namespace akornc
