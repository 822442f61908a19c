// CrossEntropyLoss: mean cross-entropy over all cells (the loss).
// Everything akornc knows of the op, behind one interface (ops/op.hpp): its options
// (parse), attribute checks and shape inference (check), and lowering: parameters,
// buffers, kernel types and the emitted code. The runtime side is its folder
// runtime/include/akorn/ops/ (docs/OPS.md has the contract).
#include <akorn/ops/cross_entropy/layout.hpp>

#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: CrossEntropyLossOptions -> CrossEntropyLossAttrs
void parse(const OptionsReader& r, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_CrossEntropyLossOptions();
  CrossEntropyLossAttrs a;
  a.target_offset = o->target_offset();
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  const auto& a = c.op.as<CrossEntropyLossAttrs>();
  c.expect_features(0, "logits");
  c.check_range("target_offset", a.target_offset, -kMaxDim, kMaxDim);
  // class = target + target_offset must be one of the logits' channels
  c.expect_tokens(1, "targets", -int64_t{a.target_offset}, int64_t{c.in[0]->shape[2]} - 1 - a.target_offset);
  const auto& ls = c.in[0]->shape;
  const auto& ts = c.in[1]->shape;
  if (ls[0] != ts[0] || ls[1] != ts[1])
    c.fail("logits " + shape_str(ls) + " and targets " + shape_str(ts) + " must have the same H, W");
  return {OutSpec{DType::F32, {1}, true}};
}

// ---- lower and emit
struct CrossEntropyLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"logits", "targets"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"loss"}; }
  bool bwd_needs_input(const OpCtx&, int i) const override { return i == 1; }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  std::vector<BufReq> buffers(const OpCtx& c, Phase) const override {
    return {{"probs", akorn_ce_saved(c), BufReq::Saved, "softmax probabilities [P, K]"}};
  }
  static int64_t akorn_ce_saved(const OpCtx& c) {
    return akorn::cross_entropy_saved_elems(P_of(c.in(0)), C_of(c.in(0)));
  }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    return {{"", "akorn::CrossEntropy<S, " + S(P_of(c.in(0))) + ", " + S(C_of(c.in(0))) + ">"}};
  }
  std::string summary(const OpCtx& c) const override {
    int off = c.op().as<CrossEntropyLossAttrs>().target_offset;
    return "mean cross-entropy over all cells, class = target" +
           (off ? (off > 0 ? " + " : " - ") + S(off > 0 ? off : -off) : std::string());
  }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    w.line(c.kt() + "::forward(N, logits, targets, " +
           S(c.op().as<CrossEntropyLossAttrs>().target_offset) + ", loss, probs);");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    if (c.in_grad(0))
      w.line(c.kt() + "::backward(N, targets, " +
             S(c.op().as<CrossEntropyLossAttrs>().target_offset) + ", probs, d_loss, d_logits);");
  }
};

}  // namespace

const OpDef& op_cross_entropy() {
  static const CrossEntropyLowering lowering;
  static const OpDef def{OpKind::CrossEntropyLoss, "CrossEntropyLoss", {2, 2, 1, 1}, parse, infer, lowering, true};
  return def;
}

}  // namespace akornc
