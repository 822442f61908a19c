// GELU: y = x Phi(x), the exact form (PyTorch's nn.GELU()). Everything akornc knows of the
// op, behind one interface (ops/op.hpp); the runtime side is runtime/include/akorn/ops/gelu/
// (docs/OPS.md).
#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: GELUOptions has no fields
void parse(const OptionsReader&, const fb::Op&, Op& op) { op.attrs = GELUAttrs{}; }

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  c.expect_features(0, "x");
  return {OutSpec{DType::F32, c.in[0]->shape, false}};
}

// ---- lower and emit
struct GELULowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"x"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"y"}; }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }  // backward reads x
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    return {{"", "akorn::GELU<S, " + S(c.in(0).elems()) + ">"}};
  }
  std::string summary(const OpCtx&) const override { return "y = x Phi(x) (exact GELU)"; }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override { w.line(c.kt() + "::forward(N, x, y);"); }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    if (c.in_grad(0)) w.line(c.kt() + "::backward(N, x, d_y, d_x);");
  }
};

}  // namespace

const OpDef& op_gelu() {
  static const GELULowering lowering;
  static const OpDef def{OpKind::GELU, "GELU", {1, 1, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
