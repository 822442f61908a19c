// Add: element-wise a + b.
// Everything akornc knows of the op, behind one interface (ops/op.hpp): its options
// (parse), attribute checks and shape inference (check), and lowering: parameters,
// buffers, kernel types and the emitted code. The runtime side is its folder
// runtime/include/akorn/ops/ (docs/OPS.md has the contract).
#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: AddOptions has no fields
void parse(const OptionsReader&, const fb::Op&, Op& op) { op.attrs = AddAttrs{}; }

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  c.expect_features(0, "a");
  c.expect_features(1, "b");
  if (c.in[0]->shape != c.in[1]->shape)
    c.fail("inputs '" + c.in[0]->name + "' " + shape_str(c.in[0]->shape) + " and '" + c.in[1]->name + "' " +
           shape_str(c.in[1]->shape) + " must have the same shape");
  return {OutSpec{DType::F32, c.in[0]->shape, false}};
}

// ---- lower and emit
struct AddLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"a", "b"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"y"}; }
  bool bwd_needs_input(const OpCtx&, int) const override { return false; }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    return {{"", "akorn::Add<S, " + S(c.in(0).elems()) + ">"}};
  }
  std::string summary(const OpCtx&) const override { return "y = a + b"; }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    w.line(c.kt() + "::forward(N, a, b, y);");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    w.line(c.kt() + "::backward(N, d_y, " + grad_or_null(c.in_grad(0), "a") + ", " +
           grad_or_null(c.in_grad(1), "b") + ");");
  }
};

}  // namespace

const OpDef& op_add() {
  static const AddLowering lowering;
  static const OpDef def{OpKind::Add, "Add", {2, 2, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
