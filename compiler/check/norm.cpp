// GroupNorm and BatchNorm: shape-preserving on [H, W, C].
#include "ops.hpp"

namespace akornc::check_detail {

std::vector<OutSpec> infer_group_norm(const OpCtx& c) {
  const auto& a = c.op.as<GroupNormAttrs>();
  c.expect_features(0, "x");
  const auto& s = c.in[0]->shape;
  const int C = s[2];
  if (a.groups < 1 || a.groups > C)
    c.fail("groups must be in [1, channels=" + std::to_string(C) + "] (got " + std::to_string(a.groups) + ")");
  if (C % a.groups != 0)
    c.fail("channels " + std::to_string(C) + " is not divisible by groups=" + std::to_string(a.groups));
  c.check_finite("eps", a.eps, /*positive=*/true);
  return {OutSpec{DType::F32, s, false}};
}

std::vector<OutSpec> infer_batch_norm(const OpCtx& c) {
  const auto& a = c.op.as<BatchNormAttrs>();
  c.expect_features(0, "x");
  c.check_finite("eps", a.eps, /*positive=*/true);
  c.check_finite("momentum", a.momentum);
  if (a.momentum < 0.0f || a.momentum > 1.0f)
    c.fail("momentum must be in [0, 1] (got " + std::to_string(a.momentum) + ")");
  return {OutSpec{DType::F32, c.in[0]->shape, false}};
}

}  // namespace akornc::check_detail
