// Weight import: a strict reader of the safetensors format and the name map that turns a
// foreign state dict into akorn parameters (docs/IMPORT.md).
//
// safetensors: u64 little-endian header length L, L bytes of JSON
//   {"<name>": {"dtype": "F32", "shape": [d0, ...], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value", ...}}          (optional, string values only)
// then the data; offsets are relative to the first byte after the header. F32, F64, F16
// and BF16 tensors convert to float; the other safetensors dtypes are recognised (so a
// file holding, say, an I64 buffer still reads) but cannot be imported. Every problem is an
// akorn::Error naming the file and, where there is one, the tensor; no input crashes.
//
// Name map (text): one line per source tensor, '#' starts a comment,
//   <source name> <akorn name>[<i>] [none|transpose01]
//   <source name> -                                  (the tensor is known and ignored)
// `[i]` fills slice i of the parameter's first dimension (the four GTA sets of J.gta
// come from the reference's mat_q, mat_k, mat_v, mat_o); without it the whole parameter.
// Several source names may map to one target: the first present is imported and every
// other present one must agree with it (after its transform) to 1e-6 relative.
// Wrappers: a state dict of ema_pytorch (`ema_model.<name>`, `online_model.<name>`,
// `initted`, `step`) is read through one prefix (default `ema_model.`, the averaged
// weights the paper evaluates); the other prefix and the two counters are ignored.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common.hpp"
#include "files.hpp"
#include "format.hpp"
#include "model_info.hpp"

namespace akorn {

// ---------------------------------------------------------------------------------------
// A small strict JSON parser (RFC 8259 grammar; depth-limited; duplicate keys rejected).

struct JsonValue {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool b = false;
  bool is_uint = false;       // a non-negative integer that fits in 2^53
  std::uint64_t u = 0;
  std::string s;
  std::vector<JsonValue> items;                               // Array
  std::vector<std::pair<std::string, JsonValue>> members;     // Object, in file order
};

class JsonParser {
 public:
  JsonParser(const char* p, size_t n, std::string where) : p_(p), n_(n), where_(std::move(where)) {}

  JsonValue parse_document() {
    skip_ws();
    JsonValue v = value(0);
    skip_ws();
    if (i_ != n_) fail("unexpected '" + printable(p_[i_]) + "' after the JSON value");
    return v;
  }

 private:
  const char* p_;
  size_t n_, i_ = 0;
  std::string where_;

