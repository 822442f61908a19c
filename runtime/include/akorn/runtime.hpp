// Everything a generated model.hpp uses: the model tables and the CPU backend (which brings
// every kernel of ops/kernel_list.hpp).
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "common.hpp"
#include "model_info.hpp"
#include "backend.hpp"
