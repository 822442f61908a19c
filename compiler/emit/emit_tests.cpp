// Emits test_model.cpp: the model's own tests, driven by runtime/include/akorn/testing.hpp.
//   test_model plan            both memory plans: no overlapping live buffers, and the schedule
//                              with every buffer poisoned outside its live steps gives the
//                              bits of an ordinary run
//   test_model grad-ops [K]    every op with a backward pass alone, double precision,
//                              finite differences on K probes per tensor
//   test_model grad-model [K]  the whole training graph (loss) the same way
//   test_model golden DIR [P]  forward values against the NumPy reference's files, every
//                              case of DIR (P = infer or train: only the cases of that path)
#include <algorithm>
#include <climits>

#include "../diag.hpp"
#include "emit.hpp"
#include "op_common.hpp"

namespace akornc {

namespace {

struct TestEmitter {
  const Program& prog;
  const Graph& g;
  const Model& m;

  explicit TestEmitter(const Program& p) : prog(p), g(*p.graph), m(*p.graph->model) {}

  // The offset of a plan buffer as the generated test reads it from the emitted plan table
  // (k<Table>[i].offset), or -1 for none.
  static std::string off(const Plan& plan, const char* table, const BufferKey& key) {
    int i = plan.find(key);
    return i < 0 ? "-1" : std::string(table) + "[" + S(i) + "].offset";
  }

  std::string emit() const {
    Writer w;
    w.line(emit_provenance(prog, "test_model.cpp"));
    w.line("#include <cstdlib>");
    w.line("#include <cstring>");
    w.line("#include <string>");
    w.line();
    w.line("#include <akorn/testing.hpp>");
    w.line();
    w.line("#include \"model.hpp\"");
    w.line();
    w.line("using namespace " + model_namespace(prog) + ";");
    w.line("using akorn::testing::Buf;");
    w.line("using akorn::testing::GoldenStep;");
    w.line("using akorn::testing::Report;");
    w.line();
    w.line("// valid token ranges of the int32 inputs (kInputs: what the ops that read them accept)");
    w.open("static const std::vector<akorn::testing::TokenRange> kTokenRanges = {");
    for (size_t i = 0; i < m.inputs.size(); ++i)
      w.line("{int(kInputs[" + S(static_cast<int>(i)) + "].token_lo), int(kInputs[" + S(static_cast<int>(i)) +
             "].token_hi)},  // " + m.inputs[i].name);
    w.close("};");
    w.line();
    emit_grad_ops(w);
    emit_golden(w);
    w.open("int main(int argc, char** argv) {");
    w.line("const std::string mode = argc > 1 ? argv[1] : \"\";");
    w.line("const int probes = argc > 2 && mode != \"golden\" ? std::atoi(argv[2]) : 4;");
    w.line("Report rep;");
    w.open("try {");
    w.line("if (mode == \"plan\") akorn::testing::check_plans<Spec>(kTokenRanges, rep);");
    if (g.loss_op >= 0) {
      w.line("else if (mode == \"grad-ops\") grad_ops(rep, probes);");
      w.line("else if (mode == \"grad-model\") akorn::testing::check_model_gradients<Spec>(kTokenRanges, " +
             S(gradient_check_batch()) + ", probes, rep);");
    }
    w.open("else if (mode == \"golden\" && argc > 2) {");
    w.line("const std::vector<std::string> paths(argv + 3, argv + argc);  // e.g. \"train\": only those cases");
    w.line("akorn::testing::check_golden<Spec, double>(argv[2], paths, golden_infer<double>(), golden_train<double>(), 1e-9, \"double\", rep);");
    w.line("akorn::testing::check_golden<Spec, float>(argv[2], paths, golden_infer<float>(), golden_train<float>(), 5e-4, \"float\", rep);");
    w.close();
    w.open("else {");
    w.line("std::fprintf(stderr, \"usage: %s plan | grad-ops [probes] | grad-model [probes] | golden DIR [infer|train]\\n\", argv[0]);");
    w.line("return 2;");
    w.close();
    w.close("} catch (const std::exception& e) {");
    w.indent(1);
    w.line("std::fprintf(stderr, \"error: %s\\n\", e.what());");
    w.line("rep.check(false, std::string(\"no exception: \") + e.what());");
    w.close();
    w.line("return rep.finish();");
    w.close();
    return w.str();
  }

  // The batch of the gradient checks: 2, or more where an op needs it (NT-Xent: 4).
  int gradient_check_batch() const {
    int batch = 2;
    for (const LoweredOp& lop : prog.ops) batch = std::max(batch, lop.impl->gradient_check_batch(OpCtx{prog, lop}));
    return batch;
  }

