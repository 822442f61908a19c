// Every CUDA kernel against its CPU twin, op by op, as one table of variants (ggml's
// test-backend-ops mode "backend vs CPU"): each case runs the op's forward and backward once
// on akorn::cuda::Backend in float and once on akorn::CpuBackend in double, on the same
// inputs, and compares every buffer the op writes (outputs and accumulated gradients, which
// start non-zero so that '=' for '+=' shows). Workspaces and saved intermediates are the
// op's own business and are not compared. The variants are the runtime op tests' sizes and
// options (runtime/tests/ops/), chosen small. Then the ops whose GEMMs go through cuBLAS run
// once more with --precision bf16 (akorn/precision.hpp), the GPU's bf16 path against the CPU's.
//   on a GPU:       runtime.cuda_ops_vs_cpu (label gpu; exits 77 without a device)
//   on the emulator: cuda_emu.ops_vs_cpu (tests/cuda_emu, no GPU needed)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "akorn/backend.hpp"
#include "akorn/cuda/backend.cuh"
#include "akorn/precision.hpp"

namespace {

using akorn::index_t;
using akorn::OmegaMode;
using GpuBe = akorn::cuda::Backend;
using CpuBe = akorn::CpuBackend;

// The buffers of one case on one backend, by name. Each buffer's values come from a generator
// seeded by its name, so every backend sees the same inputs.
template <class Be, typename S>
struct Buffers {
  struct Buf {
    typename Be::template Array<S> dev;
    bool compared = true;
  };
  int N;
  std::map<std::string, Buf> f;
  std::map<std::string, typename Be::template Array<std::int32_t>> ints;

  explicit Buffers(int n) : N(n) {}

  static std::uint64_t seed_of(const std::string& name) {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a: the same on every platform
    for (unsigned char ch : name) h = (h ^ ch) * 1099511628211ull;
    return h;
  }
  S* put(const std::string& name, const std::vector<double>& host, bool compared) {
    Buf& b = f[name];
    b.compared = compared;
    b.dev.resize(index_t(host.size()));
    std::vector<S> h(host.begin(), host.end());
    Be::upload(b.dev.data(), h.data(), index_t(h.size()));
    return b.dev.data();
  }
  // Random values in [lo, hi) (inputs and parameters: compared, to catch a kernel that
  // writes into its inputs).
  S* rand(const std::string& name, index_t n, double lo = -1.0, double hi = 1.0) {
    std::mt19937_64 g(seed_of(name));
    std::uniform_real_distribution<double> d(lo, hi);
    std::vector<double> v(static_cast<size_t>(n));
    for (auto& e : v) e = d(g);
    return put(name, v, true);
  }
  // A buffer the op accumulates into (+=): starts at 0.25.
  S* accum(const std::string& name, index_t n) { return put(name, std::vector<double>(size_t(n), 0.25), true); }
  // An output the op overwrites: starts as garbage (NaN would poison a '+='; 7 shows it).
  S* out(const std::string& name, index_t n) { return put(name, std::vector<double>(size_t(n), 7.0), true); }
  // Workspaces and saved intermediates: not compared.
  S* scratch(const std::string& name, index_t n) {
    return put(name, std::vector<double>(size_t(std::max<index_t>(n, 1)), 0.0), false);
  }
  const std::int32_t* tokens(const std::string& name, index_t n, int lo, int hi) {
    std::mt19937_64 g(seed_of(name));
    std::uniform_int_distribution<int> d(lo, hi);
    std::vector<std::int32_t> v(static_cast<size_t>(n));
    for (auto& e : v) e = d(g);
    auto& a = ints[name];
    a.resize(n);
    Be::upload(a.data(), v.data(), n);
    return a.data();
  }
  std::vector<double> host(const std::string& name) {
    Buf& b = f.at(name);
    std::vector<S> h(static_cast<size_t>(b.dev.size()));
    Be::download(h.data(), b.dev.data(), index_t(h.size()));
    return std::vector<double>(h.begin(), h.end());
  }
};

// ---- the cases: one struct per variant, run<Be, S> calls the op as generated code does
template <int H, int W, int CIN, int COUT, int K, int STRIDE, int PAD, bool BIAS>
struct Conv2dCase {
  static std::string name() {
    return "Conv2d " + std::to_string(H) + "x" + std::to_string(W) + "x" + std::to_string(CIN) + "->" +
           std::to_string(COUT) + " k" + std::to_string(K) + " s" + std::to_string(STRIDE) + " p" +
           std::to_string(PAD) + (BIAS ? " bias" : "");
  }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template Conv2d<S, H, W, CIN, COUT, K, STRIDE, PAD, BIAS>;
    const int N = b.N;
    const S* x = b.rand("x", N * Op::kInElems);
    const S* w = b.rand("w", index_t(COUT) * CIN * K * K);
    const S* bias = BIAS ? b.rand("b", COUT) : nullptr;
    S* y = b.out("y", N * Op::kOutElems);
    Op::forward(N, x, w, bias, y, b.scratch("fws", N * Op::fwd_ws_elems));
    Op::backward(N, x, w, b.rand("dy", N * Op::kOutElems), b.accum("dx", N * Op::kInElems),
                 b.accum("dw", index_t(COUT) * CIN * K * K), BIAS ? b.accum("db", COUT) : nullptr,
                 b.scratch("bws", N * Op::bwd_ws_elems));
  }
};

