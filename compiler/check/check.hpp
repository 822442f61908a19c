// Front end, stage 2: validate a parsed Model and infer every value's shape.
//
// check_model runs the graph-level checks (names, definitions before use, arity, dtypes,
// model outputs, loss and energy rules, weight blobs) and the per-op attribute checks and
// shape inference of docs/OPS.md (one file per op family in this directory). It throws
// CompileError naming the file, the op and the field, e.g.
//   models/x.json: op 3 'klayer' (Kuramoto): channels 510 is not divisible by n=4
// The returned Graph points at `m` (Graph::model), so `m` must outlive it.
#pragma once
#include "diag.hpp"
#include "ir.hpp"

namespace akornc {

// Limits shared with later stages.
constexpr int kMaxDim = 1 << 20;                     // every dimension of a value
constexpr int64_t kMaxElems = (int64_t(1) << 31) - 1; // per-sample elements of a value / of a parameter
constexpr int kMaxSteps = 100000;                     // Kuramoto steps T
constexpr int64_t kMaxFcSize = 16384;                 // Kuramoto Fc: C*P (dense J is (C*P)^2)
constexpr int kMaxKernel = 1024;                      // conv / pool kernel size and stride, padding
constexpr size_t kMaxNameLen = 128;

Graph check_model(const Model& m);

}  // namespace akornc
