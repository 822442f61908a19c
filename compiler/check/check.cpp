// Graph-level checks and the driver of per-op shape inference. See check.hpp.
#include "check.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "ops.hpp"
#include "../ops/op.hpp"
#include "tasks/tasks.hpp"

#include <akorn/ops/conv2d/layout.hpp>

namespace akornc {

namespace check_detail {

const char* dtype_name(DType d) { return d == DType::I32 ? "Int32" : "Float32"; }

int64_t sat_mul(int64_t a, int64_t b) {
  constexpr int64_t cap = std::numeric_limits<int64_t>::max() / 4;
  if (a <= 0 || b <= 0) return 0;  // dims are checked >= 1 before; never negative here
  if (a > cap / b) return cap;
  return a * b;
}

void CheckCtx::expect_features(size_t i, const char* role) const {
  const Value& v = *in[i];
  if (v.dtype != DType::F32)
    fail("input " + std::to_string(i) + " ('" + v.name + "', " + role + ") must be Float32 features [H, W, C], got " +
         dtype_name(v.dtype) + " " + shape_str(v.shape));
  if (v.shape.size() != 3)
    fail("input " + std::to_string(i) + " ('" + v.name + "', " + role + ") must be a feature map [H, W, C], got shape " +
         shape_str(v.shape));
}

void CheckCtx::expect_tokens(size_t i, const char* role, int64_t lo, int64_t hi) const {
  const Value& v = *in[i];
  if (v.dtype != DType::I32 || v.shape.size() != 2)
    fail("input " + std::to_string(i) + " ('" + v.name + "', " + role + ") must be Int32 tokens [H, W], got " +
         dtype_name(v.dtype) + " " + shape_str(v.shape));
  tokens.push_back({i, lo, hi, role});
}

void CheckCtx::check_param(const char* param, std::initializer_list<int64_t> dims) const {
  int64_t e = 1;
  for (int64_t d : dims) e = sat_mul(e, d);
  if (e > kMaxElems)
    fail(std::string("parameter '") + op.name + "." + param + "' would have " + std::to_string(e) +
         (e >= std::numeric_limits<int64_t>::max() / 4 ? "+" : "") + " elements (the limit is 2^31-1)");
}

void CheckCtx::check_range(const char* field, int64_t v, int64_t lo, int64_t hi) const {
  if (v < lo || v > hi)
    fail(std::string(field) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "] (got " +
         std::to_string(v) + ")");
}

void CheckCtx::check_finite(const char* field, float v, bool positive) const {
  if (!std::isfinite(v)) fail(std::string(field) + " must be a finite number (got " + std::to_string(v) + ")");
  if (positive && !(v > 0.0f)) fail(std::string(field) + " must be > 0 (got " + std::to_string(v) + ")");
}

int conv_out(const CheckCtx& c, const char* axis, int64_t h, int64_t k, int64_t stride, int64_t pad) {
  int64_t num = h + 2 * pad - k;  // all operands are range-checked (<= 2^20), no overflow
  if (num < 0)
    c.fail(std::string("kernel_size ") + std::to_string(k) + " does not fit the input " + axis + " " +
           std::to_string(h) + " with padding " + std::to_string(pad) + " (output would be empty)");
  return static_cast<int>(akorn::conv2d_out_size(int(h), int(k), int(stride), int(pad)));
}

int64_t conv_geometry(const CheckCtx& c, int kernel_size, int padding) {
  c.check_range("kernel_size", kernel_size, 1, kMaxKernel);
  if (padding == -1) return kernel_size / 2;
  if (padding < 0 || padding >= kernel_size)
    c.fail("padding must be -1 (kernel_size/2) or in [0, kernel_size-1] = [0, " + std::to_string(kernel_size - 1) +
           "] (got " + std::to_string(padding) + ")");
  return padding;
}

}  // namespace check_detail

namespace {
using namespace check_detail;

bool valid_identifier(const std::string& s) {
  if (s.empty() || s.size() > kMaxNameLen) return false;
  auto alpha = [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_'; };
  auto digit = [](char ch) { return ch >= '0' && ch <= '9'; };
  if (!alpha(s[0])) return false;
  for (char ch : s)
    if (!alpha(ch) && !digit(ch)) return false;
  return true;
}

bool valid_model_name(const std::string& s) {
  if (s.empty() || s.size() > kMaxNameLen) return false;
  for (char ch : s) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '-' || ch == '.';
    if (!ok) return false;
  }
  return s[0] != '.' && s[0] != '-';
}

// Name as shown in a message: untrusted bytes made printable and shortened.
std::string show(const std::string& s) {
  std::string r;
  static const char* hex = "0123456789abcdef";
  for (size_t i = 0; i < s.size() && i < 64; ++i) {
    unsigned char ch = static_cast<unsigned char>(s[i]);
    if (ch >= 0x20 && ch < 0x7f && ch != '\\') r += static_cast<char>(ch);
    else { r += "\\x"; r += hex[ch >> 4]; r += hex[ch & 15]; }
  }
  if (s.size() > 64) r += "...";
  return r;
}

const char* kIdentRule = "must be an identifier ([A-Za-z_][A-Za-z0-9_]*, at most 128 characters)";

std::string count_str(int lo, int hi, const char* what) {
  std::string s = lo == hi ? std::to_string(lo) : std::to_string(lo) + " or " + std::to_string(hi);
  return s + " " + what + (hi == 1 ? "" : "s");
}

// The attrs variant must match the kind (always true for parse's output; cheap to assert).
bool attrs_match(const Op& op) {
  return static_cast<size_t>(op.kind) == op.attrs.index();
}

}  // namespace

Graph check_model(const Model& m) {
  const std::string& P = m.path;
  Graph g;
  g.model = &m;

  if (m.name.empty()) fail(P + ": the model has no name");
  if (!valid_model_name(m.name))
    fail(P + ": model name '" + show(m.name) +
         "' must be letters, digits, '_', '-' or '.' (not starting with '-' or '.'), at most 128 characters");
  if (m.ops.empty()) fail(P + ": the model has no ops");

  std::unordered_map<std::string, int> value_index;  // name -> index in g.values
  std::unordered_set<int> energy_values;             // Kuramoto energy outputs
  int loss_value = -1;

  // ---- model inputs
  for (size_t i = 0; i < m.inputs.size(); ++i) {
    const InputDecl& d = m.inputs[i];
    std::string w = P + ": input " + std::to_string(i) + " '" + show(d.name) + "'";
    if (!valid_identifier(d.name)) fail(w + ": name " + kIdentRule);
    if (value_index.count(d.name)) fail(w + ": duplicate input name '" + d.name + "'");
    size_t want_rank = d.dtype == DType::I32 ? 2 : 3;
    if (d.shape.size() != want_rank)
      fail(w + ": " + (d.dtype == DType::I32 ? "Int32 token maps have shape [H, W]" : "Float32 features have shape [H, W, C]") +
           " (rank " + std::to_string(want_rank) + "), got rank " + std::to_string(d.shape.size()) + " " +
           shape_str(d.shape));
    int64_t e = 1;
    for (size_t k = 0; k < d.shape.size(); ++k) {
      int dim = d.shape[k];
      if (dim < 1 || dim > kMaxDim)
        fail(w + ": shape " + shape_str(d.shape) + ": dimension " + std::to_string(k) + " is " + std::to_string(dim) +
             ", must be in [1, " + std::to_string(kMaxDim) + "]");
      e = sat_mul(e, dim);
    }
    if (e > kMaxElems)
      fail(w + ": shape " + shape_str(d.shape) + " has " + std::to_string(e) +
           " elements per sample (the limit is 2^31-1)");
    Value v;
    v.name = d.name;
    v.dtype = d.dtype;
    v.shape = d.shape;
    v.producer = -1;
    v.training_only = d.training_only;
    value_index[d.name] = static_cast<int>(g.values.size());
    g.values.push_back(std::move(v));
  }

  // ---- ops, in order
  std::unordered_map<std::string, int> op_index;
  for (size_t oi = 0; oi < m.ops.size(); ++oi) {
    const Op& op = m.ops[oi];
    if (op.index != static_cast<int>(oi)) fail(where(m, op) + ": internal error: op index mismatch");
    if (!attrs_match(op)) fail(where(m, op) + ": internal error: attributes do not match the op kind");
    if (!valid_identifier(op.name))  // not via where(): the raw name may be huge or unprintable
      fail(P + ": op " + std::to_string(oi) + " '" + show(op.name) + "' (" + op_kind_name(op.kind) + "): op name '" +
           show(op.name) + "' " + kIdentRule);
    auto prev = op_index.find(op.name);
    if (prev != op_index.end())
      fail_op(m, op, "duplicate op name '" + op.name + "' (also op " + std::to_string(prev->second) + ")");
    op_index[op.name] = static_cast<int>(oi);

    const OpArity a = op_def(op.kind).arity;
    int nin = static_cast<int>(op.inputs.size()), nout = static_cast<int>(op.outputs.size());
    if (nin < a.in_min || nin > a.in_max)
      fail_op(m, op, "takes " + count_str(a.in_min, a.in_max, "input") + ", got " + std::to_string(nin));
    if (nout < a.out_min || nout > a.out_max)
      fail_op(m, op, "has " + count_str(a.out_min, a.out_max, "output") + ", got " + std::to_string(nout));

    check_detail::CheckCtx ctx{m, op, {}};
    for (int k = 0; k < nin; ++k) {
      const std::string& name = op.inputs[static_cast<size_t>(k)];
      auto it = value_index.find(name);
      if (it == value_index.end())
        fail_op(m, op, "input '" + show(name) + "' is not defined by any model input or earlier op");
      const Value& v = g.values[static_cast<size_t>(it->second)];
      if (energy_values.count(it->second)) {
        const Op& kop = m.ops[static_cast<size_t>(v.producer)];
        fail_op(m, op, "input '" + name + "' is the energy output of " + where(m, kop).substr(P.size() + 2) +
                           "; the energy takes no gradient and may only be a model output");
      }
      if (it->second == loss_value)
        fail_op(m, op, "input '" + name + "' is the loss (output of op " + std::to_string(v.producer) +
                           "); the loss may not be consumed by other ops");
      ctx.in.push_back(&v);
    }
    const bool is_loss = op_def(op.kind).loss;
    if (is_loss && g.loss_op >= 0)
      fail_op(m, op, "a model may have at most one loss op (op " + std::to_string(g.loss_op) + ", " +
                         op_kind_name(m.ops[static_cast<size_t>(g.loss_op)].kind) + ", is one already)");

    std::vector<OutSpec> outs = op_def(op.kind).infer(ctx);
    // Kuramoto may have 1 or 2 outputs; the inference gives both shapes
    if (outs.size() < op.outputs.size()) fail_op(m, op, "internal error: inference gave too few outputs");

    bool training_only = false;
    for (const Value* v : ctx.in) training_only = training_only || v->training_only;

    for (int k = 0; k < nin; ++k) {
      Value& v = g.values[static_cast<size_t>(value_index[op.inputs[static_cast<size_t>(k)]])];
      if (v.consumers.empty() || v.consumers.back() != static_cast<int>(oi)) v.consumers.push_back(static_cast<int>(oi));
    }
    // The tokens an input may hold: what every op that reads it accepts (model tables carry
    // the range, so generic drivers make valid random inputs and check files against it).
    for (const check_detail::CheckCtx::TokenLimit& t : ctx.tokens) {
      Value& v = g.values[static_cast<size_t>(value_index[op.inputs[t.input]])];
      const int64_t lo = std::max(v.token_lo, t.lo), hi = std::min(v.token_hi, t.hi);
      if (lo > hi)
        fail_op(m, op, "input '" + v.name + "' (" + t.why + ") takes tokens in [" + std::to_string(t.lo) + ", " +
                           std::to_string(t.hi) + "], but an earlier op that reads it only [" +
                           std::to_string(v.token_lo) + ", " + std::to_string(v.token_hi) + "]: no token is valid for both");
      v.token_lo = lo;
      v.token_hi = hi;
    }

    for (size_t k = 0; k < op.outputs.size(); ++k) {
      const std::string& name = op.outputs[k];
      if (!valid_identifier(name)) fail_op(m, op, "output name '" + show(name) + "' " + kIdentRule);
      auto it = value_index.find(name);
      if (it != value_index.end()) {
        const Value& old = g.values[static_cast<size_t>(it->second)];
        if (old.producer < 0) fail_op(m, op, "output '" + name + "' redefines the model input '" + name + "'");
        fail_op(m, op, "output '" + name + "' is already defined by " +
                           where(m, m.ops[static_cast<size_t>(old.producer)]).substr(P.size() + 2));
      }
      const OutSpec& s = outs[k];
      int64_t e = 1;
      for (int d : s.shape) {
        if (d < 1 || d > kMaxDim)
          fail_op(m, op, "output '" + name + "' would have shape " + shape_str(s.shape) + "; every dimension must be in [1, " +
                             std::to_string(kMaxDim) + "]");
        e = sat_mul(e, d);
      }
      if (e > kMaxElems)
        fail_op(m, op, "output '" + name + "' would have shape " + shape_str(s.shape) + ", " + std::to_string(e) +
                           " elements per sample (the limit is 2^31-1)");
      Value v;
      v.name = name;
      v.dtype = s.dtype;
      v.shape = s.shape;
      v.producer = static_cast<int>(oi);
      v.training_only = training_only;
      v.batch_scalar = s.batch_scalar;
      int idx = static_cast<int>(g.values.size());
      value_index[name] = idx;
      if (op.kind == OpKind::Kuramoto && k == 1) energy_values.insert(idx);
      if (is_loss) {
        loss_value = idx;
        v.training_only = true;  // the loss is computed in training only (whatever its inputs)
      }
      g.values.push_back(std::move(v));
    }
    if (is_loss) g.loss_op = static_cast<int>(oi);
  }

  // ---- model outputs
  std::unordered_set<std::string> seen_out;
  for (size_t i = 0; i < m.outputs.size(); ++i) {
    const std::string& name = m.outputs[i];
    std::string w = P + ": model output " + std::to_string(i) + " '" + show(name) + "'";
    auto it = value_index.find(name);
    if (it == value_index.end()) fail(w + ": no model input or op defines it");
    if (!seen_out.insert(name).second) fail(w + ": listed more than once");
    const Value& v = g.values[static_cast<size_t>(it->second)];
    if (v.producer < 0) fail(w + ": is a model input, not computed by any op");
    if (it->second == loss_value)
      fail(w + ": is the loss; the loss is computed in training only and is not an inference output");
    if (v.training_only)
      fail(w + ": depends on a training-only input, so inference cannot compute it");
  }

  // ---- weight blobs (weight files are Models): names unique, shape matches data
  std::unordered_set<std::string> seen_w;
  for (size_t i = 0; i < m.weights.size(); ++i) {
    const WeightBlob& b = m.weights[i];
    std::string w = P + ": weight " + std::to_string(i) + " '" + show(b.name) + "'";
    if (b.name.empty()) fail(w + ": empty name");
    if (!seen_w.insert(b.name).second) fail(w + ": duplicate weight name");
    int64_t e = 1;
    for (int d : b.shape) {
      if (d < 1) fail(w + ": shape " + shape_str(b.shape) + " has a dimension < 1");
      e = sat_mul(e, d);
    }
    if (e != static_cast<int64_t>(b.data.size()))
      fail(w + ": shape " + shape_str(b.shape) + " needs " + std::to_string(e) + " values, the data has " +
           std::to_string(b.data.size()));
  }
  // ---- the task the spec names (Model.task): its interface
  check_task(m, g);
  return g;
}

}  // namespace akornc
