// What `vram infer` and `vram train` report: per-GPU memory and what fits.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "inference.hpp"
#include "training_memory.hpp"

namespace mlcalc {

/// Inference memory of one deployment at a batch and context (docs/model.md "Inference memory").
struct InferMemoryReport {
  Deployment dep;
  double batch = 1, context = 4096;
  InferenceMemory memory;
  double usable_bytes = 0;            ///< GPU memory x gpu_mem_util
  double max_batch = 0;               ///< most sequences of `context` tokens that fit
  std::optional<double> max_context;  ///< longest context at `batch`; nullopt = unbounded (window layers only)
  bool max_context_capped = false;    ///< max_context was cut to the model's max_position_embeddings
  double kv_capacity_tokens = 0;      ///< tokens of KV the free memory holds
  double kv_bytes_per_token_per_gpu = 0;
  std::vector<std::string> warnings;
};
/// `allow_long_context`: do not cap max_context at the model's max_position_embeddings.
InferMemoryReport evaluate_infer_memory(const Deployment& d, double batch, double context,
                                        bool allow_long_context = false);

/// Longest context whose paged KV and state for `batch` sequences fit in kv_budget_bytes (bisection:
/// KV grows piecewise-linearly when window layers saturate); nullopt when unbounded; 0 when nothing fits.
std::optional<double> longest_context(const Deployment& d, double batch);

/// Names of the training options, as the CLI spells them (for reports).
struct TrainNames {
  std::string model_id, recompute = "none", optimizer = "adamw", precision = "bf16-mixed", offload = "none", fsdp;
  std::string lora_targets = "all-linear";
};

/// Training memory of one job on a GPU (docs/model.md "Training memory").
struct TrainMemoryReport {
  TrainSetup setup;
  TrainNames names;
  const Gpu* gpu = nullptr;  ///< nullptr: no GPU given (no fits / headroom)
  TrainMemory memory;
  StateBytes state;
  std::optional<bool> fits;
  std::optional<double> headroom_bytes, max_micro_batch;
  std::vector<std::string> warnings;
};
TrainMemoryReport evaluate_train_memory(const TrainSetup& s, const TrainNames& names, const Gpu* gpu);

/// DeepSpeed's own estimator view (ZeRO 2/3 model states only).
struct DeepSpeedReport {
  DeepSpeedEstimate estimate;
  double params = 0, largest_layer_params = 0;
  int num_gpus = 1, zero = 2;
  std::string offload;
  bool zero_init = true;
};

}  // namespace mlcalc
