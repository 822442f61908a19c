// Conv2d: 2-D convolution, NHWC, weight [COUT, CIN, K, K].
// Everything akornc knows of the op, behind one interface (ops/op.hpp): its options
// (parse), attribute checks and shape inference (check), and lowering: parameters,
// buffers, kernel types and the emitted code. The runtime side is its folder
// runtime/include/akorn/ops/ (docs/OPS.md has the contract).
#include <akorn/ops/conv2d/layout.hpp>

#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: Conv2dOptions -> Conv2dAttrs
void parse(const OptionsReader& r, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_Conv2dOptions();
  Conv2dAttrs a;
  a.out_channels = r.required(o->out_channels(), "out_channels");
  a.kernel_size = o->kernel_size();
  a.stride = o->stride();
  a.padding = o->padding();
  a.bias = o->bias();
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  const auto& a = c.op.as<Conv2dAttrs>();
  c.expect_features(0, "x");
  const auto& s = c.in[0]->shape;
  if (a.out_channels < 1 || a.out_channels > kMaxDim)
    c.fail("out_channels must be in [1, " + std::to_string(kMaxDim) + "] (got " + std::to_string(a.out_channels) + ")");
  int64_t pad = conv_geometry(c, a.kernel_size, a.padding);
  c.check_range("stride", a.stride, 1, kMaxKernel);
  int ho = conv_out(c, "height", s[0], a.kernel_size, a.stride, pad);
  int wo = conv_out(c, "width", s[1], a.kernel_size, a.stride, pad);
  c.check_param("weight", {a.out_channels, s[2], a.kernel_size, a.kernel_size});
  return {OutSpec{DType::F32, {ho, wo, a.out_channels}, false}};
}

// ---- lower and emit
struct Conv2dLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"x"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"y"}; }
  std::vector<ParamDecl> params(const OpCtx& c) const override {
    auto& a = c.op().as<Conv2dAttrs>();
    int cin = C_of(c.in(0)), k = a.kernel_size;
    double bound = fan_in_bound(static_cast<int64_t>(cin) * k * k);
    std::vector<ParamDecl> ps{
        make_param("weight", {a.out_channels, cin, k, k}, ParamDecl::Init::Uniform, bound)};
    if (a.bias) ps.push_back(make_param("bias", {a.out_channels}, ParamDecl::Init::Uniform, bound));
    return ps;
  }
  std::vector<BufReq> buffers(const OpCtx& c, Phase) const override {
    auto& a = c.op().as<Conv2dAttrs>();
    const Value& x = c.in(0);
    int pad = pad_of(a.padding, a.kernel_size);
    int64_t f = akorn::conv2d_fwd_ws_elems(H_of(x), W_of(x), C_of(x), a.kernel_size, a.stride, pad);
    int64_t b = akorn::conv2d_bwd_ws_elems(H_of(x), W_of(x), C_of(x), a.kernel_size, a.stride, pad);
    std::vector<BufReq> r;
    if (f) r.push_back({"ws", f, BufReq::FwdWs, "im2col columns"});
    if (b) r.push_back({"ws_b", b, BufReq::BwdWs, "im2col columns for the backward pass"});
    return r;
  }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    auto& a = c.op().as<Conv2dAttrs>();
    const Value& x = c.in(0);
    return {{"", "akorn::Conv2d<S, " + S(H_of(x)) + ", " + S(W_of(x)) + ", " + S(C_of(x)) + ", " +
                     S(a.out_channels) + ", " + S(a.kernel_size) + ", " + S(a.stride) + ", " +
                     S(pad_of(a.padding, a.kernel_size)) + ", " + B(a.bias) + ">"}};
  }
  std::string summary(const OpCtx& c) const override {
    auto& a = c.op().as<Conv2dAttrs>();
    return "conv " + S(a.kernel_size) + "x" + S(a.kernel_size) + " stride " + S(a.stride) +
           " pad " + S(pad_of(a.padding, a.kernel_size)) + (a.bias ? " with bias" : " no bias");
  }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    auto& a = c.op().as<Conv2dAttrs>();
    bool ws = !buffers(c, Phase::Train).empty();
    w.line(c.kt() + "::forward(N, x, weight, " + (a.bias ? "bias" : "nullptr") + ", y, " +
           (ws ? "ws" : "nullptr") + ");");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    auto& a = c.op().as<Conv2dAttrs>();
    bool ws = !buffers(c, Phase::Train).empty();
    w.line(c.kt() + "::backward(N, x, weight, d_y, " + grad_or_null(c.in_grad(0), "x") + ", " +
           grad_or_null(c.param_trainable("weight"), "weight") + ", " +
           grad_or_null(a.bias && c.param_trainable("bias"), "bias") + ", " +
           (ws ? "ws_b" : "nullptr") + ");");
  }
};

}  // namespace

const OpDef& op_conv2d() {
  static const Conv2dLowering lowering;
  static const OpDef def{OpKind::Conv2d, "Conv2d", {1, 1, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
