// CUDA twin of ops/oscillator_init/cpu.hpp: x0 (overwritten) = counter-based N(0,1) noise shaped
// like c ([N, P, C]), or (GIVEN, StimulusWhereGiven) x0[p] = c[p] at positions whose token is
// non-zero, noise elsewhere. Element index e = p*C + ch inside the sample, sample index
// sample0 + n. Backward (GIVEN only): dc += dx0 at given positions. While a trainer replays a
// CUDA graph, seed and sample0 come from device memory instead (akorn/cuda/rng_state.cuh).
// One thread per element. The generator is a __host__ __device__ copy of akorn/rng.hpp
// (splitmix64, noise_base, Box-Muller in double, rounded to float32). The integer part is
// bit-exact (static_asserts below compare it with rng.hpp). log and cos are evaluated in
// double-double and rounded once (see rng::dd), i.e. correctly rounded, instead of CUDA's
// 1-2 ulp log / cos; the host libm (glibc) is correctly rounded on ~99.8% of these inputs and
// 1 ulp off otherwise, and a 1-ulp double difference moves the float32 value only near a
// float rounding boundary: host tests of this code against rng.hpp gave 0 float mismatches
// in 10^8 draws.
#pragma once
#include <cmath>
#include <cstdint>

#include "akorn/common.hpp"
#include "akorn/cuda/common.cuh"
#include "akorn/cuda/rng_state.cuh"
#include "akorn/rng.hpp"