  static std::string printable(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 32 && u < 127) return std::string(1, c);
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", u);
    return buf;
  }
  [[noreturn]] void fail(const std::string& msg) const {
    throw Error(where_ + ": malformed JSON header at byte " + std::to_string(i_) + ": " + msg);
  }
  void skip_ws() {
    while (i_ < n_ && (p_[i_] == ' ' || p_[i_] == '\t' || p_[i_] == '\n' || p_[i_] == '\r')) ++i_;
  }
  bool literal(const char* w) {
    size_t k = std::strlen(w);
    if (n_ - i_ >= k && std::memcmp(p_ + i_, w, k) == 0) {
      i_ += k;
      return true;
    }
    return false;
  }
  JsonValue value(int depth) {
    if (depth > 32) fail("nested too deeply");
    if (i_ >= n_) fail("unexpected end");
    JsonValue v;
    char c = p_[i_];
    if (c == '{') {
      v.kind = JsonValue::Object;
      ++i_;
      skip_ws();
      if (i_ < n_ && p_[i_] == '}') {
        ++i_;
        return v;
      }
      std::set<std::string> keys;
      for (;;) {
        skip_ws();
        if (i_ >= n_ || p_[i_] != '"') fail("expected a string key");
        std::string k = string_body();
        if (!keys.insert(k).second) fail("duplicate key '" + k + "'");
        skip_ws();
        if (i_ >= n_ || p_[i_] != ':') fail("expected ':' after key '" + k + "'");
        ++i_;
        skip_ws();
        v.members.emplace_back(k, value(depth + 1));
        skip_ws();
        if (i_ < n_ && p_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < n_ && p_[i_] == '}') {
          ++i_;
          return v;
        }
        fail("expected ',' or '}' in an object");
      }
    }
    if (c == '[') {
      v.kind = JsonValue::Array;
      ++i_;
      skip_ws();
      if (i_ < n_ && p_[i_] == ']') {
        ++i_;
        return v;
      }
      for (;;) {
        skip_ws();
        v.items.push_back(value(depth + 1));
        skip_ws();
        if (i_ < n_ && p_[i_] == ',') {
          ++i_;
          continue;
        }
        if (i_ < n_ && p_[i_] == ']') {
          ++i_;
          return v;
        }
        fail("expected ',' or ']' in an array");
      }
    }
    if (c == '"') {
      v.kind = JsonValue::String;
      v.s = string_body();
      return v;
    }
    if (literal("true")) {
      v.kind = JsonValue::Bool;
      v.b = true;
      return v;
    }
    if (literal("false")) {
      v.kind = JsonValue::Bool;
      return v;
    }
    if (literal("null")) return v;
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    fail("unexpected '" + printable(c) + "'");
  }
  JsonValue number() {
    JsonValue v;
    v.kind = JsonValue::Number;
    bool neg = false, integer = true, overflow = false;
    if (p_[i_] == '-') {
      neg = true;
      ++i_;
    }
    if (i_ >= n_ || p_[i_] < '0' || p_[i_] > '9') fail("bad number");
    if (p_[i_] == '0' && i_ + 1 < n_ && p_[i_ + 1] >= '0' && p_[i_ + 1] <= '9') fail("number with a leading zero");
    std::uint64_t u = 0;
    while (i_ < n_ && p_[i_] >= '0' && p_[i_] <= '9') {
      if (u > (std::uint64_t(1) << 53)) overflow = true;
      else u = u * 10 + static_cast<std::uint64_t>(p_[i_] - '0');
      ++i_;
    }
    if (i_ < n_ && p_[i_] == '.') {
      integer = false;
      ++i_;
      if (i_ >= n_ || p_[i_] < '0' || p_[i_] > '9') fail("bad number (no digit after '.')");
      while (i_ < n_ && p_[i_] >= '0' && p_[i_] <= '9') ++i_;
    }
    if (i_ < n_ && (p_[i_] == 'e' || p_[i_] == 'E')) {
      integer = false;
      ++i_;
      if (i_ < n_ && (p_[i_] == '+' || p_[i_] == '-')) ++i_;
      if (i_ >= n_ || p_[i_] < '0' || p_[i_] > '9') fail("bad number (no digit in the exponent)");
      while (i_ < n_ && p_[i_] >= '0' && p_[i_] <= '9') ++i_;
    }
    v.is_uint = integer && !neg && !overflow && u <= (std::uint64_t(1) << 53);
    v.u = v.is_uint ? u : 0;
    return v;
  }
  static void put_utf8(std::string& s, std::uint32_t cp) {
    if (cp < 0x80) s += static_cast<char>(cp);
    else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  std::uint32_t hex4() {
    if (n_ - i_ < 4) fail("truncated \\u escape");
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = p_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return v;
  }
  std::string string_body() {
    ++i_;  // opening quote
    std::string s;
    for (;;) {
      if (i_ >= n_) fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(p_[i_]);
      if (c == '"') {
        ++i_;
        return s;
      }
      if (c < 0x20) fail("control character in a string");
      if (c != '\\') {
        s += static_cast<char>(c);
        ++i_;
        continue;
      }
      ++i_;
      if (i_ >= n_) fail("unterminated escape");
      char e = p_[i_++];
      switch (e) {
        case '"': s += '"'; break;
        case '\\': s += '\\'; break;
        case '/': s += '/'; break;
        case 'b': s += '\b'; break;
        case 'f': s += '\f'; break;
        case 'n': s += '\n'; break;
        case 'r': s += '\r'; break;
        case 't': s += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (n_ - i_ < 2 || p_[i_] != '\\' || p_[i_ + 1] != 'u') fail("unpaired surrogate in \\u escape");
            i_ += 2;
            std::uint32_t lo = hex4();
            if (lo < 0xDC00 || lo >= 0xE000) fail("bad surrogate pair in \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            fail("unpaired surrogate in \\u escape");
          }
          put_utf8(s, cp);
          break;
        }
        default: fail("bad escape '\\" + printable(e) + "'");
      }
    }
  }
};

