// Everything a generated model.hpp uses: the CPU kernels and the model tables.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "common.hpp"
#include "model_info.hpp"
#include "ops/attn_j.hpp"
#include "ops/batch_norm.hpp"
#include "ops/conv2d.hpp"
#include "ops/cross_entropy.hpp"
#include "ops/elementwise.hpp"
#include "ops/embedding.hpp"
#include "ops/fc_j.hpp"
#include "ops/group_norm.hpp"
#include "ops/kuramoto_step.hpp"
#include "ops/linear.hpp"
#include "ops/normalize.hpp"
#include "ops/oscillator_init.hpp"
#include "ops/pool.hpp"
#include "ops/readout_conv.hpp"
#include "ops/scale_bias.hpp"
#include "backend.hpp"
