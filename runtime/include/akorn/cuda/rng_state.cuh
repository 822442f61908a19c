// Where the noise kernels (OscillatorInit) find their seed on the GPU. A captured CUDA graph
// freezes kernel arguments, yet every training step draws new noise: so while a
// RngFromDevice guard is alive (the trainer's step), OscillatorInit ignores its seed /
// sample0 arguments and reads them from a small device array that the trainer refreshes
// before each graph launch (set_rng_state, a copy ordered on the stream). The noise itself
// is the same counter-based function of (seed, stream, sample) as on the CPU.
#pragma once
#include <cstdint>

#include "akorn/cuda/common.cuh"

namespace akorn::cuda {

// Device array {seed, sample0}; allocated on first use (outside capture).
inline std::uint64_t* rng_state_dev() {
  static std::uint64_t* p = nullptr;
  if (!p) {
    AKORN_CUDA_CHECK(cudaMalloc(&p, 2 * sizeof(std::uint64_t)));
    AKORN_CUDA_CHECK(cudaMemsetAsync(p, 0, 2 * sizeof(std::uint64_t), stream()));
  }
  return p;
}

inline bool& rng_from_device_flag() {
  static bool on = false;
  return on;
}

// The pointer noise kernels should read {seed, sample0} from, or null to use their arguments.
inline const std::uint64_t* rng_state_for_kernels() { return rng_from_device_flag() ? rng_state_dev() : nullptr; }

inline void set_rng_state(std::uint64_t seed, std::uint64_t sample0) {
  static std::uint64_t* pinned = nullptr;  // host staging that outlives the async copy
  if (!pinned) AKORN_CUDA_CHECK(cudaMallocHost(&pinned, 2 * sizeof(std::uint64_t)));
  sync();  // the previous copy from `pinned` has completed
  pinned[0] = seed;
  pinned[1] = sample0;
  AKORN_CUDA_CHECK(cudaMemcpyAsync(rng_state_dev(), pinned, 2 * sizeof(std::uint64_t), cudaMemcpyHostToDevice, stream()));
}

struct RngFromDevice {
  RngFromDevice() { rng_from_device_flag() = true; }
  ~RngFromDevice() { rng_from_device_flag() = false; }
  RngFromDevice(const RngFromDevice&) = delete;
  RngFromDevice& operator=(const RngFromDevice&) = delete;
};

}  // namespace akorn::cuda
