// The CUDA backend of generated models: Model<S, akorn::cuda::Backend> runs the kernels of
// akorn/ops/<op>/cuda.cuh on device memory (params, grads, arena, inputs and outputs are all
// device pointers). Its kernel list is akorn/ops/kernel_list.hpp, as akorn::CpuBackend's.
#pragma once
#include "akorn/cuda/common.cuh"
#include "akorn/ops/attn_j/cuda.cuh"
#include "akorn/ops/batch_norm/cuda.cuh"
#include "akorn/ops/conv2d/cuda.cuh"
#include "akorn/ops/cross_entropy/cuda.cuh"
#include "akorn/ops/nt_xent/cuda.cuh"
#include "akorn/ops/positional_encoding/cuda.cuh"
#include "akorn/ops/gelu/cuda.cuh"
#include "akorn/ops/layer_norm/cuda.cuh"
#include "akorn/ops/elementwise/cuda.cuh"
#include "akorn/ops/embedding/cuda.cuh"
#include "akorn/ops/fc_j/cuda.cuh"
#include "akorn/ops/group_norm/cuda.cuh"
#include "akorn/ops/kuramoto_step/cuda.cuh"
#include "akorn/ops/linear/cuda.cuh"
#include "akorn/ops/normalize/cuda.cuh"
#include "akorn/ops/oscillator_init/cuda.cuh"
#include "akorn/ops/pool/cuda.cuh"
#include "akorn/ops/readout_conv/cuda.cuh"
#include "akorn/ops/scale_bias/cuda.cuh"
#include "akorn/ops/kernel_list.hpp"

namespace akorn::cuda {

struct Backend {
  static constexpr bool on_device = true;
  static constexpr const char* name = "cuda";

  // ---- kernels: every entry of akorn/ops/kernel_list.hpp, from akorn/ops/<op>/cuda.cuh
#define AKORN_CUDA_KERNEL(Name, PARAMS, ARGS) AKORN_KERNEL_ALIAS(cuda, Name, PARAMS, ARGS)
  AKORN_KERNELS(AKORN_CUDA_KERNEL)
#undef AKORN_CUDA_KERNEL

  // ---- memory operations used by generated code (device memory, context stream)
  template <typename S>
  static void copy(S* dst, const S* src, index_t n) {
    cuda::copy(dst, src, n);
  }
  template <typename S>
  static void fill(S* dst, index_t n, S v) {
    cuda::fill(dst, n, v);
  }
  template <typename S>
  static void fill_strided(S* dst, index_t count, index_t stride, S v) {
    cuda::fill_strided(dst, count, stride, v);
  }
  // Waits for the stream: only drivers call this (train_forward), never captured code.
  template <typename S>
  static S read(const S* p) {
    S v{};
    cuda::download(&v, p, 1);
    return v;
  }

  // ---- memory operations used by drivers (trainer, runner, tests)
  template <typename T>
  using Array = DeviceArray<T>;  // resize(n), data(), size()
  template <typename T>
  static void upload(T* dst, const T* host, index_t n) {
    cuda::upload(dst, host, n);
  }
  // Waits until the data is on the host.
  template <typename T>
  static void download(T* host, const T* src, index_t n) {
    cuda::download(host, src, n);
  }
  static void sync() { cuda::sync(); }
  static std::string describe() {
    const cudaDeviceProp& p = ctx().prop;
    return std::string("cuda (") + p.name + ", sm_" + std::to_string(p.major) + std::to_string(p.minor) +
           (ctx().tf32 ? ", TF32 GEMMs)" : ", FP32 GEMMs)");
  }
};

}  // namespace akorn::cuda
