// The one interface of an op in akornc: everything the compiler knows of an op kind lives in
// its file ops/<op>.cpp (parse, check, lower/emit) and is reached through its OpDef in the
// op table (ops/op_table.cpp). The stages stay apart: parse.cpp calls an op's `parse`,
// check.cpp its `infer`, lower.cpp / emit its `lowering`.
//
// Adding an op touches: its schema entry (schema/akorn.fbs: the options table, appended to
// the OpOptions union, and the OpKind enum in ir.hpp, in the same order), its file here plus
// its line in op_table.cpp, its runtime folder (runtime/include/akorn/ops/<op>/ and its line
// in ops/kernel_list.hpp) and its tests (ARCHITECTURE.md, "Where a change goes").
#pragma once
#include <flatbuffers/flatbuffers.h>

#include <vector>

#include "akorn_generated.h"
#include "../check/ops.hpp"
#include "../diag.hpp"
#include "../emit/op_common.hpp"
#include "../ir.hpp"
#include "../program.hpp"

namespace akornc {

namespace fb = akorn::fb;

// What an op's `infer` uses of the check stage (check/ops.hpp).
using check_detail::CheckCtx;
using check_detail::conv_geometry;
using check_detail::conv_out;
using check_detail::OutSpec;
using check_detail::sat_mul;

// What an op's options parser may ask of the parser: required fields and enum values, with
// errors that name the file, the op and the field (the parser implements it).
class OptionsReader {
 public:
  virtual ~OptionsReader() = default;
  virtual int required(const flatbuffers::Optional<int32_t>& v, const char* field) const = 0;
  template <class E>
  E enum_value(const char* field, int v, int lo, int hi, const char* const* names) const {
    return static_cast<E>(enum_index(field, v, lo, hi, names));
  }

 protected:
  // v - lo, or an error listing `names` when v is outside [lo, hi]
  virtual int enum_index(const char* field, int v, int lo, int hi, const char* const* names) const = 0;
};

struct OpArity {
  int in_min, in_max, out_min, out_max;
};

struct OpDef {
  OpKind kind;
  const char* name;  // the schema's options name without "Options"
  OpArity arity;
  // parse: the op's FlatBuffers options (of its type, non-null) -> op.attrs
  void (*parse)(const OptionsReader&, const fb::Op&, Op&);
  // check: the attributes against the input values; the shapes of the outputs
  std::vector<OutSpec> (*infer)(const CheckCtx&);
  // lower / emit: parameters, buffers, kernel types, the emitted forward and backward code
  const OpLowering& lowering;
  bool loss = false;  // a loss: its output is the one number training minimises (one per model)
};

// The op table: the definition of every OpKind (op_table.cpp).
const OpDef& op_def(OpKind kind);

}  // namespace akornc
