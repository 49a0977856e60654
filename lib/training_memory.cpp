#include "training_memory.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common.hpp"

namespace mlcalc {

StateBytes state_bytes(Precision p, Optimizer o) {
  // Mixed precision keeps 16-bit weights and gradients plus an fp32 master copy inside the
  // optimizer (ZeRO paper sec. 3.1: 2 + 2 + K with K = 12 for Adam: master, m, v in fp32).
  StateBytes s;
  const bool mixed = p == Precision::bf16_mixed || p == Precision::fp8_mixed;
  const double master = mixed ? 4 : 0;
  const double elem = p == Precision::fp32 ? 4 : 2;  // pure bf16 keeps optimizer states in bf16
  s.weights = p == Precision::fp32 ? 4 : 2;
  // FP8 training (Transformer Engine) keeps bf16 weights plus fp8 cast copies: +1 B/param.
  if (p == Precision::fp8_mixed) s.weights += 1;
  s.gradients = p == Precision::fp32 ? 4 : 2;
  const double state = mixed ? 4 : elem;  // m, v in fp32 under mixed precision
  switch (o) {
    case Optimizer::adam:
    case Optimizer::adamw:
      s.optimizer = master + 2 * state;
      s.note = mixed ? "fp32 master + m + v" : "m + v";
      break;
    case Optimizer::adam8bit:
      // bitsandbytes 8-bit Adam: m and v in 1 byte each (block-wise scales, 2048 per block: negligible).
      s.optimizer = master + 2;
      s.note = "8-bit m + v" + std::string(mixed ? " + fp32 master" : "");
      break;
    case Optimizer::sgd:
      s.optimizer = master + state;  // momentum buffer
      s.note = "momentum" + std::string(mixed ? " + fp32 master" : "");
      break;
    case Optimizer::adafactor:
      // Adafactor (Shazeer & Stern 2018): factored second moment O(rows + cols), no first moment.
      s.optimizer = master;
      s.note = "factored second moment (~0)" + std::string(mixed ? " + fp32 master" : "");
      break;
  }
  return s;
}

void set_architecture(TrainSetup& s, const Architecture& a) {
  const ParamCounts pc = count_params(a);
  s.arch = &a;
  s.params = pc.total;
  s.expert_params = pc.routed_experts;
  s.largest_layer_params = largest_layer_params(a);
}

void check_train_setup(const TrainSetup& s) {
  if (s.num_gpus < 1) throw Error("num-gpus must be at least 1", ErrorKind::usage);
  const long long mp = 1LL * s.tp * s.pp * s.cp;
  if (s.num_gpus % mp != 0)
    throw Error("tp x pp x cp = " + std::to_string(mp) + " does not divide num-gpus " + std::to_string(s.num_gpus));
  const int dp = static_cast<int>(s.num_gpus / mp);
  if (s.ep > 1 && dp % s.ep != 0)
    throw Error("ep " + std::to_string(s.ep) + " must divide the data-parallel degree " + std::to_string(dp) +
                " (Megatron draws expert-parallel ranks from data-parallel ones)");
  if (s.zero < 0 || s.zero > 3) throw Error("zero must be 0, 1, 2 or 3", ErrorKind::usage);
  if (s.offload != Offload::none && s.zero == 0)
    throw Error("offloading needs ZeRO 1-3 (DeepSpeed ZeRO-Offload shards the optimizer first); pass --zero 2 or 3");
  if (s.offload == Offload::optimizer_params && s.zero != 3)
    throw Error("offloading parameters needs ZeRO-3 (or FSDP full sharding)");
  if (s.shard_group > 0 && (dp % s.shard_group != 0))
    throw Error("shard-group " + std::to_string(s.shard_group) + " must divide the data-parallel degree " +
                std::to_string(dp));
  if (s.arch && s.arch->attn.num_heads % s.tp != 0 && kv_layers(*s.arch) > 0)
    throw Error("tp " + std::to_string(s.tp) + " does not divide the " + std::to_string(s.arch->attn.num_heads) +
                " attention heads");
  if (s.arch && s.pp > s.arch->num_layers) throw Error("pp exceeds the number of layers");
  if ((s.lora_rank > 0 || s.qlora) && !s.arch)
    throw Error("LoRA / QLoRA need --model: the adapter size depends on the layer widths", ErrorKind::usage);
  if (s.qlora && s.lora_rank <= 0) throw Error("--qlora needs a LoRA rank", ErrorKind::usage);
  if (s.lora_rank > 0 && (s.lora_targets & kLoraAllLinear) == 0)
    throw Error("LoRA needs at least one target layer", ErrorKind::usage);
}

double layer_activation_bytes(const Architecture& a, const LayerGroup& g, double s, double b, int tp, bool sp,
                              Recompute r, bool flash, bool dropout) {
  // Korthikanti et al. 2022, sec. 4.1 / Table 2, in units of s*b*h bytes (16-bit activations):
  // attention 11 sbh + 5 a s^2 b, MLP 19 sbh, two layer norms 4 sbh: sbh(34 + 5as/h).
  // Generalized: Q/K/V/output widths from the heads (GQA shrinks K and V), the MLP from its
  // intermediate size (gated MLPs store gate, up, act(gate) and their product), MoE from top-k.
  const double h = a.hidden, sbh = s * b * h, t = tp;
  // Full recompute keeps only the layer input (Table 2 last row); with sequence parallelism that
  // input is itself split over the TP ranks (Megatron-LM checkpoints the SP-sharded input).
  if (r == Recompute::full) return 2.0 * sbh / (sp ? t : 1.0);
  double replicated = 0, split = 0;
  if (g.mixer == Mixer::attention || g.mixer == Mixer::mla) {
    const double q = double(a.attn.num_heads) * a.attn.head_dim / h;
    const double kv = (g.mixer == Mixer::mla ? double(a.attn.num_heads) * a.attn.head_dim
                                             : double(a.attn.num_kv_heads) * a.attn.head_dim) /
                      h;
    const double v = g.mixer == Mixer::mla ? double(a.attn.num_heads) * a.mla.v_head_dim / h : kv;
    replicated += 2 + 2 + (dropout ? 1 : 0);  // norm input, QKV input, output dropout mask
    split += 2 * q + 2 * kv + 2 * v + 2 * q;  // Q, K, V, attention output (= projection input)
  } else if (g.mixer != Mixer::none) {
    // SSM mixers (estimate, not from the paper): norm + input, the in_proj outputs and the
    // conv/scan outputs, ~10 bytes per d_inner element per token.
    const double di = g.mixer == Mixer::mamba1   ? double(a.ssm.d_inner)
                      : g.mixer == Mixer::mamba2 ? double(a.ssm.num_heads) * a.ssm.head_dim
                                                 : double(a.ssm.gdn_v_heads) * a.ssm.gdn_v_dim;
    replicated += 4;
    split += 10.0 * di / h;
  }
  if (g.ffn != Ffn::none) {
    double inter = 0, copies = 1;
    if (g.ffn == Ffn::dense)
      inter = double(a.dense.intermediate);
    else
      inter = double(a.moe.expert_intermediate) * a.moe.top_k + double(a.moe.shared_intermediate) * a.moe.num_shared;
    // plain: activation input + output (2 * 2I); gated: gate, up, act(gate), product (4 * 2I)
    copies = a.dense.gated ? 4 : 2;
    replicated += 2 + 2 + (dropout ? 1 : 0);  // norm input, MLP input, dropout mask
    split += copies * 2 * inter / h;
  }
  // Attention scores: softmax output 2as^2b, dropout mask as^2b, dropout output 2as^2b; FlashAttention
  // and selective recomputation keep none of them.
  double scores = 0;
  if ((g.mixer == Mixer::attention || g.mixer == Mixer::mla) && !flash && r == Recompute::none) {
    const double kept = g.window_kind == Window::full ? s : std::min(s, double(g.window));
    scores = (dropout ? 5.0 : 2.0) * a.attn.num_heads * kept / h;  // per sbh unit: 5as/h
  }
  double bytes = sp ? sbh * (replicated + split + scores) / t  // TP + SP: everything split
                    : sbh * (replicated + (split + scores) / t);
  // Per-op selective checkpointing (torchtitan torchtitan/models/llama3/infra/parallelize.py
  // _apply_ac "op" policy, @b5bcd76): saves the outputs of every other matmul and of the attention
  // kernel, recomputes the elementwise ops: about half of the stored tensors (estimate).
  if (r == Recompute::op) bytes = 2.0 * sbh / (sp ? t : 1.0) + 0.5 * bytes;
  return bytes;
}

namespace {

struct Split {
  double weights, grads, opt;  // bytes of the three model states, per GPU
  double cpu;
  int dp, shard;
  double trainable, frozen;  // trainable parameters (whole model); frozen base weight bytes per GPU
};

Split model_states(const TrainSetup& s) {
  const StateBytes sb = state_bytes(s.precision, s.optimizer);
  Split r{};
  r.dp = s.num_gpus / (s.tp * s.pp * s.cp);
  // Context-parallel ranks hold the same parameters, so they join the sharding group (torchtitan
  // shards FSDP over the data x context mesh; Megatron's distributed optimizer uses the dp x cp group).
  r.shard = s.zero > 0 ? (s.shard_group > 0 ? s.shard_group : r.dp * s.cp) : 1;
  // TP and PP divide the parameters first (ZeRO paper sec. 7: "MP divides the model");
  // routed experts are also divided by ep and sharded over the expert-data-parallel ranks.
  const double dense = (s.params - s.expert_params) / (double(s.tp) * s.pp);
  const double experts = s.expert_params / (double(s.tp) * s.pp * s.ep);
  const double exp_shard = std::max(1.0, double(r.shard) / s.ep);
  auto shard = [&](double stage_min, double per_param) {
    return s.zero >= stage_min ? (dense / r.shard + experts / exp_shard) * per_param : (dense + experts) * per_param;
  };
  r.trainable = s.params;
  r.frozen = 0;
  if (s.lora_rank > 0) {
    // LoRA (Hu et al. 2021): the base model is frozen (weights only, no gradients or optimizer
    // states); the adapters train with the precision's state bytes. QLoRA (Dettmers et al. 2023):
    // the base linears are NF4 with double quantization; embeddings and the LM head stay 16-bit
    // (bitsandbytes quantizes nn.Linear layers, transformers keeps lm_head unconverted).
    const Architecture& a = *s.arch;
    const double embed = double(a.vocab) * a.hidden * (a.tied_embeddings ? 1 : 2);
    const double base = s.precision == Precision::fp32 ? 4 : 2;
    const double lin = s.qlora ? kNf4DoubleQuantBytes : base;
    const double frozen_dense = std::max(0.0, s.params - s.expert_params - embed) * lin + embed * base;
    const double frozen = frozen_dense / (double(s.tp) * s.pp) + s.expert_params * lin / (double(s.tp) * s.pp * s.ep);
    r.frozen = s.zero >= 3 ? frozen / r.shard : frozen;
    r.trainable = lora_params(a, s.lora_rank, s.lora_targets);
    const double t = r.trainable / (double(s.tp) * s.pp);  // adapters split with their base matrices
    auto shard_t = [&](double stage_min, double per_param) {
      return (s.zero >= stage_min ? t / r.shard : t) * per_param;
    };
    r.opt = shard_t(1, sb.optimizer);
    r.grads = shard_t(2, sb.gradients);
    r.weights = (r.frozen + shard_t(3, sb.weights)) * s.weight_copies;
  } else {
    // ZeRO paper Table 1: Pos shards the optimizer (stage 1), Pos+g also gradients (2),
    // Pos+g+p also parameters (3): 16P -> 4P + 12P/N -> 2P + 14P/N -> 16P/N.
    r.opt = shard(1, sb.optimizer);
    r.grads = shard(2, sb.gradients);
    r.weights = shard(3, sb.weights) * s.weight_copies;
  }
  if (s.offload != Offload::none) {
    // ZeRO-Offload: optimizer states and the gradients they consume live in host memory.
    r.cpu += r.opt + r.grads;
    r.opt = 0;
    r.grads = 0;
  }
  if (s.offload == Offload::optimizer_params) {
    r.cpu += r.weights;
    r.weights = 0;
    r.frozen = 0;
  }
  return r;
}

double activation_bytes_per_sample(const TrainSetup& s, double* logits_out) {
  if (!s.arch) {
    if (logits_out) *logits_out = 0;
    return 0;
  }
  const Architecture& a = *s.arch;
  const double seq = s.seq / s.cp;  // context parallelism splits the sequence
  double per_sample = 0;
  for (const auto& g : a.groups)
    per_sample += g.num_layers *
                  layer_activation_bytes(a, g, seq, 1, s.tp, s.sequence_parallel, s.recompute, s.flash_attn, s.dropout);
  // Pipeline 1F1B: the first stage holds pp micro-batches of its L/pp layers, i.e. the
  // activations of all L layers for one micro-batch (Korthikanti Eq. 5, independent of p).
  // Full recompute still runs one layer's full activations during its backward pass.
  if (s.recompute == Recompute::full && !a.groups.empty()) {
    double worst = 0;
    for (const auto& g : a.groups)
      worst = std::max(worst, layer_activation_bytes(a, g, seq, 1, s.tp, s.sequence_parallel, Recompute::selective,
                                                     s.flash_attn, s.dropout));
    per_sample += worst;
  }
  // Logits and loss: s x V per sample, vocab-parallel over tp; a bf16 copy plus an fp32 upcast
  // (6 bytes per element: stas00/ml-engineering training/performance, cases M-73).
  const double logits = seq * double(a.vocab) * 6.0 / s.tp;
  if (logits_out) *logits_out = logits;
  return per_sample;
}

}  // namespace

TrainMemory training_memory(const TrainSetup& s) {
  check_train_setup(s);
  TrainMemory m;
  const Split st = model_states(s);
  m.dp = st.dp;
  m.shard = st.shard;
  m.weights = st.weights;
  m.gradients = st.grads;
  m.optimizer = st.opt;
  m.cpu = st.cpu;
  m.trainable_params = st.trainable;
  m.frozen_weights = st.frozen;
  double logits = 0;
  const double act = activation_bytes_per_sample(s, &logits);
  m.activations = act * s.micro_batch;
  m.logits = logits * s.micro_batch;
  m.activations_per_sample = act + logits;
  // Sharding buffers: ZeRO-3/FSDP gathers one module's full parameters at a time and prefetches
  // the next (2 x largest module in 16-bit); ZeRO-1/2 reduce gradients in buckets (DeepSpeed
  // reduce_bucket_size default 5e8 elements, 16-bit), capped by the local parameter count;
  // plain DDP buckets are 25 MiB (PyTorch bucket_cap_mb default).
  const double local = st.trainable / (double(s.tp) * s.pp);  // gradients are reduced for trainable ones only
  if (s.zero == 3)
    m.buffers = 2.0 * 2.0 * s.largest_layer_params / s.tp;
  else if (s.zero >= 1)
    m.buffers = 2.0 * std::min(5e8, local);
  else
    m.buffers = s.num_gpus > 1 ? 25.0 * kMiB : 0.0;
  // QLoRA computes in 16-bit: bitsandbytes dequantizes one NF4 matrix at a time to a bf16 copy
  // (bitsandbytes/autograd/_functions.py MatMul4Bit: dequantize_4bit, then linear).
  if (s.qlora && s.arch) {
    const Architecture& a = *s.arch;
    m.buffers += 2.0 *
                 std::max({double(a.hidden) * a.dense.intermediate, double(a.hidden) * a.moe.expert_intermediate,
                           double(a.hidden) * a.attn.num_heads * a.attn.head_dim}) /
                 s.tp;
  }
  m.overhead = s.overhead_bytes;
  m.total = m.weights + m.gradients + m.optimizer + m.activations + m.logits + m.buffers + m.overhead;
  return m;
}

double lora_params(const Architecture& a, double r, unsigned targets) {
  const double h = double(a.hidden);
  auto on = [targets](unsigned t) { return (targets & t) != 0; };
  double per_model = 0;
  for (const LayerGroup& g : a.groups) {
    double layer = 0;
    if (g.mixer == Mixer::attention) {
      const double q = double(a.attn.num_heads) * a.attn.head_dim * (a.attn.output_gate ? 2 : 1);
      const double kv = double(a.attn.num_kv_heads) * a.attn.head_dim;
      layer += (on(kLoraQ) ? h + q : 0) + (on(kLoraK) ? h + kv : 0) + (on(kLoraV) ? h + kv : 0) +
               (on(kLoraO) ? double(a.attn.num_heads) * a.attn.head_dim + h : 0);
    } else if (g.mixer == Mixer::mla) {
      const double nh = a.attn.num_heads, qk = a.mla.qk_nope_head_dim + a.mla.qk_rope_head_dim;
      const double q = a.mla.q_lora_rank > 0 ? (h + a.mla.q_lora_rank) + (a.mla.q_lora_rank + nh * qk) : h + nh * qk;
      layer += (on(kLoraQ) ? q : 0) + (on(kLoraK) ? h + a.mla.kv_lora_rank + a.mla.qk_rope_head_dim : 0) +
               (on(kLoraV) ? a.mla.kv_lora_rank + nh * (a.mla.qk_nope_head_dim + a.mla.v_head_dim) : 0) +
               (on(kLoraO) ? nh * a.mla.v_head_dim + h : 0);
    }
    auto mlp = [&](double inter, bool gated) {
      return (on(kLoraGate) && gated ? h + inter : 0) + (on(kLoraUp) ? h + inter : 0) + (on(kLoraDown) ? inter + h : 0);
    };
    if (g.ffn == Ffn::dense)
      layer += mlp(double(a.dense.intermediate), a.dense.gated);
    else if (g.ffn != Ffn::none)
      layer += a.moe.num_experts * mlp(double(a.moe.expert_intermediate), a.dense.gated) +
               a.moe.num_shared * mlp(double(a.moe.shared_intermediate), a.dense.gated);
    per_model += g.num_layers * layer;
  }
  return r * per_model;
}

double largest_layer_params(const Architecture& a) {
  return std::max({double(a.vocab) * a.hidden, double(a.hidden) * a.dense.intermediate,
                   double(a.hidden) * a.moe.expert_intermediate});
}

double max_micro_batch(const TrainSetup& s, double capacity) {
  TrainSetup one = s;
  one.micro_batch = 1;
  const TrainMemory m = training_memory(one);
  const double fixed = m.total - m.activations - m.logits;
  if (m.activations_per_sample <= 0) return fixed <= capacity ? std::numeric_limits<double>::infinity() : 0;
  // Total is linear in the micro-batch: fixed + b * per_sample.
  const double b = std::floor((capacity - fixed) / m.activations_per_sample);
  return std::max(0.0, b);
}

}  // namespace mlcalc

