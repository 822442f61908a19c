// The GEMM rates of this machine, the limit the benchmark compares akorn's training steps
// with (bench/run_cpu.sh, issue 13): for each shape given, the fp32 GEMM akorn's kernels call
// (blas.hpp: oneDNN's sgemm with AKORN_ONEDNN, else OpenBLAS or the builtin GEMM), OpenBLAS's
// sgemm beside it where the build links OpenBLAS, and the bf16 GEMM of --precision bf16
// (oneDNN's bf16 matmul where this CPU has one, else the emulation; there also the matmul alone
// on operands packed beforehand), all on the same threads.
//   akorn_gemm_rate [--seconds S] M,N,K,OPS [M,N,K,OPS ...]     OPS = NN, NT, TN or TT
// Prints one line per shape and GEMM: "gemm M N K OPS <which>: R GFLOP/s". Each rate is the
// best of 3 runs of S seconds (default 1).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "akorn/blas.hpp"
#include "akorn/precision.hpp"

namespace {

template <class F>
double best_rate(double flops, double seconds, F&& f) {
  f();  // warm up (and create oneDNN's primitive)
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    int it = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double el = 0;
    do {
      f();
      ++it;
      el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (el < seconds);
    best = std::max(best, flops * it / el / 1e9);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 1;
  std::vector<std::string> shapes;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = std::atof(argv[++i]);
    else shapes.push_back(argv[i]);
  }
  if (shapes.empty()) {
    std::fprintf(stderr, "usage: %s [--seconds S] M,N,K,OPS [M,N,K,OPS ...]   (OPS: NN, NT, TN, TT)\n", argv[0]);
    return 2;
  }
  std::printf("# bf16 GEMM: %s\n", akorn::bf16_gemm_engine().c_str());
  for (const std::string& s : shapes) {
    int M = 0, N = 0, K = 0;
    char ops[3] = {0};
    if (std::sscanf(s.c_str(), "%d,%d,%d,%2s", &M, &N, &K, ops) != 4 || M <= 0 || N <= 0 || K <= 0 ||
        (ops[0] != 'N' && ops[0] != 'T') || (ops[1] != 'N' && ops[1] != 'T')) {
      std::fprintf(stderr, "%s: bad shape '%s' (want M,N,K,OPS, e.g. 8100,192,64,NT)\n", argv[0], s.c_str());
      return 2;
    }
    const bool ta = ops[0] == 'T', tb = ops[1] == 'T';
    const int lda = ta ? M : K, ldb = tb ? K : N;
    std::vector<float> A(std::size_t(M) * K, 0.5f), B(std::size_t(K) * N, 0.25f), C(std::size_t(M) * N, 0.f);
    for (std::size_t i = 0; i < A.size(); ++i) A[i] = float(i % 17) * 0.01f;
    for (std::size_t i = 0; i < B.size(); ++i) B[i] = float(i % 13) * 0.02f;
    const double flops = 2.0 * M * N * K;
    auto run = [&] { akorn::gemm(ta, tb, M, N, K, 1.f, A.data(), lda, B.data(), ldb, 0.f, C.data(), N); };
    akorn::gemm_precision() = akorn::Precision::Fp32;
#if defined(AKORN_ONEDNN)
    const char* fp32_name = "fp32 oneDNN sgemm";
#elif defined(AKORN_BLAS_BUILTIN)
    const char* fp32_name = "fp32 builtin";
#else
    const char* fp32_name = "fp32 OpenBLAS sgemm";
#endif
    std::printf("gemm %d %d %d %s %s: %.1f GFLOP/s\n", M, N, K, ops, fp32_name, best_rate(flops, seconds, run));
#if defined(AKORN_ONEDNN) && !defined(AKORN_BLAS_BUILTIN)
    std::printf("gemm %d %d %d %s fp32 OpenBLAS sgemm: %.1f GFLOP/s\n", M, N, K, ops,
                best_rate(flops, seconds, [&] {
                  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K,
                              1.f, A.data(), lda, B.data(), ldb, 0.f, C.data(), N);
                }));
#endif
    akorn::gemm_precision() = akorn::Precision::Bf16;
    std::printf("gemm %d %d %d %s bf16: %.1f GFLOP/s\n", M, N, K, ops, best_rate(flops, seconds, run));
    akorn::gemm_precision() = akorn::Precision::Fp32;
#if defined(AKORN_ONEDNN)
    // the bf16 kernel alone, its operands packed once beforehand: the packing's share of the line above
    if (akorn::onednn::bf16_gemm().available()) {
      std::vector<std::uint16_t> a16(A.size()), b16(B.size());
      akorn::pack_converted(A.data(), ta ? K : M, ta ? M : K, lda, a16.data(), akorn::ToBf16Bits{});
      akorn::pack_converted(B.data(), tb ? N : K, tb ? K : N, ldb, b16.data(), akorn::ToBf16Bits{});
      std::printf("gemm %d %d %d %s bf16 matmul alone (operands packed beforehand): %.1f GFLOP/s\n", M, N, K, ops,
                  best_rate(flops, seconds, [&] {
                    akorn::onednn::bf16_gemm().gemm_packed(ta, tb, M, N, K, 1.f, a16.data(), b16.data(), 0.f,
                                                           C.data(), N);
                  }));
    }
#endif
  }
  return 0;
}
