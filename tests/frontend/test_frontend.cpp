// Unit tests of akornc's front end: SHA-256, load_model (JSON and binary), check_model.
#include <flatbuffers/idl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "akorn_generated.h"
#include "akorn_schema_text.hpp"
#include "check/check.hpp"
#include "diag.hpp"
#include "parse.hpp"
#include "program.hpp"
#include "sha256.hpp"

using namespace akornc;
namespace fb = akorn::fb;

namespace {

const std::string kSrc = AKORN_SOURCE_DIR;

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// JSON -> FlatBuffers binary with the compiled-in schema (what `flatc -b` does).
std::string to_binary(const std::string& json) {
  flatbuffers::Parser p;
  EXPECT_TRUE(p.Parse(kSchemaText)) << p.error_;
  EXPECT_TRUE(p.Parse(json.c_str())) << p.error_;
  return std::string(reinterpret_cast<const char*>(p.builder_.GetBufferPointer()), p.builder_.GetSize());
}

// The message of the CompileError that f throws ("" if none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const CompileError& e) {
    return e.what();
  }
  return "";
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  size_t p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

std::string without_import_map(const std::string& spec) {
  return replace(spec, ",\n  \"import_map\": \"sudoku.import.map\"", "");
}

std::vector<int> shape(const Graph& g, const std::string& v) { return g.value(v).shape; }
using S = std::vector<int>;

}  // namespace

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // incremental updates across block boundaries give the same digest
  std::string a(1000, 'a');
  Sha256 s;
  for (size_t i = 0; i < a.size(); i += 7) s.update(a.data() + i, std::min<size_t>(7, a.size() - i));
  auto d = s.digest();
  std::string hex;
  for (uint8_t b : d) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", b);
    hex += buf;
  }
  EXPECT_EQ(hex, sha256_hex(a));
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Frontend, SudokuSmall) {
  const std::string path = kSrc + "/models/sudoku-small.json";
  Model m = load_model(path);
  EXPECT_EQ(m.path, path);
  EXPECT_EQ(m.spec_hash, sha256_hex(read_file(path)));
  EXPECT_EQ(m.name, "sudoku-small");
  ASSERT_EQ(m.inputs.size(), 2u);
  EXPECT_EQ(m.inputs[0].dtype, DType::I32);
  EXPECT_TRUE(m.inputs[1].training_only);
  ASSERT_EQ(m.ops.size(), 14u);
  const Op& k = m.ops[2];
  EXPECT_EQ(k.kind, OpKind::Kuramoto);
  EXPECT_EQ(std::string(op_kind_name(k.kind)), "Kuramoto");
  const auto& ka = k.as<KuramotoAttrs>();
  EXPECT_EQ(ka.n, 4);
  EXPECT_EQ(ka.steps, 16);
  EXPECT_EQ(ka.connectivity, Connectivity::Attn);
  EXPECT_EQ(ka.heads, 8);
  EXPECT_TRUE(ka.gta);
  EXPECT_EQ(ka.omega, OmegaMode::Global);
  EXPECT_FLOAT_EQ(ka.omega_init, 0.5f);
  EXPECT_TRUE(ka.gamma_learned);
  EXPECT_EQ(ka.stimulus_norm, StimulusNorm::None);
  EXPECT_EQ(m.ops[1].as<OscillatorInitAttrs>().mode, OscInit::StimulusWhereGiven);
  EXPECT_EQ(m.ops[13].as<CrossEntropyLossAttrs>().target_offset, -1);
  EXPECT_EQ(m.ops[5].as<Conv2dAttrs>().padding, -1);
  EXPECT_EQ(m.outputs, (std::vector<std::string>{"logits", "energy"}));

  Graph g = check_model(m);
  EXPECT_EQ(g.model, &m);
  EXPECT_EQ(g.values.size(), 2u + 14u + 1u);  // inputs, one output per op, plus energy
  EXPECT_EQ(g.values[0].name, "board");
  EXPECT_EQ(shape(g, "c"), (S{9, 9, 64}));
  EXPECT_EQ(shape(g, "x0"), (S{9, 9, 64}));
  EXPECT_EQ(shape(g, "xT"), (S{9, 9, 64}));
  EXPECT_EQ(shape(g, "energy"), (S{17}));
  EXPECT_EQ(shape(g, "h0"), (S{9, 9, 64}));
  EXPECT_EQ(shape(g, "logits"), (S{9, 9, 9}));
  EXPECT_EQ(shape(g, "loss"), (S{1}));
  EXPECT_TRUE(g.value("loss").batch_scalar);
  EXPECT_TRUE(g.value("loss").training_only);
  EXPECT_FALSE(g.value("logits").training_only);
  EXPECT_FALSE(g.value("logits").batch_scalar);
  EXPECT_EQ(g.value("loss").producer, 13);
  EXPECT_EQ(g.loss_op, 13);
  EXPECT_EQ(g.value("board").producer, -1);
  EXPECT_EQ(g.value("board").consumers, (std::vector<int>{0, 1}));
  EXPECT_EQ(g.value("h0").consumers, (std::vector<int>{4, 8}));
  EXPECT_TRUE(g.value("energy").consumers.empty());
  EXPECT_EQ(g.value("energy").producer, 2);
  EXPECT_EQ(g.value("energy").dtype, DType::F32);
  EXPECT_EQ(g.value("c").elems(), 9 * 9 * 64);
}

