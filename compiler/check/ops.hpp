// What an op's check (attribute checks and shape inference, ops/<op>.cpp) sees and may call.
#pragma once
#include <string>
#include <vector>

#include "akorn/format.hpp"
#include "check.hpp"

namespace akornc::check_detail {

// What an op's inference sees: the op, its input values (already defined, arity checked).
struct CheckCtx {
  const Model& m;
  const Op& op;
  std::vector<const Value*> in;

  [[noreturn]] void fail(const std::string& what) const { fail_op(m, op, what); }

  // Input i must be a Float32 feature map [H, W, C] / an Int32 token map [H, W] whose tokens
  // lie in [lo, hi] (recorded in `tokens`; the driver narrows the value's range with it).
  void expect_features(size_t i, const char* role) const;
  void expect_tokens(size_t i, const char* role, int64_t lo = INT32_MIN, int64_t hi = INT32_MAX) const;
  struct TokenLimit {
    size_t input;
    int64_t lo, hi;
    std::string why;  // "tokens of the embedding's 10 rows"
  };
  mutable std::vector<TokenLimit> tokens;
  // Parameter element count must stay below kMaxElems (dims are saturating int64).
  void check_param(const char* param, std::initializer_list<int64_t> dims) const;
  // Integer attribute range [lo, hi].
  void check_range(const char* field, int64_t v, int64_t lo, int64_t hi) const;
  // Float attribute finiteness (and > 0 if positive).
  void check_finite(const char* field, float v, bool positive = false) const;
};

// An inferred output (name/producer are filled by the caller).
struct OutSpec {
  DType dtype = DType::F32;
  std::vector<int> shape;
  bool batch_scalar = false;
};

using akorn::shape_str;  // "[9, 9, 64]" (akorn/format.hpp, shared with the runtime)
const char* dtype_name(DType d);
int64_t sat_mul(int64_t a, int64_t b);  // saturates at INT64_MAX/4 for non-negative inputs

// Conv output size: (H + 2 pad - k) / stride + 1, computed in int64; fails if < 1.
int conv_out(const CheckCtx& c, const char* axis, int64_t h, int64_t k, int64_t stride, int64_t pad);

// kernel_size / padding of a convolution (Conv2d, ReadOutConv) checked; the effective
// padding (-1 = kernel_size/2).
int64_t conv_geometry(const CheckCtx& c, int kernel_size, int padding);

}  // namespace akornc::check_detail
