// Lowerings of GroupNorm and BatchNorm.
#include <akorn/ops/batch_norm/layout.hpp>
#include <akorn/ops/group_norm/layout.hpp>

#include "op_common.hpp"

namespace akornc {

namespace {

struct GroupNormLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"x"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"y"}; }
  std::vector<ParamDecl> params(const OpCtx& c) const override {
    auto& a = c.op().as<GroupNormAttrs>();
    if (!a.affine) return {};
    int C = C_of(c.in(0));
    return {make_param("weight", {C}, ParamDecl::Init::Const, 1.0),
            make_param("bias", {C}, ParamDecl::Init::Const, 0.0)};
  }
  std::vector<BufReq> buffers(const OpCtx& c, Phase) const override {
    return {{"stats", akorn::group_norm_saved_elems(c.op().as<GroupNormAttrs>().groups),
             BufReq::Saved, "mean and 1/std per group"}};
  }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    auto& a = c.op().as<GroupNormAttrs>();
    return {{"", "akorn::GroupNorm<S, " + S(P_of(c.in(0))) + ", " + S(C_of(c.in(0))) + ", " +
                     S(a.groups) + ", " + B(a.affine) + ">"}};
  }
  std::string summary(const OpCtx& c) const override {
    auto& a = c.op().as<GroupNormAttrs>();
    return "group norm, " + S(a.groups) + " groups" + (a.affine ? ", affine" : "");
  }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    auto& a = c.op().as<GroupNormAttrs>();
    w.line(c.kt() + "::forward(N, x, " + (a.affine ? "weight, bias" : "nullptr, nullptr") + ", " +
           F(a.eps) + ", y, stats);");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    auto& a = c.op().as<GroupNormAttrs>();
    w.line(c.kt() + "::backward(N, x, " + (a.affine ? "weight" : "nullptr") + ", stats, d_y, " +
           grad_or_null(c.in_grad(0), "x") + ", " +
           grad_or_null(a.affine && c.param_trainable("weight"), "weight") + ", " +
           grad_or_null(a.affine && c.param_trainable("bias"), "bias") + ");");
  }
};

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

const OpLowering& lowering_group_norm() { static GroupNormLowering l; return l; }
const OpLowering& lowering_batch_norm() { static BatchNormLowering l; return l; }

}  // namespace akornc
