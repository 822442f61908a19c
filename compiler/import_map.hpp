// Check of a spec's name map (Model.import_map) against the lowered model's parameters.
#pragma once
#include "program.hpp"

namespace akornc {

// Throws CompileError ("<spec>: import_map: <map>:<line>: ...") when the map is malformed or
// does not fit the model's parameters.
void check_import_map(const Program& prog);

}  // namespace akornc
