// Small text helpers shared by the runtime and akornc (no other dependencies).
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace akorn {

// "[9, 9, 64]"
template <typename Int>
std::string shape_str(const std::vector<Int>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// The same from a pointer and a rank (the model tables' fixed-size shape arrays).
template <typename Int>
std::string shape_str(const Int* shape, int rank) {
  return shape_str(std::vector<Int>(shape, shape + rank));
}

template <typename Int>
std::int64_t element_count(const std::vector<Int>& shape) {
  std::int64_t c = 1;
  for (auto d : shape) c *= static_cast<std::int64_t>(d);
  return c;
}

// "605.4 MiB"
inline std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024.0 && u < 4) {
    b /= 1024.0;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", b, units[u]);
  return buf;
}

}  // namespace akorn
