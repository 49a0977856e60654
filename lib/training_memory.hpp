// Per-GPU memory of training: model states under ZeRO 0-3 / FSDP, activations (Korthikanti
// et al. 2022), logits, sharding buffers, runtime overhead. Sources in the .cpp.
#pragma once
#include <string>

#include "model.hpp"

namespace mlcalc {

/// Activation recomputation: `selective` = Megatron's attention-core recompute (Korthikanti et al.
/// 2022 sec. 5), `op` = per-op selective checkpointing as torchtitan runs it (every other matmul
/// output and the attention output saved, the rest recomputed), `full` = every layer from its input.
enum class Recompute { none, selective, op, full };
enum class Optimizer { adamw, adam, adam8bit, sgd, adafactor };
enum class Precision { bf16_mixed, bf16, fp8_mixed, fp32 };
enum class Offload { none, optimizer, optimizer_params };

/// Bytes per parameter of weights, gradients and optimizer states (ZeRO paper K).
struct StateBytes {
  double weights = 2, gradients = 2, optimizer = 12;
  std::string note;  ///< what the optimizer bytes hold
};
StateBytes state_bytes(Precision p, Optimizer o);

/// LoRA adapter targets: the linear layers of a block (PEFT's q_proj, k_proj, v_proj, o_proj,
/// gate_proj, up_proj, down_proj; MLA's q, kv_a, kv_b, o projections count as q, k, v, o).
enum LoraTarget : unsigned {
  kLoraQ = 1,
  kLoraK = 2,
  kLoraV = 4,
  kLoraO = 8,
  kLoraGate = 16,
  kLoraUp = 32,
  kLoraDown = 64,
};
constexpr unsigned kLoraAllLinear = 127;  ///< PEFT "all-linear": every block linear, not the LM head

/// Bytes per parameter of NF4 with double quantization (Dettmers et al. 2023, QLoRA sec. 3
/// "Double Quantization"): 4-bit codes + an 8-bit absmax per 64 weights + an fp32 absmax per
/// 256 of those: 4 + 8/64 + 32/(64*256) = 4.127 bits.
constexpr double kNf4DoubleQuantBytes = (4.0 + 8.0 / 64 + 32.0 / (64 * 256)) / 8;

/// Trainable parameters of rank-`rank` LoRA adapters on `targets`: r x (in + out) per adapted
/// matrix W (in x out) (Hu et al. 2021, LoRA sec. 4.1: W + BA, B in x r, A r x out); MoE experts
/// each get their own adapter; SSM mixer projections are not targets.
double lora_params(const Architecture& a, double rank, unsigned targets);

/// A training job.
struct TrainSetup {
  const Architecture* arch = nullptr;  ///< nullptr: generic dense model of `params` (model states only)
  double params = 0;                   ///< total parameters (from arch, or --params)
  double expert_params = 0;            ///< of which routed experts (sharded by ep)
  double largest_layer_params = 0;     ///< biggest single module (ZeRO-3 gather buffer)
  int num_gpus = 1, tp = 1, pp = 1, cp = 1, ep = 1;
  int zero = 0;         ///< 0..3
  int shard_group = 0;  ///< FSDP hybrid: shard within groups of this size (0 = all DP ranks)
  double micro_batch = 1, seq = 2048;
  Recompute recompute = Recompute::none;
  bool flash_attn = true, sequence_parallel = false, dropout = false;
  Precision precision = Precision::bf16_mixed;
  Optimizer optimizer = Optimizer::adamw;
  Offload offload = Offload::none;
  double overhead_bytes = 0;               ///< CUDA context + allocator fragmentation
  double lora_rank = 0;                    ///< LoRA rank r; 0 = full fine-tuning (needs `arch`)
  unsigned lora_targets = kLoraAllLinear;  ///< LoraTarget bits
  bool qlora = false;                      ///< frozen base linears in NF4 with double quantization
  int weight_copies = 1;  ///< DualPipe keeps two copies of the stage's parameters (DeepSeek-V3 sec. 3.2.1)
};

/// Per-GPU training memory, bytes.
struct TrainMemory {
  int dp = 1;     ///< data-parallel degree
  int shard = 1;  ///< ranks the ZeRO/FSDP states are sharded over
  double weights = 0, gradients = 0, optimizer = 0, activations = 0, logits = 0, buffers = 0, overhead = 0;
  double total = 0;
  double cpu = 0;                     ///< host memory per GPU when offloading
  double activations_per_sample = 0;  ///< activations + logits per micro-batch sample
  double trainable_params = 0;        ///< whole model: all parameters, or the LoRA adapters
  double frozen_weights = 0;          ///< of `weights`: the frozen base model (LoRA / QLoRA)
};

/// Points `s` at architecture `a` and fills what follows from it: total and routed-expert
/// parameters and the largest module.
void set_architecture(TrainSetup& s, const Architecture& a);

/// Checks the setup (GPU counts divisible, offload needs ZeRO, ...); throws Error.
void check_train_setup(const TrainSetup& s);

TrainMemory training_memory(const TrainSetup& s);

/// Activation bytes of ONE transformer layer, sequence s, micro-batch b, on one GPU
/// (Korthikanti et al. 2022 Table 2, generalized to GQA, gated and MoE MLPs, window-free).
/// `dropout` adds the dropout masks of the paper's GPT model (off for modern LLMs).
double layer_activation_bytes(const Architecture& a, const LayerGroup& g, double s, double b, int tp, bool sp,
                              Recompute r, bool flash, bool dropout);

/// Parameters of the biggest single module: the embedding, a dense MLP matrix or an expert
/// matrix (what ZeRO-3 gathers at once; DeepSpeed's "largest layer").
double largest_layer_params(const Architecture& a);

/// The largest micro-batch whose total fits in `capacity` bytes (closed form; 0 if none).
double max_micro_batch(const TrainSetup& s, double capacity);

}  // namespace mlcalc

namespace mlcalc {

/// DeepSpeed's own estimators (deepspeed/runtime/zero/stage_1_and_2.py
/// estimate_zero2_model_states_mem_needs and stage3.py estimate_zero3_model_states_mem_needs,
/// as of commit f4cb866c2, 2024-06-04): bytes per GPU and per CPU (node).
struct DeepSpeedEstimate {
  double gpu_bytes = 0, cpu_bytes = 0;
  const char* formula = "";  ///< which formula produced gpu_bytes
};
/// `zero` 2 or 3; `largest_layer` parameters of the biggest module (ZeRO-3 only).
/// `old_zero2` uses the pre-2024-06 ZeRO-2 formula 4P + 16P/N (what DeepSpeed's docs print).
DeepSpeedEstimate deepspeed_estimate(double params, double largest_layer, int gpus_per_node, int num_nodes, int zero,
                                     bool offload_optimizer, bool offload_params, bool zero_init, bool old_zero2);

}  // namespace mlcalc
