// Front end, stage 1: read a model spec (JSON text checked against schema/akorn.fbs, or a
// FlatBuffers binary with file identifier "AKRN") and convert it to the IR (ir.hpp).
//
// load_model only checks what the file format decides: syntax, schema types, unknown fields
// and op types, required fields (including the `= null` required scalars), enum ranges,
// FlatBuffers binary integrity. Graph-level and per-op checks are check_model's
// (check/check.hpp). Every problem is reported by throwing CompileError whose message starts
// with the path (and "line:col" for JSON syntax/schema errors).
#pragma once
#include <cstdint>
#include <string>

#include "ir.hpp"

namespace akornc {

constexpr uint64_t kMaxSpecBytes = uint64_t(512) << 20;  // 512 MiB

// Reads and converts the file at `path`. Model::path is `path`, Model::spec_hash the hex
// SHA-256 of the file's bytes.
Model load_model(const std::string& path);

// Same, from bytes already in memory (`path` is used for messages only).
Model load_model_from_bytes(const std::string& path, const std::string& bytes);

}  // namespace akornc
