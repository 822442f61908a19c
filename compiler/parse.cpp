// Reads a model spec and converts it to the IR. See parse.hpp.
//
// JSON specs are parsed by flatbuffers::Parser against the schema text compiled into akornc
// (kSchemaText). The schema's `(required)` attributes are dropped for the JSON parse only, so
// that a missing required field reaches the conversion below, which names the op and the field
// ("op 2 'klayer' (Kuramoto): required field 'n' is missing") instead of the parser's bare
// "required field is missing: options in Op". Binary files are checked by the generated
// FlatBuffers verifier (which enforces `required`) and then by the same conversion.
//
// Parser errors are rewritten to "<path>:<line>:<col>: [op i 'name' (Kind), field 'f': ]<what>";
// a small tolerant JSON scanner (below) finds the op and field at the error position.
#include "parse.hpp"

#include <flatbuffers/flatbuffers.h>
#include <flatbuffers/idl.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "akorn_generated.h"
#include "akorn_schema_text.hpp"
#include "diag.hpp"
#include "ops/op.hpp"
#include "sha256.hpp"

namespace akornc {
namespace fb = akorn::fb;

namespace {

// ---------------------------------------------------------------------------------------------
// Names shown in messages

std::string known_op_types() {
  std::string s;
  for (int t = fb::OpOptions_MIN + 1; t <= fb::OpOptions_MAX; ++t) {
    if (!s.empty()) s += ", ";
    s += fb::EnumNameOpOptions(static_cast<fb::OpOptions>(t));
  }
  return s;
}

std::string no_options_hint() {
  return "'options_type' names the op type, one of " + known_op_types();
}

// Allowed names of the enum-valued fields, by field name (for "unknown enum value" messages).
std::string enum_choices(const std::string& field) {
  auto join = [](const char* const* names) {
    std::string s;
    for (int i = 0; names[i]; ++i) {
      if (names[i][0] == '\0') continue;
      if (!s.empty()) s += ", ";
      s += names[i];
    }
    return s;
  };
  if (field == "dtype") return join(fb::EnumNamesDType());
  if (field == "connectivity") return join(fb::EnumNamesConnectivity());
  if (field == "omega") return join(fb::EnumNamesOmegaMode());
  if (field == "stimulus_norm") return join(fb::EnumNamesStimulusNorm());
  if (field == "mode") return join(fb::EnumNamesOscInit());
  if (field == "kind") return join(fb::EnumNamesPoolKind());
  if (field == "options_type") return known_op_types();
  return "";
}

// Printable form of untrusted bytes (file identifiers, names from a corrupt file).
std::string printable(const std::string& s, size_t max_len = 64) {
  std::string r;
  static const char* hex = "0123456789abcdef";
  for (size_t i = 0; i < s.size() && i < max_len; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      r += static_cast<char>(c);
    } else {
      r += "\\x";
      r += hex[c >> 4];
      r += hex[c & 15];
    }
  }
  if (s.size() > max_len) r += "...";
  return r;
}

// ---------------------------------------------------------------------------------------------
// A tolerant JSON(-ish) scanner, used only to explain a parser error: which op and which field
// the error position is in. Accepts what flatbuffers' JSON accepts (unquoted keys, comments,
// bare identifiers); stops quietly on anything it does not understand. Memory: one frame per
// nesting level, capped.

struct JsonContext {
  bool found = false;           // the error offset was reached
  std::string field_path;       // e.g. "ops[2].options.n" (absolute) or "options.n" (in an op)
  std::string key;              // innermost key at the error position
  int op_index = -1;            // op the error is in, -1 if none
  std::string op_name, op_type; // as far as the scanner saw them (whole op object)
  bool op_has_options = false, op_has_type = false;
  std::string needle_path;      // field path of the last value token equal to the needle
};

class JsonScanner {
 public:
  // needle: a value token (e.g. the number in "invalid number") whose field path is wanted
  JsonScanner(const std::string& text, size_t err_offset, std::string needle = "")
      : t_(text), err_(err_offset), needle_(std::move(needle)) {}

