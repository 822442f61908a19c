// Random inputs for any model (bench-*, the GPU tests): features ~ N(0, 1); int32 tokens
// uniform over the range every op that reads them accepts (InputInfo::token_lo..token_hi,
// from the compiler), at most 10 values wide (an unconstrained token map gets 0..9).
#pragma once
#include <algorithm>
#include <cstdint>
#include <climits>
#include <vector>

#include "akorn/model_info.hpp"
#include "akorn/rng.hpp"

namespace akorn {

// The tokens a random input draws from: the accepted range, from its low end (0 when it has
// none), at most 10 values.
inline void random_token_range(const InputInfo& in, std::int64_t& lo, std::int64_t& hi) {
  lo = in.token_lo > INT32_MIN ? in.token_lo : std::min<std::int64_t>(0, in.token_hi);
  hi = std::min<std::int64_t>(in.token_hi, lo + 9);
}

template <class Spec>
struct RandomBatch {
  std::vector<std::vector<std::int32_t>> tokens;
  std::vector<std::vector<float>> features;
  std::vector<const void*> ptrs;
  RandomBatch(int N, std::uint64_t seed) : tokens(Spec::num_inputs), features(Spec::num_inputs), ptrs(Spec::num_inputs) {
    Rng rng(seed);
    for (int i = 0; i < Spec::num_inputs; ++i) {
      const InputInfo& in = Spec::inputs[i];
      const size_t n = static_cast<size_t>(in.elems * N);
      if (in.is_int) {
        std::int64_t lo, hi;
        random_token_range(in, lo, hi);
        const std::uint64_t width = static_cast<std::uint64_t>(hi - lo + 1);
        tokens[i].resize(n);
        for (auto& t : tokens[i]) t = static_cast<std::int32_t>(lo + static_cast<std::int64_t>(rng.next() % width));
        ptrs[i] = tokens[i].data();
      } else {
        features[i].resize(n);
        for (auto& f : features[i]) f = static_cast<float>(rng.normal());
        ptrs[i] = features[i].data();
      }
    }
  }
};

}  // namespace akorn
