// The CUDA backend of generated models: Model<S, akorn::cuda::Backend> runs the kernels of
// akorn/cuda/ops/*.cuh on device memory (params, grads, arena, inputs and outputs are all
// device pointers). Its kernel list is akorn/ops/kernel_list.hpp, as akorn::CpuBackend's.
#pragma once
#include "akorn/cuda/common.cuh"
#include "akorn/cuda/ops/attn_j.cuh"
#include "akorn/cuda/ops/batch_norm.cuh"
#include "akorn/cuda/ops/conv2d.cuh"
#include "akorn/cuda/ops/cross_entropy.cuh"
#include "akorn/cuda/ops/elementwise.cuh"
#include "akorn/cuda/ops/embedding.cuh"
#include "akorn/cuda/ops/fc_j.cuh"
#include "akorn/cuda/ops/group_norm.cuh"
#include "akorn/cuda/ops/kuramoto_step.cuh"
#include "akorn/cuda/ops/linear.cuh"
#include "akorn/cuda/ops/normalize.cuh"
#include "akorn/cuda/ops/oscillator_init.cuh"
#include "akorn/cuda/ops/pool.cuh"
#include "akorn/cuda/ops/readout_conv.cuh"
#include "akorn/cuda/ops/scale_bias.cuh"
#include "akorn/ops/kernel_list.hpp"

namespace akorn::cuda {

struct Backend {
  static constexpr bool on_device = true;
  static constexpr const char* name = "cuda";

  // ---- kernels: every entry of akorn/ops/kernel_list.hpp, from akorn/cuda/ops/*.cuh
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
