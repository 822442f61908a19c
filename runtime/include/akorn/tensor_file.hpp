// The project's tensor file: weights (.akw) and training checkpoints (.ckpt) share it.
//
//   offset 0   magic "AKORNTF1" (8 bytes)
//          8   u32 format version (1), u32 tensor count
//         16   per tensor: u16 name length, name, u8 dtype (0 f32, 1 u64, 2 u8), u8 rank,
//              i64 dims[rank], u64 data offset (from file start), u64 data bytes
//    ...       data, each tensor's bytes at its offset (64-byte aligned)
//    end-4     u32 CRC-32 (IEEE) of every byte before it
// All integers little-endian. Readers check the magic, every size and offset against the
// file, and the CRC, so a truncated or corrupt file is rejected with a message naming it;
// writers write a temporary file and rename it, so an interrupted write never replaces a
// good file.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "common.hpp"
#include "files.hpp"
#include "format.hpp"

namespace akorn {

enum class TDType : std::uint8_t { F32 = 0, U64 = 1, U8 = 2 };

inline size_t tdtype_size(TDType t) { return t == TDType::F32 ? 4 : t == TDType::U64 ? 8 : 1; }
inline const char* tdtype_name(TDType t) { return t == TDType::F32 ? "f32" : t == TDType::U64 ? "u64" : "u8"; }

struct TensorEntry {
  TDType dtype = TDType::F32;
  std::vector<std::int64_t> shape;
  std::vector<unsigned char> bytes;
  std::int64_t count() const { return element_count(shape); }
  std::string shape_str() const { return akorn::shape_str(shape); }
};

inline std::uint32_t crc32(const unsigned char* p, size_t n, std::uint32_t crc = 0) {
  static std::uint32_t table[256];
  static bool init = false;
  if (!init) {
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    init = true;
  }
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

// An ordered set of named tensors.
struct TensorFile {
  std::map<std::string, TensorEntry> tensors;

  void put_f32(const std::string& name, const float* data, std::vector<std::int64_t> shape) {
    TensorEntry e;
    e.dtype = TDType::F32;
    e.shape = std::move(shape);
    e.bytes.resize(static_cast<size_t>(e.count()) * 4);
    if (!e.bytes.empty()) std::memcpy(e.bytes.data(), data, e.bytes.size());
    tensors[name] = std::move(e);
  }
  void put_u64(const std::string& name, const std::vector<std::uint64_t>& v) {
    TensorEntry e;
    e.dtype = TDType::U64;
    e.shape = {static_cast<std::int64_t>(v.size())};
    e.bytes.resize(v.size() * 8);
    if (!v.empty()) std::memcpy(e.bytes.data(), v.data(), e.bytes.size());
    tensors[name] = std::move(e);
  }
  void put_string(const std::string& name, const std::string& s) {
    TensorEntry e;
    e.dtype = TDType::U8;
    e.shape = {static_cast<std::int64_t>(s.size())};
    e.bytes.assign(s.begin(), s.end());
    tensors[name] = std::move(e);
  }
  bool has(const std::string& name) const { return tensors.count(name) != 0; }
  const TensorEntry& get(const std::string& file, const std::string& name, TDType dtype) const {
    auto it = tensors.find(name);
    AKORN_CHECK(it != tensors.end(), file + ": has no tensor '" + name + "'");
    AKORN_CHECK(it->second.dtype == dtype, file + ": tensor '" + name + "' is " + tdtype_name(it->second.dtype) +
                                               ", expected " + tdtype_name(dtype));
    return it->second;
  }
  std::vector<std::uint64_t> get_u64(const std::string& file, const std::string& name) const {
    const TensorEntry& e = get(file, name, TDType::U64);
    std::vector<std::uint64_t> v(static_cast<size_t>(e.count()));
    if (!v.empty()) std::memcpy(v.data(), e.bytes.data(), v.size() * 8);
    return v;
  }
  std::string get_string(const std::string& file, const std::string& name) const {
    const TensorEntry& e = get(file, name, TDType::U8);
    return std::string(e.bytes.begin(), e.bytes.end());
  }
  // Copies an f32 tensor into dst after checking its shape.
  void get_f32_into(const std::string& file, const std::string& name, const std::vector<std::int64_t>& shape,
                    float* dst) const {
    const TensorEntry& e = get(file, name, TDType::F32);
    AKORN_CHECK(e.shape == shape, file + ": tensor '" + name + "' has shape " + e.shape_str() + ", the model needs " +
                                      akorn::shape_str(shape));
    if (!e.bytes.empty()) std::memcpy(dst, e.bytes.data(), e.bytes.size());
  }
};

namespace detail {
template <typename T>
void put_le(std::vector<unsigned char>& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<unsigned char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff));
}
template <typename T>
T get_le(const std::vector<unsigned char>& in, size_t& pos, const std::string& path) {
  AKORN_CHECK(pos + sizeof(T) <= in.size(), path + ": truncated (header ends early at byte " + std::to_string(pos) + ")");
  std::uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<std::uint64_t>(in[pos + i]) << (8 * i);
  pos += sizeof(T);
  return static_cast<T>(v);
}
}  // namespace detail

