// OscillatorInit: the initial oscillator state x0 (noise, or the stimulus where given).
// Everything akornc knows of the op, behind one interface (ops/op.hpp): its options
// (parse), attribute checks and shape inference (check), and lowering: parameters,
// buffers, kernel types and the emitted code. The runtime side is its folder
// runtime/include/akorn/ops/ (docs/OPS.md has the contract).
#include "op.hpp"

namespace akornc {
namespace {

// ---- parse: OscillatorInitOptions -> OscillatorInitAttrs
void parse(const OptionsReader& r, const fb::Op& fo, Op& op) {
  const auto* o = fo.options_as_OscillatorInitOptions();
  OscillatorInitAttrs a;
  a.mode = r.enum_value<OscInit>("mode", o->mode(), fb::OscInit_MIN, fb::OscInit_MAX, fb::EnumNamesOscInit());
  op.attrs = a;
}

// ---- check: attributes and shapes
std::vector<OutSpec> infer(const CheckCtx& c) {
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

// ---- lower and emit
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

}  // namespace

const OpDef& op_oscillator_init() {
  static const OscillatorInitLowering lowering;
  static const OpDef def{OpKind::OscillatorInit, "OscillatorInit", {1, 2, 1, 1}, parse, infer, lowering};
  return def;
}

}  // namespace akornc
