// A tiny indented source writer for the emitters.
#pragma once
#include <sstream>
#include <string>
#include <vector>

#include "akorn/format.hpp"

namespace akornc {

class Writer {
 public:
  Writer& line(const std::string& s = "") {
    if (s.empty()) {
      os_ << "\n";
    } else {
      os_ << std::string(static_cast<size_t>(indent_) * 2, ' ') << s << "\n";
    }
    return *this;
  }
  Writer& open(const std::string& s) { line(s); ++indent_; return *this; }   // "... {"
  Writer& close(const std::string& s = "}") { --indent_; line(s); return *this; }
  void indent(int d) { indent_ += d; }
  std::string str() const { return os_.str(); }

 private:
  std::ostringstream os_;
  int indent_ = 0;
};

// "9, 9, 64" from a shape
inline std::string dims(const std::vector<int>& s) {
  std::string r;
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r;
}
using akorn::shape_str;  // "[9, 9, 64]" (akorn/format.hpp, shared with the runtime)

}  // namespace akornc
