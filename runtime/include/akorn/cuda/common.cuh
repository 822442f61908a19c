// CUDA basics shared by every GPU kernel: error macros that name file and line, the
// execution context (one stream, one cuBLAS handle, the TF32 switch), launch helpers and
// the element-wise memory helpers the generated models call through the backend.
//
// Every kernel launched by the runtime goes to ctx().stream, so a whole training step can
// be captured into one CUDA graph. Kernels never use atomics on floating-point values:
// reductions go through per-block partial sums reduced in a fixed order, so results are
// bit-identical from run to run (checkpoint -> reload -> continue is tested for that).
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "akorn/common.hpp"

#define AKORN_CUDA_CHECK(expr)                                                               \
  do {                                                                                       \
    const cudaError_t akorn_e_ = (expr);                                                     \
    if (akorn_e_ != cudaSuccess)                                                             \
      ::akorn::fail_at(__FILE__, __LINE__,                                                   \
                       std::string("CUDA error ") + cudaGetErrorName(akorn_e_) + " (" +      \
                           cudaGetErrorString(akorn_e_) + ") in " #expr);                    \
  } while (0)

#define AKORN_CUBLAS_CHECK(expr)                                                             \
  do {                                                                                       \
    const cublasStatus_t akorn_s_ = (expr);                                                  \
    if (akorn_s_ != CUBLAS_STATUS_SUCCESS)                                                   \
      ::akorn::fail_at(__FILE__, __LINE__,                                                   \
                       std::string("cuBLAS error ") + cublasGetStatusName(akorn_s_) + " (" + \
                           cublasGetStatusString(akorn_s_) + ") in " #expr);                 \
  } while (0)

// After a kernel launch: reports launch errors (bad configuration) at the launch site.
#define AKORN_CUDA_LAUNCH_CHECK() AKORN_CUDA_CHECK(cudaGetLastError())

namespace akorn::cuda {

// Number of CUDA devices, 0 when there is no driver or no device (never throws).
inline int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky "no device" error
    return 0;
  }
  return n;
}

struct Context {
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  bool tf32 = false;          // TF32 tensor cores for float GEMMs (strict FP32 when false)
  void* blas_workspace = nullptr;
  int device = -1;
  cudaDeviceProp prop{};
};

// The process-wide context; init() must run before the first kernel.
inline Context& ctx() {
  static Context c;
  return c;
}

// Selects device `dev`, creates the stream and the cuBLAS handle. A fixed cuBLAS workspace
// makes GEMMs capturable in CUDA graphs and their results reproducible.
inline void init(int dev = 0, bool tf32 = false) {
  Context& c = ctx();
  if (c.device >= 0) {
    c.tf32 = tf32;
    return;
  }
  const int n = device_count();
  AKORN_CHECK(n > 0, "--device cuda: no CUDA device is available (cudaGetDeviceCount found none)");
  AKORN_CHECK(dev >= 0 && dev < n, "CUDA device " + std::to_string(dev) + " does not exist (" + std::to_string(n) + " found)");
  AKORN_CUDA_CHECK(cudaSetDevice(dev));
  AKORN_CUDA_CHECK(cudaGetDeviceProperties(&c.prop, dev));
  AKORN_CUDA_CHECK(cudaStreamCreateWithFlags(&c.stream, cudaStreamNonBlocking));
  AKORN_CUBLAS_CHECK(cublasCreate(&c.blas));
  AKORN_CUBLAS_CHECK(cublasSetStream(c.blas, c.stream));
  const size_t ws = size_t(32) << 20;
  AKORN_CUDA_CHECK(cudaMalloc(&c.blas_workspace, ws));
  AKORN_CUBLAS_CHECK(cublasSetWorkspace(c.blas, c.blas_workspace, ws));
  AKORN_CUBLAS_CHECK(cublasSetPointerMode(c.blas, CUBLAS_POINTER_MODE_HOST));
  c.tf32 = tf32;
  c.device = dev;
}

inline cudaStream_t stream() { return ctx().stream; }
inline void sync() { AKORN_CUDA_CHECK(cudaStreamSynchronize(ctx().stream)); }

constexpr int kThreads = 256;
// Blocks for n elements at kThreads per block, capped (kernels use grid-stride loops).
inline unsigned blocks_for(index_t n, int threads = kThreads) {
  index_t b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  if (b > 65535 * 8) b = 65535 * 8;
  return static_cast<unsigned>(b);
}

// Grid-stride loop over [0, n).
#define AKORN_GRID_LOOP(i, n)                                                                          \
  for (::akorn::index_t i = ::akorn::index_t(blockIdx.x) * blockDim.x + threadIdx.x; i < ::akorn::index_t(n); \
       i += ::akorn::index_t(blockDim.x) * gridDim.x)

namespace detail {
template <typename S>
__global__ void fill_kernel(S* dst, index_t n, S v) {
  AKORN_GRID_LOOP(i, n) dst[i] = v;
}
template <typename S>
__global__ void fill_strided_kernel(S* dst, index_t count, index_t stride, S v) {
  AKORN_GRID_LOOP(i, count) dst[i * stride] = v;
}
}  // namespace detail

// dst[0..n) = v, on the context stream.
template <typename S>
void fill(S* dst, index_t n, S v) {
  if (n <= 0) return;
  detail::fill_kernel<S><<<blocks_for(n), kThreads, 0, stream()>>>(dst, n, v);
  AKORN_CUDA_LAUNCH_CHECK();
}
// dst[i * stride] = v for i < count.
template <typename S>
void fill_strided(S* dst, index_t count, index_t stride, S v) {
  if (count <= 0) return;
  detail::fill_strided_kernel<S><<<blocks_for(count), kThreads, 0, stream()>>>(dst, count, stride, v);
  AKORN_CUDA_LAUNCH_CHECK();
}
// Device-to-device copy of n elements.
template <typename S>
void copy(S* dst, const S* src, index_t n) {
  if (n <= 0 || dst == src) return;
  AKORN_CUDA_CHECK(cudaMemcpyAsync(dst, src, sizeof(S) * size_t(n), cudaMemcpyDeviceToDevice, stream()));
}
template <typename T>
void upload(T* dst, const T* host, index_t n) {
  if (n <= 0) return;
  AKORN_CUDA_CHECK(cudaMemcpyAsync(dst, host, sizeof(T) * size_t(n), cudaMemcpyHostToDevice, stream()));
}
// Synchronous: returns when the host copy is complete.
template <typename T>
void download(T* host, const T* dev, index_t n) {
  if (n <= 0) return;
  AKORN_CUDA_CHECK(cudaMemcpyAsync(host, dev, sizeof(T) * size_t(n), cudaMemcpyDeviceToHost, stream()));
  sync();
}

// Owning device array (cudaMalloc / cudaFree), move-only.
template <typename T>
class DeviceArray {
 public:
  DeviceArray() = default;
  explicit DeviceArray(index_t n) { resize(n); }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  DeviceArray(DeviceArray&& o) noexcept : p_(o.p_), n_(o.n_) { o.p_ = nullptr; o.n_ = 0; }
  DeviceArray& operator=(DeviceArray&& o) noexcept {
    if (this != &o) { release(); p_ = o.p_; n_ = o.n_; o.p_ = nullptr; o.n_ = 0; }
    return *this;
  }
  ~DeviceArray() { release(); }
  void resize(index_t n) {
    if (n == n_) return;
    release();
    if (n > 0) {
      const cudaError_t e = cudaMalloc(&p_, sizeof(T) * size_t(n));
      if (e != cudaSuccess) {
        size_t free_b = 0, total_b = 0;
        (void)cudaGetLastError();
        (void)cudaMemGetInfo(&free_b, &total_b);
        fail_at(__FILE__, __LINE__, "CUDA out of memory: " + std::to_string(sizeof(T) * size_t(n)) +
                                        " bytes requested, " + std::to_string(free_b) + " of " +
                                        std::to_string(total_b) + " bytes free on the device");
      }
      n_ = n;
    }
  }
  T* data() { return p_; }
  const T* data() const { return p_; }
  index_t size() const { return n_; }

 private:
  void release() {
    if (p_) (void)cudaFree(p_);
    p_ = nullptr;
    n_ = 0;
  }
  T* p_ = nullptr;
  index_t n_ = 0;
};

}  // namespace akorn::cuda

