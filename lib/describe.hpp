// What `describe` reports: a model's sizes at a context and batch, or a GPU's specs. Pure.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "hardware.hpp"
#include "model.hpp"

namespace mlcalc {

/// What to size a model at.
struct DescribeQuery {
  double context = 1;            ///< tokens per sequence
  double batch = 1;              ///< sequences
  std::optional<DType> weights;  ///< nullopt: the checkpoint's dtypes
  DType kv{DType::Kind::bf16}, state{DType::Kind::bf16};
};

/// A model at a context and batch (docs/model.md "Parameters", "KV cache", "FLOPs").
struct ModelSummary {
  // Provenance (filled by the caller from the database entry).
  std::string id, name, source, as_of, query_name;
  double stated_total = 0, stated_active = 0;  ///< 0 = not stated
  const Architecture* arch = nullptr;
  DescribeQuery query;
  ParamCounts params;
  DType weights, experts, kv, state;
  int num_kv_layers = 0;
  double weight_bytes = 0;
  double kv_cache_bytes = 0;                   ///< context x batch
  double kv_bytes_per_token = 0;               ///< kv_cache_bytes / (context x batch)
  double kv_bytes_per_token_full_context = 0;  ///< per token while the context is within every window
  double state_bytes = 0, state_bytes_per_sequence = 0;
  double flops_per_token = 0, attention_flops_per_token = 0;
  double kv_cache_bytes_at_max_context = 0;  ///< one sequence at max_context, when no context was asked (0 = not)
  std::vector<std::string> warnings;
};
ModelSummary summarize_model(const Architecture& a, const DescribeQuery& q);

/// A GPU with its links resolved.
struct GpuSummary {
  std::string query_name;
  const Gpu* gpu = nullptr;
  const Interconnect* scale_up = nullptr;   ///< nullptr: none
  const Interconnect* host_link = nullptr;  ///< nullptr: none
};

/// `describe LINK`: an interconnect entry.
struct InterconnectSummary {
  std::string query_name;
  const Interconnect* link = nullptr;
};

}  // namespace mlcalc
