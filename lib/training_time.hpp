// Time of one training step of a parallel layout (TP x CP x PP x DP x EP, virtual pipeline
// stages, ZeRO/FSDP) on a cluster: compute, the communication each parallelism adds, what of it
// is exposed, the pipeline bubble and the optimizer; MFU/HFU under a named FLOP convention.
// Physics and sources: docs/model.md "Training time".
#pragma once
#include <string>
#include <vector>

#include "hardware.hpp"
#include "inference.hpp"
#include "training_memory.hpp"

namespace mlcalc {

/// 1F1B (PipeDream-Flush), interleaved 1F1B with virtual stages (Narayanan et al. 2021), or
/// DualPipe (DeepSeek-V3, arXiv:2412.19437 sec. 3.2.1: bidirectional, computation-communication overlap).
enum class PipeSchedule { one_f_one_b, interleaved, dualpipe };
/// Model FLOPs per token for MFU: `palm` = 6N + 12 L (heads x head_dim) s (PaLM appendix B,
/// LLM Foundry), `megatron` = Korthikanti et al. 2022 Eq. 7 generalized (no input embedding).
enum class FlopsConvention { palm, megatron };

/// The machines: GPU, scale-up link inside a node (domain), scale-out network across nodes.
struct TrainCluster {
  const Gpu* gpu = nullptr;
  const Interconnect* scale_up = nullptr;   ///< nullptr: one GPU per node
  const Interconnect* scale_out = nullptr;  ///< nullptr: one node only
  int gpus_per_node = 8;                    ///< GPUs per scale-up domain
};

/// One training job: the memory setup (model, layout, recipe) plus what time needs.
struct TrainJob {
  TrainSetup setup;         ///< arch must be set (generic_dense_architecture for --params)
  double global_batch = 0;  ///< sequences per optimizer step
  int vp = 1;               ///< virtual pipeline stages per rank (interleaved schedule)
  PipeSchedule schedule = PipeSchedule::one_f_one_b;
  FlopsConvention flops = FlopsConvention::palm;
  Mode mode = Mode::realistic;
  bool uneven_stages = false;    ///< first/last stages take fewer layers to balance the logits
  bool tp_comm_overlap = false;  ///< TP collectives overlapped with GEMMs (Megatron --tp-comm-overlap)
};

/// Where the step time goes, seconds per step. *_comm_s of tp/cp/ep/pp are on the critical
/// path (exposed); dp_comm_s is the whole data-parallel traffic, of which exposed_comm_s holds
/// only what the backward/forward passes do not hide.
struct TrainBreakdown {
  double compute_s = 0, tp_comm_s = 0, cp_comm_s = 0, ep_comm_s = 0, pp_bubble_s = 0, pp_comm_s = 0, dp_comm_s = 0,
         exposed_comm_s = 0, optimizer_s = 0;
};

/// What bounds the step: the largest of its terms.
enum class TrainBound { compute, tp_comm, cp_comm, ep_comm, pp_bubble, pp_comm, dp_comm, optimizer };
const char* train_bound_name(TrainBound b);

struct TrainStep {
  double step_time_s = 0, tokens_per_step = 0, tokens_per_s = 0, tokens_per_s_per_gpu = 0;
  double model_flops_per_token = 0;     ///< under `flops` convention
  double hardware_flops_per_token = 0;  ///< model FLOPs + recomputation
  double mfu = 0, hfu = 0, model_tflops_per_gpu = 0;
  double peak_flop_per_s = 0;  ///< MFU denominator: dense peak of the GEMM precision
  TrainBreakdown breakdown;
  TrainBound bound = TrainBound::compute;
  int dp = 1, micro_batches = 1, nodes = 1;
  double bubble_fraction = 0;  ///< (p-1)/(v m)
  int stage_layers_max = 0;    ///< layers on the slowest stage
  std::vector<std::string> warnings;
};

/// Problems of the job that make it impossible (empty = valid): layout product, divisibility
/// of heads, layers, batch, sequence; vp without interleaving.
std::vector<std::string> check_train_job(const TrainJob& j, const TrainCluster& c);

/// Time of one step; throws Error on an impossible job (check_train_job's first problem).
TrainStep train_step(const TrainJob& j, const TrainCluster& c);

/// A dense GPT-style decoder of about `params` parameters for `--params N` (aspect ratio
/// hidden = 128 x layers, head_dim 128, MLP 4h, vocab 32000; docs/model.md "Training time").
Architecture generic_dense_architecture(double params);

}  // namespace mlcalc
