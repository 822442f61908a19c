// Reading and writing NumPy .npy files (version 1.0/2.0, little-endian, C order), used for
// golden values, imported tensors and `dump`. Every error names the file.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "common.hpp"
#include "files.hpp"
#include "format.hpp"

namespace akorn {

struct NpyArray {
  std::string path;
  std::string dtype;               // "<f4", "<f8", "<i4", "<i8", "|u1" (bytes: images, masks)
  std::vector<std::int64_t> shape;
  std::vector<char> bytes;
  std::int64_t count() const { return element_count(shape); }
  std::string shape_str() const { return akorn::shape_str(shape); }
  // Values converted to T (float, double, int32...). An integer T takes only integer arrays
  // whose values fit it (a float -> int conversion out of range is undefined behaviour).
  template <typename T>
  std::vector<T> as() const {
    constexpr bool kIntegral = std::is_integral_v<T>;
    if constexpr (kIntegral)
      AKORN_CHECK(dtype == "<i4" || dtype == "<i8" || dtype == "|u1",
                  path + ": holds " + dtype + " values, integers (int32, int64 or uint8) are needed");
    std::vector<T> out(static_cast<size_t>(count()));
    for (size_t i = 0; i < out.size(); ++i) {
      if (dtype == "<f4") { float v; std::memcpy(&v, &bytes[i * 4], 4); out[i] = static_cast<T>(v); }
      else if (dtype == "<f8") { double v; std::memcpy(&v, &bytes[i * 8], 8); out[i] = static_cast<T>(v); }
      else if (dtype == "<i4") { std::int32_t v; std::memcpy(&v, &bytes[i * 4], 4); out[i] = integer<T>(v, i); }
      else if (dtype == "|u1") out[i] = static_cast<T>(static_cast<unsigned char>(bytes[i]));
      else { std::int64_t v; std::memcpy(&v, &bytes[i * 8], 8); out[i] = integer<T>(v, i); }
    }
    return out;
  }

