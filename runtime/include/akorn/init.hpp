// Parameter initialisation from a model's ParamInfo table (docs/OPS.md "Initialisation").
// Each parameter draws from its own stream (seed, parameter index), so adding a parameter
// never changes the others' values.
#pragma once
#include <cmath>

#include "model_info.hpp"
#include "akorn/ops/attn_j/gta_init.hpp"
#include "akorn/ops/positional_encoding/sincos_init.hpp"
#include "rng.hpp"

namespace akorn {

template <typename S>
void init_params(const ParamInfo* ps, int n, S* params, std::uint64_t seed) {
  for (int i = 0; i < n; ++i) {
    const ParamInfo& p = ps[i];
    S* dst = params + p.offset;
    Rng rng(splitmix64(seed ^ (0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(i + 1))));
    switch (p.init) {
      case Init::Uniform:
        for (index_t k = 0; k < p.elems; ++k) dst[k] = static_cast<S>((2.0 * rng.uniform() - 1.0) * p.a);
        break;
      case Init::Normal:
        for (index_t k = 0; k < p.elems; ++k) dst[k] = static_cast<S>(rng.normal() * p.a);
        break;
      case Init::Const:
        for (index_t k = 0; k < p.elems; ++k) dst[k] = static_cast<S>(p.a);
        break;
      case Init::Gta:
        gta_init<S>(p.gta_h, p.gta_w, p.gta_hd, dst);
        break;
      case Init::Omega:  // theta = init/sqrt(2) * (1, 1): omega = ||theta|| starts at init
        for (index_t k = 0; k < p.elems; ++k) dst[k] = static_cast<S>(p.a / std::sqrt(2.0));
        break;
      case Init::SinCos2d:  // pe [H, W, C]
        sincos2d_init<S>(p.shape[0], p.shape[1], p.shape[2], dst);
        break;
    }
  }
}

}  // namespace akorn
