// Lowerings of the small ops: Embedding, OscillatorInit, ReLU, Add, Linear, Pool,
// CrossEntropyLoss. Each says which kernel it calls and how; the emitter binds the names.
#include <akorn/ops/cross_entropy/layout.hpp>

#include "../diag.hpp"
#include "op_common.hpp"

namespace akornc {

namespace {

struct EmbeddingLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"tokens"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"y"}; }
  std::vector<ParamDecl> params(const OpCtx& c) const override {
    auto& a = c.op().as<EmbeddingAttrs>();
    return {make_param("weight", {a.num_embeddings, a.dim}, ParamDecl::Init::Normal, 1.0)};
  }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    auto& a = c.op().as<EmbeddingAttrs>();
    return {{"", "akorn::Embedding<S, " + S(P_of(c.in(0))) + ", " + S(a.num_embeddings) + ", " +
                     S(a.dim) + ">"}};
  }
  std::string summary(const OpCtx& c) const override {
    auto& a = c.op().as<EmbeddingAttrs>();
    return "embedding of " + S(a.num_embeddings) + " tokens into " + S(a.dim) + " channels";
  }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    w.line(c.kt() + "::forward(N, tokens, weight, y);");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    if (c.param_trainable("weight")) w.line(c.kt() + "::backward(N, tokens, d_y, d_weight);");
  }
};

struct OscillatorInitLowering : OpLowering {
  static bool given(const OpCtx& c) {
    return c.op().as<OscillatorInitAttrs>().mode == OscInit::StimulusWhereGiven;
  }
  std::vector<std::string> in_names(const OpCtx& c) const override {
    if (given(c)) return {"c", "tokens"};
    return {"c"};
  }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"x0"}; }
  bool bwd_needs_input(const OpCtx&, int i) const override { return i == 1; }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    return {{"", "akorn::OscillatorInit<S, " + S(P_of(c.in(0))) + ", " + S(C_of(c.in(0))) + ", " +
                     B(given(c)) + ">"}};
  }
  std::string summary(const OpCtx& c) const override {
    return given(c) ? "x0 = c at given cells (token != 0), N(0,1) noise elsewhere"
                    : "x0 = N(0,1) noise";
  }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    w.line("// counter-based noise: stream " + S(c.op().index) +
           " (this op's index), sample = sample0_ + row: independent of batching");
    w.line(c.kt() + "::forward(N, c, " + (given(c) ? "tokens" : "nullptr") + ", seed_, " +
           S(c.op().index) + ", sample0_, x0);");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    if (given(c) && c.in_grad(0)) w.line(c.kt() + "::backward(N, tokens, d_x0, d_c);");
  }
};

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

struct CrossEntropyLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"logits", "targets"}; }
  std::vector<std::string> out_names(const OpCtx&) const override { return {"loss"}; }
  bool bwd_needs_input(const OpCtx&, int i) const override { return i == 1; }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  std::vector<BufReq> buffers(const OpCtx& c, Phase) const override {
    return {{"probs", akorn_ce_saved(c), BufReq::Saved, "softmax probabilities [P, K]"}};
  }
  static int64_t akorn_ce_saved(const OpCtx& c) {
    return akorn::cross_entropy_saved_elems(P_of(c.in(0)), C_of(c.in(0)));
  }
  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    return {{"", "akorn::CrossEntropy<S, " + S(P_of(c.in(0))) + ", " + S(C_of(c.in(0))) + ">"}};
  }
  std::string summary(const OpCtx& c) const override {
    int off = c.op().as<CrossEntropyLossAttrs>().target_offset;
    return "mean cross-entropy over all cells, class = target" +
           (off ? (off > 0 ? " + " : " - ") + S(off > 0 ? off : -off) : std::string());
  }
  void emit_forward(const OpCtx& c, Writer& w, Phase) const override {
    w.line(c.kt() + "::forward(N, logits, targets, " +
           S(c.op().as<CrossEntropyLossAttrs>().target_offset) + ", loss, probs);");
  }
  void emit_backward(const OpCtx& c, Writer& w) const override {
    if (c.in_grad(0))
      w.line(c.kt() + "::backward(N, targets, " +
             S(c.op().as<CrossEntropyLossAttrs>().target_offset) + ", probs, d_loss, d_logits);");
  }
};

}  // namespace

const OpLowering& lowering_embedding() { static EmbeddingLowering l; return l; }
const OpLowering& lowering_oscillator_init() { static OscillatorInitLowering l; return l; }
const OpLowering& lowering_relu() { static ReLULowering l; return l; }
const OpLowering& lowering_add() { static AddLowering l; return l; }
const OpLowering& lowering_linear() { static LinearLowering l; return l; }
const OpLowering& lowering_pool() { static PoolLowering l; return l; }
const OpLowering& lowering_cross_entropy() { static CrossEntropyLowering l; return l; }

}  // namespace akornc