template <int H, int W, int CIN, int CO, int NOUT, int K, int PAD>
struct ReadOutConvCase {
  static std::string name() { return "ReadOutConv " + std::to_string(H) + "x" + std::to_string(W) + " n_out " + std::to_string(NOUT); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template ReadOutConv<S, H, W, CIN, CO, NOUT, K, PAD>;
    const int N = b.N;
    const index_t nx = N * index_t(H) * W * CIN, ny = N * Op::kPos * CO, nw = index_t(CO) * NOUT * CIN * K * K;
    const S* x = b.rand("x", nx);
    const S* w = b.rand("w", nw);
    const S* cb = b.rand("conv_b", CO * NOUT);
    const S* bias = b.rand("b", CO);
    S* saved = b.scratch("saved", N * Op::saved_elems);
    Op::forward(N, x, w, cb, bias, b.out("y", ny), saved, b.scratch("fws", N * Op::fwd_ws_elems));
    Op::backward(N, x, w, saved, b.rand("dy", ny), b.accum("dx", nx), b.accum("dw", nw), b.accum("dconv_b", CO * NOUT),
                 b.accum("db", CO), b.scratch("bws", N * Op::bwd_ws_elems));
  }
};

template <index_t E>
struct ElementwiseCase {
  static std::string name() { return "ReLU and Add, " + std::to_string(E) + " values"; }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using R = typename Be::template ReLU<S, E>;
    using A = typename Be::template Add<S, E>;
    const int N = b.N;
    S* y = b.out("relu_y", N * E);
    R::forward(N, b.rand("x", N * E), y);
    R::backward(N, y, b.rand("dy", N * E), b.accum("dx", N * E));
    A::forward(N, b.rand("a", N * E), b.rand("b", N * E), b.out("add_y", N * E));
    A::backward(N, b.rand("dsum", N * E), b.accum("da", N * E), b.accum("db", N * E));
  }
};

template <int P, int C, int G, bool AFFINE>
struct GroupNormCase {
  static std::string name() { return "GroupNorm P " + std::to_string(P) + " C " + std::to_string(C) + " G " + std::to_string(G) + (AFFINE ? " affine" : ""); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template GroupNorm<S, P, C, G, AFFINE>;
    const int N = b.N;
    const index_t n = N * index_t(P) * C;
    const S* x = b.rand("x", n);
    const S* w = AFFINE ? b.rand("weight", C) : nullptr;
    const S* bias = AFFINE ? b.rand("bias", C) : nullptr;
    S* saved = b.scratch("saved", N * Op::saved_elems);
    Op::forward(N, x, w, bias, S(1e-5), b.out("y", n), saved);
    Op::backward(N, x, w, saved, b.rand("dy", n), b.accum("dx", n), AFFINE ? b.accum("dweight", C) : nullptr,
                 AFFINE ? b.accum("dbias", C) : nullptr);
  }
};