// ---------------------------------------------------------------------------------------
// safetensors

struct SafeTensor {
  std::string name, dtype;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0, end = 0;  // relative to the data section
  std::int64_t count() const {
    std::int64_t c = 1;
    for (auto d : shape) c *= d;
    return c;
  }
  std::string shape_str() const { return akorn::shape_str(shape); }
};

// Bytes per element of the safetensors dtypes; 0 for an unknown name.
inline size_t safetensors_dtype_size(const std::string& d) {
  static const std::map<std::string, size_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},     {"I64", 8},     {"U64", 8}, {"F64", 8}};
  auto it = sizes.find(d);
  return it == sizes.end() ? 0 : it->second;
}

inline float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1F, man = h & 0x3FF;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(man), -24);                     // zero / subnormal
  else if (exp == 31) v = man ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else v = std::ldexp(static_cast<float>(man | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

inline float bf16_to_float(std::uint16_t h) {
  std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

struct SafeTensorsFile {
  std::string path;
  std::vector<unsigned char> bytes;  // the whole file
  size_t data_start = 0;
  std::vector<SafeTensor> tensors;   // header order
  std::map<std::string, std::string> metadata;

  const SafeTensor* find(const std::string& name) const {
    for (auto& t : tensors)
      if (t.name == name) return &t;
    return nullptr;
  }

  // The tensor as float32 values (row-major, the file's shape).
  std::vector<float> to_float(const SafeTensor& t) const {
    const std::string where = path + ": tensor '" + t.name + "'";
    AKORN_CHECK(t.dtype == "F32" || t.dtype == "F64" || t.dtype == "F16" || t.dtype == "BF16",
                where + " is " + t.dtype + "; only F32, F64, F16 and BF16 tensors can be imported");
    const size_t n = static_cast<size_t>(t.count());
    const unsigned char* p = bytes.data() + data_start + t.begin;
    std::vector<float> out(n);
    for (size_t i = 0; i < n; ++i) {
      if (t.dtype == "F32") {
        std::uint32_t b = 0;
        for (int k = 0; k < 4; ++k) b |= static_cast<std::uint32_t>(p[4 * i + k]) << (8 * k);
        std::memcpy(&out[i], &b, 4);
      } else if (t.dtype == "F64") {
        std::uint64_t b = 0;
        for (int k = 0; k < 8; ++k) b |= static_cast<std::uint64_t>(p[8 * i + k]) << (8 * k);
        double d;
        std::memcpy(&d, &b, 8);
        out[i] = static_cast<float>(d);
      } else {
        std::uint16_t b = static_cast<std::uint16_t>(p[2 * i] | (p[2 * i + 1] << 8));
        out[i] = t.dtype == "F16" ? half_to_float(b) : bf16_to_float(b);
      }
      AKORN_CHECK(std::isfinite(out[i]), where + " has a non-finite value at element " + std::to_string(i) +
                                             (t.dtype == "F64" ? " (or one outside the float32 range)" : ""));
    }
    return out;
  }
};

// Parses a safetensors image held in memory; `path` names it in messages.
inline SafeTensorsFile parse_safetensors(const std::string& path, std::vector<unsigned char> all) {
  SafeTensorsFile f;
  f.path = path;
  f.bytes = std::move(all);
  const size_t size = f.bytes.size();
  AKORN_CHECK(size >= 8, path + ": not a safetensors file (" + std::to_string(size) + " bytes, shorter than the 8-byte header length)");
  std::uint64_t hlen = 0;
  for (int k = 0; k < 8; ++k) hlen |= static_cast<std::uint64_t>(f.bytes[k]) << (8 * k);
  AKORN_CHECK(hlen <= 100000000ull, path + ": header length " + std::to_string(hlen) + " bytes is over the 100 MB limit (not a safetensors file?)");
  AKORN_CHECK(hlen <= size - 8, path + ": header length " + std::to_string(hlen) + " bytes runs past the end of the file (" +
                                    std::to_string(size) + " bytes; truncated?)");
  AKORN_CHECK(hlen >= 2, path + ": header of " + std::to_string(hlen) + " bytes is too short for a JSON object");
  f.data_start = 8 + static_cast<size_t>(hlen);
  const std::uint64_t data_len = size - f.data_start;
  JsonValue root = JsonParser(reinterpret_cast<const char*>(f.bytes.data() + 8), static_cast<size_t>(hlen), path).parse_document();
  AKORN_CHECK(root.kind == JsonValue::Object, path + ": the JSON header is not an object");
  for (auto& [name, v] : root.members) {
    if (name == "__metadata__") {
      AKORN_CHECK(v.kind == JsonValue::Object, path + ": '__metadata__' is not an object");
      for (auto& [k, s] : v.members) {
        AKORN_CHECK(s.kind == JsonValue::String, path + ": '__metadata__' entry '" + k + "' is not a string");
        f.metadata[k] = s.s;
      }
      continue;
    }
    const std::string where = path + ": tensor '" + name + "'";
    AKORN_CHECK(v.kind == JsonValue::Object, where + ": entry is not an object");
    SafeTensor t;
    t.name = name;
    bool has_dtype = false, has_shape = false, has_off = false;
    for (auto& [k, x] : v.members) {
      if (k == "dtype") {
        AKORN_CHECK(x.kind == JsonValue::String, where + ": 'dtype' is not a string");
        t.dtype = x.s;
        has_dtype = true;
      } else if (k == "shape") {
        AKORN_CHECK(x.kind == JsonValue::Array, where + ": 'shape' is not an array");
        AKORN_CHECK(x.items.size() <= 8, where + ": rank " + std::to_string(x.items.size()) + " is over 8");
        for (auto& d : x.items) {
          AKORN_CHECK(d.kind == JsonValue::Number && d.is_uint && d.u < (std::uint64_t(1) << 40),
                      where + ": 'shape' holds something other than a non-negative integer dimension");
          t.shape.push_back(static_cast<std::int64_t>(d.u));
        }
        has_shape = true;
      } else if (k == "data_offsets") {
        AKORN_CHECK(x.kind == JsonValue::Array && x.items.size() == 2 && x.items[0].is_uint && x.items[1].is_uint,
                    where + ": 'data_offsets' is not a pair of non-negative integers");
        t.begin = x.items[0].u;
        t.end = x.items[1].u;
        has_off = true;
      } else {
        AKORN_CHECK(false, where + ": unknown field '" + k + "'");
      }
    }
    AKORN_CHECK(has_dtype && has_shape && has_off, where + ": needs 'dtype', 'shape' and 'data_offsets'");
    const size_t esize = safetensors_dtype_size(t.dtype);
    AKORN_CHECK(esize != 0, where + ": unknown dtype '" + t.dtype + "'");
    std::uint64_t cnt = 1;
    for (auto d : t.shape)
      AKORN_CHECK(mul_within(cnt, static_cast<std::uint64_t>(d), std::uint64_t(1) << 40),
                  where + ": shape " + t.shape_str() + " is too large (over 2^40 elements)");
    AKORN_CHECK(t.begin <= t.end, where + ": data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                                      "] end before they begin");
    AKORN_CHECK(t.end - t.begin == cnt * esize,
                where + ": " + t.dtype + " shape " + t.shape_str() + " needs " + std::to_string(cnt * esize) +
                    " bytes, data_offsets give " + std::to_string(t.end - t.begin));
    AKORN_CHECK(t.end <= data_len, where + ": data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                                       "] lie outside the data section (" + std::to_string(data_len) + " bytes; truncated?)");
    f.tensors.push_back(std::move(t));  // names are unique: the parser rejects duplicate keys
  }
  std::vector<const SafeTensor*> order;
  for (auto& t : f.tensors)
    if (t.end > t.begin) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const SafeTensor* a, const SafeTensor* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < order.size(); ++i)
    AKORN_CHECK(order[i]->begin >= order[i - 1]->end,
                path + ": tensors '" + order[i - 1]->name + "' and '" + order[i]->name + "' overlap in the data section");
  return f;
}

inline SafeTensorsFile read_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  AKORN_CHECK(in.good(), path + ": cannot open");
  in.seekg(0, std::ios::end);
  std::streamoff sz = in.tellg();
  AKORN_CHECK(sz >= 0, path + ": cannot read");
  AKORN_CHECK(static_cast<std::uint64_t>(sz) < (std::uint64_t(1) << 36), path + ": implausibly large (over 64 GiB)");
  in.seekg(0, std::ios::beg);
  std::vector<unsigned char> all(static_cast<size_t>(sz));
  if (sz > 0) in.read(reinterpret_cast<char*>(all.data()), sz);
  AKORN_CHECK(in.good() || sz == 0, path + ": read failed");
  return parse_safetensors(path, std::move(all));
}

// ---- writing (MODEL export): float32 tensors in order, a JSON header padded with spaces to
// a multiple of 8 bytes (what the safetensors library writes), __metadata__ strings first.
struct SafeTensorOut {
  std::string name;
  std::vector<std::int64_t> shape;
  const float* data;
};

inline std::string json_string(const std::string& s) {
  std::string r = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') r += '\\', r += static_cast<char>(ch);
    else if (ch < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", ch);
      r += b;
    } else r += static_cast<char>(ch);
  }
  return r + "\"";
}