  JsonContext run() {
    struct Frame {
      bool obj;
      std::string key;
      int index;
      bool expect_key;
    };
    std::vector<Frame> st;
    JsonContext ctx;
    int cur_op = -1;
    std::string op_name, op_type;
    bool has_opt = false, has_type = false;
    std::string needle_abs, needle_rel;
    int needle_op = -1;
    auto in_op = [&]() {  // stack is [root obj key=ops][array][op obj]...
      return st.size() >= 3 && st[0].obj && st[0].key == "ops" && !st[1].obj && st[2].obj;
    };
    auto path_from = [&](size_t from) {
      std::string p;
      for (size_t i = from; i < st.size(); ++i) {
        if (st[i].obj) {
          if (st[i].key.empty()) break;
          if (!p.empty()) p += ".";
          p += st[i].key;
        } else {
          p += "[" + std::to_string(st[i].index) + "]";
        }
      }
      return p;
    };
    auto snapshot = [&]() {
      ctx.found = true;
      if (!st.empty() && st.back().obj) ctx.key = st.back().key;
      else if (st.size() >= 2 && st[st.size() - 2].obj) ctx.key = st[st.size() - 2].key;
      if (in_op()) {
        ctx.op_index = st[1].index;
        ctx.field_path = path_from(2);
      } else {
        ctx.field_path = path_from(0);
      }
    };
    size_t i = 0, n = t_.size();
    while (i < n) {
      char c = t_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { ++i; continue; }
      if (c == '/' && i + 1 < n && t_[i + 1] == '/') {
        while (i < n && t_[i] != '\n') ++i;
        continue;
      }
      if (c == '/' && i + 1 < n && t_[i + 1] == '*') {
        size_t e = t_.find("*/", i + 2);
        i = (e == std::string::npos) ? n : e + 2;
        continue;
      }
      // the parser's cursor is just after the offending token: snapshot before the token
      // that reaches the error offset
      if (!ctx.found && token_end(i) >= err_) snapshot();
      if (ctx.found) {
        // after the error position: only keep scanning to the end of the op it is in
        if (ctx.op_index < 0 || !in_op() || st[1].index != ctx.op_index) break;
      }
      if (c == '{' || c == '[') {
        if (st.size() >= 256) break;
        if (!st.empty() && st.back().obj) st.back().expect_key = false;
        st.push_back(Frame{c == '{', "", 0, c == '{'});
        if (in_op() && st.size() == 3 && st[1].index != cur_op) {
          cur_op = st[1].index;
          op_name.clear(); op_type.clear();
          has_opt = has_type = false;
        }
        ++i;
        continue;
      }
      if (c == '}' || c == ']') {
        if (st.empty()) break;
        if (st.size() == 3 && in_op() && ctx.found) {
          ++i;
          break;  // end of the op that holds the error
        }
        st.pop_back();
        ++i;
        continue;
      }
      if (c == ',') {
        if (!st.empty()) {
          if (st.back().obj) st.back().expect_key = true;
          else ++st.back().index;
        }
        ++i;
        continue;
      }
      if (c == ':') {
        if (!st.empty() && st.back().obj) st.back().expect_key = false;
        ++i;
        continue;
      }
      // string or bare token
      std::string tok;
      if (c == '"' || c == '\'') {
        char q = c;
        ++i;
        while (i < n && t_[i] != q) {
          if (t_[i] == '\\' && i + 1 < n) { tok += t_[i + 1]; i += 2; continue; }
          if (t_[i] == '\n') break;
          if (tok.size() < 256) tok += t_[i];
          ++i;
        }
        if (i < n && t_[i] == q) ++i;
      } else {
        while (i < n && !std::strchr(" \t\r\n{}[]:,\"'", t_[i])) {
          if (tok.size() < 256) tok += t_[i];
          ++i;
        }
      }
      if (st.empty()) continue;
      Frame& f = st.back();
      if (f.obj && f.expect_key) {
        f.key = tok;
        f.expect_key = false;
        if (in_op() && st.size() == 3) {
          if (tok == "options") has_opt = true;
          if (tok == "options_type") has_type = true;
        }
      } else {
        if (in_op() && st.size() == 3) {
          if (f.key == "name") op_name = tok;
          if (f.key == "options_type") op_type = tok;
        }
        if (!needle_.empty() && tok == needle_ && !ctx.found) {
          needle_abs = path_from(0);
          needle_rel = in_op() ? path_from(2) : "";
          needle_op = in_op() ? st[1].index : -1;
        }
      }
    }
    if (!ctx.found) snapshot();
    if (ctx.op_index < 0) ctx.needle_path = needle_abs;
    else if (needle_op == ctx.op_index) ctx.needle_path = needle_rel;
    if (ctx.op_index >= 0 && ctx.op_index == cur_op) {
      ctx.op_name = op_name;
      ctx.op_type = op_type;
      ctx.op_has_options = has_opt;
      ctx.op_has_type = has_type;
    }
    return ctx;
  }

