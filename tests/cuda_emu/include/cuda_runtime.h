// Stand-in for <cuda_runtime.h> in the emulated build (tests/cuda_emu): device memory is host
// memory, the one stream runs its work at once, and a stream capture records the work as
// closures (kernel arguments by value, as CUDA does) that cudaGraphLaunch replays: so a
// captured training step really runs from the graph. CUDA rules worth checking are checked:
// synchronising, allocating or copying pageable host memory during capture is an error;
// copies must name the right kind of memory and stay inside their allocations.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <vector>

#include "emu.hpp"

enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorStreamCaptureUnsupported = 900,
  cudaErrorStreamCaptureInvalidated = 901,
};
enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4
};
enum cudaStreamCaptureStatus { cudaStreamCaptureStatusNone = 0, cudaStreamCaptureStatusActive = 1, cudaStreamCaptureStatusInvalidated = 2 };
enum cudaStreamCaptureMode { cudaStreamCaptureModeGlobal = 0, cudaStreamCaptureModeThreadLocal = 1, cudaStreamCaptureModeRelaxed = 2 };
constexpr unsigned cudaStreamDefault = 0, cudaStreamNonBlocking = 1;
enum cudaDataType { CUDA_R_32F = 0, CUDA_R_64F = 1, CUDA_R_16F = 2 };
typedef cudaDataType cudaDataType_t;

struct cudaDeviceProp {
  char name[256];
  int major, minor, multiProcessorCount, maxThreadsPerBlock, warpSize;
  size_t sharedMemPerBlock, sharedMemPerBlockOptin, totalGlobalMem;
  int l2CacheSize;
};

namespace emu::rt {
struct Stream {
  bool capturing = false;
  bool invalidated = false;
  std::vector<std::function<void()>> recorded;
};
struct Graph {
  std::vector<std::function<void()>> ops;
};
struct State {
  cudaError_t last = cudaSuccess;
  Stream default_stream;
  std::map<std::uintptr_t, size_t> dev, pinned;  // allocations: start -> bytes
  size_t dev_bytes = 0;
  bool capture_active = false;  // some stream is capturing (one at a time)
};
inline State& st() {
  static State s;
  return s;
}
inline Stream* stream_of(void* s) { return s ? static_cast<Stream*>(s) : &st().default_stream; }
inline cudaError_t fail(cudaError_t e) {
  st().last = e;
  return e;
}
// The allocation of `m` holding [p, p + n), or false.
inline bool inside(const std::map<std::uintptr_t, size_t>& m, const void* p, size_t n) {
  const auto a = std::uintptr_t(p);
  auto it = m.upper_bound(a);
  if (it == m.begin()) return false;
  --it;
  return a >= it->first && a + n <= it->first + it->second;
}
inline bool is_dev(const void* p, size_t n) { return inside(st().dev, p, n); }
inline bool is_pinned(const void* p, size_t n) { return inside(st().pinned, p, n); }
// Runs op now, or records it when the stream is capturing.
inline cudaError_t enqueue(void* stream, std::function<void()> op) {
  Stream* s = stream_of(stream);
  if (s->capturing) {
    s->recorded.push_back(std::move(op));
  } else {
    op();
  }
  return cudaSuccess;
}
inline bool any_capturing() { return st().capture_active; }
[[noreturn]] inline void bad(const char* what) {
  std::fprintf(stderr, "emu: invalid CUDA use: %s\n", what);
  std::abort();
}
}  // namespace emu::rt

typedef emu::rt::Stream* cudaStream_t;
typedef emu::rt::Graph* cudaGraph_t;
typedef emu::rt::Graph* cudaGraphExec_t;
typedef int cudaEvent_t;

inline const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorStreamCaptureUnsupported: return "cudaErrorStreamCaptureUnsupported";
    case cudaErrorStreamCaptureInvalidated: return "cudaErrorStreamCaptureInvalidated";
  }
  return "cudaErrorUnknown";
}
inline const char* cudaGetErrorString(cudaError_t e) { return cudaGetErrorName(e); }
inline cudaError_t cudaGetLastError() {
  const cudaError_t e = emu::rt::st().last;
  emu::rt::st().last = cudaSuccess;
  return e;
}
inline cudaError_t cudaPeekAtLastError() { return emu::rt::st().last; }