template <int P, int C>
struct ScaleBiasCase {
  static std::string name() { return "ScaleBias P " + std::to_string(P) + " C " + std::to_string(C); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template ScaleBias<S, P, C>;
    const int N = b.N;
    const index_t n = N * index_t(P) * C;
    const S* x = b.rand("x", n);
    const S* sc = b.rand("scale", C);
    Op::forward(N, x, sc, b.rand("bias", C), b.out("y", n));
    Op::backward(N, x, sc, b.rand("dy", n), b.accum("dx", n), b.accum("dscale", C), b.accum("dbias", C));
  }
};

template <int P, int C>
struct PositionalEncodingCase {
  static std::string name() { return "PositionalEncoding P " + std::to_string(P) + " C " + std::to_string(C); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template PositionalEncoding<S, P, C>;
    const int N = b.N;
    const index_t n = N * index_t(P) * C;
    Op::forward(N, b.rand("x", n), b.rand("pe", index_t(P) * C), b.out("y", n));
    Op::backward(N, b.rand("dy", n), b.accum("dx", n), b.accum("dpe", index_t(P) * C));
  }
};

template <int P, int C>
struct LayerNormCase {
  static std::string name() { return "LayerNorm P " + std::to_string(P) + " C " + std::to_string(C); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template LayerNorm<S, P, C>;
    const int N = b.N;
    const index_t n = N * index_t(P) * C;
    const S* x = b.rand("x", n);
    const S* w = b.rand("weight", C, 0.5, 1.5);
    S* saved = b.out("saved", N * Op::saved_elems);
    Op::forward(N, x, w, b.rand("bias", C), S(1e-5), b.out("y", n), saved);
    Op::backward(N, x, w, saved, b.rand("dy", n), b.accum("dx", n), b.accum("dweight", C), b.accum("dbias", C));
  }
};

template <index_t E>
struct GELUCase {
  static std::string name() { return "GELU E " + std::to_string(E); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template GELU<S, E>;
    const int N = b.N;
    const S* x = b.rand("x", N * E, -4.0, 4.0);
    Op::forward(N, x, b.out("y", N * E));
    Op::backward(N, x, b.rand("dy", N * E), b.accum("dx", N * E));
  }
};

template <int P, int C>
struct BatchNormCase {
  static std::string name() { return "BatchNorm P " + std::to_string(P) + " C " + std::to_string(C); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template BatchNorm<S, P, C>;
    const int N = b.N;
    const index_t n = N * index_t(P) * C;
    const S* x = b.rand("x", n);
    const S* w = b.rand("weight", C);
    const S* bias = b.rand("bias", C);
    S* rm = b.rand("running_mean", C);
    S* rv = b.rand("running_var", C, 0.5, 1.5);
    S* saved = b.scratch("saved", N * Op::saved_elems);
    Op::forward_train(N, x, w, bias, rm, rv, S(1e-5), S(0.1), b.out("y", n), saved);
    Op::backward(N, x, w, saved, b.rand("dy", n), b.accum("dx", n), b.accum("dweight", C), b.accum("dbias", C));
    Op::forward_infer(N, x, w, bias, rm, rv, S(1e-5), b.out("y_infer", n));
  }
};

template <int P, int IN, int OUT, bool BIAS>
struct LinearCase {
  static std::string name() { return "Linear " + std::to_string(IN) + "->" + std::to_string(OUT) + (BIAS ? " bias" : ""); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template Linear<S, P, IN, OUT, BIAS>;
    const int N = b.N;
    const S* x = b.rand("x", N * index_t(P) * IN);
    const S* w = b.rand("w", index_t(OUT) * IN);
    Op::forward(N, x, w, BIAS ? b.rand("b", OUT) : nullptr, b.out("y", N * index_t(P) * OUT));
    Op::backward(N, x, w, b.rand("dy", N * index_t(P) * OUT), b.accum("dx", N * index_t(P) * IN),
                 b.accum("dw", index_t(OUT) * IN), BIAS ? b.accum("db", OUT) : nullptr);
  }
};

