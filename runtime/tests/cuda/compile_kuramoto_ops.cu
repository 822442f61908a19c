// Compile check of the CUDA Kuramoto ops (akorn/ops/{kuramoto_step,attn_j,fc_j}/cuda.cuh):
// explicitly instantiates every struct for float and double at the real model sizes and
// calls every forward / backward, so all device code is instantiated.
//   nvcc -std=c++17 -Iruntime/include -arch=sm_90 -c runtime/tests/cuda/compile_kuramoto_ops.cu
// When linked (add -lcublas) and run on a machine with a CUDA device it also launches each
// op once on constant inputs (N = 2) and synchronises: a smoke test of launch configurations
// (shared memory, registers), not a numerical test. Without a device it exits 77 (skipped).
#include <cstdio>

#include "akorn/cuda/common.cuh"
#include "akorn/ops/attn_j/cuda.cuh"
#include "akorn/ops/fc_j/cuda.cuh"
#include "akorn/ops/kuramoto_step/cuda.cuh"

using akorn::index_t;
using akorn::OmegaMode;
namespace kc = akorn::cuda;

// ---- explicit instantiations ----
#define AKORN_KSTEP_ALL(S, P, C, NOSC)                                        \
  template struct kc::KuramotoStep<S, P, C, NOSC, OmegaMode::None, true>;     \
  template struct kc::KuramotoStep<S, P, C, NOSC, OmegaMode::None, false>;    \
  template struct kc::KuramotoStep<S, P, C, NOSC, OmegaMode::Global, true>;   \
  template struct kc::KuramotoStep<S, P, C, NOSC, OmegaMode::Global, false>;  \
  template struct kc::KuramotoStep<S, P, C, NOSC, OmegaMode::PerPair, true>;  \
  template struct kc::KuramotoStep<S, P, C, NOSC, OmegaMode::PerPair, false>;

// Sudoku (P = 81, C = 64 / 512, n = 4), CIFAR layer 1 (P = 1024, C = 64, n = 2)
AKORN_KSTEP_ALL(float, 81, 64, 4)
AKORN_KSTEP_ALL(double, 81, 64, 4)
AKORN_KSTEP_ALL(float, 81, 512, 4)
AKORN_KSTEP_ALL(double, 81, 512, 4)
AKORN_KSTEP_ALL(float, 1024, 64, 2)
AKORN_KSTEP_ALL(double, 5, 8, 4)

// Sudoku attention: C = 64 / 8 heads (HD = 8), C = 512 / 8 heads (HD = 64), GTA on / off
template struct kc::AttnJ<float, 9, 9, 64, 8, true>;
template struct kc::AttnJ<float, 9, 9, 64, 8, false>;
template struct kc::AttnJ<float, 9, 9, 512, 8, true>;
template struct kc::AttnJ<float, 9, 9, 512, 8, false>;
template struct kc::AttnJ<double, 9, 9, 64, 8, true>;
template struct kc::AttnJ<double, 9, 9, 64, 8, false>;
template struct kc::AttnJ<double, 9, 9, 512, 8, true>;
template struct kc::AttnJ<double, 9, 9, 512, 8, false>;
// the CPU unit-test shapes (HD = 8, 4, 6, and an odd HD = 3 without GTA)
template struct kc::AttnJ<double, 3, 3, 16, 2, true>;
template struct kc::AttnJ<double, 2, 3, 16, 4, true>;
template struct kc::AttnJ<double, 1, 5, 6, 1, false>;
template struct kc::AttnJ<float, 1, 5, 6, 2, false>;
template struct kc::AttnJ<float, 9, 9, 128, 2, true>;

template struct kc::FcJ<float, 4, 8>;
template struct kc::FcJ<double, 4, 8>;