  // v (an int32 or int64 of element i) as T, refused when it does not fit
  template <typename T, typename V>
  T integer(V v, size_t i) const {
    if constexpr (std::is_integral_v<T>) {
      using L = std::numeric_limits<T>;
      constexpr std::int64_t lo = L::is_signed ? std::int64_t(L::min()) : 0;
      constexpr std::int64_t hi = L::digits >= 63 ? std::numeric_limits<std::int64_t>::max() : std::int64_t(L::max());
      AKORN_CHECK(std::int64_t(v) >= lo && std::int64_t(v) <= hi,
                  path + ": value " + std::to_string(v) + " at flat index " + std::to_string(i) + " does not fit the " +
                      std::to_string(8 * sizeof(T)) + "-bit integers needed");
    }
    return static_cast<T>(v);
  }
};

// A .npy image held in memory; `path` names it in messages.
inline NpyArray parse_npy(const std::string& path, const std::vector<char>& data) {
  NpyArray a;
  a.path = path;
  AKORN_CHECK(data.size() >= 10 && std::memcmp(data.data(), "\x93NUMPY", 6) == 0, path + ": not a .npy file");
  int major = static_cast<unsigned char>(data[6]);
  size_t hlen, hstart;
  if (major == 1) {
    hlen = static_cast<unsigned char>(data[8]) | (static_cast<unsigned char>(data[9]) << 8);
    hstart = 10;
  } else {
    AKORN_CHECK(data.size() >= 12, path + ": truncated .npy header");
    hlen = 0;
    for (int i = 0; i < 4; ++i) hlen |= static_cast<size_t>(static_cast<unsigned char>(data[8 + i])) << (8 * i);
    hstart = 12;
  }
  AKORN_CHECK(hlen < (1u << 20) && hstart + hlen <= data.size(), path + ": truncated .npy header");
  std::string h(data.data() + hstart, hlen);
  auto field = [&](const std::string& key) -> std::string {
    size_t k = h.find("'" + key + "'");
    AKORN_CHECK(k != std::string::npos, path + ": .npy header has no '" + key + "'");
    size_t c = h.find(':', k);
    AKORN_CHECK(c != std::string::npos, path + ": malformed .npy header");
    return h.substr(c + 1);
  };
  std::string d = field("descr");
  size_t q1 = d.find('\''), q2 = d.find('\'', q1 + 1);
  AKORN_CHECK(q1 != std::string::npos && q2 != std::string::npos, path + ": malformed .npy dtype");
  a.dtype = d.substr(q1 + 1, q2 - q1 - 1);
  AKORN_CHECK(a.dtype == "<f4" || a.dtype == "<f8" || a.dtype == "<i4" || a.dtype == "<i8" || a.dtype == "|u1",
              path + ": unsupported dtype '" + a.dtype + "' (need <f4, <f8, <i4, <i8 or |u1)");
  std::string fo = field("fortran_order");
  AKORN_CHECK(fo.find("False") < fo.find(','), path + ": Fortran-order arrays are not supported");
  std::string s = field("shape");
  size_t p1 = s.find('('), p2 = s.find(')');
  AKORN_CHECK(p1 != std::string::npos && p2 != std::string::npos, path + ": malformed .npy shape");
  std::string dims = s.substr(p1 + 1, p2 - p1 - 1);
  size_t pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ',')) ++pos;
    if (pos >= dims.size()) break;
    std::int64_t v = 0;
    size_t start = pos;
    while (pos < dims.size() && dims[pos] >= '0' && dims[pos] <= '9') {
      v = v * 10 + (dims[pos] - '0');
      AKORN_CHECK(v < (std::int64_t(1) << 40), path + ": .npy dimension too large");
      ++pos;
    }
    AKORN_CHECK(pos > start, path + ": malformed .npy shape '" + dims + "'");
    a.shape.push_back(v);
  }
  size_t esize = a.dtype == "|u1" ? 1 : (a.dtype == "<f4" || a.dtype == "<i4") ? 4 : 8;
  std::uint64_t count = 1;
  for (std::int64_t d : a.shape)
    AKORN_CHECK(mul_within(count, static_cast<std::uint64_t>(d), std::uint64_t(1) << 40),
                path + ": shape " + a.shape_str() + " is too large (over 2^40 elements)");
  size_t need = static_cast<size_t>(count) * esize;
  size_t have = data.size() - hstart - hlen;
  AKORN_CHECK(have == need, path + ": data is " + std::to_string(have) + " bytes, shape " + a.shape_str() +
                                " needs " + std::to_string(need) + " (truncated or corrupt)");
  a.bytes.assign(data.begin() + static_cast<std::ptrdiff_t>(hstart + hlen), data.end());
  return a;
}

inline NpyArray load_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  AKORN_CHECK(f.good(), path + ": cannot open");
  std::vector<char> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return parse_npy(path, data);
}

// Writes atomically (files.hpp).
inline void save_npy_bytes(const std::string& path, const char* descr, const std::vector<std::int64_t>& shape,
                           const void* data, size_t nbytes) {
  std::string sh = "(";
  for (size_t i = 0; i < shape.size(); ++i) sh += std::to_string(shape[i]) + (shape.size() == 1 ? "," : (i + 1 < shape.size() ? ", " : ""));
  sh += ")";
  std::string h = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + sh + ", }";
  size_t total = 10 + h.size() + 1;
  h += std::string((64 - total % 64) % 64, ' ') + "\n";
  const unsigned short hl = static_cast<unsigned short>(h.size());
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(hl & 0xff);
  bytes += static_cast<char>(hl >> 8);
  bytes += h;
  bytes.append(static_cast<const char*>(data), nbytes);
  write_file_atomic(path, bytes.data(), bytes.size());
}

inline void save_npy(const std::string& path, const float* data, const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  save_npy_bytes(path, "<f4", shape, data, static_cast<size_t>(n) * 4);
}
inline void save_npy(const std::string& path, const std::uint8_t* data, const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  save_npy_bytes(path, "|u1", shape, data, static_cast<size_t>(n));
}
inline void save_npy(const std::string& path, const std::int32_t* data, const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  save_npy_bytes(path, "<i4", shape, data, static_cast<size_t>(n) * 4);
}

}  // namespace akorn
