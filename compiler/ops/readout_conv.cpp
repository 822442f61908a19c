// ReadOutConv: conv to CO*NOUT channels, then the norm of each output oscillator.
// Everything akornc knows of the op, behind one interface (ops/op.hpp): its options
// (parse), attribute checks and shape inference (check), and lowering: parameters,
// buffers, kernel types and the emitted code. The runtime side is its folder
// runtime/include/akorn/ops/ (docs/OPS.md has the contract).
#include <akorn/ops/readout_conv/layout.hpp>

#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: ReadOutConvOptions -> ReadOutConvAttrs
void parse(const OptionsReader& r, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_ReadOutConvOptions();
  ReadOutConvAttrs a;
  a.out_channels = r.required(o->out_channels(), "out_channels");
  a.n_out = r.required(o->n_out(), "n_out");
  a.kernel_size = o->kernel_size();
  a.padding = o->padding();
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  const auto& a = c.op.as<ReadOutConvAttrs>();
  c.expect_features(0, "x");
  const auto& s = c.in[0]->shape;
  if (a.out_channels < 1 || a.out_channels > kMaxDim)
    c.fail("out_channels must be in [1, " + std::to_string(kMaxDim) + "] (got " + std::to_string(a.out_channels) + ")");
  if (a.n_out < 1 || a.n_out > kMaxDim)
    c.fail("n_out must be in [1, " + std::to_string(kMaxDim) + "] (got " + std::to_string(a.n_out) + ")");
  const int64_t conv_ch = int64_t(a.out_channels) * a.n_out;  // <= 2^40, fits
  if (conv_ch > kMaxDim)
    c.fail("out_channels*n_out = " + std::to_string(conv_ch) + " conv channels is more than " + std::to_string(kMaxDim));
  int64_t pad = conv_geometry(c, a.kernel_size, a.padding);
  int ho = conv_out(c, "height", s[0], a.kernel_size, 1, pad);
  int wo = conv_out(c, "width", s[1], a.kernel_size, 1, pad);
  c.check_param("weight", {conv_ch, s[2], a.kernel_size, a.kernel_size});
  return {OutSpec{DType::F32, {ho, wo, a.out_channels}, false}};
}

// ---- lower and emit
struct ReadOutConvLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"x"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"y"}; }
  std::vector<ParamDecl> params(const OpCtx& c) const override {
    auto& a = c.op().as<ReadOutConvAttrs>();
    int cin = C_of(c.in(0)), k = a.kernel_size;
    double bound = fan_in_bound(static_cast<int64_t>(cin) * k * k);
    return {make_param("weight", {a.out_channels * a.n_out, cin, k, k}, ParamDecl::Init::Uniform, bound),
            make_param("conv_bias", {a.out_channels * a.n_out}, ParamDecl::Init::Uniform, bound),
            make_param("bias", {a.out_channels}, ParamDecl::Init::Const, 0.0)};
  }
  std::vector<BufReq> buffers(const OpCtx& c, Phase) const override {
    auto& a = c.op().as<ReadOutConvAttrs>();
    const Value& x = c.in(0);
    int pad = pad_of(a.padding, a.kernel_size);
    std::vector<BufReq> r{{"z", akorn::readout_conv_saved_elems(H_of(x), W_of(x), a.out_channels, a.n_out,
                                                                a.kernel_size, pad),
                           BufReq::Saved, "conv output z before the norm"}};
    int64_t f = akorn::readout_conv_fwd_ws_elems(H_of(x), W_of(x), C_of(x), a.kernel_size, pad);
    if (f) r.push_back({"ws", f, BufReq::FwdWs, "im2col columns"});
    r.push_back({"ws_b",
                 akorn::readout_conv_bwd_ws_elems(H_of(x), W_of(x), C_of(x), a.out_channels, a.n_out,
                                                  a.kernel_size, pad),
                 BufReq::BwdWs, "dz and im2col columns"});
    return r;
  }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    auto& a = c.op().as<ReadOutConvAttrs>();
    const Value& x = c.in(0);
    return {{"", "akorn::ReadOutConv<S, " + S(H_of(x)) + ", " + S(W_of(x)) + ", " + S(C_of(x)) + ", " +
                     S(a.out_channels) + ", " + S(a.n_out) + ", " + S(a.kernel_size) + ", " +
                     S(pad_of(a.padding, a.kernel_size)) + ">"}};
  }
  std::string summary(const OpCtx& c) const override {
    auto& a = c.op().as<ReadOutConvAttrs>();
    return "y[o] = ||conv" + S(a.kernel_size) + "x" + S(a.kernel_size) + "(x)[o*" + S(a.n_out) +
           " .. +" + S(a.n_out) + "]|| + bias[o]";
  }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    bool ws = c.op().as<ReadOutConvAttrs>().kernel_size != 1;
    w.line(c.kt() + "::forward(N, x, weight, conv_bias, bias, y, z, " + (ws ? "ws" : "nullptr") + ");");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    w.line(c.kt() + "::backward(N, x, weight, z, d_y, " + grad_or_null(c.in_grad(0), "x") + ", " +
           grad_or_null(c.param_trainable("weight"), "weight") + ", " +
           grad_or_null(c.param_trainable("conv_bias"), "conv_bias") + ", " +
           grad_or_null(c.param_trainable("bias"), "bias") + ", ws_b);");
  }
};

}  // namespace

const OpDef& op_readout_conv() {
  static const ReadOutConvLowering lowering;
  static const OpDef def{OpKind::ReadOutConv, "ReadOutConv", {1, 1, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