inline void write_safetensors(const std::string& path, const std::vector<SafeTensorOut>& tensors,
                              const std::vector<std::pair<std::string, std::string>>& metadata) {
  std::string h = "{";
  if (!metadata.empty()) {
    h += "\"__metadata__\":{";
    for (size_t i = 0; i < metadata.size(); ++i)
      h += (i ? "," : "") + json_string(metadata[i].first) + ":" + json_string(metadata[i].second);
    h += "}";
  }
  std::uint64_t offset = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    std::int64_t n = 1;
    std::string shape;
    for (size_t d = 0; d < tensors[i].shape.size(); ++d) {
      n *= tensors[i].shape[d];
      shape += (d ? "," : "") + std::to_string(tensors[i].shape[d]);
    }
    const std::uint64_t bytes = static_cast<std::uint64_t>(n) * 4;
    h += std::string(i || !metadata.empty() ? "," : "") + json_string(tensors[i].name) + ":{\"dtype\":\"F32\",\"shape\":[" +
         shape + "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
  }
  h += "}";
  while ((8 + h.size()) % 8) h += ' ';
  std::vector<unsigned char> out(8 + h.size() + offset);
  const std::uint64_t hl = h.size();
  for (int b = 0; b < 8; ++b) out[static_cast<size_t>(b)] = static_cast<unsigned char>(hl >> (8 * b));
  std::memcpy(out.data() + 8, h.data(), h.size());
  size_t pos = 8 + h.size();
  for (const SafeTensorOut& t : tensors) {  // little-endian hosts (x86-64, aarch64)
    std::int64_t n = 1;
    for (auto d : t.shape) n *= d;
    std::memcpy(out.data() + pos, t.data, static_cast<size_t>(n) * 4);
    pos += static_cast<size_t>(n) * 4;
  }
  write_file_atomic(path, out.data(), out.size());
}