inline cudaError_t cudaGetDeviceCount(int* n) {
  *n = 1;
  return cudaSuccess;
}
inline cudaError_t cudaSetDevice(int d) { return d == 0 ? cudaSuccess : emu::rt::fail(cudaErrorInvalidDevice); }
inline cudaError_t cudaGetDevice(int* d) {
  *d = 0;
  return cudaSuccess;
}
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int d) {
  if (d != 0) return emu::rt::fail(cudaErrorInvalidDevice);
  std::memset(p, 0, sizeof(*p));
  std::strcpy(p->name, "CPU emulation of an H100");
  p->major = 9;
  p->minor = 0;
  p->multiProcessorCount = 132;
  p->maxThreadsPerBlock = 1024;
  p->warpSize = 32;
  p->sharedMemPerBlock = 48 << 10;
  p->sharedMemPerBlockOptin = 227 << 10;
  p->totalGlobalMem = size_t(80) << 30;
  p->l2CacheSize = 50 << 20;
  return cudaSuccess;
}
inline cudaError_t cudaDeviceSynchronize() {
  if (emu::rt::any_capturing()) return emu::rt::fail(cudaErrorStreamCaptureUnsupported);
  return cudaSuccess;
}

// ---- memory
inline cudaError_t emu_malloc_(void** p, size_t n, bool pinned) {
  using namespace emu::rt;
  if (any_capturing()) return fail(cudaErrorStreamCaptureUnsupported);
  if (n == 0) {
    *p = nullptr;
    return cudaSuccess;
  }
  // poison fresh allocations (device memory is not zeroed): NaN for floats and doubles
  void* q = std::aligned_alloc(256, (n + 255) / 256 * 256);
  if (!q) return fail(cudaErrorMemoryAllocation);
  std::memset(q, 0xff, n);
  (pinned ? st().pinned : st().dev)[std::uintptr_t(q)] = n;
  if (!pinned) st().dev_bytes += n;
  *p = q;
  return cudaSuccess;
}
template <class T>
cudaError_t cudaMalloc(T** p, size_t n) {
  void* q = nullptr;
  const cudaError_t e = emu_malloc_(&q, n, false);
  *p = static_cast<T*>(q);
  return e;
}
template <class T>
cudaError_t cudaMallocHost(T** p, size_t n) {
  void* q = nullptr;
  const cudaError_t e = emu_malloc_(&q, n, true);
  *p = static_cast<T*>(q);
  return e;
}
inline cudaError_t emu_free_(void* p, bool pinned) {
  using namespace emu::rt;
  if (!p) return cudaSuccess;
  if (any_capturing()) return fail(cudaErrorStreamCaptureUnsupported);
  auto& m = pinned ? st().pinned : st().dev;
  auto it = m.find(std::uintptr_t(p));
  if (it == m.end()) bad(pinned ? "cudaFreeHost of a pointer cudaMallocHost did not return"
                                : "cudaFree of a pointer cudaMalloc did not return");
  if (!pinned) st().dev_bytes -= it->second;
  m.erase(it);
  std::free(p);
  return cudaSuccess;
}
inline cudaError_t cudaFree(void* p) { return emu_free_(p, false); }
inline cudaError_t cudaFreeHost(void* p) { return emu_free_(p, true); }
inline cudaError_t cudaMemGetInfo(size_t* free_b, size_t* total_b) {
  *total_b = size_t(80) << 30;
  *free_b = *total_b - emu::rt::st().dev_bytes;
  return cudaSuccess;
}

inline cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t n, cudaMemcpyKind kind, cudaStream_t stream = nullptr) {
  using namespace emu::rt;
  if (n == 0) return cudaSuccess;
  const bool dd = is_dev(dst, n), sd = is_dev(src, n);
  const bool want_dd = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  const bool want_sd = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  if (kind != cudaMemcpyDefault && (dd != want_dd || sd != want_sd)) {
    std::fprintf(stderr, "emu: cudaMemcpyAsync kind %d of %zu bytes: dst %s device allocation, src %s\n", int(kind), n,
                 dd ? "inside a" : "not inside any", sd ? "inside a device allocation" : "not inside any device allocation");
    bad("cudaMemcpyAsync pointers do not match the copy kind (or run past an allocation)");
  }
  Stream* s = stream_of(stream);
  if (s->capturing && ((!dd && !is_pinned(dst, n)) || (!sd && !is_pinned(src, n)))) {
    // CUDA cannot capture copies to or from pageable host memory
    s->invalidated = true;
    return fail(cudaErrorStreamCaptureUnsupported);
  }
  return enqueue(stream, [=] { std::memmove(dst, src, n); });
}
inline cudaError_t cudaMemcpy(void* dst, const void* src, size_t n, cudaMemcpyKind kind) {
  if (emu::rt::any_capturing()) return emu::rt::fail(cudaErrorStreamCaptureUnsupported);
  return cudaMemcpyAsync(dst, src, n, kind, nullptr);
}
inline cudaError_t cudaMemsetAsync(void* dst, int v, size_t n, cudaStream_t stream = nullptr) {
  using namespace emu::rt;
  if (n == 0) return cudaSuccess;
  if (!is_dev(dst, n)) bad("cudaMemsetAsync outside a device allocation");
  return enqueue(stream, [=] { std::memset(dst, v, n); });
}
inline cudaError_t cudaMemset(void* dst, int v, size_t n) { return cudaMemsetAsync(dst, v, n, nullptr); }

