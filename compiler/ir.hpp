// The compiler's in-memory model: what parse produces and every later stage reads.
// Nothing here knows FlatBuffers (parse.cpp converts) or C++ emission (emit/).
#pragma once
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace akornc {

// The revision of schema/akorn.fbs this compiler reads (its revision notes list them).
constexpr int kSchemaRevision = 6;

enum class DType { F32, I32 };

enum class OpKind {
  Embedding, OscillatorInit, Kuramoto, ReadOutConv, Conv2d, ReLU, Add,
  GroupNorm, BatchNorm, Linear, Pool, CrossEntropyLoss, NtXentLoss, PositionalEncoding,
  LayerNorm, GELU, IteratedSelfAttention
};
const char* op_kind_name(OpKind k);  // "Kuramoto", ... (the schema's name without "Options")

enum class Connectivity { Attn, Conv, Fc };
enum class OmegaMode { None, Global, PerPair, Identity };
enum class StimulusNorm { None, GroupNorm, ScaleBias };
enum class OscInit { Noise, StimulusWhereGiven };
enum class PoolKind { Avg, Max };

struct EmbeddingAttrs { int num_embeddings = 0, dim = 0; };
struct OscillatorInitAttrs { OscInit mode = OscInit::Noise; };
struct KuramotoAttrs {
  int n = 0, steps = 0;
  Connectivity connectivity = Connectivity::Attn;
  int heads = 8;
  bool gta = false;
  int kernel_size = 3;
  OmegaMode omega = OmegaMode::None;
  float omega_init = 1.0f;
  bool omega_learned = true;
  bool project = true;
  float gamma = 1.0f;
  bool gamma_learned = false;
  StimulusNorm stimulus_norm = StimulusNorm::None;
};
struct ReadOutConvAttrs { int out_channels = 0, n_out = 0, kernel_size = 1, padding = -1; };
struct Conv2dAttrs { int out_channels = 0, kernel_size = 1, stride = 1, padding = -1; bool bias = true; };
struct ReLUAttrs {};
struct AddAttrs {};
struct GroupNormAttrs { int groups = 0; float eps = 1e-5f; bool affine = true; };
struct BatchNormAttrs { float eps = 1e-5f, momentum = 0.1f; };
struct LinearAttrs { int out_features = 0; bool bias = true; };
struct PoolAttrs { PoolKind kind = PoolKind::Avg; bool global = false; int kernel_size = 2, stride = 0; };
struct CrossEntropyLossAttrs { int target_offset = 0; };
struct NtXentLossAttrs { float temperature = 0.1f; };
struct PositionalEncodingAttrs { bool learned = true; };
struct LayerNormAttrs { float eps = 1e-5f; };
struct GELUAttrs {};
struct IteratedSelfAttentionAttrs { int steps = 0, heads = 8; bool gta = false; float eps = 1e-5f; };

using OpAttrs = std::variant<EmbeddingAttrs, OscillatorInitAttrs, KuramotoAttrs, ReadOutConvAttrs,
                             Conv2dAttrs, ReLUAttrs, AddAttrs, GroupNormAttrs, BatchNormAttrs,
                             LinearAttrs, PoolAttrs, CrossEntropyLossAttrs, NtXentLossAttrs,
                             PositionalEncodingAttrs, LayerNormAttrs, GELUAttrs, IteratedSelfAttentionAttrs>;

struct Op {
  int index = 0;                     // position in the spec's op list
  std::string name;
  OpKind kind = OpKind::ReLU;
  std::vector<std::string> inputs;   // value names
  std::vector<std::string> outputs;
  OpAttrs attrs;
  template <class A> const A& as() const { return std::get<A>(attrs); }
};

struct InputDecl {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int> shape;            // per sample
  bool training_only = false;
};

struct WeightBlob {
  std::string name;
  std::vector<int> shape;
  std::vector<float> data;
};

struct Model {
  std::string path;                  // where it was read from (for messages)
  std::string spec_hash;             // hex SHA-256 of the file's bytes
  // The name map of Model.import_map: as written in the spec, the file it resolved to
  // (relative to the spec's folder), its text and the text's SHA-256. Empty when none.
  std::string import_map, import_map_path, import_map_text, import_map_hash;
  std::string name, description;
  std::string task;                  // Model.task: "" (generic commands only) or a task's name
  std::vector<InputDecl> inputs;
  std::vector<Op> ops;
  std::vector<std::string> outputs;
  std::vector<WeightBlob> weights;
};

// A tensor flowing through the graph, after shape inference.
struct Value {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int> shape;            // per sample ([H, W, C] features, [H, W] tokens, [1] loss)
  int producer = -1;                 // op index; -1 for a model input
  std::vector<int> consumers;        // op indices, in order
  bool training_only = false;        // depends on a training-only input (e.g. the loss)
  bool batch_scalar = false;         // one number per batch (the loss), not per sample
  // Int32 values (model inputs): the tokens every consumer accepts, inclusive (check stage)
  int64_t token_lo = INT32_MIN, token_hi = INT32_MAX;
  int64_t elems() const {
    int64_t e = 1;
    for (int d : shape) e *= d;
    return e;
  }
};

// A model that passed validation, with every value's shape inferred (check stage).
struct Graph {
  const Model* model = nullptr;
  std::vector<Value> values;         // model inputs first (in declaration order), then op outputs
  int loss_op = -1;                  // index of the loss op (OpDef::loss), -1 if none
  int find(const std::string& name) const {  // value index, -1 if unknown
    for (size_t i = 0; i < values.size(); ++i)
      if (values[i].name == name) return static_cast<int>(i);
    return -1;
  }
  const Value& value(const std::string& name) const { return values.at(static_cast<size_t>(find(name))); }
};

}  // namespace akornc
