// The attention J (runtime: ops/attn_j/) as two ops of the compiler use it: the Kuramoto op's
// coupling (parameters "J.*") and IteratedSelfAttention's step ("attn.*"). One home for its
// checks, its parameters and the calls of its kernel, so the two cannot drift apart.
#pragma once
#include <string>
#include <vector>

#include "op.hpp"

namespace akornc::attention {

// heads, GTA's even head dimension, the P x P matrix per head, given parameters' shapes
inline void check(const CheckCtx& c, const std::string& prefix, int64_t H, int64_t W, int64_t C, int heads, bool gta) {
  const int64_t P = H * W;
  if (heads < 1) c.fail("heads must be >= 1 (got " + std::to_string(heads) + ")");
  if (C % heads != 0) c.fail("channels " + std::to_string(C) + " is not divisible by heads=" + std::to_string(heads));
  const int64_t hd = C / heads;
  if (gta && hd % 2 != 0) c.fail("GTA needs an even head dimension (C/heads = " + std::to_string(hd) + ")");
  c.check_param((prefix + ".w_qkv").c_str(), {3 * C, C});
  c.check_param((prefix + ".w_o").c_str(), {C, C});
  if (sat_mul(P, P) > kMaxElems)
    c.fail("attention over " + std::to_string(P) + " positions needs a " + std::to_string(P) + "x" + std::to_string(P) +
           " matrix per head (too large)");
  if (gta) c.check_param((prefix + ".gta").c_str(), {4, P, hd / 2, 2, 2});  // sets q, k, v, o
}

// w_qkv [3C, C], b_qkv [3C], w_o [C, C], b_o [C] (PyTorch's default init), gta [4, P, hd/2, 2, 2]
inline std::vector<ParamDecl> params(const std::string& prefix, int H, int W, int C, int heads, bool gta) {
  const double b = fan_in_bound(C);
  std::vector<ParamDecl> ps{make_param(prefix + ".w_qkv", {3 * C, C}, ParamDecl::Init::Uniform, b),
                            make_param(prefix + ".b_qkv", {3 * C}, ParamDecl::Init::Uniform, b),
                            make_param(prefix + ".w_o", {C, C}, ParamDecl::Init::Uniform, b),
                            make_param(prefix + ".b_o", {C}, ParamDecl::Init::Uniform, b)};
  if (gta) {
    const int hd = C / heads;
    ParamDecl g = make_param(prefix + ".gta", {4, H * W, hd / 2, 2, 2}, ParamDecl::Init::Gta, 0.0);
    g.gta_h = H;
    g.gta_w = W;
    g.gta_hd = hd;
    ps.push_back(g);
  }
  return ps;
}

// The generated call of forward: y = Attn(x), keeping its intermediates in `saved`.
inline std::string forward_call(const std::string& kernel, const std::string& prefix, bool gta, const std::string& x,
                                const std::string& y, const std::string& saved, const std::string& ws) {
  const std::string p = ident(prefix) + "_";
  return kernel + "::forward(N, " + x + ", " + p + "w_qkv, " + p + "b_qkv, " + p + "w_o, " + p + "b_o, " +
         (gta ? p + "gta" : "nullptr") + ", " + y + ", " + saved + ", " + ws + ");";
}

// The generated call of backward: dx += Attn^T dy, and the trainable parameters' gradients.
inline std::string backward_call(const OpCtx& c, const std::string& kernel, const std::string& prefix, bool gta,
                                 const std::string& x, const std::string& saved, const std::string& dy,
                                 const std::string& dx, const std::string& ws) {
  const std::string p = ident(prefix) + "_";
  auto grad = [&](const char* name, bool exists = true) {
    return grad_or_null(exists && c.param_trainable(prefix + "." + name), p + name);
  };
  return kernel + "::backward(N, " + x + ", " + p + "w_qkv, " + p + "w_o, " + (gta ? p + "gta" : "nullptr") + ", " +
         saved + ", " + dy + ", " + dx + ", " + grad("w_qkv") + ", " + grad("b_qkv") + ", " + grad("w_o") + ", " +
         grad("b_o") + ", " + grad("gta", gta) + ", " + ws + ");";
}

}  // namespace akornc::attention
