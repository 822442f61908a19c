// The op table: one line per op kind, in OpKind order (= the schema's OpOptions union order).
#include "op.hpp"

namespace akornc {

const OpDef& op_embedding();
const OpDef& op_oscillator_init();
const OpDef& op_kuramoto();
const OpDef& op_readout_conv();
const OpDef& op_conv2d();
const OpDef& op_relu();
const OpDef& op_add();
const OpDef& op_group_norm();
const OpDef& op_batch_norm();
const OpDef& op_linear();
const OpDef& op_pool();
const OpDef& op_cross_entropy();
const OpDef& op_nt_xent();
const OpDef& op_positional_encoding();
const OpDef& op_layer_norm();
const OpDef& op_gelu();
const OpDef& op_iterated_self_attention();

namespace {

const std::vector<const OpDef*>& op_table() {
  static const std::vector<const OpDef*> table = [] {
    std::vector<const OpDef*> t{&op_embedding(), &op_oscillator_init(), &op_kuramoto(), &op_readout_conv(),
                                &op_conv2d(),    &op_relu(),            &op_add(),      &op_group_norm(),
                                &op_batch_norm(), &op_linear(),         &op_pool(),     &op_cross_entropy(),
                                &op_nt_xent(),    &op_positional_encoding(), &op_layer_norm(),
                                &op_gelu(),      &op_iterated_self_attention()};
    // OpKind k is the schema's OpOptions type k + 1 (parse.cpp relies on it)
    for (size_t k = 0; k < t.size(); ++k)
      if (static_cast<size_t>(t[k]->kind) != k || fb::EnumNameOpOptions(static_cast<fb::OpOptions>(k + 1)) !=
                                                      std::string(t[k]->name) + "Options")
        throw std::logic_error(std::string("op table: entry ") + std::to_string(k) + " (" + t[k]->name +
                               ") is out of the schema's order");
    if (t.size() != static_cast<size_t>(fb::OpOptions_MAX))
      throw std::logic_error("op table: " + std::to_string(t.size()) + " ops, the schema has " +
                             std::to_string(static_cast<int>(fb::OpOptions_MAX)));
    return t;
  }();
  return table;
}

}  // namespace

const OpDef& op_def(OpKind kind) { return *op_table().at(static_cast<size_t>(kind)); }

const char* op_kind_name(OpKind k) { return op_def(k).name; }

const OpLowering& lowering_for(OpKind kind) { return op_def(kind).lowering; }

}  // namespace akornc
