// Serving-engine profiles: the scheduler defaults of vLLM, SGLang, TensorRT-LLM, llama.cpp and
// gpt-fast that the serving model needs (docs/model.md "Serving engine model"). Sources in the .cpp.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "hardware.hpp"

namespace mlcalc {

/// One engine's defaults, as its own code sets them for `gpu` (some depend on GPU memory).
struct EngineProfile {
  std::string id;                    ///< vllm | sglang | trtllm | llama.cpp | gpt-fast
  std::string name;                  ///< for output ("vLLM V1 (OpenAI server)")
  double max_batch = 0;              ///< most running sequences (max_num_seqs); 0 = memory alone bounds it
  double max_batched_tokens = 0;     ///< token budget of one forward step (decode + prefill tokens)
  bool chunked_prefill = true;       ///< prompts split into budget-sized chunks mixed with decodes
  bool continuous_batching = true;   ///< false: one request at a time (batch 1)
  bool cuda_graphs = true;           ///< decode steps replayed as CUDA graphs (no per-kernel launch cost)
  bool custom_allreduce = true;      ///< TP all-reduce by the engine's one-/two-shot kernel (else NCCL)
  double gpu_mem_util = 0.9;         ///< share of GPU memory the engine takes for weights + KV + workspace
  double seq_overhead_s = 0;         ///< host time per running sequence per step (scheduling, sampling)
  double stream_seq_overhead_s = 0;  ///< extra per sequence per step when serving clients online (detokenise, stream)
  double first_token_steps = 0;  ///< decode steps between a prompt's last chunk and its first token reaching the client
  std::string source;            ///< where each default comes from
};

/// The profile of engine `id` (case-insensitive; "llamacpp" and "gptfast" accepted) on `gpu`.
/// Throws Error naming the engines for an unknown id.
EngineProfile engine_profile(std::string_view id, const Gpu& gpu);

/// Engine ids in the order shown to users.
const std::vector<std::string>& engine_ids();

/// The engine used when none is given (see the .cpp for why).
inline constexpr const char* kDefaultEngine = "vllm";

}  // namespace mlcalc