template <int H, int W, int C, bool MAX, bool GLOBAL, int K, int STRIDE>
struct PoolCase {
  static std::string name() {
    return std::string("Pool ") + (MAX ? "max" : "avg") + (GLOBAL ? " global" : " k" + std::to_string(K) + " s" + std::to_string(STRIDE));
  }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template Pool<S, H, W, C, MAX, GLOBAL, K, STRIDE>;
    const int N = b.N;
    const S* x = b.rand("x", N * Op::kInElems);
    Op::forward(N, x, b.out("y", N * Op::kOutElems));
    Op::backward(N, x, b.rand("dy", N * Op::kOutElems), b.accum("dx", N * Op::kInElems));
  }
};

template <int P, int K>
struct CrossEntropyCase {
  static std::string name() { return "CrossEntropy P " + std::to_string(P) + " K " + std::to_string(K); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template CrossEntropy<S, P, K>;
    const int N = b.N;
    const std::int32_t* t = b.tokens("targets", N * index_t(P), 1, K);  // offset -1, as Sudoku's digits
    S* saved = b.scratch("saved", N * Op::saved_elems);
    Op::forward(N, b.rand("logits", N * index_t(P) * K, -3, 3), t, -1, b.out("loss", 1), saved);
    Op::backward(N, t, -1, saved, b.rand("dloss", 1), b.accum("dlogits", N * index_t(P) * K));
  }
};

template <int D>
struct NtXentCase {
  static std::string name() { return "NtXent D " + std::to_string(D); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template NtXent<S, D>;
    const int N = b.N;
    S* saved = b.scratch("saved", N * Op::saved_elems);
    Op::forward(N, b.rand("h", N * index_t(D), -2, 2), S(0.1), b.out("loss", 1), saved);
    Op::backward(N, S(0.1), saved, b.rand("dloss", 1), b.accum("dh", N * index_t(D)));
  }
};

template <int P, int V, int D>
struct EmbeddingCase {
  static std::string name() { return "Embedding " + std::to_string(V) + " tokens -> " + std::to_string(D); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template Embedding<S, P, V, D>;
    const int N = b.N;
    const std::int32_t* tok = b.tokens("tok", N * index_t(P), 0, V - 1);
    Op::forward(N, tok, b.rand("weight", index_t(V) * D), b.out("y", N * index_t(P) * D));
    Op::backward(N, tok, b.rand("dy", N * index_t(P) * D), b.accum("dweight", index_t(V) * D));
  }
};

template <int P, int C, bool GIVEN>
struct OscillatorInitCase {
  static std::string name() { return std::string("OscillatorInit ") + (GIVEN ? "stimulus where given" : "noise"); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template OscillatorInit<S, P, C, GIVEN>;
    const int N = b.N;
    const index_t n = N * index_t(P) * C;
    const std::int32_t* tok = b.tokens("tok", N * index_t(P), 0, 2);
    Op::forward(N, b.rand("c", n), tok, 42, 1, 5, b.out("x0", n));
    Op::backward(N, tok, b.rand("dx0", n), b.accum("dc", n));
  }
};

template <index_t E, int NOSC>
struct NormalizeCase {
  static std::string name() { return "NormalizeOsc n " + std::to_string(NOSC); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template NormalizeOsc<S, E, NOSC>;
    const int N = b.N;
    const S* x = b.rand("x", N * E);
    S* y = b.out("y", N * E);
    Op::forward(N, x, y);
    Op::backward(N, x, y, b.rand("dy", N * E), b.accum("dx", N * E));
  }
};

