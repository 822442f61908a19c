// Fuzzer: a name map (`import --map FILE`, safetensors.hpp), checked against sudoku-small's
// parameters (MODEL_HPP) and used on the committed upstream fixture
// (tests/import/sudoku-small.safetensors, read once: IMPORT_FIXTURE).
#include <akorn/safetensors.hpp>

#include MODEL_HPP
#include "fuzz_target.hpp"

using Spec = MODEL_SPEC;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  static akorn::SafeTensorsFile fixture = [] {
    akorn::SafeTensorsFile st = akorn::read_safetensors(IMPORT_FIXTURE);
    int dropped = 0;
    akorn::unwrap_state_dict(st, "", dropped);
    return st;
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  akorn_fuzz::refused_or_accepted([&] {
    const std::vector<akorn::ImportMapLine> map = akorn::parse_import_map(text, "fuzz.map");
    akorn::check_import_map(map, "fuzz.map", Spec::params, Spec::num_params, Spec::name);
    std::vector<float> params(static_cast<size_t>(Spec::param_elems));
    (void)akorn::import_safetensors(fixture, map, "fuzz.map", Spec::params, Spec::num_params, Spec::name, params.data());
  });
  return 0;
}
