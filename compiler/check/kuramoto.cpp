// Kuramoto layer: inputs [x0, c] both [H, W, C]; outputs [x_T] or [x_T, energy [T+1]].
#include "ops.hpp"

namespace akornc::check_detail {

std::vector<OutSpec> infer_kuramoto(const OpCtx& c) {
  const auto& a = c.op.as<KuramotoAttrs>();
  c.expect_features(0, "x0");
  c.expect_features(1, "c");
  const auto& xs = c.in[0]->shape;
  const auto& cs = c.in[1]->shape;
  if (xs != cs)
    c.fail("x0 '" + c.in[0]->name + "' " + shape_str(xs) + " and c '" + c.in[1]->name + "' " + shape_str(cs) +
           " must have the same shape");
  const int64_t H = xs[0], W = xs[1], C = xs[2], P = H * W;

  if (a.n < 2 || a.n % 2 != 0) c.fail("n must be even and >= 2 (got " + std::to_string(a.n) + ")");
  if (C % a.n != 0)
    c.fail("channels " + std::to_string(C) + " is not divisible by n=" + std::to_string(a.n));
  if (a.steps < 1 || a.steps > kMaxSteps)
    c.fail("steps must be in [1, " + std::to_string(kMaxSteps) + "] (got " + std::to_string(a.steps) + ")");
  c.check_finite("gamma", a.gamma, /*positive=*/true);
  c.check_finite("omega_init", a.omega_init);

  switch (a.connectivity) {
    case Connectivity::Attn: {
      if (a.heads < 1) c.fail("heads must be >= 1 (got " + std::to_string(a.heads) + ")");
      if (C % a.heads != 0)
        c.fail("channels " + std::to_string(C) + " is not divisible by heads=" + std::to_string(a.heads));
      const int64_t hd = C / a.heads;
      if (a.gta && hd % 2 != 0)
        c.fail("GTA needs an even head dimension (C/heads = " + std::to_string(hd) + ")");
      c.check_param("J.w_qkv", {3 * C, C});
      c.check_param("J.w_o", {C, C});
      // attention matrix per head: P x P
      if (sat_mul(P, P) > kMaxElems)
        c.fail("attention over " + std::to_string(P) + " positions needs a " + std::to_string(P) + "x" +
               std::to_string(P) + " matrix per head (too large)");
      if (a.gta) c.check_param("J.gta", {4, P, hd / 2, 2, 2});  // sets q, k, v, o
      break;
    }
    case Connectivity::Conv: {
      if (a.kernel_size < 1 || a.kernel_size % 2 == 0 || a.kernel_size > kMaxKernel)
        c.fail("conv J needs an odd kernel_size in [1, " + std::to_string(kMaxKernel - 1) + "] (got " +
               std::to_string(a.kernel_size) + ")");
      c.check_param("J.weight", {C, C, a.kernel_size, a.kernel_size});
      break;
    }
    case Connectivity::Fc: {
      const int64_t cp = C * P;  // C, P <= 2^31 each but C*P per sample < 2^31 (input checked)
      if (cp > kMaxFcSize)
        c.fail("Fc connectivity needs C*P <= " + std::to_string(kMaxFcSize) + " (got C=" + std::to_string(C) +
               ", P=" + std::to_string(P) + ", C*P=" + std::to_string(cp) + "; the dense J would have (C*P)^2 entries)");
      c.check_param("J.weight", {cp, cp});
      break;
    }
  }

  std::vector<OutSpec> outs;
  outs.push_back(OutSpec{DType::F32, xs, false});
  outs.push_back(OutSpec{DType::F32, {a.steps + 1}, false});
  return outs;
}

}  // namespace akornc::check_detail