 private:
  // end offset of the token starting at i (strings: after the closing quote)
  size_t token_end(size_t i) const {
    size_t n = t_.size();
    char c = t_[i];
    if (std::strchr("{}[]:,", c)) return i + 1;
    if (c == '"' || c == '\'') {
      size_t j = i + 1;
      while (j < n && t_[j] != c && t_[j] != '\n') j += (t_[j] == '\\') ? 2 : 1;
      return j < n ? j + 1 : n;
    }
    size_t j = i;
    while (j < n && !std::strchr(" \t\r\n{}[]:,\"'", t_[j])) ++j;
    return j;
  }

  const std::string& t_;
  size_t err_;
  std::string needle_;
};

// Offset of (1-based line, flatbuffers cursor column) in text.
size_t offset_of(const std::string& text, long line, long col) {
  size_t off = 0;
  for (long l = 1; l < line; ++l) {
    size_t nl = text.find('\n', off);
    if (nl == std::string::npos) return text.size();
    off = nl + 1;
  }
  off += static_cast<size_t>(col < 0 ? 0 : col);
  return off > text.size() ? text.size() : off;
}

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// Rewrites flatbuffers' "<line>: <col>: error: <msg>" into a readable message.
[[noreturn]] void fail_json(const std::string& path, const std::string& text, const std::string& error) {
  // the parser may log warnings before the error: take the last line mentioning "error: "
  std::string line_text = error;
  {
    size_t pos = 0;
    std::string last;
    while (pos <= error.size()) {
      size_t nl = error.find('\n', pos);
      std::string l = error.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      if (l.find("error: ") != std::string::npos) last = l;
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    if (!last.empty()) line_text = last;
  }
  long line = 0, col = 0;
  std::string msg = line_text;
  {
    const char* s = line_text.c_str();
    char* e1 = nullptr;
    long l = std::strtol(s, &e1, 10);
    if (e1 != s && e1[0] == ':' && e1[1] == ' ') {
      char* e2 = nullptr;
      long c = std::strtol(e1 + 2, &e2, 10);
      if (e2 != e1 + 2 && e2[0] == ':') {
        line = l;
        col = c;
        msg = e2 + 1;
        while (!msg.empty() && msg[0] == ' ') msg.erase(0, 1);
      }
    }
    if (starts_with(msg, "error: ")) msg.erase(0, 7);
  }
  std::string needle;
  if (starts_with(msg, "invalid number: \"")) {
    const size_t start = std::strlen("invalid number: \"");
    size_t q = msg.find('"', start);
    if (q != std::string::npos) needle = msg.substr(start, q - start);
  }
  JsonContext ctx = JsonScanner(text, offset_of(text, line, col), needle).run();
  if (!ctx.needle_path.empty()) ctx.field_path = ctx.needle_path;
  std::string loc = path;
  if (line > 0) loc += ":" + std::to_string(line) + ":" + std::to_string(col);

  std::string op_ctx;
  if (ctx.op_index >= 0) {
    op_ctx = "op " + std::to_string(ctx.op_index);
    if (!ctx.op_name.empty()) op_ctx += " '" + printable(ctx.op_name) + "'";
    if (!ctx.op_type.empty()) {
      std::string t = ctx.op_type;
      if (t.size() > 7 && t.compare(t.size() - 7, 7, "Options") == 0) t.resize(t.size() - 7);
      for (int k = fb::OpOptions_MIN + 1; k <= fb::OpOptions_MAX; ++k)
        if (ctx.op_type == fb::EnumNameOpOptions(static_cast<fb::OpOptions>(k))) op_ctx += " (" + t + ")";
    }
  }
  auto prefix = [&](bool with_field) {
    std::string p = loc + ": ";
    if (!op_ctx.empty()) p += op_ctx + (with_field && !ctx.field_path.empty() ? ", " : ": ");
    if (with_field && !ctx.field_path.empty()) p += "field '" + printable(ctx.field_path) + "': ";
    return p;
  };

  // Op type problems first: these have the most specific messages.
  if (ctx.op_index >= 0 && ctx.op_has_options && !ctx.op_has_type)
    fail(prefix(false) + "'options' given without 'options_type'; " + no_options_hint());
  if (starts_with(msg, "unknown enum value: ") && ctx.key == "options_type")
    fail(prefix(false) + "unknown op type '" + printable(msg.substr(20)) + "' in 'options_type'; known op types: " +
         known_op_types());
  if (starts_with(msg, "illegal type id for: "))
    fail(prefix(false) + "'options_type' does not name an op type; " + no_options_hint());
  if (starts_with(msg, "missing type field for this union value"))
    fail(prefix(false) + "'options' given without 'options_type'; " + no_options_hint());

  std::string what = msg;
  bool with_field = true;
  if (starts_with(msg, "unknown enum value: ")) {
    what = "unknown value '" + printable(msg.substr(20)) + "'";
    std::string choices = enum_choices(ctx.key);
    if (!choices.empty()) what += "; expected one of " + choices;
  } else if (starts_with(msg, "unknown field: ")) {
    what = "unknown field '" + printable(msg.substr(15)) + "'";
    // the field path ends in the unknown key itself; name the enclosing table instead
    size_t dot = ctx.field_path.rfind('.');
    if (dot != std::string::npos) ctx.field_path.resize(dot);
    else ctx.field_path.clear();
    if (!ctx.field_path.empty()) what += " (in '" + printable(ctx.field_path) + "')";
    with_field = false;
  } else if (starts_with(msg, "field set more than once: ")) {
    what = "field '" + printable(msg.substr(26)) + "' is given more than once";
    with_field = false;
  } else if (msg == "enum values need to be qualified by an enum type") {
    what = "wrong type: expected a number here, not a string or identifier";
  } else if (starts_with(msg, "Cannot assign token starting with ")) {
    what = "wrong type: " + msg;
    size_t p = msg.find("'float constant'");
    if (p != std::string::npos) what = "wrong type: expected an integer, got a floating-point number";
  } else if (starts_with(msg, "expecting: end of file instead got: ")) {
    what = "unexpected content after the end of the model object: " + msg.substr(36);
    with_field = false;
    op_ctx.clear();
  } else if (starts_with(msg, "expecting: ")) {
    size_t p = msg.find(" instead got: ");
    if (p != std::string::npos) {
      std::string want = msg.substr(11, p - 11), got = msg.substr(p + 14);
      what = "syntax error: expected '" + want + "', got " + got;
      with_field = false;  // the position is between fields; the op (if any) is context enough
      if (want == "[" || want == "{") {
        what = std::string("wrong type: expected ") + (want == "[" ? "a list ('[')" : "an object ('{')") + ", got " + got;
        with_field = true;
      }
    }
  } else if (msg == "declaration expected") {
    what = "syntax error: expected a JSON object";
  }
  fail(prefix(with_field) + what);
}

// ---------------------------------------------------------------------------------------------
// FlatBuffers -> IR

struct Conv {
  const std::string& path;
  Model& m;

  [[noreturn]] void fail_model(const std::string& what) { fail(path + ": " + what); }

  std::string op_where(const Op& op, bool kind_known) {
    std::string s = path + ": op " + std::to_string(op.index);
    if (!op.name.empty()) s += " '" + printable(op.name) + "'";
    if (kind_known) s += std::string(" (") + op_kind_name(op.kind) + ")";
    return s;
  }

  template <class E>
  E enum_val(const Op* op, const char* field, int v, int lo, int hi, const char* const* names) {
    if (v < lo || v > hi) {
      std::string choices;
      for (int i = 0; names[i]; ++i) {
        if (!choices.empty()) choices += ", ";
        choices += names[i];
      }
      std::string msg = std::string("field '") + field + "' has invalid value " + std::to_string(v) +
                        "; expected one of " + choices;
      if (op) fail(op_where(*op, true) + ": " + msg);
      fail_model(msg);
    }
    return static_cast<E>(v - lo);
  }

  int required(const Op& op, const flatbuffers::Optional<int32_t>& v, const char* field) {
    if (!v.has_value()) fail(op_where(op, true) + ": required field '" + field + "' is missing");
    return *v;
  }

  static std::vector<int> ints(const flatbuffers::Vector<int32_t>* v) {
    std::vector<int> r;
    r.reserve(v->size());
    for (auto x : *v) r.push_back(x);
    return r;
  }

  std::vector<std::string> strings(const Op& op, const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* v,
                                   const char* field) {
    std::vector<std::string> r;
    r.reserve(v->size());
    for (flatbuffers::uoffset_t i = 0; i < v->size(); ++i) {
      const flatbuffers::String* s = v->Get(i);
      if (!s) fail(op_where(op, true) + ": " + field + "[" + std::to_string(i) + "] is null");
      r.push_back(s->str());
    }
    return r;
  }

  void convert(const fb::Model* fm) {
    if (!fm->name()) fail_model("model: required field 'name' is missing");
    m.name = fm->name()->str();
    if (fm->description()) m.description = fm->description()->str();
    if (!fm->inputs()) fail_model("model: required field 'inputs' is missing");
    if (!fm->ops()) fail_model("model: required field 'ops' is missing");

    const auto* ins = fm->inputs();
    for (flatbuffers::uoffset_t i = 0; i < ins->size(); ++i) {
      const fb::Input* in = ins->Get(i);
      std::string w = "input " + std::to_string(i);
      if (!in) fail_model(w + ": null entry");
      InputDecl d;
      if (!in->name()) fail_model(w + ": required field 'name' is missing");
      d.name = in->name()->str();
      w += " '" + printable(d.name) + "'";
      if (!in->shape()) fail_model(w + ": required field 'shape' is missing");
      int dt = static_cast<int>(in->dtype());
      if (dt < fb::DType_MIN || dt > fb::DType_MAX)
        fail_model(w + ": field 'dtype' has invalid value " + std::to_string(dt) + "; expected one of " +
                   enum_choices("dtype"));
      d.dtype = dt == fb::DType_Int32 ? DType::I32 : DType::F32;
      d.shape = ints(in->shape());
      d.training_only = in->training_only();
      m.inputs.push_back(std::move(d));
    }

    const auto* ops = fm->ops();
    for (flatbuffers::uoffset_t i = 0; i < ops->size(); ++i) {
      const fb::Op* fo = ops->Get(i);
      Op op;
      op.index = static_cast<int>(i);
      if (!fo) fail(op_where(op, false) + ": null entry");
      if (fo->name()) op.name = fo->name()->str();
      int t = static_cast<int>(fo->options_type());
      if (t == fb::OpOptions_NONE || !fo->options()) {
        if (t != fb::OpOptions_NONE && t <= fb::OpOptions_MAX) {
          op.kind = static_cast<OpKind>(t - 1);
          fail(op_where(op, true) + ": required field 'options' is missing");
        }
        if (t == fb::OpOptions_NONE) fail(op_where(op, false) + ": no options; " + no_options_hint());
      }
      if (t < fb::OpOptions_MIN || t > fb::OpOptions_MAX)
        fail(op_where(op, false) + ": unknown op type id " + std::to_string(t) + " in 'options_type'; known op types: " +
             known_op_types());
      op.kind = static_cast<OpKind>(t - 1);
      if (!fo->name()) fail(op_where(op, true) + ": required field 'name' is missing");
      if (!fo->inputs()) fail(op_where(op, true) + ": required field 'inputs' is missing");
      if (!fo->outputs()) fail(op_where(op, true) + ": required field 'outputs' is missing");
      op.inputs = strings(op, fo->inputs(), "inputs");
      op.outputs = strings(op, fo->outputs(), "outputs");
      convert_options(op, fo);
      m.ops.push_back(std::move(op));
    }

    if (fm->outputs()) {
      const auto* outs = fm->outputs();
      for (flatbuffers::uoffset_t i = 0; i < outs->size(); ++i) {
        const flatbuffers::String* s = outs->Get(i);
        if (!s) fail_model("outputs[" + std::to_string(i) + "] is null");
        m.outputs.push_back(s->str());
      }
    }

    if (fm->weights()) {
      const auto* ws = fm->weights();
      for (flatbuffers::uoffset_t i = 0; i < ws->size(); ++i) {
        const fb::Weight* fw = ws->Get(i);
        std::string w = "weight " + std::to_string(i);
        if (!fw) fail_model(w + ": null entry");
        if (!fw->name()) fail_model(w + ": required field 'name' is missing");
        w += " '" + printable(fw->name()->str()) + "'";
        if (!fw->shape()) fail_model(w + ": required field 'shape' is missing");
        if (!fw->data()) fail_model(w + ": required field 'data' is missing");
        WeightBlob b;
        b.name = fw->name()->str();
        b.shape = ints(fw->shape());
        b.data.assign(fw->data()->begin(), fw->data()->end());
        m.weights.push_back(std::move(b));
      }
    }

    if (fm->import_map()) read_import_map(fm->import_map()->str());
    if (fm->task()) m.task = fm->task()->str();
  }

  // Model.import_map names a file relative to the spec's folder; its text is compiled into
  // the model program (check stage: import_map.cpp checks what it says).
  void read_import_map(const std::string& rel) {
    namespace fs = std::filesystem;
    const std::string w = "import_map '" + printable(rel) + "'";
    if (rel.empty()) fail_model(w + ": empty path");
    const fs::path resolved = fs::path(rel).is_absolute() ? fs::path(rel) : fs::path(path).parent_path() / rel;
    std::error_code ec;
    if (!fs::is_regular_file(resolved, ec)) fail_model(w + ": " + resolved.string() + " is not a file");
    const auto size = fs::file_size(resolved, ec);
    if (ec || size > (1u << 20))
      fail_model(w + ": " + resolved.string() + (ec ? " cannot be read" : " is larger than 1 MiB"));
    std::ifstream in(resolved, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in.good() && !in.eof()) fail_model(w + ": " + resolved.string() + " cannot be read");
    m.import_map = rel;
    m.import_map_path = resolved.string();
    m.import_map_text = ss.str();
    if (m.import_map_text.find('\0') != std::string::npos) fail_model(w + ": " + resolved.string() + " is not text");
    m.import_map_hash = sha256_hex(m.import_map_text);
  }

  // The op's options through its parser (ops/<op>.cpp), which asks this for required
  // fields and enum values; errors name the file, the op and the field.
  struct Reader : OptionsReader {
    Conv& conv;
    const Op& op;
    Reader(Conv& c, const Op& o) : conv(c), op(o) {}
    int required(const flatbuffers::Optional<int32_t>& v, const char* field) const override {
      return conv.required(op, v, field);
    }
    int enum_index(const char* field, int v, int lo, int hi, const char* const* names) const override {
      return conv.enum_val<int>(&op, field, v, lo, hi, names);
    }
  };

  void convert_options(Op& op, const fb::Op* fo) {
    // convert() checked the type id: op.kind is OpOptions type - 1 and the options are set
    op_def(op.kind).parse(Reader(*this, op), *fo, op);
  }
};

std::string schema_for_json() {
  // `(required)` is enforced by the conversion for JSON (better messages); see the file comment.
  std::string s = kSchemaText;
  const std::string attr = " (required)";
  size_t pos;
  while ((pos = s.find(attr)) != std::string::npos) s.erase(pos, attr.size());
  return s;
}

// Position of the first byte that is not whitespace or a comment, or npos.
size_t first_token(const std::string& t) {
  size_t i = 0, n = t.size();
  while (i < n) {
    char c = t[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { ++i; continue; }
    if (c == '/' && i + 1 < n && t[i + 1] == '/') {
      while (i < n && t[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < n && t[i + 1] == '*') {
      size_t e = t.find("*/", i + 2);
      if (e == std::string::npos) return std::string::npos;
      i = e + 2;
      continue;
    }
    return i;
  }
  return std::string::npos;
}

void load_json(const std::string& path, std::string text, Model& m) {
  // a UTF-8 byte order mark is allowed (blanked so columns stay put)
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.replace(0, 3, "   ");
  size_t first = first_token(text);
  if (first == std::string::npos) fail(path + ": empty model spec (no JSON object)");
  if (text[first] != '{') {
    // Anything else would reach the schema-language parser (which accepts declarations).
    long line = 1;
    size_t ls = 0;
    for (size_t i = 0; i < first; ++i)
      if (text[i] == '\n') { ++line; ls = i + 1; }
    fail(path + ":" + std::to_string(line) + ":" + std::to_string(first - ls + 1) +
         ": not an akorn model: expected a JSON object ('{') or an akorn FlatBuffers binary");
  }
  flatbuffers::IDLOptions opts;
  opts.strict_json = false;                     // accept both strict and relaxed JSON
  opts.skip_unexpected_fields_in_json = false;  // unknown fields are errors
  opts.allow_non_utf8 = false;
  opts.json_nested_flatbuffers = false;
  opts.json_nested_flexbuffers = false;
  flatbuffers::Parser parser(opts);
  std::string schema = schema_for_json();
  if (!parser.Parse(schema.c_str(), nullptr, nullptr))
    fail("internal error: the compiled-in schema does not parse: " + parser.error_);
  if (!parser.Parse(text.c_str(), nullptr, nullptr)) fail_json(path, text, parser.error_);
  if (parser.builder_.GetSize() == 0 || !parser.root_struct_def_ || parser.root_struct_def_->name != "Model")
    fail(path + ": not an akorn model (no Model object)");
  const uint8_t* buf = parser.builder_.GetBufferPointer();
  Conv{path, m}.convert(fb::GetModel(buf));
}

void load_binary(const std::string& path, const std::string& bytes, Model& m) {
  const uint8_t* buf = reinterpret_cast<const uint8_t*>(bytes.data());
  flatbuffers::Verifier::Options vo;
  vo.max_depth = 64;
  vo.max_tables = 1u << 22;
  vo.check_alignment = true;
  flatbuffers::Verifier v(buf, bytes.size(), vo);
  if (!v.VerifyBuffer<fb::Model>(fb::ModelIdentifier()))
    fail(path + ": corrupt or truncated akorn binary (FlatBuffers verification failed)");
  Conv{path, m}.convert(fb::GetModel(buf));
}

}  // namespace

Model load_model_from_bytes(const std::string& path, const std::string& bytes) {
  if (bytes.empty()) fail(path + ": empty file");
  if (bytes.size() > kMaxSpecBytes)
    fail(path + ": file too large (" + std::to_string(bytes.size()) + " bytes; the limit is 512 MiB)");
  Model m;
  m.path = path;
  m.spec_hash = sha256_hex(bytes);
  const bool akrn = bytes.size() >= 8 && bytes.compare(4, 4, "AKRN") == 0;
  if (akrn) {
    load_binary(path, bytes, m);
  } else if (bytes.find('\0') != std::string::npos) {
    // binary data, but not ours: JSON text never holds NUL bytes
    if (bytes.size() < 8)
      fail(path + ": not an akorn model: binary data too short for a FlatBuffers header (" +
           std::to_string(bytes.size()) + " bytes)");
    fail(path + ": not an akorn model: file identifier is '" + printable(bytes.substr(4, 4)) + "', expected 'AKRN'");
  } else {
    load_json(path, bytes, m);
  }
  return m;
}

Model load_model(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    std::string why = ec ? ec.message() : "No such file or directory";
    fail(path + ": cannot read model spec: " + why);
  }
  if (fs::is_directory(st)) fail(path + ": cannot read model spec: is a directory");
  if (fs::is_regular_file(st)) {
    uintmax_t size = fs::file_size(path, ec);
    if (ec) fail(path + ": cannot read model spec: " + ec.message());
    if (size > kMaxSpecBytes)
      fail(path + ": file too large (" + std::to_string(size) + " bytes; the limit is 512 MiB)");
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path + ": cannot read model spec: " + std::strerror(errno));
  // read in chunks with a cap (also covers files whose size is not known up front)
  std::string bytes;
  char chunk[1 << 16];
  while (f) {
    f.read(chunk, sizeof chunk);
    std::streamsize got = f.gcount();
    if (got <= 0) break;
    if (bytes.size() + static_cast<size_t>(got) > kMaxSpecBytes)
      fail(path + ": file too large (more than 512 MiB)");
    bytes.append(chunk, static_cast<size_t>(got));
  }
  if (f.bad()) fail(path + ": cannot read model spec: read error");
  if (bytes.empty()) fail(path + ": empty file");
  return load_model_from_bytes(path, bytes);
}

}  // namespace akornc