// ---- calls (also a launch smoke test when a device is present) ----
namespace {

template <typename S>
struct Buf {
  kc::DeviceArray<S> a;
  explicit Buf(index_t n, double v = 0.0) : a(n > 0 ? n : 1) { kc::fill(a.data(), a.size(), S(v)); }
  S* p() { return a.data(); }
};

template <typename S, int P, int C, int NOSC, OmegaMode OM, bool PROJECT>
void run_step(int N) {
  using K = kc::KuramotoStep<S, P, C, NOSC, OM, PROJECT>;
  const index_t sz = index_t(N) * K::E;
  Buf<S> x(sz, 0.5), jx(sz, 0.25), c(sz, 0.125), xn(sz), th(C, 0.3), gam(1, 1.0), en(3 * N), g(sz, 0.1), dx(sz),
      dy(sz), dc(sz), dth(C), dgam(1);
  S* om = OM == OmegaMode::None ? nullptr : th.p();
  K::forward(N, x.p(), jx.p(), c.p(), om, gam.p(), xn.p(), en.p() + 1, 3);
  K::forward(N, x.p(), jx.p(), c.p(), om, gam.p(), xn.p(), nullptr, 1);
  K::backward(N, x.p(), jx.p(), c.p(), om, gam.p(), xn.p(), g.p(), dx.p(), dy.p(), dc.p(),
              OM == OmegaMode::None ? nullptr : dth.p(), dgam.p());
  K::backward(N, x.p(), jx.p(), c.p(), om, gam.p(), xn.p(), g.p(), g.p(), nullptr, nullptr, nullptr, nullptr);
}

template <typename S, int P, int C, int NOSC>
void run_step_all(int N) {
  run_step<S, P, C, NOSC, OmegaMode::None, true>(N);
  run_step<S, P, C, NOSC, OmegaMode::None, false>(N);
  run_step<S, P, C, NOSC, OmegaMode::Global, true>(N);
  run_step<S, P, C, NOSC, OmegaMode::Global, false>(N);
  run_step<S, P, C, NOSC, OmegaMode::PerPair, true>(N);
  run_step<S, P, C, NOSC, OmegaMode::PerPair, false>(N);
}

template <typename S, int H, int W, int C, int HEADS, bool GTA>
void run_attn(int N) {
  using A = kc::AttnJ<S, H, W, C, HEADS, GTA>;
  constexpr int P = H * W, HD = C / HEADS;
  const index_t sz = index_t(N) * P * C;
  Buf<S> x(sz, 0.1), wq(3 * C * C, 0.01), bq(3 * C, 0.02), wo(C * C, 0.01), bo(C, 0.03),
      gta(4 * index_t(P) * HD / 2 * 4, 0.5), y(sz), saved(N * A::saved_elems), fws(N * A::fwd_ws_elems),
      bws(N * A::bwd_ws_elems), dy(sz, 0.1), dx(sz), dwq(3 * C * C), dbq(3 * C), dwo(C * C), dbo(C),
      dgta(4 * index_t(P) * HD / 2 * 4);
  S* gp = GTA ? gta.p() : nullptr;
  A::forward(N, x.p(), wq.p(), bq.p(), wo.p(), bo.p(), gp, y.p(), saved.p(), fws.p());
  A::backward(N, x.p(), wq.p(), wo.p(), gp, saved.p(), dy.p(), dx.p(), dwq.p(), dbq.p(), dwo.p(), dbo.p(),
              GTA ? dgta.p() : nullptr, bws.p());
  A::backward(N, x.p(), wq.p(), wo.p(), gp, saved.p(), dy.p(), dx.p(), nullptr, nullptr, nullptr, nullptr, nullptr,
              bws.p());
  A::forward(N, x.p(), wq.p(), nullptr, wo.p(), nullptr, gp, y.p(), saved.p(), fws.p());
}

template <typename S, int P, int C>
void run_fc(int N) {
  using F = kc::FcJ<S, P, C>;
  const index_t D = F::D;
  Buf<S> x(N * D, 0.1), w(D * D, 0.01), b(D, 0.1), y(N * D), fws(N * F::fwd_ws_elems), bws(N * F::bwd_ws_elems),
      dy(N * D, 0.1), dx(N * D), dw(D * D), db(D);
  F::forward(N, x.p(), w.p(), b.p(), y.p(), fws.p());
  F::backward(N, x.p(), w.p(), dy.p(), dx.p(), dw.p(), db.p(), bws.p());
  F::backward(N, x.p(), w.p(), dy.p(), dx.p(), nullptr, nullptr, bws.p());
}

template <typename S>
void run_all(int N) {
  run_step_all<S, 81, 64, 4>(N);
  run_step_all<S, 81, 512, 4>(N);
  run_attn<S, 9, 9, 64, 8, true>(N);
  run_attn<S, 9, 9, 64, 8, false>(N);
  run_attn<S, 9, 9, 512, 8, true>(N);
  run_attn<S, 9, 9, 512, 8, false>(N);
  run_attn<S, 3, 3, 16, 2, true>(N);
  run_attn<S, 2, 3, 16, 4, true>(N);
  run_attn<S, 1, 5, 6, 1, false>(N);
  run_attn<S, 1, 5, 6, 2, false>(N);
  run_fc<S, 4, 8>(N);
}

}  // namespace

int main() {
  if (kc::device_count() == 0) {
    std::printf("compile_kuramoto_ops: no CUDA device, compile-only check\n");
    return 77;  // CTest: skipped
  }
  kc::init(0);
  run_all<float>(2);
  run_all<double>(2);
  run_step_all<float, 1024, 64, 2>(2);
  kc::sync();
  std::printf("compile_kuramoto_ops: all ops launched\n");
  return 0;
}
