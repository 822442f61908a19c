// Lowerings of the convolutions: Conv2d and ReadOutConv (spec §4).
#include <akorn/ops/conv2d/layout.hpp>
#include <akorn/ops/readout_conv/layout.hpp>

#include "op_common.hpp"

namespace akornc {

namespace {

int pad_of(int padding, int k) { return padding < 0 ? k / 2 : padding; }

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

const OpLowering& lowering_conv2d() { static Conv2dLowering l; return l; }
const OpLowering& lowering_readout_conv() { static ReadOutConvLowering l; return l; }

}  // namespace akornc
