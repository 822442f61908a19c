// Compiler diagnostics: every stage reports a problem by throwing CompileError with a
// message that names the file, the op and the field, e.g.
//   models/x.json: op 3 'klayer' (Kuramoto): channels 510 is not divisible by n=4
// main() prints it and exits 1. No stage may crash or abort on any input.
#pragma once
#include <stdexcept>
#include <string>

#include "ir.hpp"

namespace akornc {

struct CompileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const std::string& msg) { throw CompileError(msg); }

// "<path>: op <index> '<name>' (<Kind>)"
inline std::string where(const Model& m, const Op& op) {
  return m.path + ": op " + std::to_string(op.index) + " '" + op.name + "' (" +
         op_kind_name(op.kind) + ")";
}

[[noreturn]] inline void fail_op(const Model& m, const Op& op, const std::string& what) {
  fail(where(m, op) + ": " + what);
}

}  // namespace akornc
