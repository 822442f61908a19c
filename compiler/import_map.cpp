// Check stage for Model.import_map (schema revision 2): the name map a spec names must say
// something true of the lowered model (its targets are its parameters, every parameter
// filled), so a map error is the compiler's, not a user's at import time. The rules are
// the runtime's own (akorn::check_import_map), run on the lowered parameter table.
#include "import_map.hpp"

#include <vector>

#include "akorn/safetensors.hpp"
#include "diag.hpp"

namespace akornc {

namespace {
// akorn::Error messages end with the runtime's source location; a compiler message is the
// file's and line's only.
std::string without_source_location(const std::string& msg) {
  const size_t b = msg.rfind(" [");
  return b != std::string::npos && msg.back() == ']' ? msg.substr(0, b) : msg;
}
}  // namespace

void check_import_map(const Program& prog) {
  const Model& m = *prog.graph->model;
  if (m.import_map_path.empty()) return;
  std::vector<akorn::ParamInfo> info;
  for (const ParamDecl& p : prog.params) {
    akorn::ParamInfo pi{};
    pi.name = p.name.c_str();
    pi.rank = static_cast<int>(p.shape.size());
    for (size_t d = 0; d < p.shape.size() && d < 6; ++d) pi.shape[d] = p.shape[d];
    pi.elems = p.elems();
    pi.offset = p.offset;
    pi.trainable = p.trainable;
    info.push_back(pi);
  }
  try {
    const auto lines = akorn::parse_import_map(m.import_map_text, m.import_map_path);
    akorn::check_import_map(lines, m.import_map_path, info.data(), static_cast<int>(info.size()), m.name);
  } catch (const akorn::Error& e) {
    fail(m.path + ": import_map: " + without_source_location(e.what()));
  }
}

}  // namespace akornc
