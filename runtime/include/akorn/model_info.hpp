// Tables that every generated model exports (see the emitted model.hpp): its inputs,
// outputs, parameters and memory plans, as plain data the generic drivers read.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>

#include "common.hpp"
#include "format.hpp"

namespace akorn {

enum class Init { Uniform, Normal, Const, Gta, Omega, SinCos2d };

struct InputInfo {
  const char* name;
  bool is_int;          // int32 tokens, else features of the model's scalar type
  int rank;
  int shape[3];         // per sample
  index_t elems;        // per sample
  bool training_only;
  // int32 inputs: the tokens every op that reads them accepts, inclusive (e.g. [0, 9] for
  // an embedding of 10 rows); the full int32 range for features and unconstrained tokens
  std::int64_t token_lo, token_hi;
};

struct OutputInfo {
  const char* name;
  index_t elems;        // per sample (for per_step outputs: at the trained T)
  bool per_step;        // an energy trace: steps+1 values per sample
  int rank;
  int shape[3];         // per sample ([T+1] at the trained T for per_step outputs)
};

struct ParamInfo {
  const char* name;     // "<op>.<param>" (docs/OPS.md)
  int rank;
  int shape[6];          // rank <= 6 (J.gta is [4, P, hd/2, 2, 2])
  index_t elems;
  index_t offset;       // in the flat parameter array
  bool trainable;
  Init init;
  double a;             // Uniform bound, Normal std, Const value, Omega init
  int gta_h, gta_w, gta_hd;
};

struct PlanEntry {
  const char* name;
  index_t offset;       // per sample
  index_t elems;        // per sample
  int first, last;      // live steps, inclusive
};

// Returns "" when no two buffers that are live at the same step overlap, else a
// description of the first collision (the generated tests call this on both plans).
inline std::string plan_overlap(const PlanEntry* plan, int n, index_t arena_elems) {
  for (int i = 0; i < n; ++i) {
    const PlanEntry& a = plan[i];
    if (a.offset < 0 || a.offset + a.elems > arena_elems)
      return std::string("buffer '") + a.name + "' lies outside the arena";
    for (int j = i + 1; j < n; ++j) {
      const PlanEntry& b = plan[j];
      bool live = a.first <= b.last && b.first <= a.last;
      bool overlap = a.offset < b.offset + b.elems && b.offset < a.offset + a.elems;
      if (live && overlap && a.elems > 0 && b.elems > 0)
        return std::string("buffers '") + a.name + "' and '" + b.name + "' are live together and overlap";
    }
  }
  return "";
}

}  // namespace akorn
