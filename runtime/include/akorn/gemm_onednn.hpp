// The float GEMMs through oneDNN (Debian: libdnnl-dev; CMake -DAKORN_ONEDNN=ON): fp32 through
// dnnl_sgemm (faster than OpenBLAS on the models' narrow shapes: BENCHMARKS.md, issue 13), bf16
// through oneDNN's matmul primitive with bf16 operands and an fp32 result (AMX / AVX512_BF16
// kernels where the CPU has them). Row-major, the contract of blas.hpp:
//   C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C.
// oneDNN picks its kernels at run time from the CPU it runs on (nothing is detected at build
// time). oneDNN 2.6 has no bf16 matmul for CPUs without AVX-512 (AVX2 only): there
// Bf16Gemm::available() is false and blas.hpp emulates bf16 (operands rounded, fp32 GEMM).
#pragma once
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "akorn/parallel.hpp"
#include "akorn/precision.hpp"

namespace akorn::onednn {

inline void sgemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                  const float* B, int ldb, float beta, float* C, int ldc) {
  const dnnl_status_t st = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', M, N, K, alpha, A, lda, B, ldb,
                                      beta, C, ldc);
  if (st != dnnl_success)
    throw std::runtime_error("oneDNN sgemm " + std::to_string(M) + "x" + std::to_string(N) + "x" +
                             std::to_string(K) + " failed (dnnl_status " + std::to_string(int(st)) + ")");
}

// bf16 GEMMs with fp32 accumulation and result: op(A) and op(B) converted into packed bf16
// copies, then one matmul primitive per shape (kept: creating one costs more than a small GEMM).
class Bf16Gemm {
 public:
  // Whether oneDNN has a bf16 matmul kernel for this CPU (not its reference loops).
  bool available() {
    probe();
    return available_;
  }
  // The kernel oneDNN chose (e.g. "brg:avx512_core_amx"), or why there is none.
  const std::string& engine_info() {
    probe();
    return info_;
  }

  void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
            int ldb, float beta, float* C, int ldc) {
    using dnnl::memory;
    // packed copies: op(A) as stored ([M,K] or, transposed, [K,M]), likewise op(B)
    const int ar = trans_a ? K : M, ac = trans_a ? M : K, br = trans_b ? N : K, bc = trans_b ? K : N;
    a16_.resize(std::size_t(ar) * ac);
    b16_.resize(std::size_t(br) * bc);
    pack_converted(A, ar, ac, lda, a16_.data(), ToBf16Bits{});
    pack_converted(B, br, bc, ldb, b16_.data(), ToBf16Bits{});
    gemm_packed(trans_a, trans_b, M, N, K, alpha, a16_.data(), b16_.data(), beta, C, ldc);
  }

  // The matmul alone, on operands already packed in bf16 (op(A) as stored: [M,K], or [K,M]
  // when transposed; likewise op(B)): what the packing above costs on top of it is what
  // `akorn_gemm_rate` reports as the difference of its two bf16 lines.
  void gemm_packed(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const std::uint16_t* a16,
                   const std::uint16_t* b16, float beta, float* C, int ldc) {
    using dnnl::memory;
    const Key key{trans_a, trans_b, M, N, K, ldc, bits(alpha), bits(beta)};
    auto it = prims_.find(key);
    if (it == prims_.end()) it = prims_.emplace(key, make(trans_a, trans_b, M, N, K, ldc, alpha, beta)).first;
    Prim& p = it->second;
    memory am(p.a, eng_, const_cast<std::uint16_t*>(a16)), bm(p.b, eng_, const_cast<std::uint16_t*>(b16)),
        cm(p.c, eng_, C);
    p.mm.execute(stream_, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
    stream_.wait();
  }

 private:
  using Key = std::tuple<bool, bool, int, int, int, int, std::uint32_t, std::uint32_t>;
  struct Prim {
    dnnl::memory::desc a, b, c;
    dnnl::matmul mm;
  };
  static std::uint32_t bits(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
  }
  Prim make(bool trans_a, bool trans_b, int M, int N, int K, int ldc, float alpha, float beta) {
    using dnnl::memory;
    using dims = memory::dims;
    const memory::dim m = M, n = N, k = K;
    Prim p;
    p.a = memory::desc({m, k}, memory::data_type::bf16, trans_a ? dims{1, m} : dims{k, 1});
    p.b = memory::desc({k, n}, memory::data_type::bf16, trans_b ? dims{1, k} : dims{n, 1});
    p.c = memory::desc({m, n}, memory::data_type::f32, dims{memory::dim(ldc), 1});
    dnnl::primitive_attr attr;
    if (alpha != 1.0f) attr.set_output_scales(0, {alpha});
    if (beta != 0.0f) {
      dnnl::post_ops po;
      po.append_sum(beta);
      attr.set_post_ops(po);
    }
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(p.a, p.b, p.c), attr, eng_);
    p.mm = dnnl::matmul(pd);
    return p;
  }
  void probe() {
    if (probed_) return;
    probed_ = true;
    try {
      eng_ = dnnl::engine(dnnl::engine::kind::cpu, 0);
      stream_ = dnnl::stream(eng_);
      using dnnl::memory;
      memory::desc a({64, 64}, memory::data_type::bf16, memory::format_tag::ab);
      memory::desc c({64, 64}, memory::data_type::f32, memory::format_tag::ab);
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, a, c), eng_);
      info_ = pd.impl_info_str();
      available_ = info_.find("ref") == std::string::npos;
      if (!available_) info_ = "oneDNN has only its reference bf16 matmul here (" + info_ + ")";
    } catch (const dnnl::error& e) {
      available_ = false;
      info_ = std::string("oneDNN ") + std::to_string(dnnl_version()->major) + "." +
              std::to_string(dnnl_version()->minor) + " has no bf16 matmul for this CPU (" + e.what() + ")";
    }
  }

  bool probed_ = false, available_ = false;
  std::string info_;
  dnnl::engine eng_;
  dnnl::stream stream_;
  std::map<Key, Prim> prims_;
  std::vector<std::uint16_t> a16_, b16_;
};

inline Bf16Gemm& bf16_gemm() {
  static Bf16Gemm g;
  return g;
}

}  // namespace akorn::onednn
