// Embedding: [H, W] int32 -> [H, W, D]; weight [V, D].
#include "ops.hpp"

namespace akornc::check_detail {

std::vector<OutSpec> infer_embedding(const OpCtx& c) {
  const auto& a = c.op.as<EmbeddingAttrs>();
  if (a.num_embeddings < 1) c.fail("num_embeddings must be > 0 (got " + std::to_string(a.num_embeddings) + ")");
  c.expect_tokens(0, "tokens", 0, a.num_embeddings - 1);
  if (a.dim < 1 || a.dim > kMaxDim)
    c.fail("dim must be in [1, " + std::to_string(kMaxDim) + "] (got " + std::to_string(a.dim) + ")");
  c.check_param("weight", {a.num_embeddings, a.dim});
  const auto& s = c.in[0]->shape;
  return {OutSpec{DType::F32, {s[0], s[1], a.dim}, false}};
}

}  // namespace akornc::check_detail