// ---- streams and graphs
inline cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned) {
  *s = new emu::rt::Stream;
  return cudaSuccess;
}
inline cudaError_t cudaStreamCreate(cudaStream_t* s) { return cudaStreamCreateWithFlags(s, 0); }
inline cudaError_t cudaStreamDestroy(cudaStream_t s) {
  delete s;
  return cudaSuccess;
}
inline cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  emu::rt::Stream* s = emu::rt::stream_of(stream);
  if (s->capturing) {
    s->invalidated = true;
    return emu::rt::fail(cudaErrorStreamCaptureUnsupported);
  }
  return cudaSuccess;
}
inline cudaError_t cudaStreamIsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status) {
  emu::rt::Stream* s = emu::rt::stream_of(stream);
  *status = !s->capturing ? cudaStreamCaptureStatusNone
                          : (s->invalidated ? cudaStreamCaptureStatusInvalidated : cudaStreamCaptureStatusActive);
  return cudaSuccess;
}
inline cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode) {
  emu::rt::Stream* s = emu::rt::stream_of(stream);
  if (!stream) return emu::rt::fail(cudaErrorStreamCaptureUnsupported);  // the legacy stream cannot capture
  if (s->capturing) return emu::rt::fail(cudaErrorInvalidValue);
  if (emu::rt::st().capture_active) return emu::rt::fail(cudaErrorInvalidValue);
  emu::rt::st().capture_active = true;
  s->capturing = true;
  s->invalidated = false;
  s->recorded.clear();
  return cudaSuccess;
}
inline cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* g) {
  emu::rt::Stream* s = emu::rt::stream_of(stream);
  if (!s->capturing) return emu::rt::fail(cudaErrorInvalidValue);
  s->capturing = false;
  emu::rt::st().capture_active = false;
  if (s->invalidated) {
    *g = nullptr;
    s->recorded.clear();
    return emu::rt::fail(cudaErrorStreamCaptureInvalidated);
  }
  *g = new emu::rt::Graph{std::move(s->recorded)};
  s->recorded.clear();
  return cudaSuccess;
}
inline cudaError_t cudaGraphInstantiate(cudaGraphExec_t* e, cudaGraph_t g, unsigned long long = 0) {
  if (!g) return emu::rt::fail(cudaErrorInvalidValue);
  *e = new emu::rt::Graph(*g);
  return cudaSuccess;
}
inline cudaError_t cudaGraphLaunch(cudaGraphExec_t e, cudaStream_t stream) {
  if (!e) return emu::rt::fail(cudaErrorInvalidValue);
  emu::rt::Graph* g = e;
  return emu::rt::enqueue(stream, [g] {
    for (auto& op : g->ops) op();
  });
}
inline cudaError_t cudaGraphExecDestroy(cudaGraphExec_t e) {
  delete e;
  return cudaSuccess;
}
inline cudaError_t cudaGraphDestroy(cudaGraph_t g) {
  delete g;
  return cudaSuccess;
}

// ---- kernel launches: `k<<<grid, block, smem, stream>>>(args)` is rewritten to this
namespace emu {
template <class F, class... A>
void launch(dim3 grid, dim3 block, size_t smem, cudaStream_t stream, F f, A... args) {
  const unsigned long long nt = 1ull * block.x * block.y * block.z;
  if (nt == 0 || nt > 1024 || block.z > 64 || grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.y > 65535 ||
      grid.z > 65535 || smem > (227u << 10)) {
    rt::fail(cudaErrorInvalidConfiguration);
    return;
  }
  if (smem != 0) die("dynamic shared memory is not emulated");
  rt::enqueue(stream, [=] { run_kernel(grid, block, f, args...); });
}
}  // namespace emu
