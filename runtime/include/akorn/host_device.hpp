// Functions written once for the host and the device: AKORN_HD marks them, and hd:: picks
// the host (std::) or device (CUDA) version of the math they call. An op's math.hpp
// (ops/<op>/math.hpp) is written with these and compiled into its CPU kernel (cpu.hpp) and
// its CUDA kernel (cuda.cuh); the order of every operation is the same in both.
#pragma once
#include <cmath>

#if defined(__CUDACC__)
#define AKORN_HD __host__ __device__ __forceinline__
#else
#define AKORN_HD inline
#endif

namespace akorn::hd {

#if defined(__CUDA_ARCH__)
template <typename S> AKORN_HD S sqrt(S v) { return ::sqrt(v); }  // sqrtf for float
template <typename S> AKORN_HD S exp(S v) { return ::exp(v); }
template <typename S> AKORN_HD S log(S v) { return ::log(v); }
template <typename S> AKORN_HD S erf(S v) { return ::erf(v); }
#else
template <typename S> AKORN_HD S sqrt(S v) { return std::sqrt(v); }
template <typename S> AKORN_HD S exp(S v) { return std::exp(v); }
template <typename S> AKORN_HD S log(S v) { return std::log(v); }
template <typename S> AKORN_HD S erf(S v) { return std::erf(v); }
#endif

}  // namespace akorn::hd
