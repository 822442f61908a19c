// LayerNorm: normalisation over the channels at each position, with a per-channel affine map
// (the reference's LayerNormForImage, used by its ItrSA baseline). Everything akornc knows of
// the op, behind one interface (ops/op.hpp); the runtime side is
// runtime/include/akorn/ops/layer_norm/ (docs/OPS.md).
#include <akorn/ops/layer_norm/layout.hpp>

#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: LayerNormOptions -> LayerNormAttrs
void parse(const OptionsReader&, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_LayerNormOptions();
  LayerNormAttrs a;
  a.eps = o->eps();
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  const auto& a = c.op.as<LayerNormAttrs>();
  c.expect_features(0, "x");
  c.check_finite("eps", a.eps, /*positive=*/true);
  const auto& s = c.in[0]->shape;
  c.check_param("weight", {s[2]});
  return {OutSpec{DType::F32, s, false}};
}

// ---- lower and emit
struct LayerNormLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"x"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"y"}; }
  std::vector<ParamDecl> params(const OpCtx& c) const override {
    int C = C_of(c.in(0));
    return {make_param("weight", {C}, ParamDecl::Init::Const, 1.0), make_param("bias", {C}, ParamDecl::Init::Const, 0.0)};
  }
  std::vector<BufReq> buffers(const OpCtx& c, Phase) const override {
    return {{"stats", akorn::layer_norm_saved_elems(P_of(c.in(0))), BufReq::Saved, "mean and 1/std per position"}};
  }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    return {{"", "akorn::LayerNorm<S, " + S(P_of(c.in(0))) + ", " + S(C_of(c.in(0))) + ">"}};
  }
  std::string summary(const OpCtx&) const override { return "layer norm over the channels of each position, affine"; }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    w.line(c.kt() + "::forward(N, x, weight, bias, " + F(c.op().as<LayerNormAttrs>().eps) + ", y, stats);");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    w.line(c.kt() + "::backward(N, x, weight, stats, d_y, " + grad_or_null(c.in_grad(0), "x") + ", " +
           grad_or_null(c.param_trainable("weight"), "weight") + ", " + grad_or_null(c.param_trainable("bias"), "bias") +
           ");");
  }
};

}  // namespace

const OpDef& op_layer_norm() {
  static const LayerNormLowering lowering;
  static const OpDef def{OpKind::LayerNorm, "LayerNorm", {1, 1, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