template <int P, int C, int NOSC, OmegaMode OM, bool PROJECT>
struct KuramotoStepCase {
  static std::string name() {
    const char* om = OM == OmegaMode::None       ? "no omega"
                     : OM == OmegaMode::Global   ? "global omega"
                     : OM == OmegaMode::Identity ? "identity omega"
                                                 : "per-pair omega";
    return std::string("KuramotoStep n ") + std::to_string(NOSC) + ", " + om + (PROJECT ? ", projection" : "");
  }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template KuramotoStep<S, P, C, NOSC, OM, PROJECT>;
    const int N = b.N;
    const index_t n = N * index_t(P) * C;
    const int nomega = OM == OmegaMode::PerPair ? C : (OM == OmegaMode::Global ? 2 : 0);
    const S* x = b.rand("x", n);
    const S* jx = b.rand("Jx", n);
    const S* c = b.rand("c", n);
    const S* omega = nomega ? b.rand("omega", nomega) : nullptr;
    const S* gamma = b.rand("gamma", 1, 0.5, 1.0);
    S* xn = b.out("x_next", n);
    Op::forward(N, x, jx, c, omega, gamma, xn, b.out("energy", N * 2), 2);
    Op::backward(N, x, jx, c, omega, gamma, xn, b.rand("dx_next", n), b.out("dx", n), b.out("dy", n),
                 b.accum("dc", n), nomega ? b.accum("domega", nomega) : nullptr, b.accum("dgamma", 1));
  }
};

template <int H, int W, int C, int HEADS, bool GTA>
struct AttnJCase {
  static std::string name() { return "AttnJ " + std::to_string(H) + "x" + std::to_string(W) + " C " + std::to_string(C) + " heads " + std::to_string(HEADS) + (GTA ? " GTA" : ""); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template AttnJ<S, H, W, C, HEADS, GTA>;
    const int N = b.N;
    const index_t n = N * index_t(H) * W * C, ngta = 4 * index_t(H) * W * (C / HEADS / 2) * 4;
    const S* x = b.rand("x", n);
    const S* wqkv = b.rand("w_qkv", 3 * index_t(C) * C, -0.3, 0.3);
    const S* wo = b.rand("w_o", index_t(C) * C, -0.3, 0.3);
    const S* gta = GTA ? b.rand("gta", ngta) : nullptr;
    S* saved = b.scratch("saved", N * Op::saved_elems);
    Op::forward(N, x, wqkv, b.rand("b_qkv", 3 * C), wo, b.rand("b_o", C), gta, b.out("y", n), saved,
                b.scratch("fws", N * Op::fwd_ws_elems));
    Op::backward(N, x, wqkv, wo, gta, saved, b.rand("dy", n), b.accum("dx", n), b.accum("dw_qkv", 3 * index_t(C) * C),
                 b.accum("db_qkv", 3 * C), b.accum("dw_o", index_t(C) * C), b.accum("db_o", C),
                 GTA ? b.accum("dgta", ngta) : nullptr, b.scratch("bws", N * Op::bwd_ws_elems));
  }
};

template <int P, int C>
struct FcJCase {
  static std::string name() { return "FcJ P " + std::to_string(P) + " C " + std::to_string(C); }
  template <class Be, typename S>
  static void run(Buffers<Be, S>& b) {
    using Op = typename Be::template FcJ<S, P, C>;
    const int N = b.N;
    const index_t n = N * index_t(P) * C, d = index_t(P) * C;
    const S* x = b.rand("x", n);
    const S* w = b.rand("w", d * d);
    Op::forward(N, x, w, b.rand("b", d), b.out("y", n), b.scratch("fws", N * Op::fwd_ws_elems));
    Op::backward(N, x, w, b.rand("dy", n), b.accum("dx", n), b.accum("dw", d * d), b.accum("db", d),
                 b.scratch("bws", N * Op::bwd_ws_elems));
  }
};

// max |a - b| / (1 + max |b|) over one buffer
inline double scaled_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double scale = 0, err = 0;
  for (double v : b) scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < b.size(); ++i) err = std::max(err, std::fabs(a[i] - b[i]) / (1 + scale));
  return err;
}