namespace mlcalc {

DeepSpeedEstimate deepspeed_estimate(double P, double L, int gpus_per_node, int num_nodes, int zero, bool off_opt,
                                     bool off_param, bool zero_init, bool old_zero2) {
  // Transcribed from DeepSpeed (see the header); int() truncations kept where DeepSpeed has them.
  DeepSpeedEstimate e;
  const double N = double(gpus_per_node) * num_nodes;
  if (zero == 2) {
    if (off_opt) {
      e.gpu_bytes = 2 * P;
      e.cpu_bytes = P * std::max(4 * N, 16.0) * 1.5;
      e.formula = "ZeRO-2 offload: gpu 2P, cpu P*max(4N,16)*1.5";
    } else {
      e.gpu_bytes = old_zero2 ? 4 * P + std::trunc(16 * P / N) : 2 * P + std::trunc(18 * P / N);
      e.cpu_bytes = P * 4 * gpus_per_node * 1.5;
      e.formula = old_zero2 ? "ZeRO-2 (before 2024-06): gpu 4P + int(16P/N)"
                            : "ZeRO-2 (since 2024-06, PR #5099): gpu 2P + int(18P/N)";
    }
    return e;
  }
  // ZeRO-3
  const double largest = 4 * L;
  if (off_param && off_opt) {
    e.gpu_bytes = largest;
    e.cpu_bytes =
        zero_init ? P * 18 * 1.5 / num_nodes : std::max(P * 18 * 1.5 / num_nodes, P * 4 * gpus_per_node * 1.5);
    e.formula = "ZeRO-3 offload params+optimizer: gpu 4L";
  } else if (off_opt) {
    e.gpu_bytes = largest + std::trunc(2 * P / N);
    e.cpu_bytes =
        zero_init ? P * 16 * 1.5 / num_nodes : std::max(P * 16 * 1.5 / num_nodes, P * 4 * gpus_per_node * 1.5);
    e.formula = "ZeRO-3 offload optimizer: gpu 4L + int(2P/N)";
  } else {
    e.gpu_bytes = largest + std::trunc(18 * P / N);
    e.cpu_bytes =
        zero_init ? L * 4 * gpus_per_node * 1.5 : std::max(L * 4 * gpus_per_node * 1.5, P * 4 * gpus_per_node * 1.5);
    e.formula = "ZeRO-3: gpu 4L + int(18P/N)";
  }
  return e;
}

}  // namespace mlcalc