// ---------------------------------------------------------------------------------------
// The name map and the import itself

struct ImportMapLine {
  std::string source, target;  // target "-": ignored; target = parameter name (without [i])
  int slice = -1;              // >= 0: slice of the parameter's first dimension
  std::string transform = "none";
  int line = 0;
  std::string key() const { return slice < 0 ? target : target + "[" + std::to_string(slice) + "]"; }
};

// Reads a name map from text (`where` names it in errors: a path, or the map compiled into
// the program).
inline std::vector<ImportMapLine> parse_import_map(const std::string& text, const std::string& path);

inline std::vector<ImportMapLine> read_import_map(const std::string& path) {
  std::ifstream in(path);
  AKORN_CHECK(in.good(), path + ": cannot open the name map");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_import_map(ss.str(), path);
}

inline std::vector<ImportMapLine> parse_import_map(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  std::vector<ImportMapLine> out;
  std::set<std::string> sources;
  std::string raw;
  int lineno = 0;
  while (std::getline(in, raw)) {
    ++lineno;
    const std::string where = path + ":" + std::to_string(lineno) + ": ";
    size_t hash = raw.find('#');
    if (hash != std::string::npos) raw.resize(hash);
    std::istringstream ss(raw);
    std::vector<std::string> w;
    std::string tok;
    while (ss >> tok) w.push_back(tok);
    if (w.empty()) continue;
    AKORN_CHECK(w.size() == 2 || w.size() == 3,
                where + "expected '<source name> <akorn name> [none|transpose01]' or '<source name> -', found " +
                    std::to_string(w.size()) + " words");
    ImportMapLine m;
    m.source = w[0];
    m.target = w[1];
    m.line = lineno;
    if (w.size() == 3) m.transform = w[2];
    const size_t lb = m.target.find('[');
    if (lb != std::string::npos) {
      const std::string idx = m.target.substr(lb + 1);
      AKORN_CHECK(idx.size() >= 2 && idx.back() == ']' && idx.size() <= 4 &&
                      idx.find_first_not_of("0123456789", 0) == idx.size() - 1,
                  where + "bad slice in '" + m.target + "' (expected <akorn name>[<index>])");
      m.slice = std::stoi(idx.substr(0, idx.size() - 1));
      m.target.resize(lb);
    }
    AKORN_CHECK(m.transform == "none" || m.transform == "transpose01",
                where + "unknown transform '" + m.transform + "' (none or transpose01)");
    AKORN_CHECK(m.target != "-" || w.size() == 2, where + "an ignored tensor ('-') takes no transform");
    AKORN_CHECK(sources.insert(m.source).second, where + "source tensor '" + m.source + "' is mapped twice");
    out.push_back(m);
  }
  AKORN_CHECK(!out.empty(), path + ": the name map has no lines");
  return out;
}

