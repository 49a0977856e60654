// The files `mlcalc card` reads: a checkpoint directory (config.json, generation_config.json,
// tokenizer_config.json, model.safetensors.index.json and the safetensors headers, never the tensor
// data), evaluation logs (lm-evaluation-harness results JSON, `mlcalc eval --format json`) and the
// author's --info TOML. Every problem is an Error "file: what" or "file:line:col: what".
#pragma once
#include <string>
#include <vector>

#include "../card.hpp"

namespace mlcalc {

/// The safetensors format's own bound on the header (huggingface/safetensors@ead9d7b
/// safetensors/src/tensor.rs MAX_HEADER_SIZE): 100,000,000 bytes.
inline constexpr double kSafetensorsMaxHeaderBytes = 100000000;

/// Reads the 8-byte little-endian length N and the N bytes of JSON after it; the tensor data is not
/// read. Errors: a file shorter than 8 bytes, N past the limit or past the file, JSON that is not a
/// header (dtype, shape, data_offsets per tensor; string values in __metadata__).
SafetensorsHeader read_safetensors_header(const std::string& file);

/// What `path` holds: a directory (config.json required; the other files when present) or a
/// config.json file (that file alone).
CheckpointFacts read_checkpoint(const std::string& path);

/// The metrics of one evaluation log: lm-evaluation-harness results ("results" {task: {"acc,none":
/// v, "acc_stderr,none": s, "alias": ...}}, "n-shot", "configs", "config".model_args) or `mlcalc eval
/// --format json` (accuracy, accuracy by kind and refusal rate per endpoint). Anything else is an
/// Error naming both formats.
std::vector<CardMetric> read_eval_log(const std::string& file);

/// The author's TOML (keys: card_info_keys()); unknown keys and wrong types are errors with
/// file:line:col, all reported together.
CardInfo read_card_info(const std::string& file);

/// Every key --info accepts, in the order the README lists them.
const std::vector<std::string>& card_info_keys();

}  // namespace mlcalc
