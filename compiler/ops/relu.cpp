// ReLU: element-wise max(x, 0).
// Everything akornc knows of the op, behind one interface (ops/op.hpp): its options
// (parse), attribute checks and shape inference (check), and lowering: parameters,
// buffers, kernel types and the emitted code. The runtime side is its folder
// runtime/include/akorn/ops/ (docs/OPS.md has the contract).
#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: ReLUOptions has no fields
void parse(const OptionsReader&, const fb::Op&, Op& op) { op.attrs = ReLUAttrs{}; }

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  c.expect_features(0, "x");
  return {OutSpec{DType::F32, c.in[0]->shape, false}};
}

// ---- lower and emit
struct ReLULowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"x"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"y"}; }
  bool bwd_needs_input(const OpCtx&, int) const override { return false; }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    return {{"", "akorn::ReLU<S, " + S(c.in(0).elems()) + ">"}};
  }
  std::string summary(const OpCtx&) const override { return "y = max(x, 0)"; }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    w.line(c.kt() + "::forward(N, x, y);");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    if (c.in_grad(0)) w.line(c.kt() + "::backward(N, y, d_y, d_x);");
  }
};

}  // namespace

const OpDef& op_relu() {
  static const ReLULowering lowering;
  static const OpDef def{OpKind::ReLU, "ReLU", {1, 1, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
