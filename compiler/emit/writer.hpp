// A tiny indented source writer for the emitters.
#pragma once
#include <cctype>
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
  // Appends the lines of `text` (another Writer's output) at this writer's indentation.
  Writer& lines(const std::string& text) {
    std::istringstream is(text);
    for (std::string l; std::getline(is, l);) line(l);
    return *this;
  }
  std::string str() const { return os_.str(); }

 private:
  std::ostringstream os_;
  int indent_ = 0;
};

// The local names an op function may bind (its inputs, outputs, parameters, buffers), each
// with its declaration; declare_used writes those the function's code uses, so generated
// functions declare no unused variables.
class Bindings {
 public:
  void add(const std::string& name, const std::string& decl) { items_.push_back({name, decl}); }
  void declare_used(Writer& w, const std::string& code) const {
    const std::string c = without_comments(code);
    for (const auto& [name, decl] : items_)
      if (uses(c, name)) w.line(decl);
  }

 private:
  static bool ident_char(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; }
  static std::string without_comments(const std::string& code) {
    std::string r;
    std::istringstream is(code);
    for (std::string l; std::getline(is, l);) r += l.substr(0, l.find("//")) + "\n";
    return r;
  }
  // `name` as a whole identifier, not a member (x.name, x->name)
  static bool uses(const std::string& c, const std::string& name) {
    for (size_t at = c.find(name); at != std::string::npos; at = c.find(name, at + 1)) {
      const size_t end = at + name.size();
      const bool left = at == 0 || (!ident_char(c[at - 1]) && c[at - 1] != '.' && !(at >= 2 && c.compare(at - 2, 2, "->") == 0));
      const bool right = end >= c.size() || !ident_char(c[end]);
      if (left && right) return true;
    }
    return false;
  }
  std::vector<std::pair<std::string, std::string>> items_;
};

// "9, 9, 64" from a shape
inline std::string dims(const std::vector<int>& s) {
  std::string r;
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r;
}
using akorn::shape_str;  // "[9, 9, 64]" (akorn/format.hpp, shared with the runtime)

}  // namespace akornc
