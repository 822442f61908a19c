// PositionalEncoding: y = x + pe, one learned [H, W, C] map shared by every sample, initialised
// to the 2-D sin/cos encoding (spec §6: the object models without GTA add one to x0 and one
// to c). Everything akornc knows of the op, behind one interface (ops/op.hpp); the runtime
// side is runtime/include/akorn/ops/positional_encoding/ (docs/OPS.md).
#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: PositionalEncodingOptions -> PositionalEncodingAttrs
void parse(const OptionsReader&, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_PositionalEncodingOptions();
  PositionalEncodingAttrs a;
  a.learned = o->learned();
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  c.expect_features(0, "x");
  const auto& s = c.in[0]->shape;
  // half the channels encode the column, half the row, each as (sin, cos) pairs
  if (s[2] % 4 != 0)
    c.fail("the sin/cos encoding needs C a multiple of 4 (x is " + shape_str(s) + ")");
  c.check_param("pe", {s[0], s[1], s[2]});
  return {OutSpec{DType::F32, s, false}};
}

// ---- lower and emit
struct PositionalEncodingLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"x"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"y"}; }
  std::vector<ParamDecl> params(const OpCtx& c) const override {
    const Value& x = c.in(0);
    return {make_param("pe", {H_of(x), W_of(x), C_of(x)}, ParamDecl::Init::SinCos2d, 0.0,
                       c.op().as<PositionalEncodingAttrs>().learned)};
  }
  bool bwd_needs_input(const OpCtx&, int) const override { return false; }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    return {{"", "akorn::PositionalEncoding<S, " + S(P_of(c.in(0))) + ", " + S(C_of(c.in(0))) + ">"}};
  }
  std::string summary(const OpCtx& c) const override {
    return std::string("y = x + pe, pe [H, W, C] from the 2-D sin/cos encoding") +
           (c.op().as<PositionalEncodingAttrs>().learned ? ", learned" : ", fixed");
  }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    w.line(c.kt() + "::forward(N, x, pe, y);");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    w.line(c.kt() + "::backward(N, d_y, " + grad_or_null(c.in_grad(0), "x") + ", " +
           grad_or_null(c.param_trainable("pe"), "pe") + ");");
  }
};

}  // namespace

const OpDef& op_positional_encoding() {
  static const PositionalEncodingLowering lowering;
  static const OpDef def{OpKind::PositionalEncoding, "PositionalEncoding", {1, 1, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
