// Linear: per-position linear map over channels.
// Everything akornc knows of the op, behind one interface (ops/op.hpp): its options
// (parse), attribute checks and shape inference (check), and lowering: parameters,
// buffers, kernel types and the emitted code. The runtime side is its folder
// runtime/include/akorn/ops/ (docs/OPS.md has the contract).
#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: LinearOptions -> LinearAttrs
void parse(const OptionsReader& r, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_LinearOptions();
  LinearAttrs a;
  a.out_features = r.required(o->out_features(), "out_features");
  a.bias = o->bias();
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  const auto& a = c.op.as<LinearAttrs>();
  c.expect_features(0, "x");
  const auto& s = c.in[0]->shape;
  if (a.out_features < 1 || a.out_features > kMaxDim)
    c.fail("out_features must be in [1, " + std::to_string(kMaxDim) + "] (got " + std::to_string(a.out_features) + ")");
  c.check_param("weight", {a.out_features, s[2]});
  return {OutSpec{DType::F32, {s[0], s[1], a.out_features}, false}};
}

// ---- lower and emit
struct LinearLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"x"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"y"}; }
  std::vector<ParamDecl> params(const OpCtx& c) const override {
    auto& a = c.op().as<LinearAttrs>();
    int in = C_of(c.in(0));
    std::vector<ParamDecl> ps{make_param("weight", {a.out_features, in}, ParamDecl::Init::Uniform,
                                         fan_in_bound(in))};
    if (a.bias)
      ps.push_back(make_param("bias", {a.out_features}, ParamDecl::Init::Uniform, fan_in_bound(in)));
    return ps;
  }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    auto& a = c.op().as<LinearAttrs>();
    return {{"", "akorn::Linear<S, " + S(P_of(c.in(0))) + ", " + S(C_of(c.in(0))) + ", " +
                     S(a.out_features) + ", " + B(a.bias) + ">"}};
  }
  std::string summary(const OpCtx& c) const override {
    auto& a = c.op().as<LinearAttrs>();
    return "y = x W^T" + std::string(a.bias ? " + b" : "") + " over the last dimension";
  }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    bool bias = c.op().as<LinearAttrs>().bias;
    w.line(c.kt() + "::forward(N, x, weight, " + (bias ? "bias" : "nullptr") + ", y);");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    bool bias = c.op().as<LinearAttrs>().bias;
    w.line(c.kt() + "::backward(N, x, weight, d_y, " + grad_or_null(c.in_grad(0), "x") + ", " +
           grad_or_null(c.param_trainable("weight"), "weight") + ", " +
           grad_or_null(bias && c.param_trainable("bias"), "bias") + ");");
  }
};

}  // namespace

const OpDef& op_linear() {
  static const LinearLowering lowering;
  static const OpDef def{OpKind::Linear, "Linear", {1, 1, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