namespace akorn::cuda {
namespace rng {

__host__ __device__ constexpr std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// base(seed, stream, sample) = splitmix64(splitmix64(seed ^ (stream * 0xD1B54A32D192ED03)) + sample)
__host__ __device__ constexpr std::uint64_t noise_base(std::uint64_t seed, std::uint64_t stream,
                                                       std::uint64_t sample) {
  return splitmix64(splitmix64(seed ^ (stream * 0xD1B54A32D192ED03ULL)) + sample);
}

// ---- log and cos as accurate as the host libm's. glibc's log and cos are correctly rounded
// in all but rare cases; CUDA's are not (up to 1-2 ulp off), and a one-ulp difference in the
// double changes the float32 noise value about once in 10^8 draws. So both are evaluated in
// double-double arithmetic (~100 bits, error-free transformations) and rounded to double once,
// which reproduces a correctly rounded libm exactly. Explicitly rounded operations keep the
// device compiler from contracting them into FMAs (that would break the error-free sums);
// the host versions (plain operators) exist only so that this code can be tested on the host.
namespace dd {

__host__ __device__ inline double add(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}
__host__ __device__ inline double sub(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dsub_rn(a, b);
#else
  return a - b;
#endif
}
__host__ __device__ inline double mul(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
__host__ __device__ inline double div(double a, double b) {
#ifdef __CUDA_ARCH__
  return __ddiv_rn(a, b);
#else
  return a / b;
#endif
}
__host__ __device__ inline double fma_(double a, double b, double c) {
#ifdef __CUDA_ARCH__
  return __fma_rn(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}

// A double-double value hi + lo, |lo| <= ulp(hi)/2.
struct D {
  double hi, lo;
};
__host__ __device__ inline D two_sum(double a, double b) {
  const double s = add(a, b), bb = sub(s, a);
  return {s, add(sub(a, sub(s, bb)), sub(b, bb))};
}
__host__ __device__ inline D fast_two_sum(double a, double b) {  // |a| >= |b| (or a == 0)
  const double s = add(a, b);
  return {s, sub(b, sub(s, a))};
}
__host__ __device__ inline D two_prod(double a, double b) {
  const double p = mul(a, b);
  return {p, fma_(a, b, -p)};
}
__host__ __device__ inline D plus(D x, D y) {
  D s = two_sum(x.hi, y.hi);
  const D t = two_sum(x.lo, y.lo);
  s = fast_two_sum(s.hi, add(s.lo, t.hi));
  return fast_two_sum(s.hi, add(s.lo, t.lo));
}
__host__ __device__ inline D neg(D x) { return {-x.hi, -x.lo}; }
__host__ __device__ inline D times(D x, D y) {
  const D p = two_prod(x.hi, y.hi);
  return fast_two_sum(p.hi, add(p.lo, add(mul(x.hi, y.lo), mul(x.lo, y.hi))));
}
__host__ __device__ inline D times(D x, double y) {
  const D p = two_prod(x.hi, y);
  return fast_two_sum(p.hi, add(p.lo, mul(x.lo, y)));
}
__host__ __device__ inline D divide(D x, D y) {  // three correction steps: ~106 bits
  const double q1 = div(x.hi, y.hi);
  D r = plus(x, neg(times(y, q1)));
  const double q2 = div(r.hi, y.hi);
  r = plus(r, neg(times(y, q2)));
  const double q3 = div(r.hi, y.hi);
  return plus(fast_two_sum(q1, q2), D{q3, 0.0});
}
// p * z + (c_hi + c_lo): one Horner step.
__host__ __device__ inline D horner(D p, D z, double c_hi, double c_lo) { return plus(times(p, z), D{c_hi, c_lo}); }

// log(u) for 0 < u <= 1 (finite, normal), correctly rounded but for hard cases (~2^-45).
// u = 2^k f, f in [sqrt(1/2), sqrt(2)); log f = 2 atanh(s) = 2s (1 + s^2/3 + s^4/5 + ...),
// s = (f-1)/(f+1), |s| < 0.1716, 22 terms (s^44/45 < 2^-110).
__host__ __device__ inline double log_u(double u) {
  int k = 0;
  double f = frexp(u, &k);  // f in [0.5, 1)
  if (f < 0.70710678118654752) {
    f = mul(f, 2.0);
    --k;
  }
  const D s = divide(D{sub(f, 1.0), 0.0}, two_sum(f, 1.0));  // f - 1 is exact (Sterbenz)
  const D z = times(s, s);
  D p{0x1.7d05f417d05f4p-6, 0x1.7d05f417d05f4p-62};  // 1/43
  p = horner(p, z, 0x1.8f9c18f9c18fap-6, -0x1.f3831f3831f38p-61);  // 1/41
  p = horner(p, z, 0x1.a41a41a41a41ap-6, 0x1.0690690690690p-60);   // 1/39
  p = horner(p, z, 0x1.bacf914c1bad0p-6, -0x1.bacf914c1bad0p-60);  // 1/37
  p = horner(p, z, 0x1.d41d41d41d41dp-6, 0x1.0750750750750p-60);   // 1/35
  p = horner(p, z, 0x1.f07c1f07c1f08p-6, -0x1.f07c1f07c1f08p-61);  // 1/33
  p = horner(p, z, 0x1.0842108421084p-5, 0x1.0842108421084p-60);   // 1/31
  p = horner(p, z, 0x1.1a7b9611a7b96p-5, 0x1.1a7b9611a7b96p-61);   // 1/29
  p = horner(p, z, 0x1.2f684bda12f68p-5, 0x1.2f684bda12f68p-59);   // 1/27
  p = horner(p, z, 0x1.47ae147ae147bp-5, -0x1.eb851eb851eb8p-61);  // 1/25
  p = horner(p, z, 0x1.642c8590b2164p-5, 0x1.642c8590b2164p-60);   // 1/23
  p = horner(p, z, 0x1.8618618618618p-5, 0x1.8618618618618p-59);   // 1/21
  p = horner(p, z, 0x1.af286bca1af28p-5, 0x1.af286bca1af28p-59);   // 1/19
  p = horner(p, z, 0x1.e1e1e1e1e1e1ep-5, 0x1.e1e1e1e1e1e1ep-61);   // 1/17
  p = horner(p, z, 0x1.1111111111111p-4, 0x1.1111111111111p-60);   // 1/15
  p = horner(p, z, 0x1.3b13b13b13b14p-4, -0x1.3b13b13b13b14p-58);  // 1/13
  p = horner(p, z, 0x1.745d1745d1746p-4, -0x1.745d1745d1746p-59);  // 1/11
  p = horner(p, z, 0x1.c71c71c71c71cp-4, 0x1.c71c71c71c71cp-58);   // 1/9
  p = horner(p, z, 0x1.2492492492492p-3, 0x1.2492492492492p-57);   // 1/7
  p = horner(p, z, 0x1.999999999999ap-3, -0x1.999999999999ap-57);  // 1/5
  p = horner(p, z, 0x1.5555555555555p-2, 0x1.5555555555555p-56);   // 1/3
  p = horner(p, z, 1.0, 0.0);                                        // 1
  const D logf = times(times(s, p), 2.0);
  const double kd = static_cast<double>(k);
  const D kln2 = plus(two_prod(kd, 0x1.62e42fefa39efp-1), D{mul(kd, 0x1.abc9e3b39803fp-56), 0.0});  // k ln 2
  const D r = plus(kln2, logf);
  return add(r.hi, r.lo);
}

// cos(x) for 0 <= x < 2 pi + 1 (finite), correctly rounded but for hard cases. x = q pi/2 + r,
// |r| <~ pi/4, with pi/2 = P1 + P2 + P3 (P1 has 50 bits, so q P1 is exact and x - q P1 is
// exact by Sterbenz); then cos r or sin r by their Taylor series in double-double (15 terms).
__host__ __device__ inline double cos_2pi(double x) {
  constexpr double kP1 = 0x1.921fb54442d18p+0, kP2 = 0x1.1a62633145c07p-54, kP3 = -0x1.f1976b7ed8fbcp-110;
  constexpr double kTwoOverPi = 0x1.45f306dc9c883p-1;
  const double qd = floor(add(mul(x, kTwoOverPi), 0.5));
  const int q = static_cast<int>(qd);
  const double t = sub(x, mul(qd, kP1));
  D r = plus(D{t, 0.0}, neg(two_prod(qd, kP2)));
  r = plus(r, D{-mul(qd, kP3), 0.0});
  const D z = times(r, r);
  D p;
  if ((q & 1) == 0) {  // cos r = sum (-1)^n r^(2n) / (2n)!
    p = D{0x1.0a18a2635085dp-98, 0x1.b9e2e28e1aa54p-153};                // 1/28!
    p = horner(p, z, -0x1.88e85fc6a4e5ap-89, 0x1.71c37ebd16540p-143);  // -1/26!
    p = horner(p, z, 0x1.f2cf01972f578p-80, -0x1.9ada5fcc1ab14p-135);  // 1/24!
    p = horner(p, z, -0x1.0ce396db7f853p-70, 0x1.aebcdbd20331cp-124);  // -1/22!
    p = horner(p, z, 0x1.e542ba4020225p-62, 0x1.ea72b4afe3c2fp-120);   // 1/20!
    p = horner(p, z, -0x1.6827863b97d97p-53, -0x1.eec01221a8b0bp-107); // -1/18!
    p = horner(p, z, 0x1.ae7f3e733b81fp-45, 0x1.1d8656b0ee8cbp-101);   // 1/16!
    p = horner(p, z, -0x1.93974a8c07c9dp-37, -0x1.05d6f8a2efd1fp-92);  // -1/14!
    p = horner(p, z, 0x1.1eed8eff8d898p-29, -0x1.2aec959e14c06p-83);   // 1/12!
    p = horner(p, z, -0x1.27e4fb7789f5cp-22, -0x1.cbbc05b4fa99ap-76);  // -1/10!
    p = horner(p, z, 0x1.a01a01a01a01ap-16, 0x1.a01a01a01a01ap-76);    // 1/8!
    p = horner(p, z, -0x1.6c16c16c16c17p-10, 0x1.f49f49f49f49fp-65);   // -1/6!
    p = horner(p, z, 0x1.5555555555555p-5, 0x1.5555555555555p-59);    // 1/4!
    p = horner(p, z, -0.5, 0.0);                                       // -1/2!
    p = horner(p, z, 1.0, 0.0);                                        // 1
  } else {  // sin r = r sum (-1)^n r^(2n) / (2n+1)!
    p = D{0x1.259f98b4358adp-103, 0x1.eaf8c39dd9bc5p-157};               // 1/29!
    p = horner(p, z, -0x1.d1ab1c2dccea3p-94, -0x1.054d0c78aea14p-149); // -1/27!
    p = horner(p, z, 0x1.3f3ccdd165fa9p-84, -0x1.58ddadf344487p-139);  // 1/25!
    p = horner(p, z, -0x1.761b41316381ap-75, 0x1.3423c7d91404fp-130);  // -1/23!
    p = horner(p, z, 0x1.71b8ef6dcf572p-66, -0x1.d043ae40c4647p-120);  // 1/21!
    p = horner(p, z, -0x1.2f49b46814157p-57, -0x1.2650f61dbdcb4p-112); // -1/19!
    p = horner(p, z, 0x1.952c77030ad4ap-49, 0x1.ac981465ddc6cp-103);   // 1/17!
    p = horner(p, z, -0x1.ae7f3e733b81fp-41, -0x1.1d8656b0ee8cbp-97);  // -1/15!
    p = horner(p, z, 0x1.6124613a86d09p-33, 0x1.f28e0cc748ebep-87);    // 1/13!
    p = horner(p, z, -0x1.ae64567f544e4p-26, 0x1.c062e06d1f209p-80);   // -1/11!
    p = horner(p, z, 0x1.71de3a556c734p-19, -0x1.c154f8ddc6c00p-73);   // 1/9!
    p = horner(p, z, -0x1.a01a01a01a01ap-13, -0x1.a01a01a01a01ap-73);  // -1/7!
    p = horner(p, z, 0x1.1111111111111p-7, 0x1.1111111111111p-63);    // 1/5!
    p = horner(p, z, -0x1.5555555555555p-3, -0x1.5555555555555p-57);  // -1/3!
    p = horner(p, z, 1.0, 0.0);                                        // 1
    p = times(p, r);
  }
  if (((q + 1) & 2) != 0) p = neg(p);  // q mod 4 = 1: -sin, 2: -cos, 3: sin
  return add(p.hi, p.lo);
}

}  // namespace dd

// Box-Muller from two raw 64-bit words: u1 in (0, 1], u2 in [0, 1) (rng.hpp's
// detail::box_muller: sqrt(-2 log u1) * cos(2 pi u2), every step rounded to double).
__host__ __device__ inline double box_muller(std::uint64_t a, std::uint64_t b) {
  constexpr double kTwoPow53Inv = 1.0 / 9007199254740992.0;  // 2^-53
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  const double u1 = dd::mul(static_cast<double>((a >> 11) + 1), kTwoPow53Inv);
  const double u2 = dd::mul(static_cast<double>(b >> 11), kTwoPow53Inv);
#ifdef __CUDA_ARCH__
  const double root = __dsqrt_rn(dd::mul(-2.0, dd::log_u(u1)));
#else
  const double root = std::sqrt(dd::mul(-2.0, dd::log_u(u1)));
#endif
  return dd::mul(root, dd::cos_2pi(dd::mul(kTwoPi, u2)));
}

// N(0,1) value for element e given base = noise_base(...).
__host__ __device__ inline double noise_normal(std::uint64_t base, std::uint64_t element) {
  const std::uint64_t a = splitmix64(base + 2 * element);
  const std::uint64_t b = splitmix64(base + 2 * element + 1);
  return box_muller(a, b);
}

// The integer generator must match the host one bit for bit.
static_assert(splitmix64(0) == ::akorn::splitmix64(0), "cuda rng: splitmix64 differs from rng.hpp");
static_assert(splitmix64(0x0123456789ABCDEFULL) == ::akorn::splitmix64(0x0123456789ABCDEFULL),
              "cuda rng: splitmix64 differs from rng.hpp");
static_assert(noise_base(7, 3, 12345) == ::akorn::noise_base(7, 3, 12345), "cuda rng: noise_base differs");
static_assert(noise_base(~0ULL, 0xFFFFULL, 1ULL << 40) == ::akorn::noise_base(~0ULL, 0xFFFFULL, 1ULL << 40),
              "cuda rng: noise_base differs");

}  // namespace rng

namespace basic_detail {

template <typename S, int P, int C, bool GIVEN>
__global__ void oscillator_init_forward_kernel(index_t total, const S* c, const std::int32_t* tok, std::uint64_t seed,
                                               std::uint64_t stream_id, std::uint64_t sample0,
                                               const std::uint64_t* seed_dev, S* x0) {
  constexpr index_t kElems = index_t(P) * C;
  if (seed_dev != nullptr) {  // inside a replayed CUDA graph: this step's seed (rng_state.cuh)
    seed = seed_dev[0];
    sample0 = seed_dev[1];
  }
  AKORN_GRID_LOOP(i, total) {
    const index_t n = i / kElems;
    const index_t e = i - n * kElems;  // = p*C + ch
    if constexpr (GIVEN) {
      const index_t p = e / C;
      if (tok[n * P + p] != 0) {
        x0[i] = c[i];
        continue;
      }
    }
    const std::uint64_t base = rng::noise_base(seed, stream_id, sample0 + std::uint64_t(n));
    // float32 values in any precision (OPS.md)
    x0[i] = static_cast<S>(static_cast<float>(rng::noise_normal(base, std::uint64_t(e))));
  }
}

template <typename S, int P, int C>
__global__ void oscillator_init_backward_kernel(index_t total, const std::int32_t* tok, const S* dx0, S* dc) {
  AKORN_GRID_LOOP(i, total) {
    if (tok[i / C] != 0) dc[i] += dx0[i];  // i / C = n*P + p
  }
}

}  // namespace basic_detail

template <typename S, int P, int C, bool GIVEN>
struct OscillatorInit {
  // stream_id: the op's noise stream (the CPU's `stream` argument; renamed here so that it
  // does not hide akorn::cuda::stream()).
  static void forward(int N, const S* c, const std::int32_t* tok, std::uint64_t seed, std::uint64_t stream_id,
                      std::uint64_t sample0, S* x0) {
    const index_t total = index_t(N) * P * C;
    if (total <= 0) return;
    basic_detail::oscillator_init_forward_kernel<S, P, C, GIVEN>
        <<<blocks_for(total), kThreads, 0, stream()>>>(total, c, tok, seed, stream_id, sample0,
                                                       rng_state_for_kernels(), x0);
    AKORN_CUDA_LAUNCH_CHECK();
  }

  // dc += dx0 at given positions (noise does not depend on c); nothing without GIVEN.
  static void backward(int N, const std::int32_t* tok, const S* dx0, S* dc) {
    if constexpr (GIVEN) {
      if (dc == nullptr) return;
      const index_t total = index_t(N) * P * C;
      if (total <= 0) return;
      basic_detail::oscillator_init_backward_kernel<S, P, C>
          <<<blocks_for(total), kThreads, 0, stream()>>>(total, tok, dx0, dc);
      AKORN_CUDA_LAUNCH_CHECK();
    } else {
      (void)N;
      (void)tok;
      (void)dx0;
      (void)dc;
    }
  }
};

}  // namespace akorn::cuda
