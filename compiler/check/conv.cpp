// Conv2d and ReadOutConv.
#include "ops.hpp"

namespace akornc::check_detail {

namespace {

// Shared checks of kernel_size / padding; returns the effective padding.
int64_t conv_geometry(const OpCtx& c, int kernel_size, int padding) {
  c.check_range("kernel_size", kernel_size, 1, kMaxKernel);
  if (padding == -1) return kernel_size / 2;
  if (padding < 0 || padding >= kernel_size)
    c.fail("padding must be -1 (kernel_size/2) or in [0, kernel_size-1] = [0, " + std::to_string(kernel_size - 1) +
           "] (got " + std::to_string(padding) + ")");
  return padding;
}

}  // namespace

std::vector<OutSpec> infer_conv2d(const OpCtx& c) {
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

std::vector<OutSpec> infer_readout_conv(const OpCtx& c) {
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

}  // namespace akornc::check_detail
