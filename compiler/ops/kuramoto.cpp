// Kuramoto: the Kuramoto layer: T unrolled steps of coupling J and the fused update (spec §2-3).
// Everything akornc knows of the op, behind one interface (ops/op.hpp): its options
// (parse), attribute checks and shape inference (check), and lowering: parameters,
// buffers, kernel types and the emitted code. The runtime side is its folder
// runtime/include/akorn/ops/ (docs/OPS.md has the contract).
//
// Lowering of the Kuramoto layer (spec §2-3): stimulus normalisation, the normalised
// initial state, T unrolled steps of "coupling J(x), then one fused element-wise update",
// and backpropagation through the T steps in reverse order.
//
// Training stores every state x_t (needed by the step's backward pass). The per-step
// intermediates of J (attention probabilities, GTA-transformed q/k/v, ...) and J(x_t) are
// either stored too (default) or recomputed from x_t in the backward pass
// (LowerOptions::recompute_steps), trading one extra J forward per step for memory.
#include <akorn/ops/attn_j/layout.hpp>
#include <akorn/ops/conv2d/layout.hpp>
#include <akorn/ops/fc_j/layout.hpp>
#include <akorn/ops/group_norm/layout.hpp>

#include "attention.hpp"
#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: KuramotoOptions -> KuramotoAttrs
void parse(const OptionsReader& r, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_KuramotoOptions();
  KuramotoAttrs a;
  a.n = r.required(o->n(), "n");
  a.steps = r.required(o->steps(), "steps");
  a.connectivity = r.enum_value<Connectivity>("connectivity", o->connectivity(), fb::Connectivity_MIN,
                                          fb::Connectivity_MAX, fb::EnumNamesConnectivity());
  a.heads = o->heads();
  a.gta = o->gta();
  a.kernel_size = o->kernel_size();
  a.omega = r.enum_value<OmegaMode>("omega", o->omega(), fb::OmegaMode_MIN, fb::OmegaMode_MAX,
                                fb::EnumNamesOmegaMode());
  a.omega_init = o->omega_init();
  a.omega_learned = o->omega_learned();
  a.project = o->project();
  a.gamma = o->gamma();
  a.gamma_learned = o->gamma_learned();
  a.stimulus_norm = r.enum_value<StimulusNorm>("stimulus_norm", o->stimulus_norm(), fb::StimulusNorm_MIN,
                                           fb::StimulusNorm_MAX, fb::EnumNamesStimulusNorm());
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
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
    case Connectivity::Attn:
      attention::check(c, "J", H, W, C, a.heads, a.gta);
      break;
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

// ---- lower and emit
struct Sizes {
  int H, W, P, C, n, T, heads, hd, k;
  int64_t PC;
  int64_t j_saved, j_fwd_ws, j_bwd_ws;  // per sample, per step
};

Sizes sizes_of(const OpCtx& c) {
  auto& a = c.op().as<KuramotoAttrs>();
  const Value& x = c.in(0);
  Sizes s{};
  s.H = H_of(x);
  s.W = W_of(x);
  s.P = s.H * s.W;
  s.C = C_of(x);
  s.n = a.n;
  s.T = a.steps;
  s.heads = a.heads;
  s.hd = a.heads > 0 ? s.C / a.heads : 0;
  s.k = a.kernel_size;
  s.PC = static_cast<int64_t>(s.P) * s.C;
  switch (a.connectivity) {
    case Connectivity::Attn:
      s.j_saved = akorn::attn_j_saved_elems(s.H, s.W, s.C, s.heads, a.gta);
      s.j_fwd_ws = akorn::attn_j_fwd_ws_elems(s.H, s.W, s.C, s.heads, a.gta);
      s.j_bwd_ws = akorn::attn_j_bwd_ws_elems(s.H, s.W, s.C, s.heads, a.gta);
      break;
    case Connectivity::Conv:
      s.j_saved = 0;
      s.j_fwd_ws = akorn::conv2d_fwd_ws_elems(s.H, s.W, s.C, s.k, 1, s.k / 2);
      s.j_bwd_ws = akorn::conv2d_bwd_ws_elems(s.H, s.W, s.C, s.k, 1, s.k / 2);
      break;
    case Connectivity::Fc:
      s.j_saved = 0;
      s.j_fwd_ws = akorn::fc_j_fwd_ws_elems(s.P, s.C);
      s.j_bwd_ws = akorn::fc_j_bwd_ws_elems(s.P, s.C);
      break;
  }
  return s;
}

const char* omega_mode(OmegaMode m) {
  switch (m) {
    case OmegaMode::None: return "akorn::OmegaMode::None";
    case OmegaMode::Global: return "akorn::OmegaMode::Global";
    case OmegaMode::PerPair: return "akorn::OmegaMode::PerPair";
    case OmegaMode::Identity: return "akorn::OmegaMode::Identity";
  }
  return "";
}

struct KuramotoLowering : OpLowering {
  std::vector<std::string> in_names(const OpCtx&) const override { return {"x0", "c"}; }
  std::vector<std::string> out_names(const OpCtx& c) const override {
    if (c.num_out() > 1) return {"xT", "energy"};
    return {"xT"};
  }
  bool output_is_external(const OpCtx&, int i) const override { return i == 1; }
  bool bwd_needs_output(const OpCtx&, int) const override { return false; }
  int unrolled_steps(const OpCtx& c) const override { return c.op().as<KuramotoAttrs>().steps; }

  std::vector<ParamDecl> params(const OpCtx& c) const override {
    auto& a = c.op().as<KuramotoAttrs>();
    Sizes s = sizes_of(c);
    std::vector<ParamDecl> ps;
    if (a.stimulus_norm == StimulusNorm::GroupNorm) {
      ps.push_back(make_param("cnorm.weight", {s.C}, ParamDecl::Init::Const, 1.0));
      ps.push_back(make_param("cnorm.bias", {s.C}, ParamDecl::Init::Const, 0.0));
    } else if (a.stimulus_norm == StimulusNorm::ScaleBias) {
      ps.push_back(make_param("cnorm.scale", {s.C}, ParamDecl::Init::Const, 1.0));
      ps.push_back(make_param("cnorm.bias", {s.C}, ParamDecl::Init::Const, 0.0));
    }
    switch (a.connectivity) {
      case Connectivity::Attn:
        for (ParamDecl& p : attention::params("J", s.H, s.W, s.C, s.heads, a.gta)) ps.push_back(p);
        break;
      case Connectivity::Conv: {
        double b = fan_in_bound(static_cast<int64_t>(s.C) * s.k * s.k);
        ps.push_back(make_param("J.weight", {s.C, s.C, s.k, s.k}, ParamDecl::Init::Uniform, b));
        ps.push_back(make_param("J.bias", {s.C}, ParamDecl::Init::Uniform, b));
        break;
      }
      case Connectivity::Fc: {
        double b = fan_in_bound(s.PC);
        int cp = static_cast<int>(s.PC);
        ps.push_back(make_param("J.weight", {cp, cp}, ParamDecl::Init::Uniform, b));
        ps.push_back(make_param("J.bias", {cp}, ParamDecl::Init::Uniform, b));
        break;
      }
    }
    if (a.omega == OmegaMode::Global)
      ps.push_back(make_param("omega", {2}, ParamDecl::Init::Omega, a.omega_init, a.omega_learned));
    else if (a.omega == OmegaMode::PerPair)
      ps.push_back(make_param("omega", {s.C / 2, 2}, ParamDecl::Init::Omega, a.omega_init, a.omega_learned));
    ps.push_back(make_param("gamma", {1}, ParamDecl::Init::Const, a.gamma, a.gamma_learned));
    return ps;
  }

  std::vector<BufReq> buffers(const OpCtx& c, Phase phase) const override {
    auto& a = c.op().as<KuramotoAttrs>();
    Sizes s = sizes_of(c);
    bool recompute = c.prog.options.recompute_steps;
    std::vector<BufReq> r;
    auto life_saved = phase == Phase::Train ? BufReq::Saved : BufReq::FwdWs;
    if (a.stimulus_norm != StimulusNorm::None)
      r.push_back({"cn", s.PC, life_saved, "normalised stimulus c_n"});
    if (a.stimulus_norm == StimulusNorm::GroupNorm)
      r.push_back({"cn_stats", akorn::group_norm_saved_elems(s.C / s.n), life_saved,
                   "group-norm statistics of the stimulus"});
    if (phase == Phase::Infer) {
      r.push_back({"X", 2 * s.PC, BufReq::FwdWs, "two states, ping-pong"});
      r.push_back({"Jx", s.PC, BufReq::FwdWs, "J(x_t)"});
      if (s.j_saved) r.push_back({"Jsaved", s.j_saved, BufReq::FwdWs, "J intermediates of one step"});
      if (s.j_fwd_ws) r.push_back({"Jws", s.j_fwd_ws, BufReq::FwdWs, "J workspace"});
      return r;
    }
    r.push_back({"X", (s.T + 1) * s.PC, BufReq::Saved, "states x_0 .. x_T"});
    if (recompute) {
      r.push_back({"Jx", s.PC, BufReq::FwdWs, "J(x_t) of the current step"});
      if (s.j_saved) r.push_back({"Jsaved", s.j_saved, BufReq::FwdWs, "J intermediates of one step"});
      r.push_back({"Jx_b", s.PC, BufReq::BwdWs, "J(x_t) recomputed in the backward pass"});
      if (s.j_saved)
        r.push_back({"Jsaved_b", s.j_saved, BufReq::BwdWs, "J intermediates recomputed in the backward pass"});
    } else {
      r.push_back({"Jx", s.T * s.PC, BufReq::Saved, "J(x_t) of every step"});
      if (s.j_saved)
        r.push_back({"Jsaved", s.T * s.j_saved, BufReq::Saved, "J intermediates of every step"});
    }
    if (s.j_fwd_ws) r.push_back({"Jws", s.j_fwd_ws, BufReq::FwdWs, "J workspace"});
    int64_t bws = std::max(s.j_bwd_ws, recompute ? s.j_fwd_ws : 0);
    if (bws) r.push_back({"Jws_b", bws, BufReq::BwdWs, "J workspace in the backward pass"});
    r.push_back({"gx", 2 * s.PC, BufReq::BwdWs, "dL/dx_t, ping-pong"});
    r.push_back({"dy", s.PC, BufReq::BwdWs, "dL/d(J x_t + c_n) of one step"});
    if (a.stimulus_norm != StimulusNorm::None)
      r.push_back({"d_cn", s.PC, BufReq::BwdWs, "dL/dc_n summed over the steps"});
    return r;
  }

  std::vector<std::pair<std::string, std::string>> kernel_types(const OpCtx& c) const override {
    auto& a = c.op().as<KuramotoAttrs>();
    Sizes s = sizes_of(c);
    std::vector<std::pair<std::string, std::string>> t;
    switch (a.connectivity) {
      case Connectivity::Attn:
        t.push_back({"_J", "akorn::AttnJ<S, " + S(s.H) + ", " + S(s.W) + ", " + S(s.C) + ", " +
                               S(s.heads) + ", " + B(a.gta) + ">"});
        break;
      case Connectivity::Conv:
        t.push_back({"_J", "akorn::Conv2d<S, " + S(s.H) + ", " + S(s.W) + ", " + S(s.C) + ", " +
                               S(s.C) + ", " + S(s.k) + ", 1, " + S(s.k / 2) + ", true>"});
        break;
      case Connectivity::Fc:
        t.push_back({"_J", "akorn::FcJ<S, " + S(s.P) + ", " + S(s.C) + ">"});
        break;
    }
    t.push_back({"_step", "akorn::KuramotoStep<S, " + S(s.P) + ", " + S(s.C) + ", " + S(s.n) + ", " +
                              omega_mode(a.omega) + ", " + B(a.project) + ">"});
    t.push_back({"_norm", "akorn::NormalizeOsc<S, " + S(s.PC) + ", " + S(s.n) + ">"});
    if (a.stimulus_norm == StimulusNorm::GroupNorm)
      t.push_back({"_cnorm", "akorn::GroupNorm<S, " + S(s.P) + ", " + S(s.C) + ", " + S(s.C / s.n) + ", true>"});
    if (a.stimulus_norm == StimulusNorm::ScaleBias)
      t.push_back({"_cnorm", "akorn::ScaleBias<S, " + S(s.P) + ", " + S(s.C) + ">"});
    return t;
  }

  std::string summary(const OpCtx& c) const override {
    auto& a = c.op().as<KuramotoAttrs>();
    Sizes s = sizes_of(c);
    std::string j;
    switch (a.connectivity) {
      case Connectivity::Attn:
        j = "attn J, " + S(s.heads) + " heads of " + S(s.hd) + (a.gta ? ", GTA" : "");
        break;
      case Connectivity::Conv: j = "conv J " + S(s.k) + "x" + S(s.k); break;
      case Connectivity::Fc: j = "dense J"; break;
    }
    const char* om[] = {"no omega", "global omega", "per-pair omega", "identity omega (dxdt = x + proj)"};
    const char* cn[] = {"", ", group-norm stimulus", ", scale-bias stimulus"};
    const bool rotates = a.omega == OmegaMode::Global || a.omega == OmegaMode::PerPair;
    std::string learned_om = !rotates ? "" : (a.omega_learned ? " (learned)" : " (fixed)");
    return "Kuramoto, n=" + S(s.n) + ", T=" + S(s.T) + ", " + j + ", " + om[static_cast<int>(a.omega)] +
           learned_om + (a.project ? ", projection" : ", no projection") + ", gamma " +
           (a.gamma_learned ? "learned" : "fixed") + cn[static_cast<int>(a.stimulus_norm)];
  }

  // J(x) for the current step; `jx`, `jsaved` are expressions.
  static void emit_j_forward(const OpCtx& c, Writer& w, const std::string& jx, const std::string& jsaved,
                             bool has_ws) {
    auto& a = c.op().as<KuramotoAttrs>();
    const std::string K = c.kt() + "_J";
    std::string ws = has_ws ? "Jws" : "nullptr";
    switch (a.connectivity) {
      case Connectivity::Attn:
        w.line(attention::forward_call(K, "J", a.gta, "x", jx, jsaved, ws));
        break;
      case Connectivity::Conv:
      case Connectivity::Fc:
        w.line(K + "::forward(N, x, J_weight, J_bias, " + jx + ", " + ws + ");");
        break;
    }
  }

  void emit_forward(const OpCtx& c, Writer& w, Phase phase) const override {
    auto& a = c.op().as<KuramotoAttrs>();
    Sizes s = sizes_of(c);
    const std::string K = c.kt();
    bool recompute = c.prog.options.recompute_steps;
    bool energy = c.num_out() > 1;
    // c_n
    if (a.stimulus_norm == StimulusNorm::GroupNorm) {
      w.line("// c_n = GroupNorm(c), " + S(s.C / s.n) + " groups (one per oscillator)");
      w.line(K + "_cnorm::forward(N, c, cnorm_weight, cnorm_bias, S(1e-5), cn, cn_stats);");
    } else if (a.stimulus_norm == StimulusNorm::ScaleBias) {
      w.line("// c_n = c * scale + bias");
      w.line(K + "_cnorm::forward(N, c, cnorm_scale, cnorm_bias, cn);");
    } else {
      w.line("const S* cn = c;  // no stimulus normalisation");
    }
    w.line("const akorn::index_t PC = " + S(s.PC) + ";  // elements of one state per sample");
    std::string omega = a.omega == OmegaMode::Global || a.omega == OmegaMode::PerPair ? "omega" : "nullptr";
    if (phase == Phase::Infer) {
      w.line("// steps T may differ from the trained " + S(s.T) + " (test-time extension)");
      w.line("const int T = steps > 0 ? steps : " + S(s.T) + ";");
      w.line("S* x_cur = X;");
      w.line("S* x_nxt = X + N * PC;");
      w.line(K + "_norm::forward(N, x0, x_cur);  // x_0 = normalize(x0)");
      if (energy) w.line("if (energy) Be::fill_strided(energy, N, T + 1, S(0));  // E_0 placeholder");
      w.open("for (int t = 0; t < T; ++t) {");
      w.line("const S* x = x_cur;");
      w.line("// coupling J(x_t)");
      emit_j_forward(c, w, "Jx", s.j_saved ? "Jsaved" : "nullptr", s.j_fwd_ws > 0);
      w.line("// fused: y = J(x_t) + c_n; E_t+1 = -sum(x*y); tangent projection; Omega; x_t+1 = normalize(x_t + gamma*dxdt)");
      w.line(K + "_step::forward(N, x, Jx, cn, " + omega + ", gamma, x_nxt, " +
             (energy ? "energy ? energy + t + 1 : nullptr" : "nullptr") + ", T + 1);");
      w.line("std::swap(x_cur, x_nxt);");
      w.close();
      w.line("Be::copy(xT, x_cur, N * PC);");
      return;
    }
    w.line("constexpr int T = " + S(s.T) + ";");
    w.line(K + "_norm::forward(N, x0, X);  // x_0 = normalize(x0), stored as X[0]");
    if (energy) w.line("if (energy) Be::fill_strided(energy, N, T + 1, S(0));  // E_0 placeholder");
    w.open("for (int t = 0; t < T; ++t) {");
    w.line("const S* x = X + t * N * PC;");
    w.line("S* x_next = X + (t + 1) * N * PC;");
    if (recompute) {
      w.line("S* Jx_t = Jx;  // recomputed in the backward pass");
    } else {
      w.line("S* Jx_t = Jx + t * N * PC;");
    }
    std::string jsaved = "nullptr";
    if (s.j_saved) jsaved = recompute ? "Jsaved" : "Jsaved + t * N * " + S(s.j_saved);
    w.line("// coupling J(x_t)");
    emit_j_forward(c, w, "Jx_t", jsaved, s.j_fwd_ws > 0);
    w.line("// fused: y = J(x_t) + c_n; E_t+1 = -sum(x*y); tangent projection; Omega; x_t+1 = normalize(x_t + gamma*dxdt)");
    w.line(K + "_step::forward(N, x, Jx_t, cn, " + omega + ", gamma, x_next, " +
           (energy ? "energy ? energy + t + 1 : nullptr" : "nullptr") + ", T + 1);");
    w.close();
    w.line("Be::copy(xT, X + T * N * PC, N * PC);");
  }

  void emit_backward(const OpCtx& c, Writer& w) const override {
    auto& a = c.op().as<KuramotoAttrs>();
    Sizes s = sizes_of(c);
    const std::string K = c.kt();
    bool recompute = c.prog.options.recompute_steps;
    std::string omega = a.omega == OmegaMode::Global || a.omega == OmegaMode::PerPair ? "omega" : "nullptr";
    bool has_cn = a.stimulus_norm != StimulusNorm::None;
    bool cn_params_trainable = c.param_trainable("cnorm.weight") || c.param_trainable("cnorm.scale") ||
                               c.param_trainable("cnorm.bias");
    bool need_dcn = c.in_grad(1) || (has_cn && cn_params_trainable);
    w.line("const akorn::index_t PC = " + S(s.PC) + ";");
    w.line("constexpr int T = " + S(s.T) + ";");
    if (!has_cn) w.line("const S* cn = c;");
    // dL/dc_n accumulates over the T steps.
    std::string dcn = "nullptr";
    if (need_dcn) {
      if (has_cn) {
        w.line("Be::fill(d_cn, N * PC, S(0));  // dL/dc_n, summed over steps");
        dcn = "d_cn";
      } else {
        dcn = "d_c";
      }
    }
    w.line("S* g = gx;            // dL/dx_{t+1}");
    w.line("S* g_prev = gx + N * PC;  // dL/dx_t");
    w.line("Be::copy(g, d_xT, N * PC);");
    w.open("for (int t = T - 1; t >= 0; --t) {");
    w.line("const S* x = X + t * N * PC;");
    w.line("const S* x_next = X + (t + 1) * N * PC;");
    std::string jsaved = "nullptr";
    if (recompute) {
      w.line("// recompute J(x_t) and its intermediates instead of having stored them");
      w.line("S* Jx_t = Jx_b;");
      if (s.j_saved) jsaved = "Jsaved_b";
      // J forward in the backward pass uses the backward workspace
      auto& aa = a;
      const std::string KJ = K + "_J";
      std::string ws = s.j_fwd_ws ? "Jws_b" : "nullptr";
      if (aa.connectivity == Connectivity::Attn)
        w.line(attention::forward_call(KJ, "J", aa.gta, "x", "Jx_t", jsaved, ws));
      else
        w.line(KJ + "::forward(N, x, J_weight, J_bias, Jx_t, " + ws + ");");
    } else {
      w.line("const S* Jx_t = Jx + t * N * PC;");
      if (s.j_saved) jsaved = "Jsaved + t * N * " + S(s.j_saved);
    }
    w.line("// element-wise part: g_prev = dL/dx_t (direct), dy = dL/d(J x_t + c_n)");
    w.line(K + "_step::backward(N, x, Jx_t, cn, " + omega + ", gamma, x_next, g, g_prev, dy, " + dcn + ", " +
           ((a.omega == OmegaMode::Global || a.omega == OmegaMode::PerPair) && c.param_trainable("omega") ? "d_omega" : "nullptr") + ", " +
           (c.param_trainable("gamma") ? "d_gamma" : "nullptr") + ");");
    w.line("// coupling: g_prev += J^T dy, and J's parameter gradients");
    std::string jws = (s.j_bwd_ws || (recompute && s.j_fwd_ws)) ? "Jws_b" : "nullptr";
    switch (a.connectivity) {
      case Connectivity::Attn:
        w.line(attention::backward_call(c, K + "_J", "J", a.gta, "x", jsaved, "dy", "g_prev", jws));
        break;
      case Connectivity::Conv:
      case Connectivity::Fc:
        w.line(K + "_J::backward(N, x, J_weight, dy, g_prev, " +
               grad_or_null(c.param_trainable("J.weight"), "J_weight") + ", " +
               grad_or_null(c.param_trainable("J.bias"), "J_bias") + ", " + jws + ");");
        break;
    }
    w.line("std::swap(g, g_prev);");
    w.close();
    w.line("// x_0 = normalize(x0)");
    if (c.in_grad(0)) w.line(K + "_norm::backward(N, x0, X, g, d_x0);");
    if (has_cn && need_dcn) {
      if (a.stimulus_norm == StimulusNorm::GroupNorm)
        w.line(K + "_cnorm::backward(N, c, cnorm_weight, cn_stats, d_cn, " + grad_or_null(c.in_grad(1), "c") +
               ", " + grad_or_null(c.param_trainable("cnorm.weight"), "cnorm_weight") + ", " +
               grad_or_null(c.param_trainable("cnorm.bias"), "cnorm_bias") + ");");
      else
        w.line(K + "_cnorm::backward(N, c, cnorm_scale, d_cn, " + grad_or_null(c.in_grad(1), "c") + ", " +
               grad_or_null(c.param_trainable("cnorm.scale"), "cnorm_scale") + ", " +
               grad_or_null(c.param_trainable("cnorm.bias"), "cnorm_bias") + ");");
    }
  }
};

}  // namespace

const OpDef& op_kuramoto() {
  static const KuramotoLowering lowering;
  static const OpDef def{OpKind::Kuramoto, "Kuramoto", {2, 2, 1, 2}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