inline void write_tensor_file(const std::string& path, const TensorFile& tf) {
  using detail::put_le;
  std::vector<unsigned char> head;
  const char magic[8] = {'A', 'K', 'O', 'R', 'N', 'T', 'F', '1'};
  head.insert(head.end(), magic, magic + 8);
  put_le<std::uint32_t>(head, 1);
  put_le<std::uint32_t>(head, static_cast<std::uint32_t>(tf.tensors.size()));
  // header size first, to place the data
  size_t hsize = head.size();
  for (auto& [name, e] : tf.tensors) hsize += 2 + name.size() + 2 + 8 * e.shape.size() + 16;
  size_t off = (hsize + 63) / 64 * 64;
  std::vector<size_t> offsets;
  for (auto& [name, e] : tf.tensors) {
    offsets.push_back(off);
    off = (off + e.bytes.size() + 63) / 64 * 64;
  }
  size_t i = 0;
  for (auto& [name, e] : tf.tensors) {
    AKORN_CHECK(name.size() < 65536, path + ": tensor name too long");
    put_le<std::uint16_t>(head, static_cast<std::uint16_t>(name.size()));
    head.insert(head.end(), name.begin(), name.end());
    head.push_back(static_cast<unsigned char>(e.dtype));
    head.push_back(static_cast<unsigned char>(e.shape.size()));
    for (auto d : e.shape) put_le<std::int64_t>(head, d);
    put_le<std::uint64_t>(head, offsets[i++]);
    put_le<std::uint64_t>(head, e.bytes.size());
  }
  std::vector<unsigned char> all(off, 0);
  std::memcpy(all.data(), head.data(), head.size());
  i = 0;
  for (auto& [name, e] : tf.tensors) {
    if (!e.bytes.empty()) std::memcpy(all.data() + offsets[i], e.bytes.data(), e.bytes.size());
    ++i;
  }
  std::uint32_t crc = crc32(all.data(), all.size());
  put_le<std::uint32_t>(all, crc);
  write_file_atomic(path, all.data(), all.size());
}

// A tensor file's image held in memory; `path` names it in messages.
inline TensorFile parse_tensor_file(const std::string& path, const std::vector<unsigned char>& all) {
  using detail::get_le;
  AKORN_CHECK(all.size() >= 20 && std::memcmp(all.data(), "AKORNTF1", 8) == 0,
              path + ": not an akorn tensor file (bad magic or too short)");
  size_t body = all.size() - 4;
  std::uint32_t stored = 0;
  for (int k = 0; k < 4; ++k) stored |= static_cast<std::uint32_t>(all[body + k]) << (8 * k);
  AKORN_CHECK(crc32(all.data(), body) == stored, path + ": checksum mismatch (file is corrupt or truncated)");
  size_t pos = 8;
  auto version = get_le<std::uint32_t>(all, pos, path);
  AKORN_CHECK(version == 1, path + ": format version " + std::to_string(version) + " is not supported (need 1)");
  auto count = get_le<std::uint32_t>(all, pos, path);
  AKORN_CHECK(count < 1000000, path + ": implausible tensor count " + std::to_string(count));
  TensorFile tf;
  for (std::uint32_t t = 0; t < count; ++t) {
    auto nlen = get_le<std::uint16_t>(all, pos, path);
    AKORN_CHECK(pos + nlen <= body, path + ": truncated tensor name");
    std::string name(all.begin() + static_cast<std::ptrdiff_t>(pos), all.begin() + static_cast<std::ptrdiff_t>(pos + nlen));
    pos += nlen;
    TensorEntry e;
    auto dt = get_le<std::uint8_t>(all, pos, path);
    AKORN_CHECK(dt <= 2, path + ": tensor '" + name + "' has unknown dtype " + std::to_string(dt));
    e.dtype = static_cast<TDType>(dt);
    auto rank = get_le<std::uint8_t>(all, pos, path);
    AKORN_CHECK(rank <= 8, path + ": tensor '" + name + "' has rank " + std::to_string(rank));
    std::uint64_t cnt = 1;
    for (int r = 0; r < rank; ++r) {
      auto d = get_le<std::int64_t>(all, pos, path);
      AKORN_CHECK(d >= 0 && d < (std::int64_t(1) << 40), path + ": tensor '" + name + "' has a bad dimension");
      AKORN_CHECK(mul_within(cnt, static_cast<std::uint64_t>(d), std::uint64_t(1) << 40),
                  path + ": tensor '" + name + "' is too large (over 2^40 elements)");
      e.shape.push_back(d);
    }
    auto off = get_le<std::uint64_t>(all, pos, path);
    auto nbytes = get_le<std::uint64_t>(all, pos, path);
    AKORN_CHECK(nbytes == static_cast<std::uint64_t>(cnt) * tdtype_size(e.dtype),
                path + ": tensor '" + name + "' has " + std::to_string(nbytes) + " bytes for shape " + e.shape_str());
    AKORN_CHECK(off <= body && nbytes <= body - off, path + ": tensor '" + name + "' lies outside the file");
    e.bytes.assign(all.begin() + static_cast<std::ptrdiff_t>(off), all.begin() + static_cast<std::ptrdiff_t>(off + nbytes));
    AKORN_CHECK(!tf.has(name), path + ": tensor '" + name + "' appears twice");
    tf.tensors[name] = std::move(e);
  }
  return tf;
}

inline TensorFile read_tensor_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  AKORN_CHECK(f.good(), path + ": cannot open");
  std::vector<unsigned char> all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return parse_tensor_file(path, all);
}

}  // namespace akorn