// Swaps the last two dimensions (a matrix transpose of every trailing [a, b] block).
inline void transpose_last2(std::vector<float>& v, std::vector<std::int64_t>& shape) {
  const size_t r = shape.size();
  const std::int64_t a = shape[r - 2], b = shape[r - 1];
  std::vector<float> out(v.size());
  const size_t block = static_cast<size_t>(a * b);
  for (size_t o = 0; block && o < v.size(); o += block)
    for (std::int64_t i = 0; i < a; ++i)
      for (std::int64_t j = 0; j < b; ++j) out[o + static_cast<size_t>(j * a + i)] = v[o + static_cast<size_t>(i * b + j)];
  v.swap(out);
  std::swap(shape[r - 2], shape[r - 1]);
}

// ema_pytorch wrappers (see the top of this file): keeps the tensors under one prefix with
// the prefix removed and drops the other wrapper's tensors and the counters `initted` and
// `step`. prefix: "" = automatic (ema_model. when the file has it), "none" = no unwrapping,
// else the prefix to read. Returns the prefix used ("" when none) and counts the dropped.
inline std::string unwrap_state_dict(SafeTensorsFile& st, std::string prefix, int& dropped) {
  static const char* kWrappers[] = {"ema_model.", "online_model."};
  auto starts = [](const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; };
  if (prefix == "none") return "";
  bool wrapped = false;
  for (auto& t : st.tensors)
    for (const char* w : kWrappers) wrapped = wrapped || starts(t.name, w);
  if (prefix.empty()) {
    if (!wrapped) return "";
    prefix = "ema_model.";
  }
  std::vector<SafeTensor> kept;
  int n_prefixed = 0;
  for (auto& t : st.tensors) {
    if (starts(t.name, prefix)) {
      SafeTensor u = t;
      u.name = t.name.substr(prefix.size());
      kept.push_back(u);
      ++n_prefixed;
      continue;
    }
    bool other = t.name == "initted" || t.name == "step";
    for (const char* w : kWrappers) other = other || (wrapped && starts(t.name, w));
    if (other) {
      ++dropped;
      continue;
    }
    kept.push_back(t);
  }
  AKORN_CHECK(n_prefixed > 0, st.path + ": no tensor named '" + prefix + "...' (pass --prefix ema_model., " +
                                  "online_model. or none)");
  for (size_t i = 0; i < kept.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      AKORN_CHECK(kept[i].name != kept[j].name,
                  st.path + ": tensor '" + kept[i].name + "' is there with and without the prefix '" + prefix + "'");
  st.tensors.swap(kept);
  return prefix;
}

// What a name map says about a model, whatever file it is used on: every target is a
// parameter (a slice target a slice of its first dimension), no parameter is filled both
// whole and by slices, and every parameter (each of its slices) has a line. akornc checks a
// spec's map with this at compile time, `import` every map it reads.
inline void check_import_map(const std::vector<ImportMapLine>& map, const std::string& map_path, const ParamInfo* info,
                             int num_params, const std::string& model_name) {
  std::map<std::string, int> pidx;
  for (int i = 0; i < num_params; ++i) pidx[info[i].name] = i;
  for (auto& m : map) {
    const std::string where = map_path + ":" + std::to_string(m.line) + ": ";
    AKORN_CHECK(m.target == "-" || pidx.count(m.target),
                where + "'" + m.target + "' is not a parameter of model " + model_name);
    if (m.slice >= 0) {
      const ParamInfo& p = info[pidx[m.target]];
      AKORN_CHECK(p.rank >= 2 && m.slice < p.shape[0],
                  where + "'" + m.key() + "': parameter '" + m.target + "' " +
                      shape_str(p.shape, p.rank) + " has no slice " +
                      std::to_string(m.slice));
    }
  }
  // a parameter is filled whole or slice by slice, not both
  for (auto& m : map)
    for (auto& m2 : map)
      AKORN_CHECK(m.target == "-" || m.target != m2.target || (m.slice < 0) == (m2.slice < 0),
                  map_path + ":" + std::to_string(m2.line) + ": '" + m2.key() + "' and line " + std::to_string(m.line) +
                      " ('" + m.key() + "') fill parameter '" + m.target + "' both whole and by slices");
  std::string missing;
  int n_missing = 0;
  for (int i = 0; i < num_params; ++i) {
    const ParamInfo& p = info[i];
    bool whole = false;
    std::vector<bool> slices(static_cast<size_t>(p.rank >= 1 ? p.shape[0] : 1), false);
    bool sliced = false;
    for (auto& m : map) {
      if (m.target != p.name) continue;
      if (m.slice < 0) {
        whole = true;
      } else {
        sliced = true;
        slices[static_cast<size_t>(m.slice)] = true;
      }
    }
    std::string gap;
    if (!whole && !sliced) gap = std::string("'") + p.name + "'";
    for (size_t k = 0; sliced && k < slices.size(); ++k)
      if (!slices[k]) gap += (gap.empty() ? "'" : ", '") + std::string(p.name) + "[" + std::to_string(k) + "]'";
    if (gap.empty()) continue;
    if (n_missing < 10) missing += (n_missing ? ", " : "") + gap;
    ++n_missing;
  }
  AKORN_CHECK(n_missing == 0, map_path + ": no line fills " + std::to_string(n_missing) + " parameter(s) of model " +
                                  model_name + ": " + missing + (n_missing > 10 ? ", ..." : ""));
}

struct ImportReport {
  int params = 0, tensors_used = 0, tensors_ignored = 0, tied_checked = 0;
};

// Fills params (the flat array of a model with the given parameter table) from a safetensors
// file through a name map. Every akorn parameter must be filled, every tensor of the file
// mapped or ignored, element counts equal; tied sources must agree to 1e-6 relative.
inline ImportReport import_safetensors(const SafeTensorsFile& st, const std::vector<ImportMapLine>& map,
                                       const std::string& map_path, const ParamInfo* info, int num_params,
                                       const std::string& model_name, float* params) {
  ImportReport rep;
  check_import_map(map, map_path, info, num_params, model_name);
  // every tensor of the file must be mapped or ignored
  std::string extra;
  int n_extra = 0;
  for (auto& t : st.tensors) {
    bool known = false;
    for (auto& m : map) known = known || m.source == t.name;
    if (!known) {
      if (n_extra < 10) extra += (n_extra ? ", '" : "'") + t.name + "' " + t.shape_str();
      ++n_extra;
    }
  }
  AKORN_CHECK(n_extra == 0, st.path + ": " + std::to_string(n_extra) + " unexpected tensor(s) that " + map_path +
                                " neither maps nor ignores: " + extra + (n_extra > 10 ? ", ..." : "") +
                                " (add '<name> -' lines to ignore them)");
  std::string missing;
  int n_missing = 0;
  for (int i = 0; i < num_params; ++i) {
    const ParamInfo& p = info[i];
    bool sliced = false;
    for (auto& m : map) sliced = sliced || (m.target == p.name && m.slice >= 0);
    const int nslices = sliced ? p.shape[0] : 1;
    const index_t slice_elems = p.elems / nslices;
    std::vector<std::int64_t> pshape(p.shape, p.shape + p.rank);
    if (sliced) pshape.erase(pshape.begin());
    const std::string pshape_s = shape_str(pshape);
    for (int sl = 0; sl < nslices; ++sl) {
      const int want_slice = sliced ? sl : -1;
      const std::string tname = sliced ? std::string(p.name) + "[" + std::to_string(sl) + "]" : std::string(p.name);
      std::vector<float> first;
      std::string first_name;
      for (auto& m : map) {
        if (m.target != p.name || m.slice != want_slice) continue;
        const SafeTensor* t = st.find(m.source);
        if (!t) continue;
        std::vector<std::int64_t> shape = t->shape;
        const std::string where = st.path + ": tensor '" + t->name + "'";
        if (m.transform == "transpose01")
          AKORN_CHECK(shape.size() >= 2, where + " " + t->shape_str() + " has rank < 2, cannot transpose01 (" + map_path +
                                             ":" + std::to_string(m.line) + ")");
        AKORN_CHECK(t->count() == slice_elems, where + " has shape " + t->shape_str() + " (" + std::to_string(t->count()) +
                                                   " elements), akorn parameter '" + tname + "' of model " + model_name +
                                                   " is " + pshape_s + " (" + std::to_string(slice_elems) + " elements)");
        std::vector<float> v = st.to_float(*t);
        if (m.transform == "transpose01") transpose_last2(v, shape);
        if (first_name.empty()) {
          first = std::move(v);
          first_name = t->name;
          ++rep.tensors_used;
          continue;
        }
        double scale = 0, diff = 0;
        for (size_t k = 0; k < v.size(); ++k) {
          scale = std::max(scale, static_cast<double>(std::fabs(first[k])));
          diff = std::max(diff, std::fabs(static_cast<double>(first[k]) - static_cast<double>(v[k])));
        }
        AKORN_CHECK(diff <= 1e-6 * std::max(scale, 1e-30),
                    st.path + ": tensors '" + first_name + "' and '" + t->name + "'" +
                        (m.transform == "transpose01" ? " (transposed)" : "") + " both map to '" + tname +
                        "' but differ (max |difference| " + std::to_string(diff) + ", max |value| " + std::to_string(scale) + ")");
        ++rep.tensors_used;
        ++rep.tied_checked;
      }
      if (first_name.empty()) {
        std::string srcs;
        for (auto& m : map)
          if (m.target == p.name && m.slice == want_slice) srcs += (srcs.empty() ? "'" : ", '") + m.source + "'";
        if (n_missing < 10)
          missing += (n_missing ? "; '" : "'") + tname + "' " + pshape_s +
                     (srcs.empty() ? " (no map line)" : " (from " + srcs + ")");
        ++n_missing;
        continue;
      }
      std::copy(first.begin(), first.end(), params + p.offset + sl * slice_elems);
      if (sl == nslices - 1) ++rep.params;
    }
  }
  AKORN_CHECK(n_missing == 0, st.path + ": " + std::to_string(n_missing) + " akorn parameter(s) of model " + model_name +
                                  " not filled: " + missing + (n_missing > 10 ? "; ..." : ""));
  for (auto& m : map)
    if (m.target == "-" && st.find(m.source)) ++rep.tensors_ignored;
  return rep;
}

}  // namespace akorn
