// GroupNorm: GroupNorm over channel groups per sample.
// Everything akornc knows of the op, behind one interface (ops/op.hpp): its options
// (parse), attribute checks and shape inference (check), and lowering: parameters,
// buffers, kernel types and the emitted code. The runtime side is its folder
// runtime/include/akorn/ops/ (docs/OPS.md has the contract).
#include <akorn/ops/group_norm/layout.hpp>

#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: GroupNormOptions -> GroupNormAttrs
void parse(const OptionsReader& r, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_GroupNormOptions();
  GroupNormAttrs a;
  a.groups = r.required(o->groups(), "groups");
  a.eps = o->eps();
  a.affine = o->affine();
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  const auto& a = c.op.as<GroupNormAttrs>();
  c.expect_features(0, "x");
  const auto& s = c.in[0]->shape;
  const int C = s[2];
  if (a.groups < 1 || a.groups > C)
    c.fail("groups must be in [1, channels=" + std::to_string(C) + "] (got " + std::to_string(a.groups) + ")");
  if (C % a.groups != 0)
    c.fail("channels " + std::to_string(C) + " is not divisible by groups=" + std::to_string(a.groups));
  c.check_finite("eps", a.eps, /*positive=*/true);
  return {OutSpec{DType::F32, s, false}};
}

// ---- lower and emit
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

}  // namespace

const OpDef& op_group_norm() {
  static const GroupNormLowering lowering;
  static const OpDef def{OpKind::GroupNorm, "GroupNorm", {1, 1, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
