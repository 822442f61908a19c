// Which lowering handles which op kind.
#include "../program.hpp"

namespace akornc {

const OpLowering& lowering_embedding();
const OpLowering& lowering_oscillator_init();
const OpLowering& lowering_kuramoto();
const OpLowering& lowering_readout_conv();
const OpLowering& lowering_conv2d();
const OpLowering& lowering_relu();
const OpLowering& lowering_add();
const OpLowering& lowering_group_norm();
const OpLowering& lowering_batch_norm();
const OpLowering& lowering_linear();
const OpLowering& lowering_pool();
const OpLowering& lowering_cross_entropy();

const OpLowering& lowering_for(OpKind kind) {
  switch (kind) {
    case OpKind::Embedding: return lowering_embedding();
    case OpKind::OscillatorInit: return lowering_oscillator_init();
    case OpKind::Kuramoto: return lowering_kuramoto();
    case OpKind::ReadOutConv: return lowering_readout_conv();
    case OpKind::Conv2d: return lowering_conv2d();
    case OpKind::ReLU: return lowering_relu();
    case OpKind::Add: return lowering_add();
    case OpKind::GroupNorm: return lowering_group_norm();
    case OpKind::BatchNorm: return lowering_batch_norm();
    case OpKind::Linear: return lowering_linear();
    case OpKind::Pool: return lowering_pool();
    case OpKind::CrossEntropyLoss: return lowering_cross_entropy();
  }
  return lowering_relu();  // unreachable: every kind is listed above
}

}  // namespace akornc
