// Fuzzer: a foreign state dict (safetensors.hpp) through everything `MODEL import` does with
// it: parse, unwrap an ema_pytorch wrapper (the prefix chosen by the input's first byte),
// convert every float tensor, import through the name map compiled into sudoku-small
// (MODEL_HPP: the reference's Sudoku checkpoints).
#include <akorn/safetensors.hpp>

#include MODEL_HPP
#include "fuzz_target.hpp"

using Spec = MODEL_SPEC;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const std::vector<akorn::ImportMapLine> map = akorn::parse_import_map(Spec::import_map, "compiled map");
  static const char* const prefixes[] = {"", "ema_model.", "online_model.", "none"};
  const std::string prefix = prefixes[data[0] % 4];
  akorn_fuzz::refused_or_accepted([&] {
    akorn::SafeTensorsFile st = akorn::parse_safetensors("fuzz.safetensors", std::vector<unsigned char>(data + 1, data + size));
    for (const akorn::SafeTensor& t : st.tensors)
      akorn_fuzz::refused_or_accepted([&] { (void)st.to_float(t); });
    int dropped = 0;
    (void)akorn::unwrap_state_dict(st, prefix, dropped);
    std::vector<float> params(static_cast<size_t>(Spec::param_elems));
    (void)akorn::import_safetensors(st, map, "compiled map", Spec::params, Spec::num_params, Spec::name, params.data());
  });
  return 0;
}
