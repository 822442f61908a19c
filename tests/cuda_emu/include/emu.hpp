// CPU emulation of the CUDA execution model, for running the real kernels of
// runtime/include/akorn/ (the .cuh files) on a machine without a GPU (tests/cuda_emu).
//
// A launch runs its blocks one after another on the calling thread. Within a block every
// CUDA thread is a fiber (ucontext) with its own stack; a fiber runs until it reaches a
// barrier (__syncthreads, __syncwarp, a shuffle) or returns. The scheduler releases a warp
// barrier when every live lane named in the mask waits at it, and a block barrier when every
// live thread of the block waits at it; anything else (e.g. half a warp at __syncthreads and
// half at __syncwarp) is reported as a deadlock and aborts. Nothing runs in lockstep, so
// code that relies on implicit warp synchrony fails here as it may on Volta and later.
// `__shared__` variables become function statics: one copy, reused by the blocks in turn.
#pragma once
#include <ucontext.h>
#include <sys/mman.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __shared__ static
#define __constant__ static
#define __restrict__ __restrict
#define __align__(n) __attribute__((aligned(n)))

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  constexpr dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
struct uint3 { unsigned x = 0, y = 0, z = 0; };
inline uint3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;
constexpr int warpSize = 32;

struct __align__(16) float4 { float x, y, z, w; };
struct __align__(8) float2 { float x, y; };
struct __align__(16) double2 { double x, y; };
struct __align__(16) int4 { int x, y, z, w; };
inline float4 make_float4(float a, float b, float c, float d) { return {a, b, c, d}; }
inline float2 make_float2(float a, float b) { return {a, b}; }
inline double2 make_double2(double a, double b) { return {a, b}; }

