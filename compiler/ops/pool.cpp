// Pool: average / max pooling (windows or global).
// Everything akornc knows of the op, behind one interface (ops/op.hpp): its options
// (parse), attribute checks and shape inference (check), and lowering: parameters,
// buffers, kernel types and the emitted code. The runtime side is its folder
// runtime/include/akorn/ops/ (docs/OPS.md has the contract).
#include <akorn/ops/pool/layout.hpp>

#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: PoolOptions -> PoolAttrs
void parse(const OptionsReader& r, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_PoolOptions();
  PoolAttrs a;
  a.kind = r.enum_value<PoolKind>("kind", o->kind(), fb::PoolKind_MIN, fb::PoolKind_MAX, fb::EnumNamesPoolKind());
  a.global = o->global();
  a.kernel_size = o->kernel_size();
  a.stride = o->stride();
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  const auto& a = c.op.as<PoolAttrs>();
  c.expect_features(0, "x");
  const auto& s = c.in[0]->shape;
  if (a.global) return {OutSpec{DType::F32, {1, 1, s[2]}, false}};
  c.check_range("kernel_size", a.kernel_size, 1, kMaxKernel);
  c.check_range("stride", a.stride, 0, kMaxKernel);
  if (a.kernel_size > s[0] || a.kernel_size > s[1])
    c.fail("pooling window " + std::to_string(a.kernel_size) + "x" + std::to_string(a.kernel_size) +
           " does not fit the input " + shape_str(s));
  const int stride = a.stride == 0 ? a.kernel_size : a.stride;
  const int ho = int(akorn::pool_out_size(s[0], a.kernel_size, stride));
  const int wo = int(akorn::pool_out_size(s[1], a.kernel_size, stride));
  return {OutSpec{DType::F32, {ho, wo, s[2]}, false}};
}

// ---- lower and emit
struct PoolLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"x"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"y"}; }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    auto& a = c.op().as<PoolAttrs>();
    int k = a.global ? 1 : a.kernel_size;
    int s = a.global ? 1 : (a.stride > 0 ? a.stride : a.kernel_size);
    return {{"", "akorn::Pool<S, " + S(H_of(c.in(0))) + ", " + S(W_of(c.in(0))) + ", " +
                     S(C_of(c.in(0))) + ", " + B(a.kind == PoolKind::Max) + ", " + B(a.global) +
                     ", " + S(k) + ", " + S(s) + ">"}};
  }
  std::string summary(const OpCtx& c) const override {
    auto& a = c.op().as<PoolAttrs>();
    std::string kind = a.kind == PoolKind::Max ? "max" : "average";
    if (a.global) return "global " + kind + " pool over all positions";
    return kind + " pool " + S(a.kernel_size) + "x" + S(a.kernel_size) + ", stride " +
           S(a.stride > 0 ? a.stride : a.kernel_size);
  }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    w.line(c.kt() + "::forward(N, x, y);");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    if (c.in_grad(0)) w.line(c.kt() + "::backward(N, x, d_y, d_x);");
  }
};

}  // namespace

const OpDef& op_pool() {
  static const PoolLowering lowering;
  static const OpDef def{OpKind::Pool, "Pool", {1, 1, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