// Runs one case on both backends and compares every compared buffer: float on the GPU
// against double on the CPU, |gpu - cpu| <= tol * (1 + max |cpu| of the buffer).
template <class Case>
int check_case(int N, double tol) {
  Buffers<CpuBe, double> cpu(N);
  Buffers<GpuBe, float> gpu(N);
  Case::template run<CpuBe, double>(cpu);
  Case::template run<GpuBe, float>(gpu);
  akorn::cuda::sync();
  int bad = 0;
  std::string worst_name;
  double worst = 0;
  for (auto& [name, buf] : cpu.f) {
    if (!buf.compared) continue;
    const double err = scaled_diff(gpu.host(name), cpu.host(name));
    if (!(err <= tol)) {
      std::printf("FAIL  %s: %s differs by %.2e of its scale (tolerance %.0e)\n", Case::name().c_str(), name.c_str(), err, tol);
      ++bad;
    }
    if (err > worst) worst = err, worst_name = name;
  }
  if (!bad) std::printf("ok    %s (%zu buffers; worst %s %.1e)\n", Case::name().c_str(), cpu.f.size(), worst_name.c_str(), worst);
  return bad;
}

// --precision bf16: the case in float on the GPU (cuBLAS rounds the GEMM operands to bf16)
// and on the CPU (the same rounding: oneDNN's bf16 matmul or the emulation), compared within
// tol; the rounding is the same, so only fp32 summation order differs, and through a chain of
// ops an intermediate that rounds to the other bf16 neighbour. So that this proves the GPU
// rounds at all, the CPU's bf16 result must differ from its fp32 result by more than
// 5 x tol in some buffer (bf16 keeps 8 significant bits; measured 1.5e-3 to 3.7e-3 of the
// scale on these cases, against 1e-7 between the emulated GPU and the CPU).
template <class Case>
int check_case_bf16(int N, double tol) {
  using akorn::Precision;
  Buffers<CpuBe, float> cpu32(N), cpu16(N);
  Buffers<GpuBe, float> gpu16(N);
  akorn::gemm_precision() = Precision::Fp32;
  Case::template run<CpuBe, float>(cpu32);
  akorn::gemm_precision() = Precision::Bf16;
  Case::template run<CpuBe, float>(cpu16);
  Case::template run<GpuBe, float>(gpu16);
  akorn::cuda::sync();
  akorn::gemm_precision() = Precision::Fp32;
  int bad = 0;
  double worst = 0, bf16_effect = 0;
  for (auto& [name, buf] : cpu16.f) {
    if (!buf.compared) continue;
    const std::vector<double> c16 = cpu16.host(name);
    const double err = scaled_diff(gpu16.host(name), c16);
    bf16_effect = std::max(bf16_effect, scaled_diff(cpu32.host(name), c16));
    if (!(err <= tol)) {
      std::printf("FAIL  %s bf16: %s differs from the CPU's bf16 by %.2e of its scale (tolerance %.0e)\n",
                  Case::name().c_str(), name.c_str(), err, tol);
      ++bad;
    }
    worst = std::max(worst, err);
  }
  if (!(bf16_effect > 5 * tol)) {
    std::printf("FAIL  %s bf16: bf16 moves the CPU's result by only %.2e from fp32 (need > %.0e): the case shows nothing\n",
                Case::name().c_str(), bf16_effect, 5 * tol);
    ++bad;
  }
  if (!bad)
    std::printf("ok    %s bf16 (GPU vs CPU bf16 worst %.1e; bf16 vs fp32 %.1e)\n", Case::name().c_str(), worst, bf16_effect);
  return bad;
}

}  // namespace