namespace akorn::cuda {

// One process-wide scratch area for kernels that need temporary space the memory plan does
// not provide (partial sums of parameter-gradient reductions). Kernels run one at a time on
// ctx().stream, so one area serves all of them. It only grows outside CUDA-graph capture:
// drivers run one step before capturing, which sizes it; a grown area leaves the old one
// allocated, so captured graphs stay valid.
inline void* scratch_bytes(size_t bytes) {
  static void* p = nullptr;
  static size_t have = 0;
  if (bytes <= have) return p;
  cudaStreamCaptureStatus st = cudaStreamCaptureStatusNone;
  AKORN_CUDA_CHECK(cudaStreamIsCapturing(stream(), &st));
  AKORN_CHECK(st == cudaStreamCaptureStatusNone,
              "CUDA scratch space must grow to " + std::to_string(bytes) +
                  " bytes during graph capture; run one step before capturing");
  // The old area is kept, never freed: a CUDA graph captured earlier still points into it
  // (e.g. a trainer's step graph when evaluation then runs a larger batch).
  AKORN_CUDA_CHECK(cudaMalloc(&p, bytes));
  have = bytes;
  return p;
}
template <typename T>
T* scratch(index_t elems) {
  return static_cast<T*>(scratch_bytes(sizeof(T) * size_t(elems > 0 ? elems : 1)));
}

}  // namespace akorn::cuda