TEST(Frontend, SudokuPaper) {
  Model m = load_model(kSrc + "/models/sudoku.json");
  Graph g = check_model(m);
  EXPECT_EQ(shape(g, "c"), (S{9, 9, 512}));
  EXPECT_EQ(shape(g, "energy"), (S{17}));
  EXPECT_EQ(shape(g, "logits"), (S{9, 9, 9}));
  EXPECT_EQ(shape(g, "loss"), (S{1}));
}

TEST(Frontend, ConvTwoBlock) {
  Model m = load_model(kSrc + "/tests/fixtures/conv-two-block.json");
  EXPECT_FALSE(m.ops[0].as<Conv2dAttrs>().bias);
  EXPECT_EQ(m.ops[2].as<KuramotoAttrs>().connectivity, Connectivity::Conv);
  EXPECT_EQ(m.ops[2].as<KuramotoAttrs>().kernel_size, 5);
  EXPECT_EQ(m.ops[2].as<KuramotoAttrs>().omega, OmegaMode::PerPair);
  EXPECT_EQ(m.ops[2].as<KuramotoAttrs>().stimulus_norm, StimulusNorm::GroupNorm);
  EXPECT_EQ(m.ops[11].as<PoolAttrs>().kind, PoolKind::Max);
  EXPECT_TRUE(m.ops[12].as<PoolAttrs>().global);
  EXPECT_FLOAT_EQ(m.ops[4].as<BatchNormAttrs>().momentum, 0.1f);
  Graph g = check_model(m);
  EXPECT_EQ(shape(g, "c1"), (S{12, 12, 32}));
  EXPECT_EQ(shape(g, "x1"), (S{12, 12, 32}));
  EXPECT_EQ(shape(g, "energy1"), (S{5}));
  EXPECT_EQ(shape(g, "h1"), (S{12, 12, 32}));
  EXPECT_EQ(shape(g, "c2"), (S{12, 12, 32}));
  EXPECT_EQ(shape(g, "x2"), (S{12, 12, 32}));
  EXPECT_EQ(g.find("energy2"), -1);
  EXPECT_EQ(shape(g, "h3"), (S{6, 6, 32}));
  EXPECT_EQ(shape(g, "h4"), (S{1, 1, 32}));
  EXPECT_EQ(shape(g, "logits"), (S{1, 1, 10}));
  EXPECT_EQ(shape(g, "loss"), (S{1}));
  EXPECT_TRUE(g.value("loss").batch_scalar);
  EXPECT_EQ(g.loss_op, 14);
  EXPECT_EQ(g.value("x1").consumers, (std::vector<int>{3, 8}));
}

TEST(Frontend, BinaryMatchesJson) {
  for (const std::string rel : {"/models/sudoku-small.json", "/tests/fixtures/conv-two-block.json"}) {
    const std::string json = read_file(kSrc + rel);
    const std::string bin = to_binary(json);
    ASSERT_GE(bin.size(), 8u);
    EXPECT_EQ(bin.substr(4, 4), "AKRN");
    // paths beside the spec: a binary's import_map is relative to its own folder too
    const std::string dir = kSrc + rel.substr(0, rel.rfind('/') + 1);
    Model mj = load_model_from_bytes(dir + "a.json", json);
    Model mb = load_model_from_bytes(dir + "a.akorn", bin);
    EXPECT_EQ(mb.spec_hash, sha256_hex(bin));
    EXPECT_EQ(mj.import_map_text, mb.import_map_text);
    EXPECT_EQ(mj.import_map_hash, mb.import_map_hash);
    Graph gj = check_model(mj), gb = check_model(mb);
    ASSERT_EQ(gj.values.size(), gb.values.size());
    for (size_t i = 0; i < gj.values.size(); ++i) {
      EXPECT_EQ(gj.values[i].name, gb.values[i].name);
      EXPECT_EQ(gj.values[i].shape, gb.values[i].shape);
      EXPECT_EQ(gj.values[i].consumers, gb.values[i].consumers);
    }
  }
}