// ---- intrinsics (IEEE round-to-nearest: what plain C++ arithmetic does without contraction)
inline float __int_as_float(int v) { float f; std::memcpy(&f, &v, 4); return f; }
inline int __float_as_int(float v) { int i; std::memcpy(&i, &v, 4); return i; }
inline double __longlong_as_double(long long v) { double f; std::memcpy(&f, &v, 8); return f; }
inline long long __double_as_longlong(double v) { long long i; std::memcpy(&i, &v, 8); return i; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }
inline float __fma_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline float __frcp_rn(float a) { return 1.0f / a; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline double __dsqrt_rn(double a) { return std::sqrt(a); }
inline double __fma_rn(double a, double b, double c) { return std::fma(a, b, c); }
inline float rsqrtf(float a) { return 1.0f / std::sqrt(a); }
inline double rsqrt(double a) { return 1.0 / std::sqrt(a); }
inline float __expf(float a) { return std::exp(a); }
inline float __logf(float a) { return std::log(a); }
template <class T> inline T __ldg(const T* p) { return *p; }

namespace emu {

[[noreturn]] inline void die(const char* what) {
  std::fprintf(stderr, "emu: %s\n", what);
  std::abort();
}

enum State : int { kRun, kBlockBar, kWarpBar, kDone };
struct Fiber {
  ucontext_t ctx;  // only to start the fiber; switches use __builtin_setjmp / longjmp
  void* jb[5];
  char* stack = nullptr;
  State state = kDone;
  unsigned mask = 0;
  uint3 idx;
};

constexpr size_t kStack = size_t(256) << 10;
struct Sched {
  ucontext_t creator;
  void* main[5];
  std::vector<Fiber> f;
  int cur = -1;
  const std::function<void()>* body = nullptr;
  uint64_t slot[32][32];  // shuffle exchange, [warp][lane]
  long launches = 0, switches = 0;
};
inline Sched& sched() {
  static Sched s;
  return s;
}
inline int tid() { return sched().cur; }
inline bool in_kernel() { return sched().cur >= 0; }

// Switches stacks: __builtin_setjmp saves only frame, stack and resume address (the compiler
// spills every live register around it), several times cheaper than _setjmp / _longjmp.
// __builtin_longjmp may not sit in the function that calls __builtin_setjmp: hence jump().
__attribute__((noinline, noreturn)) inline void jump(void** to) { __builtin_longjmp(to, 1); }
#define EMU_SWITCH(from, to) \
  if (__builtin_setjmp(from) == 0) ::emu::jump(to)

// A fiber runs the current kernel body once per block, for ever: started once, then resumed
// by _longjmp from the scheduler.
inline void fiber_entry() {
  Sched& s = sched();
  Fiber& me = s.f[s.cur];
  if (__builtin_setjmp(me.jb) == 0) swapcontext(&me.ctx, &s.creator);  // created: back to the creator
  for (;;) {
    (*s.body)();
    Sched& s2 = sched();
    s2.f[s2.cur].state = kDone;
    EMU_SWITCH(s2.f[s2.cur].jb, s2.main);
  }
}

// Parks the current fiber in state st (mask: the lanes of the warp barrier).
inline void wait(State st, unsigned mask = 0) {
  Sched& s = sched();
  if (s.cur < 0) die("barrier outside a kernel");
  Fiber& me = s.f[s.cur];
  me.state = st;
  me.mask = mask;
  EMU_SWITCH(me.jb, s.main);
}

inline void run_block(int nt) {
  Sched& s = sched();
  for (int t = 0; t < nt; ++t) s.f[t].state = kRun;
  for (;;) {
    for (int t = 0; t < nt; ++t) {
      if (s.f[t].state != kRun) continue;
      s.cur = t;
      threadIdx = s.f[t].idx;
      ++s.switches;
      EMU_SWITCH(s.main, s.f[t].jb);
    }
    s.cur = -1;
    int done = 0, at_block = 0;
    for (int t = 0; t < nt; ++t) {
      done += s.f[t].state == kDone;
      at_block += s.f[t].state == kBlockBar;
    }
    if (done == nt) return;
    bool released = false;
    for (int w0 = 0; w0 < nt; w0 += 32) {
      for (int t = w0; t < w0 + 32 && t < nt; ++t) {
        if (s.f[t].state != kWarpBar) continue;
        const unsigned m = s.f[t].mask;
        if (!(m >> (t - w0) & 1u)) die("a lane waits at a warp barrier whose mask excludes it");
        bool all = true;
        for (int l = 0; l < 32 && all; ++l) {
          if (!(m >> l & 1u)) continue;
          if (w0 + l >= nt) die("warp barrier mask names a lane beyond the block");
          const Fiber& o = s.f[w0 + l];
          if (o.state == kDone) continue;
          if (o.state != kWarpBar || o.mask != m) all = false;
        }
        if (!all) continue;
        for (int l = 0; l < 32; ++l)
          if ((m >> l & 1u) && s.f[w0 + l].state == kWarpBar) s.f[w0 + l].state = kRun;
        released = true;
        break;  // one group per warp and round; the others are checked in the next round
      }
    }
    if (released) continue;
    if (at_block == nt - done) {
      for (int t = 0; t < nt; ++t)
        if (s.f[t].state == kBlockBar) s.f[t].state = kRun;
      continue;
    }
    std::fprintf(stderr, "emu: deadlock in block (%u,%u,%u): thread states", blockIdx.x, blockIdx.y, blockIdx.z);
    for (int t = 0; t < nt; ++t) std::fprintf(stderr, " %d", int(s.f[t].state));
    std::fprintf(stderr, " (0 run, 1 __syncthreads, 2 warp barrier, 3 done)\n");
    std::abort();
  }
}

// Runs kernel f(args...) on grid x block, now.
template <class F, class... A>
void run_kernel(dim3 grid, dim3 block, F f, A... args) {
  Sched& s = sched();
  if (s.cur >= 0) die("kernel launched from a kernel");
  ++s.launches;
  const int nt = int(block.x * block.y * block.z);
  if (int(s.f.size()) < nt) {
    const size_t old = s.f.size();
    s.f.resize(size_t(nt));
    for (size_t t = old; t < s.f.size(); ++t) {
      void* p = mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (p == MAP_FAILED) die("mmap of a fiber stack failed");
      Fiber& fb = s.f[t];
      fb.stack = static_cast<char*>(p);
      getcontext(&fb.ctx);
      // stagger the stack tops: 256 KiB-aligned tops would all fall into the same cache sets
      fb.ctx.uc_stack.ss_sp = fb.stack;
      fb.ctx.uc_stack.ss_size = kStack - (t * 1088) % 65536;
      fb.ctx.uc_link = nullptr;  // fibers never return
      makecontext(&fb.ctx, fiber_entry, 0);
      s.cur = int(t);
      swapcontext(&s.creator, &fb.ctx);
      s.cur = -1;
    }
  }
  for (int t = 0; t < nt; ++t)
    s.f[t].idx = {unsigned(t % block.x), unsigned(t / block.x % block.y), unsigned(t / (block.x * block.y))};
  const std::function<void()> body = [&] { f(args...); };
  s.body = &body;
  blockDim = block;
  gridDim = grid;
  for (unsigned bz = 0; bz < grid.z; ++bz)
    for (unsigned by = 0; by < grid.y; ++by)
      for (unsigned bx = 0; bx < grid.x; ++bx) {
        blockIdx = {bx, by, bz};
        run_block(nt);
      }
  s.body = nullptr;
}

template <class T>
T exchange(unsigned mask, T v, int src) {
  static_assert(sizeof(T) <= 8, "shuffle of a type wider than 8 bytes");
  Sched& s = sched();
  const int t = s.cur, w = t / 32, lane = t % 32;
  if (!(mask >> (src & 31) & 1u)) die("shuffle reads a lane outside its mask");
  uint64_t u = 0;
  std::memcpy(&u, &v, sizeof(T));
  s.slot[w][lane] = u;
  wait(kWarpBar, mask);
  T r;
  const uint64_t got = s.slot[w][src & 31];
  std::memcpy(&r, &got, sizeof(T));
  wait(kWarpBar, mask);
  return r;
}
inline int lane() { return tid() % 32; }
}  // namespace emu

inline void __syncthreads() { emu::wait(emu::kBlockBar); }
inline void __syncwarp(unsigned mask = 0xffffffffu) { emu::wait(emu::kWarpBar, mask); }
template <class T> T __shfl_sync(unsigned m, T v, int src, int width = 32) {
  const int l = emu::lane();
  return emu::exchange(m, v, (l & ~(width - 1)) + (src & (width - 1)));
}
template <class T> T __shfl_xor_sync(unsigned m, T v, int o, int width = 32) {
  const int l = emu::lane();
  int src = l ^ o;
  if ((src & ~(width - 1)) != (l & ~(width - 1))) src = l;
  return emu::exchange(m, v, src);
}
template <class T> T __shfl_down_sync(unsigned m, T v, unsigned d, int width = 32) {
  const int l = emu::lane();
  const int seg = l & ~(width - 1);
  const int src = (l - seg) + int(d) < width ? l + int(d) : l;
  return emu::exchange(m, v, src);
}
template <class T> T __shfl_up_sync(unsigned m, T v, unsigned d, int width = 32) {
  const int l = emu::lane();
  const int seg = l & ~(width - 1);
  const int src = (l - seg) >= int(d) ? l - int(d) : l;
  return emu::exchange(m, v, src);
}
