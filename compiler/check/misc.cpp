// OscillatorInit, ReLU, Add, Linear, Pool, CrossEntropyLoss.
#include "ops.hpp"

#include <akorn/ops/pool/layout.hpp>

namespace akornc::check_detail {

std::vector<OutSpec> infer_oscillator_init(const OpCtx& c) {
  const auto& a = c.op.as<OscillatorInitAttrs>();
  if (a.mode == OscInit::Noise) {
    if (c.in.size() != 1) c.fail("mode Noise takes 1 input [c], got " + std::to_string(c.in.size()));
    c.expect_features(0, "c");
  } else {
    if (c.in.size() != 2)
      c.fail("mode StimulusWhereGiven takes 2 inputs [c, tokens], got " + std::to_string(c.in.size()));
    c.expect_features(0, "c");
    c.expect_tokens(1, "tokens");
    const auto& cs = c.in[0]->shape;
    const auto& ts = c.in[1]->shape;
    if (cs[0] != ts[0] || cs[1] != ts[1])
      c.fail("c " + shape_str(cs) + " and tokens " + shape_str(ts) + " must have the same H, W");
  }
  return {OutSpec{DType::F32, c.in[0]->shape, false}};
}

std::vector<OutSpec> infer_relu(const OpCtx& c) {
  c.expect_features(0, "x");
  return {OutSpec{DType::F32, c.in[0]->shape, false}};
}

std::vector<OutSpec> infer_add(const OpCtx& c) {
  c.expect_features(0, "a");
  c.expect_features(1, "b");
  if (c.in[0]->shape != c.in[1]->shape)
    c.fail("inputs '" + c.in[0]->name + "' " + shape_str(c.in[0]->shape) + " and '" + c.in[1]->name + "' " +
           shape_str(c.in[1]->shape) + " must have the same shape");
  return {OutSpec{DType::F32, c.in[0]->shape, false}};
}

std::vector<OutSpec> infer_linear(const OpCtx& c) {
  const auto& a = c.op.as<LinearAttrs>();
  c.expect_features(0, "x");
  const auto& s = c.in[0]->shape;
  if (a.out_features < 1 || a.out_features > kMaxDim)
    c.fail("out_features must be in [1, " + std::to_string(kMaxDim) + "] (got " + std::to_string(a.out_features) + ")");
  c.check_param("weight", {a.out_features, s[2]});
  return {OutSpec{DType::F32, {s[0], s[1], a.out_features}, false}};
}

std::vector<OutSpec> infer_pool(const OpCtx& c) {
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

std::vector<OutSpec> infer_cross_entropy(const OpCtx& c) {
  const auto& a = c.op.as<CrossEntropyLossAttrs>();
  c.expect_features(0, "logits");
  c.check_range("target_offset", a.target_offset, -kMaxDim, kMaxDim);
  // class = target + target_offset must be one of the logits' channels
  c.expect_tokens(1, "targets", -int64_t{a.target_offset}, int64_t{c.in[0]->shape[2]} - 1 - a.target_offset);
  const auto& ls = c.in[0]->shape;
  const auto& ts = c.in[1]->shape;
  if (ls[0] != ts[0] || ls[1] != ts[1])
    c.fail("logits " + shape_str(ls) + " and targets " + shape_str(ts) + " must have the same H, W");
  return {OutSpec{DType::F32, {1}, true}};
}

}  // namespace akornc::check_detail