TEST(Frontend, RelaxedJsonAccepted) {
  std::string j = R"({ name: "t", inputs: [ { name: "x", shape: [4, 4, 8] } ],
      ops: [ { name: "r", inputs: ["x"], outputs: ["y"], options_type: ReLUOptions, options: {} }, ],
      outputs: ["y"] })";
  Model m = load_model_from_bytes("t.json", j);
  Graph g = check_model(m);
  EXPECT_EQ(shape(g, "y"), (S{4, 4, 8}));
  EXPECT_EQ(g.loss_op, -1);
}

TEST(Frontend, JsonErrors) {
  // without its import_map: "x.json" has no folder with the map beside it
  const std::string s = without_import_map(read_file(kSrc + "/models/sudoku-small.json"));
  auto load_check = [](const std::string& text) {
    return error_of([&] { Model m = load_model_from_bytes("x.json", text); check_model(m); });
  };
  EXPECT_EQ(load_check(replace(s, "\"n\": 4", "\"n\": 3")),
            "x.json: op 2 'klayer' (Kuramoto): n must be even and >= 2 (got 3)");
  EXPECT_EQ(load_check(replace(s, "\"dim\": 64", "\"dim\": 510")),
            "x.json: op 2 'klayer' (Kuramoto): channels 510 is not divisible by n=4");
  EXPECT_EQ(load_check(replace(s, "\"n\": 4, ", "")), "x.json: op 2 'klayer' (Kuramoto): required field 'n' is missing");
  EXPECT_EQ(load_check(replace(s, "\"inputs\": [\"h1\"]", "\"inputs\": [\"h9\"]")),
            "x.json: op 9 'relu3' (ReLU): input 'h9' is not defined by any model input or earlier op");
  std::string e = load_check(replace(s, "\"EmbeddingOptions\"", "\"FooOptions\""));
  EXPECT_NE(e.find("x.json:10:"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown op type 'FooOptions'"), std::string::npos) << e;
  EXPECT_NE(e.find("CrossEntropyLossOptions"), std::string::npos) << e;
  EXPECT_EQ(load_check(""), "x.json: empty file");
  e = error_of([] { load_model(kSrc + "/no/such/file.json"); });
  EXPECT_NE(e.find("no/such/file.json: cannot read model spec"), std::string::npos) << e;
}

// Binaries that flatc would never write but a corrupt or hand-built file may hold.
TEST(Frontend, BinaryErrors) {
  auto build = [](auto make_options, fb::OpOptions type) {
    flatbuffers::FlatBufferBuilder b;
    auto in_shape = b.CreateVector(std::vector<int32_t>{4, 4, 8});
    auto input = fb::CreateInput(b, b.CreateString("x"), fb::DType_Float32, in_shape);
    auto opts = make_options(b);
    auto op = fb::CreateOp(b, b.CreateString("k"), b.CreateVectorOfStrings({"x", "x"}),
                           b.CreateVectorOfStrings({"y"}), type, opts);
    auto model = fb::CreateModel(b, b.CreateString("m"), 0, b.CreateVector(std::vector<decltype(input)>{input}),
                                 b.CreateVector(std::vector<decltype(op)>{op}));
    fb::FinishModelBuffer(b, model);
    return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
  };
  auto kur = [](flatbuffers::Optional<int32_t> n, int conn) {
    return [=](flatbuffers::FlatBufferBuilder& b) {
      return fb::CreateKuramotoOptions(b, n, 2, static_cast<fb::Connectivity>(conn)).Union();
    };
  };
  auto load_check = [](const std::string& bytes) {
    return error_of([&] { Model m = load_model_from_bytes("x.akorn", bytes); check_model(m); });
  };
  // the builder itself is sound: a valid op passes
  EXPECT_EQ(load_check(build(kur(4, fb::Connectivity_Attn), fb::OpOptions_KuramotoOptions)), "");
  EXPECT_EQ(load_check(build(kur(4, 9), fb::OpOptions_KuramotoOptions)),
            "x.akorn: op 0 'k' (Kuramoto): field 'connectivity' has invalid value 9; expected one of Attn, Conv, Fc");
  EXPECT_EQ(load_check(build(kur(flatbuffers::nullopt, 0), fb::OpOptions_KuramotoOptions)),
            "x.akorn: op 0 'k' (Kuramoto): required field 'n' is missing");
  std::string e = load_check(build(kur(4, 0), static_cast<fb::OpOptions>(77)));
  EXPECT_NE(e.find("x.akorn: op 0 'k': unknown op type id 77"), std::string::npos) << e;
  // options_type NONE (with some table as the value, which the verifier cannot check)
  e = load_check(build(kur(4, 0), fb::OpOptions_NONE));
  EXPECT_NE(e.find("x.akorn: op 0 'k': no options; 'options_type' names the op type, one of EmbeddingOptions"),
            std::string::npos)
      << e;

  std::string good = build(kur(4, 0), fb::OpOptions_KuramotoOptions);
  std::string other = good;
  other.replace(4, 4, "TFL3");
  // 'TFL3' is binary with a NUL byte: reported as a foreign identifier
  EXPECT_EQ(load_check(other), "x.akorn: not an akorn model: file identifier is 'TFL3', expected 'AKRN'");
  EXPECT_EQ(load_check(good.substr(0, good.size() / 2)),
            "x.akorn: corrupt or truncated akorn binary (FlatBuffers verification failed)");
}

// ---- Model.import_map (schema revision 2): read beside the spec, checked against the
// lowered parameters (compiler/import_map.cpp), every error naming the spec and the map line.
namespace {

struct MapDir {
  std::string dir = ::testing::TempDir() + "akornc-import-map/";
  MapDir() { std::filesystem::create_directories(dir); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir + name, std::ios::binary) << text;
  }
  // the error of compiling sudoku-small with `map_text` as its name map ("" if none)
  std::string compile_with(const std::string& map_text) const {
    write("m.map", map_text);
    const std::string spec = replace(read_file(kSrc + "/models/sudoku-small.json"), "\"sudoku.import.map\"", "\"m.map\"");
    return error_of([&] {
      Model m = load_model_from_bytes(dir + "s.json", spec);
      Graph g = check_model(m);
      lower(g, LowerOptions{});
    });
  }
};

const std::string kMap = read_file(kSrc + "/models/sudoku.import.map");

}  // namespace

TEST(ImportMap, ReadBesideTheSpecAndHashed) {
  Model m = load_model(kSrc + "/models/sudoku-small.json");
  EXPECT_EQ(m.import_map, "sudoku.import.map");
  EXPECT_EQ(m.import_map_text, kMap);
  EXPECT_EQ(m.import_map_hash, sha256_hex(kMap));
  Graph g = check_model(m);
  EXPECT_NO_THROW(lower(g, LowerOptions{}));
  EXPECT_EQ(MapDir().compile_with(kMap), "");
}

TEST(ImportMap, MissingFileNamed) {
  const std::string spec = replace(read_file(kSrc + "/models/sudoku-small.json"), "\"sudoku.import.map\"", "\"nope.map\"");
  const std::string e = error_of([&] { load_model_from_bytes(kSrc + "/models/x.json", spec); });
  EXPECT_EQ(e, kSrc + "/models/x.json: import_map 'nope.map': " + kSrc + "/models/nope.map is not a file");
  const std::string spec2 = replace(spec, "\"nope.map\"", "\"\"");
  EXPECT_EQ(error_of([&] { load_model_from_bytes("y.json", spec2); }), "y.json: import_map '': empty path");
}

TEST(ImportMap, WrongMapsRefusedWithTheirLine) {
  const MapDir d;
  const std::string p = d.dir + "s.json: import_map: " + d.dir + "m.map:";
  EXPECT_EQ(d.compile_with(replace(kMap, "klayer.gamma", "klayer.gama")),
            p + "27: 'klayer.gama' is not a parameter of model sudoku-small");
  EXPECT_EQ(d.compile_with(replace(kMap, "klayer.J.gta[3]", "klayer.J.gta[4]")),
            p + "25: 'klayer.J.gta[4]': parameter 'klayer.J.gta' [4, 81, 4, 2, 2] has no slice 4");
  EXPECT_EQ(d.compile_with(replace(kMap, "klayer.J.gta[3]", "klayer.J.gta")),
            p + "25: 'klayer.J.gta' and line 22 ('klayer.J.gta[0]') fill parameter 'klayer.J.gta' both whole and by slices");
  EXPECT_EQ(d.compile_with(replace(kMap, "klayer.J.gta[2]", "-")),
            d.dir + "s.json: import_map: " + d.dir + "m.map: no line fills 1 parameter(s) of model sudoku-small: 'klayer.J.gta[2]'");
  EXPECT_EQ(d.compile_with(replace(kMap, "head.bias", "-")),
            d.dir + "s.json: import_map: " + d.dir + "m.map: no line fills 1 parameter(s) of model sudoku-small: 'head.bias'");
  EXPECT_EQ(d.compile_with(replace(kMap, "out.1.bias                                head.bias",
                                   "out.1.bias                                head.bias sideways")),
            p + "38: unknown transform 'sideways' (none or transpose01)");
  EXPECT_EQ(d.compile_with("# nothing\n"), d.dir + "s.json: import_map: " + d.dir + "m.map: the name map has no lines");
}