int main() {
  if (akorn::cuda::device_count() == 0) {
    std::printf("SKIPPED: no CUDA device (this test needs an NVIDIA GPU and driver)\n");
    return 77;
  }
  akorn::cuda::init(0, false);
  constexpr double tol = 2e-4;  // float through a handful of ops (as the generated models' gpu_ops)
  int bad = 0;
  bad += check_case<Conv2dCase<5, 4, 3, 6, 3, 2, 1, true>>(3, tol);
  bad += check_case<Conv2dCase<4, 5, 2, 3, 2, 2, 0, true>>(2, tol);
  bad += check_case<Conv2dCase<4, 3, 8, 6, 1, 1, 0, false>>(2, tol);
  bad += check_case<ReadOutConvCase<5, 4, 3, 2, 3, 3, 1>>(2, tol);
  bad += check_case<ElementwiseCase<31>>(3, tol);
  bad += check_case<GroupNormCase<6, 8, 4, true>>(3, tol);
  bad += check_case<GroupNormCase<6, 8, 2, false>>(2, tol);
  bad += check_case<ScaleBiasCase<6, 5>>(3, tol);
  bad += check_case<PositionalEncodingCase<6, 8>>(3, tol);
  bad += check_case<LayerNormCase<6, 5>>(3, tol);
  bad += check_case<LayerNormCase<64, 128>>(4, tol);
  bad += check_case<GELUCase<37>>(5, tol);
  bad += check_case<PositionalEncodingCase<64, 128>>(5, tol);  // more elements than a block's threads
  bad += check_case<BatchNormCase<6, 5>>(4, tol);
  bad += check_case<LinearCase<6, 5, 7, true>>(2, tol);
  bad += check_case<LinearCase<1, 8, 3, false>>(3, tol);
  bad += check_case<PoolCase<5, 4, 3, true, false, 2, 2>>(2, tol);
  bad += check_case<PoolCase<5, 5, 2, false, false, 3, 1>>(2, tol);
  bad += check_case<PoolCase<3, 4, 5, true, true, 1, 1>>(3, tol);
  bad += check_case<PoolCase<3, 4, 5, false, true, 1, 1>>(3, tol);
  bad += check_case<CrossEntropyCase<6, 5>>(3, tol);
  bad += check_case<NtXentCase<16>>(6, tol);
  bad += check_case<NtXentCase<200>>(4, tol);   // more elements than a block's threads
  bad += check_case<NtXentCase<8>>(262, tol);   // more rows than a block's threads
  bad += check_case<EmbeddingCase<6, 7, 4>>(3, tol);
  bad += check_case<OscillatorInitCase<6, 8, false>>(2, tol);
  bad += check_case<OscillatorInitCase<6, 8, true>>(2, tol);
  bad += check_case<NormalizeCase<6 * 8, 4>>(3, tol);
  bad += check_case<KuramotoStepCase<6, 8, 4, OmegaMode::None, true>>(2, tol);
  bad += check_case<KuramotoStepCase<6, 8, 4, OmegaMode::Global, false>>(2, tol);
  bad += check_case<KuramotoStepCase<6, 8, 4, OmegaMode::PerPair, true>>(2, tol);
  bad += check_case<KuramotoStepCase<6, 8, 2, OmegaMode::PerPair, false>>(2, tol);
  bad += check_case<KuramotoStepCase<6, 8, 4, OmegaMode::Identity, true>>(2, tol);
  bad += check_case<AttnJCase<3, 3, 16, 2, false>>(2, tol);
  bad += check_case<AttnJCase<3, 3, 16, 2, true>>(2, tol);
  bad += check_case<AttnJCase<2, 3, 16, 4, true>>(3, tol);
  bad += check_case<FcJCase<4, 3>>(2, tol);
  // bf16 GEMMs: every op whose products go through the GEMM wrapper
  constexpr double tol_bf16 = 1e-4;
  bad += check_case_bf16<Conv2dCase<5, 4, 8, 16, 3, 1, 1, true>>(3, tol_bf16);
  bad += check_case_bf16<ReadOutConvCase<5, 4, 8, 4, 3, 3, 1>>(2, tol_bf16);
  bad += check_case_bf16<LinearCase<6, 32, 16, true>>(3, tol_bf16);
  bad += check_case_bf16<AttnJCase<3, 3, 16, 2, true>>(2, tol_bf16);
  bad += check_case_bf16<FcJCase<4, 8>>(2, tol_bf16);
  std::printf("%s\n", bad ? "FAIL" : "ok");
  return bad ? 1 : 0;
}
