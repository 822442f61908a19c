// IteratedSelfAttention: the paper's ItrSA baseline block (its reference's TransformerBlock
// attention loop): T unrolled steps of x <- x + Attn(LayerNorm(x)) with one set of weights,
// the attention that of the Kuramoto op's attn J (AttnJ: qkv and output 1x1 maps, heads,
// optional GTA). Everything akornc knows of the op, behind one interface (ops/op.hpp); the
// runtime side is the kernels it calls (ops/layer_norm/, ops/attn_j/, ops/elementwise/).
//
// Training stores every state x_t, LayerNorm(x_t), its statistics and the attention's
// intermediates; the backward pass runs the steps in reverse (the residual passes dL/dx_t+1
// straight on, the attention and the norm add theirs).
#include <akorn/ops/attn_j/layout.hpp>
#include <akorn/ops/layer_norm/layout.hpp>

#include "attention.hpp"
#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: IteratedSelfAttentionOptions -> IteratedSelfAttentionAttrs
void parse(const OptionsReader& r, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_IteratedSelfAttentionOptions();
  IteratedSelfAttentionAttrs a;
  a.steps = r.required(o->steps(), "steps");
  a.heads = o->heads();
  a.gta = o->gta();
  a.eps = o->eps();
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  const auto& a = c.op.as<IteratedSelfAttentionAttrs>();
  c.expect_features(0, "x0");
  const auto& s = c.in[0]->shape;
  if (a.steps < 1 || a.steps > kMaxSteps)
    c.fail("steps must be in [1, " + std::to_string(kMaxSteps) + "] (got " + std::to_string(a.steps) + ")");
  attention::check(c, "attn", s[0], s[1], s[2], a.heads, a.gta);
  c.check_finite("eps", a.eps, /*positive=*/true);
  c.check_param("ln.weight", {s[2]});
  return {OutSpec{DType::F32, s, false}};
}

// ---- lower and emit
struct Sizes {
  int H, W, P, C, T, heads, hd;
  int64_t PC, stats, j_saved, j_fwd_ws, j_bwd_ws;  // per sample (per step)
};

Sizes sizes_of(const OpCtx& c) {
  auto& a = c.op().as<IteratedSelfAttentionAttrs>();
  const Value& x = c.in(0);
  Sizes s{};
  s.H = H_of(x);
  s.W = W_of(x);
  s.P = s.H * s.W;
  s.C = C_of(x);
  s.T = a.steps;
  s.heads = a.heads;
  s.hd = s.C / a.heads;
  s.PC = static_cast<int64_t>(s.P) * s.C;
  s.stats = akorn::layer_norm_saved_elems(s.P);
  s.j_saved = akorn::attn_j_saved_elems(s.H, s.W, s.C, s.heads, a.gta);
  s.j_fwd_ws = akorn::attn_j_fwd_ws_elems(s.H, s.W, s.C, s.heads, a.gta);
  s.j_bwd_ws = akorn::attn_j_bwd_ws_elems(s.H, s.W, s.C, s.heads, a.gta);
  return s;
}