  void emit_grad_ops(Writer& w) const {
    if (g.loss_op < 0) return;
    const Plan& tp = prog.train_plan;
    w.line("// Every op with a backward pass, alone: inputs and outputs at their training-plan offsets.");
    w.open("static void grad_ops(Report& rep, int probes) {");
    w.line("using M = Model<double>;");
    for (const auto& lop : prog.ops) {
      if (!lop.has_backward) continue;
      OpCtx ctx{prog, lop};
      const std::string id = ident(lop.op->name);
      w.open("{");
      w.line("akorn::testing::OpCase<Spec> c;");
      w.line("c.name = \"" + lop.op->name + "\";");
      std::string ins;
      for (size_t i = 0; i < lop.in_values.size(); ++i) {
        const Value& v = g.values[lop.in_values[i]];
        if (v.dtype != DType::F32) continue;
        int mi = -1;
        for (size_t k = 0; k < m.inputs.size(); ++k)
          if (m.inputs[k].name == v.name) mi = static_cast<int>(k);
        const std::string o = mi >= 0 ? "-1" : off(tp, "kTrainPlan", BufferKey::value(lop.in_values[i]));
        const std::string go = lop.in_needs_grad[i] ? off(tp, "kTrainPlan", BufferKey::grad(lop.in_values[i])) : "-1";
        ins += "{\"" + v.name + "\", " + o + ", " + S(v.elems()) + ", " + go + ", " + S(mi) + "}, ";
      }
      w.line("c.inputs = {" + ins + "};");
      std::string outs;
      for (size_t o = 0; o < lop.out_values.size(); ++o) {
        if (lop.impl->output_is_external(ctx, static_cast<int>(o))) continue;
        const Value& v = g.values[lop.out_values[o]];
        if (!prog.value_needs_grad[lop.out_values[o]]) continue;
        outs += "{\"" + v.name + "\", " + off(tp, "kTrainPlan", BufferKey::value(lop.out_values[o])) + ", " + S(v.elems()) + ", " +
                off(tp, "kTrainPlan", BufferKey::grad(lop.out_values[o])) + ", -1}, ";
      }
      w.line("c.outputs = {" + outs + "};");
      std::string ps;
      for (int p : lop.params) ps += S(p) + ", ";
      w.line("c.params = {" + ps + "};");
      if (lop.op->index == g.loss_op) w.line("c.is_loss = true;");
      w.line("c.fwd = [](M& m) { m.fwd_" + id + "(); };");
      w.line("c.bwd = [](M& m) { m.bwd_" + id + "(); };");
      w.line("akorn::testing::check_op_gradients<Spec>(c, kTokenRanges, " + S(gradient_check_batch()) + ", probes, rep);");
      w.close();
    }
    w.close();
    w.line();
  }

  void emit_golden_steps(Writer& w, Phase ph) const {
    const Plan& p = ph == Phase::Infer ? prog.infer_plan : prog.train_plan;
    const char* table = ph == Phase::Infer ? "kInferPlan" : "kTrainPlan";
    std::string prefix = ph == Phase::Infer ? "inf_" : "fwd_";
    w.line("using M = Model<S>;");
    w.line("std::vector<GoldenStep<Spec, S>> steps;");
    for (const auto& lop : prog.ops) {
      if (ph == Phase::Infer && !lop.in_infer) continue;
      OpCtx ctx{prog, lop};
      std::string vals;
      for (size_t o = 0; o < lop.out_values.size(); ++o) {
        if (lop.impl->output_is_external(ctx, static_cast<int>(o))) continue;
        const Value& v = g.values[lop.out_values[o]];
        const bool per_batch = static_cast<int>(lop.op->index) == g.loss_op;  // the loss: one number per batch
        vals += "{\"" + v.name + "\", " + off(p, table, BufferKey::value(lop.out_values[o])) + ", " + S(v.elems()) + ", " + B(per_batch) +
                "}, ";
      }
      w.line("steps.push_back({\"" + lop.op->name + "\", [](M& m) { m." + prefix + ident(lop.op->name) + "(); }, {" +
             vals + "}});");
    }
    w.line("return steps;");
  }

  void emit_golden(Writer& w) const {
    w.line("// Op by op, with the values each op writes (compared when the golden directory has them).");
    w.open("template <typename S> static std::vector<GoldenStep<Spec, S>> golden_infer() {");
    emit_golden_steps(w, Phase::Infer);
    w.close();
    w.open("template <typename S> static std::vector<GoldenStep<Spec, S>> golden_train() {");
    if (g.loss_op >= 0)
      emit_golden_steps(w, Phase::Train);
    else
      w.line("return {};");
    w.close();
    w.line();
  }
};

}  // namespace

std::string emit_test_cpp(const Program& prog) { return TestEmitter(prog).emit(); }

}  // namespace akornc
