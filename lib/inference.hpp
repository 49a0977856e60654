// Inference performance of one model replica (a TP x PP group of GPUs): decode steps,
// prefill, memory per GPU, and continuous batching at steady state. Physics and sources:
// docs/model.md "Inference time"; every efficiency is named in Efficiency (docs/model.md "Efficiencies").
#pragma once
#include <string>
#include <vector>

#include "collectives.hpp"
#include "hardware.hpp"
#include "model.hpp"
#include "parallelism.hpp"

namespace mlcalc {

enum class Mode { roofline, realistic };

/// Efficiency assumptions of one evaluation; each field says where its value came from.
struct Efficiency {
  double memory_bw = 1;         ///< achieved fraction of peak memory bandwidth (streaming bf16/fp8 weights)
  double matmul = 1;            ///< achieved fraction of the dense matmul peak for large GEMMs
  double dequant = 1;           ///< extra bandwidth factor of weight-only int8/int4 kernels
  double step_overhead_s = 0;   ///< fixed time per forward step (scheduling, sampling, launch of the graph)
  double layer_overhead_s = 0;  ///< fixed time per layer per step (kernel prologues/epilogues, gaps)
  double seq_overhead_s = 0;    ///< time per decoding sequence per step (sampling, detokenization, scheduling)
  double small_gemm_rows = 0;   ///< GEMMs with M rows reach M/(M + this) of `matmul`
  double attn_token_s = 0;      ///< decode attention floor: time per context token per attention layer
  bool measured_comm = false;   ///< collectives at measured latency/bus bandwidth (else ideal: peak link, no latency)
  std::string memory_source, matmul_source, overhead_source;
};

/// A model replica: model, GPU, parallelism, dtypes.
struct Deployment {
  const Architecture* arch = nullptr;
  ParamCounts params;
  const Gpu* gpu = nullptr;
  const Interconnect* scale_up = nullptr;   ///< scale-up link: TP/EP (and PP) inside a domain (nullptr: single GPU)
  const Interconnect* scale_out = nullptr;  ///< network across scale-up domains (PP/DP/EP beyond the domain)
  int scale_up_domain = 0;                  ///< GPUs per scale-up domain (0 = all of the replica)
  int tp = 1, pp = 1, ep = 1;
  int dp = 1;                 ///< data-parallel ranks that share the experts (wide EP: ep may be up to tp x dp)
  bool dp_attention = false;  ///< attention data-parallel across the TP group (docs/model.md "Mixture of experts")
  AllReduceAlgo allreduce = AllReduceAlgo::custom;  ///< TP all-reduce kind (serving engines: custom)
  DType weights, experts, kv{DType::Kind::bf16}, state{DType::Kind::bf16};
  double act_bytes = 2;  ///< activation element size (bf16) on the wire
  Mode mode = Mode::realistic;
  Efficiency eff;
  double gpu_mem_util = 0.9;          ///< fraction of GPU memory a serving engine may take
  double runtime_overhead_bytes = 0;  ///< CUDA context + allocator reserve per GPU
  double max_batched_tokens = 8192;   ///< tokens per forward step the engine sizes its workspace for
  int block_size = 16;                ///< paged-KV block (tokens)
  std::string engine = "vllm";        ///< serving engine whose defaults apply (engine.hpp)
  ResolvedPeak peak{};                ///< compute peak used (after dtype fallback)

  int num_gpus() const { return tp * pp; }
  ParallelPlan plan() const { return {0, tp, pp, dp, 1, ep, dp_attention}; }
};

/// Checks tp/pp/ep against the model (parallelism.hpp validate); throws Error with the first problem.
void check_parallelism(const Architecture& a, int tp, int pp, int ep);
void check_parallelism(const Architecture& a, const ParallelPlan& plan);

/// Default efficiencies for `mode` on `gpu` with weights `w` (sources in the .cpp).
Efficiency default_efficiency(Mode mode, const Gpu& gpu, const DType& w, ComputeClass used);

/// What limits a step: memory bandwidth, compute, or communication.
enum class Bound { memory, compute, communication };
/// "memory" | "compute" | "communication" (the words the reports print).
inline const char* bound_name(Bound b) {
  return b == Bound::compute ? "compute" : b == Bound::communication ? "communication" : "memory";
}

/// Time of one forward step, per GPU of the slowest (average) pipeline stage.
struct Step {
  double weight_bytes = 0, kv_bytes = 0, state_bytes = 0, total_bytes = 0;  ///< moved from HBM, per GPU
  double flops = 0;                                                         ///< per GPU
  double t_memory = 0;   ///< time of the kernels limited by memory bandwidth
  double t_compute = 0;  ///< time of the kernels limited by FLOP/s
  double t_comm = 0, t_overhead = 0;
  double t_bubble = 0;           ///< pipeline: time a GPU idles per step (bubble, slower stages)
  double time = 0;               ///< seconds for the step (all pipeline stages for one token)
  double matmul_eff = 0;         ///< efficiency used for the dense GEMMs (after small-GEMM reduction)
  double expert_matmul_eff = 0;  ///< efficiency used for the expert GEMMs (tokens per expert)
  double micro_batches = 1;      ///< pipeline micro-batches in flight
  Bound bound = Bound::memory;   ///< what limits the step
  std::string allreduce;         ///< all-reduce that TP ran ("custom one-shot", "nccl ring", "none")
};

/// One decode step for `batch` sequences at `context` tokens, with `prefill_tokens` prompt
/// tokens of new requests mixed into the same step (continuous batching; 0 for pure decode),
/// each new request's prompt `prompt_len` long.
Step forward_step(const Deployment& d, double batch, double context, double prefill_tokens = 0, double prompt_len = 0);

/// Prefill of `batch` prompts of `tokens` each, as one step.
Step prefill_step(const Deployment& d, double batch, double tokens);

/// Per-GPU inference memory.
struct InferenceMemory {
  double weights = 0, kv = 0, state = 0, activations = 0, other = 0, total = 0;
  double capacity = 0;  ///< GPU memory
  bool fits = false;    ///< total <= capacity * gpu_mem_util
};
InferenceMemory inference_memory(const Deployment& d, double batch, double context);

/// Per-GPU weight bytes held (not read): all experts.
double weight_bytes_per_gpu(const Deployment& d);
/// KV bytes per GPU for one sequence of `context` tokens (paged-block rounded if `paged`).
double kv_bytes_per_gpu_per_seq(const Deployment& d, double context, bool paged);
/// Recurrent-state bytes per GPU per sequence.
double state_bytes_per_gpu_per_seq(const Deployment& d);

/// Bytes per GPU left for KV cache and state: the engine's share of memory (gpu_mem_util)
/// minus weights, the activation workspace and the runtime reserve.
double kv_budget_bytes(const Deployment& d);
/// Most sequences of `context` tokens whose KV (paged) and state fit in kv_budget_bytes.
double max_sequences(const Deployment& d, double context);

/// One row of a batch sweep (static batch: prefill all prompts, then decode).
struct BatchRow {
  double batch = 0;
  double ttft_s = 0, tpot_s = 0, e2e_s = 0;
  double tokens_per_s_per_user = 0, output_tokens_per_s = 0, output_tokens_per_s_per_gpu = 0;
  double decode_tokens_per_s = 0;
  double mbu = 0, mfu = 0;  ///< of the decode step
  Step prefill, decode;
  InferenceMemory memory;
};
BatchRow evaluate_batch(const Deployment& d, double batch, double input, double output);

}  // namespace mlcalc