struct IteratedSelfAttentionLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"x0"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"xT"}; }
  bool bwd_needs_input(const OpCtx&, int) const override { return false; }  // x_0 is stored as X[0]
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  int unrolled_steps(const OpCtx& c) const override { return c.op().as<IteratedSelfAttentionAttrs>().steps; }

  std::vector<ParamDecl> params(const OpCtx& c) const override {
    auto& a = c.op().as<IteratedSelfAttentionAttrs>();
    Sizes s = sizes_of(c);
    std::vector<ParamDecl> ps{make_param("ln.weight", {s.C}, ParamDecl::Init::Const, 1.0),
                              make_param("ln.bias", {s.C}, ParamDecl::Init::Const, 0.0)};
    for (ParamDecl& p : attention::params("attn", s.H, s.W, s.C, s.heads, a.gta)) ps.push_back(p);
    return ps;
  }

  std::vector<BufReq> buffers(const OpCtx& c, Phase phase) const override {
    Sizes s = sizes_of(c);
    if (phase == Phase::Infer)
      return {{"X", 2 * s.PC, BufReq::FwdWs, "two states, ping-pong"},
              {"U", s.PC, BufReq::FwdWs, "LayerNorm(x_t)"},
              {"stats", s.stats, BufReq::FwdWs, "its mean and 1/std per position"},
              {"attn_out", s.PC, BufReq::FwdWs, "Attn(LayerNorm(x_t))"},
              {"Jsaved", s.j_saved, BufReq::FwdWs, "attention intermediates of one step"},
              {"Jws", s.j_fwd_ws, BufReq::FwdWs, "attention workspace"}};
    return {{"X", (s.T + 1) * s.PC, BufReq::Saved, "states x_0 .. x_T"},
            {"U", s.T * s.PC, BufReq::Saved, "LayerNorm(x_t) of every step"},
            {"stats", s.T * s.stats, BufReq::Saved, "their mean and 1/std per position"},
            {"Jsaved", s.T * s.j_saved, BufReq::Saved, "attention intermediates of every step"},
            {"attn_out", s.PC, BufReq::FwdWs, "Attn(LayerNorm(x_t)) of the current step"},
            {"Jws", s.j_fwd_ws, BufReq::FwdWs, "attention workspace"},
            {"Jws_b", s.j_bwd_ws, BufReq::BwdWs, "attention workspace in the backward pass"},
            {"gx", 2 * s.PC, BufReq::BwdWs, "dL/dx_t, ping-pong"},
            {"dU", s.PC, BufReq::BwdWs, "dL/dLayerNorm(x_t) of one step"}};
  }

  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    auto& a = c.op().as<IteratedSelfAttentionAttrs>();
    Sizes s = sizes_of(c);
    return {{"_ln", "akorn::LayerNorm<S, " + S(s.P) + ", " + S(s.C) + ">"},
            {"_attn", "akorn::AttnJ<S, " + S(s.H) + ", " + S(s.W) + ", " + S(s.C) + ", " + S(s.heads) + ", " +
                          B(a.gta) + ">"},
            {"_add", "akorn::Add<S, " + S(s.PC) + ">"}};
  }

  std::string summary(const OpCtx& c) const override {
    auto& a = c.op().as<IteratedSelfAttentionAttrs>();
    Sizes s = sizes_of(c);
    return "iterated self-attention, T=" + S(s.T) + ": x <- x + Attn(LayerNorm(x)), " + S(s.heads) + " heads of " +
           S(s.hd) + (a.gta ? ", GTA" : "") + ", one set of weights";
  }

  void emit_forward(const OpCtx& c, Writer& w, Phase phase) const override {
    auto& a = c.op().as<IteratedSelfAttentionAttrs>();
    Sizes s = sizes_of(c);
    const std::string K = c.kt();
    const std::string eps = F(a.eps);
    w.line("const akorn::index_t PC = " + S(s.PC) + ";  // elements of one state per sample");
    if (phase == Phase::Infer) {
      w.line("// steps T may differ from the trained " + S(s.T) + " (test-time extension)");
      w.line("const int T = steps > 0 ? steps : " + S(s.T) + ";");
      w.line("S* x_cur = X;");
      w.line("S* x_nxt = X + N * PC;");
      w.line("Be::copy(x_cur, x0, N * PC);");
      w.open("for (int t = 0; t < T; ++t) {");
      w.line(K + "_ln::forward(N, x_cur, ln_weight, ln_bias, " + eps + ", U, stats);  // u = LayerNorm(x_t)");
      w.line(attention::forward_call(K + "_attn", "attn", a.gta, "U", "attn_out", "Jsaved", "Jws") + "  // a = Attn(u)");
      w.line(K + "_add::forward(N, x_cur, attn_out, x_nxt);  // x_t+1 = x_t + a");
      w.line("std::swap(x_cur, x_nxt);");
      w.close();
      w.line("Be::copy(xT, x_cur, N * PC);");
      return;
    }
    w.line("constexpr int T = " + S(s.T) + ";");
    w.line("Be::copy(X, x0, N * PC);  // x_0, stored as X[0]");
    w.open("for (int t = 0; t < T; ++t) {");
    w.line("const S* x = X + t * N * PC;");
    w.line("S* u = U + t * N * PC;");
    w.line(K + "_ln::forward(N, x, ln_weight, ln_bias, " + eps + ", u, stats + t * N * " + S(s.stats) +
           ");  // u = LayerNorm(x_t)");
    w.line(attention::forward_call(K + "_attn", "attn", a.gta, "u", "attn_out", "Jsaved + t * N * " + S(s.j_saved), "Jws") +
           "  // a = Attn(u)");
    w.line(K + "_add::forward(N, x, attn_out, X + (t + 1) * N * PC);  // x_t+1 = x_t + a");
    w.close();
    w.line("Be::copy(xT, X + T * N * PC, N * PC);");
  }

  void emit_backward(const OpCtx& c, Writer& w) const override {
    auto& a = c.op().as<IteratedSelfAttentionAttrs>();
    Sizes s = sizes_of(c);
    const std::string K = c.kt();
    w.line("const akorn::index_t PC = " + S(s.PC) + ";");
    w.line("constexpr int T = " + S(s.T) + ";");
    w.line("S* g = gx;            // dL/dx_{t+1}");
    w.line("S* g_prev = gx + N * PC;  // dL/dx_t");
    w.line("Be::copy(g, d_xT, N * PC);");
    w.open("for (int t = T - 1; t >= 0; --t) {");
    w.line("const S* x = X + t * N * PC;");
    w.line("const S* u = U + t * N * PC;");
    w.line("Be::copy(g_prev, g, N * PC);  // the residual passes dL/dx_t+1 on");
    w.line("Be::fill(dU, N * PC, S(0));");
    w.line("// the attention: dU = Attn^T g, and its parameter gradients");
    w.line(attention::backward_call(c, K + "_attn", "attn", a.gta, "u", "Jsaved + t * N * " + S(s.j_saved), "g", "dU",
                                    "Jws_b"));
    w.line("// the norm: g_prev += LayerNorm^T dU");
    w.line(K + "_ln::backward(N, x, ln_weight, stats + t * N * " + S(s.stats) + ", dU, g_prev, " +
           grad_or_null(c.param_trainable("ln.weight"), "ln_weight") + ", " +
           grad_or_null(c.param_trainable("ln.bias"), "ln_bias") + ");");
    w.line("std::swap(g, g_prev);");
    w.close();
    if (c.in_grad(0)) w.line(K + "_add::backward(N, g, d_x0, nullptr);  // d_x0 += dL/dx_0");
  }
};

}  // namespace

const OpDef& op_iterated_self_attention() {
  static const IteratedSelfAttentionLowering lowering;
  static const OpDef def{OpKind::IteratedSelfAttention, "IteratedSelfAttention", {1, 1, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
