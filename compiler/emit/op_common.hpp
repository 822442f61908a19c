// Helpers shared by the lowerings of the ops (ops/<op>.cpp).
#pragma once
#include <cmath>
#include <string>

#include "../program.hpp"
#include "writer.hpp"

namespace akornc {

inline int H_of(const Value& v) { return v.shape.at(0); }
inline int W_of(const Value& v) { return v.shape.size() > 1 ? v.shape[1] : 1; }
inline int C_of(const Value& v) { return v.shape.size() > 2 ? v.shape[2] : 1; }
inline int P_of(const Value& v) { return H_of(v) * W_of(v); }
inline std::string S(int64_t x) { return std::to_string(x); }
inline std::string B(bool b) { return b ? "true" : "false"; }
// A float literal that round-trips, for the generated code: a float32 literal, so that the
// double model sees the spec's float32 value too, not the 9-digit decimal.
inline std::string F(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "S(%.9gf)", x);
  return buf;
}

inline ParamDecl make_param(const std::string& name, std::vector<int> shape, ParamDecl::Init init,
                            double a, bool trainable = true) {
  ParamDecl p;
  p.name = name;
  p.local = ident(name);
  p.shape = std::move(shape);
  p.init = init;
  p.a = a;
  p.trainable = trainable;
  return p;
}
// PyTorch's default for conv / linear weights and biases: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
inline double fan_in_bound(int64_t fan_in) { return 1.0 / std::sqrt(static_cast<double>(fan_in)); }

// A convolution's effective padding: -1 = kernel_size / 2 (checked by conv_geometry).
inline int pad_of(int padding, int k) { return padding < 0 ? k / 2 : padding; }

// "d_<name>" when that gradient exists, else "nullptr" (for kernel arguments).
inline std::string grad_or_null(bool needed, const std::string& name) {
  return needed ? "d_" + name : std::string("nullptr");
}

}  // namespace akornc
