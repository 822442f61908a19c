// NtXentLoss: the contrastive loss of SimCLR over the batch (spec §6): samples 2k and 2k+1
// are two views of one image. Everything akornc knows of the op, behind one interface
// (ops/op.hpp); the runtime side is runtime/include/akorn/ops/nt_xent/ (docs/OPS.md).
#include <akorn/ops/nt_xent/layout.hpp>

#include <cstdio>

#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: NtXentLossOptions -> NtXentLossAttrs
void parse(const OptionsReader&, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_NtXentLossOptions();
  NtXentLossAttrs a;
  a.temperature = o->temperature();
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  const auto& a = c.op.as<NtXentLossAttrs>();
  c.expect_features(0, "features");
  c.check_finite("temperature", a.temperature, true);
  const auto& s = c.in[0]->shape;
  if (s[0] != 1 || s[1] != 1)
    c.fail("features " + shape_str(s) + " must be one vector per sample, [1, 1, D] (pool globally first)");
  return {OutSpec{DType::F32, {1}, true}};
}

// ---- lower and emit
struct NtXentLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"features"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"loss"}; }
  bool bwd_needs_input(const OpCtx&, int) const override { return false; }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  // at 2 samples the softmax over the other views has one term: loss 0, gradient 0
  int gradient_check_batch(const OpCtx&) const override { return 4; }
  std::vector<BufReq> buffers(const OpCtx& c, Phase) const override {
    return {{"saved", akorn::nt_xent_saved_elems(C_of(c.in(0))), BufReq::Saved,
             "per sample: the normalised features [D], their norm, the row's log-sum-exp and loss"}};
  }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    return {{"", "akorn::NtXent<S, " + S(C_of(c.in(0))) + ">"}};
  }
  std::string summary(const OpCtx& c) const override {
    char t[32];
    std::snprintf(t, sizeof t, "%g", double(c.op().as<NtXentLossAttrs>().temperature));
    return std::string("NT-Xent over the view pairs (2k, 2k+1) of the batch, temperature ") + t;
  }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    w.line(c.kt() + "::forward(N, features, " + F(c.op().as<NtXentLossAttrs>().temperature) + ", loss, saved);");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    if (c.in_grad(0))
      w.line(c.kt() + "::backward(N, " + F(c.op().as<NtXentLossAttrs>().temperature) +
             ", saved, d_loss, d_features);");
  }
};

}  // namespace

const OpDef& op_nt_xent() {
  static const NtXentLowering lowering;
  static const OpDef def{OpKind::NtXentLoss, "NtXentLoss", {1, 1, 1, 1}, parse, infer, lowering, true};
  return def;
}

}  // namespace akornc
