// Weights files of any model: the parameters of Spec::params as one TensorFile
// (tensor_file.hpp), named "<op>.<param>" (docs/OPS.md), with the model's name so that
// weights of another model are refused by name. Checkpoints (trainer.hpp) add prefixed
// copies ("ema.", "adam.m.", ...) to the same kind of file.
#pragma once
#include <string>
#include <vector>

#include "akorn/model_info.hpp"
#include "akorn/tensor_file.hpp"

namespace akorn {

// The parameters into `tf` under `prefix` + their names.
template <class Spec>
void put_params(TensorFile& tf, const std::string& prefix, const float* params) {
  for (int i = 0; i < Spec::num_params; ++i) {
    const ParamInfo& p = Spec::params[i];
    tf.put_f32(prefix + p.name, params + p.offset, std::vector<std::int64_t>(p.shape, p.shape + p.rank));
  }
}

template <class Spec>
void save_weights(const std::string& path, const float* params, const std::string& note) {
  TensorFile tf;
  tf.put_string("meta.model", Spec::name);
  tf.put_string("meta.note", note);
  put_params<Spec>(tf, "", params);
  write_tensor_file(path, tf);
}

// Every parameter from `tf` (read from `path`, for messages), names prefixed by `prefix`;
// shapes must match exactly, and a file that names its model must name this one.
template <class Spec>
void load_params_from(const TensorFile& tf, const std::string& path, const std::string& prefix, float* params) {
  if (tf.has("meta.model")) {
    std::string m = tf.get_string(path, "meta.model");
    AKORN_CHECK(m == Spec::name, path + ": weights are for model '" + m + "', not '" + Spec::name + "'");
  }
  for (int i = 0; i < Spec::num_params; ++i) {
    const ParamInfo& p = Spec::params[i];
    tf.get_f32_into(path, prefix + p.name, std::vector<std::int64_t>(p.shape, p.shape + p.rank), params + p.offset);
  }
}

template <class Spec>
void load_weights(const std::string& path, float* params) {
  TensorFile tf = read_tensor_file(path);
  load_params_from<Spec>(tf, path, "", params);
}

template <class Spec>
std::vector<float> load_weights(const std::string& path) {
  std::vector<float> p(static_cast<size_t>(Spec::param_elems));
  load_weights<Spec>(path, p.data());
  return p;
}

}  // namespace akorn
