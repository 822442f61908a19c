// Embedding: token embedding (tokens -> stimulus channels).
// Everything akornc knows of the op, behind one interface (ops/op.hpp): its options
// (parse), attribute checks and shape inference (check), and lowering: parameters,
// buffers, kernel types and the emitted code. The runtime side is its folder
// runtime/include/akorn/ops/ (docs/OPS.md has the contract).
#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: EmbeddingOptions -> EmbeddingAttrs
void parse(const OptionsReader& r, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_EmbeddingOptions();
  EmbeddingAttrs a;
  a.num_embeddings = r.required(o->num_embeddings(), "num_embeddings");
  a.dim = r.required(o->dim(), "dim");
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
  const auto& a = c.op.as<EmbeddingAttrs>();
  if (a.num_embeddings < 1) c.fail("num_embeddings must be > 0 (got " + std::to_string(a.num_embeddings) + ")");
  c.expect_tokens(0, "tokens", 0, a.num_embeddings - 1);
  if (a.dim < 1 || a.dim > kMaxDim)
    c.fail("dim must be in [1, " + std::to_string(kMaxDim) + "] (got " + std::to_string(a.dim) + ")");
  c.check_param("weight", {a.num_embeddings, a.dim});
  const auto& s = c.in[0]->shape;
  return {OutSpec{DType::F32, {s[0], s[1], a.dim}, false}};
}

// ---- lower and emit
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

}  // namespace

const OpDef& op_embedding() {
  static const EmbeddingLowering lowering;
  static const OpDef def{OpKind::Embedding, "Embedding", {1, 1, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
