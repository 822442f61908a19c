// Spreading independent work (samples, heads, rows) over cores with OpenMP. GEMMs are not
// called from inside these loops: OpenBLAS threads them itself.
#pragma once
#include <cstdint>

namespace akorn {

// fn(i) for i in [0, n), statically scheduled over the OpenMP threads.
template <class Fn>
inline void parallel_for(std::int64_t n, Fn&& fn) {
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i) fn(i);
}

}  // namespace akorn
