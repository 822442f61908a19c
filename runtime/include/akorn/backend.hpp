// The CPU backend of generated models: Model<S, akorn::CpuBackend> runs the kernels of
// akorn/ops/<op>/cpu.hpp on host memory. A backend supplies every kernel of ops/kernel_list.hpp
// under the same name, template parameters and signatures (the CUDA one,
// akorn::cuda::Backend in akorn/cuda/backend.cuh, is made from the same list), plus the few
// memory operations generated code does itself (copy, fill, reading the loss).
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "akorn/common.hpp"
#include "akorn/ops/attn_j/cpu.hpp"
#include "akorn/ops/batch_norm/cpu.hpp"
#include "akorn/ops/conv2d/cpu.hpp"
#include "akorn/ops/cross_entropy/cpu.hpp"
#include "akorn/ops/nt_xent/cpu.hpp"
#include "akorn/ops/positional_encoding/cpu.hpp"
#include "akorn/ops/gelu/cpu.hpp"
#include "akorn/ops/layer_norm/cpu.hpp"
#include "akorn/ops/elementwise/cpu.hpp"
#include "akorn/ops/embedding/cpu.hpp"
#include "akorn/ops/fc_j/cpu.hpp"
#include "akorn/ops/kernel_list.hpp"
#include "akorn/ops/group_norm/cpu.hpp"
#include "akorn/ops/kuramoto_step/cpu.hpp"
#include "akorn/ops/linear/cpu.hpp"
#include "akorn/ops/normalize/cpu.hpp"
#include "akorn/ops/oscillator_init/cpu.hpp"
#include "akorn/ops/pool/cpu.hpp"
#include "akorn/ops/readout_conv/cpu.hpp"
#include "akorn/ops/scale_bias/cpu.hpp"

namespace akorn {

struct CpuBackend {
  static constexpr bool on_device = false;
  static constexpr const char* name = "cpu";

  // ---- kernels: every entry of ops/kernel_list.hpp, from akorn/ops/<op>/cpu.hpp
#define AKORN_CPU_KERNEL(Name, PARAMS, ARGS) AKORN_KERNEL_ALIAS(akorn, Name, PARAMS, ARGS)
  AKORN_KERNELS(AKORN_CPU_KERNEL)
#undef AKORN_CPU_KERNEL

  // ---- memory operations used by generated code
  template <typename S>
  static void copy(S* dst, const S* src, index_t n) {
    if (dst != src) std::copy(src, src + n, dst);
  }
  template <typename S>
  static void fill(S* dst, index_t n, S v) {
    std::fill(dst, dst + n, v);
  }
  template <typename S>
  static void fill_strided(S* dst, index_t count, index_t stride, S v) {
    for (index_t i = 0; i < count; ++i) dst[i * stride] = v;
  }
  template <typename S>
  static S read(const S* p) {
    return *p;
  }

  // ---- memory operations used by drivers (trainer, runner, tests)
  template <typename T>
  using Array = std::vector<T>;  // resize(n), data(), size()
  template <typename T>
  static void upload(T* dst, const T* host, index_t n) {
    if (dst != host) std::copy(host, host + n, dst);
  }
  template <typename T>
  static void download(T* host, const T* src, index_t n) {
    if (host != src) std::copy(src, src + n, host);
  }
  static void sync() {}
  static std::string describe() { return "cpu"; }
};

}  // namespace akorn
