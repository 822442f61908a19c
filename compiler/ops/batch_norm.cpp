// BatchNorm: BatchNorm with batch statistics.
// Everything akornc knows of the op, behind one interface (ops/op.hpp): its options
// (parse), attribute checks and shape inference (check), and lowering: parameters,
// buffers, kernel types and the emitted code. The runtime side is its folder
// runtime/include/akorn/ops/ (docs/OPS.md has the contract).
#include <akorn/ops/batch_norm/layout.hpp>

#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: BatchNormOptions -> BatchNormAttrs
void parse(const OptionsReader& r, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_BatchNormOptions();
  BatchNormAttrs a;
  a.eps = o->eps();
  a.momentum = o->momentum();
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  const auto& a = c.op.as<BatchNormAttrs>();
  c.expect_features(0, "x");
  c.check_finite("eps", a.eps, /*positive=*/true);
  c.check_finite("momentum", a.momentum);
  if (a.momentum < 0.0f || a.momentum > 1.0f)
    c.fail("momentum must be in [0, 1] (got " + std::to_string(a.momentum) + ")");
  return {OutSpec{DType::F32, c.in[0]->shape, false}};
}

// ---- lower and emit
struct BatchNormLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"x"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"y"}; }
  std::vector<ParamDecl> params(const OpCtx& c) const override {
    int C = C_of(c.in(0));
    return {make_param("weight", {C}, ParamDecl::Init::Const, 1.0),
            make_param("bias", {C}, ParamDecl::Init::Const, 0.0),
            make_param("running_mean", {C}, ParamDecl::Init::Const, 0.0, false),
            make_param("running_var", {C}, ParamDecl::Init::Const, 1.0, false)};
  }
  std::vector<BufReq> buffers(const OpCtx& c, Phase phase) const override {
    if (phase == Phase::Infer) return {};
    return {{"stats", akorn::batch_norm_saved_elems(C_of(c.in(0))), BufReq::Saved,
             "batch mean and 1/std per channel (first 2*C elements)"}};
  }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    return {{"", "akorn::BatchNorm<S, " + S(P_of(c.in(0))) + ", " + S(C_of(c.in(0))) + ">"}};
  }
  std::string summary(const OpCtx&) const override {
    return "batch norm (batch statistics in training, running ones in inference)";
  }
  void emit_forward(const OpCtx& c, Writer& w, Phase phase) const override {
    auto& a = c.op().as<BatchNormAttrs>();
    if (phase == Phase::Train)
      w.line(c.kt() + "::forward_train(N, x, weight, bias, running_mean, running_var, " + F(a.eps) +
             ", " + F(a.momentum) + ", y, stats);");
    else
      w.line(c.kt() + "::forward_infer(N, x, weight, bias, running_mean, running_var, " + F(a.eps) +
             ", y);");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    w.line(c.kt() + "::backward(N, x, weight, stats, d_y, " + grad_or_null(c.in_grad(0), "x") + ", " +
           grad_or_null(c.param_trainable("weight"), "weight") + ", " +
           grad_or_null(c.param_trainable("bias"), "bias") + ");");
  }
};

}  // namespace

const OpDef& op_batch_norm() {
  static const BatchNormLowering lowering;
  static const OpDef def{OpKind::BatchNorm, "BatchNorm", {1, 1, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
