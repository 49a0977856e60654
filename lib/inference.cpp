#include "inference.hpp"

#include <algorithm>
#include <cmath>

#include "common.hpp"

namespace mlcalc {

void check_parallelism(const Architecture& a, int tp, int pp, int ep) {
  if (tp < 1 || pp < 1 || ep < 1) throw Error("tp, pp and ep must be at least 1", ErrorKind::usage);
  const bool has_attention = kv_layers(a) > 0;
  if (has_attention && a.mla.kv_lora_rank == 0) {
    if (a.attn.num_heads % tp != 0)
      throw Error("tp " + std::to_string(tp) + " does not divide the " + std::to_string(a.attn.num_heads) +
                  " attention heads of " + a.id);
    // KV heads are split across TP ranks; with fewer KV heads than ranks they are replicated,
    // which needs tp to be a multiple of n_kv (vLLM's rule).
    const int kv = a.attn.num_kv_heads;
    if (kv % tp != 0 && tp % kv != 0)
      throw Error("tp " + std::to_string(tp) + " neither divides nor is a multiple of the " + std::to_string(kv) +
                  " KV heads of " + a.id);
  } else if (a.mla.kv_lora_rank > 0 && a.attn.num_heads % tp != 0) {
    throw Error("tp " + std::to_string(tp) + " does not divide the " + std::to_string(a.attn.num_heads) + " MLA heads of " + a.id);
  }
  if (a.dense.intermediate > 0 && a.dense.intermediate % tp != 0 && a.moe.num_experts == 0)
    throw Error("tp " + std::to_string(tp) + " does not divide intermediate_size " + std::to_string(a.dense.intermediate));
  if (pp > a.num_layers)
    throw Error("pp " + std::to_string(pp) + " exceeds the " + std::to_string(a.num_layers) + " layers of " + a.id);
  if (ep > 1) {
    if (a.moe.num_experts == 0) throw Error("ep " + std::to_string(ep) + " given for " + a.id + ", which has no experts (ep needs a MoE model)");
    if (a.moe.num_experts % ep != 0)
      throw Error("ep " + std::to_string(ep) + " does not divide the " + std::to_string(a.moe.num_experts) + " experts of " + a.id);
    if (tp % ep != 0)
      throw Error("ep " + std::to_string(ep) + " must divide tp " + std::to_string(tp) +
                  " (experts are sharded within the tensor-parallel group; attention data parallelism is not modelled)");
  }
}

Efficiency default_efficiency(Mode mode, const Gpu& gpu, const DType& w, ComputeClass used) {
  Efficiency e;
  if (mode == Mode::roofline) {
    e.memory_source = e.matmul_source = "roofline: peak (efficiency 1, no overheads, no link latency)";
    return e;
  }
  // Memory: the measured copy fraction from hardware-db when present; otherwise 0.80, below
  // every measured value in hardware-db (H100 0.90, H200 0.90; MODELING.md).
  if (gpu.eff_memory_bw > 0) {
    e.memory_bw = gpu.eff_memory_bw;
    e.memory_source = "hardware-db " + gpu.id + " [efficiency]: " + gpu.eff_source;
  } else {
    e.memory_bw = 0.80;
    e.memory_source = "default 0.80 (no measurement for " + gpu.id + " in hardware-db)";
  }
  // Matmul: MAMF (measured max achievable matmul) fraction for the dtype used, else 0.70.
  const double m = used == ComputeClass::fp8 ? gpu.eff_matmul_fp8 : gpu.eff_matmul_bf16;
  if (m > 0) {
    e.matmul = m;
    e.matmul_source = "hardware-db " + gpu.id + " [efficiency] " + std::string(compute_class_name(used)) + ": " + gpu.eff_source;
  } else {
    e.matmul = 0.70;
    e.matmul_source = "default 0.70 (no " + std::string(compute_class_name(used)) + " matmul measurement for " + gpu.id + ")";
  }
  // Weight-only int8/int4 decode kernels dequantize on the fly and stream below copy speed:
  // gpt-fast on A100 (cases I-01..I-03) reached 1069 GB/s (int8) and 863 GB/s (int4 g32) where
  // bf16 reached 1397 GB/s: 0.77 and 0.62 of the bf16 figure, applied as a ratio on top of the
  // memory-bandwidth fraction (fitted on I-02/I-03; I-04..I-08 are the out-of-sample checks).
  if (w.kind == DType::Kind::int8) e.dequant = 1069.20 / 1397.31;
  if (w.kind == DType::Kind::int4) e.dequant = 862.69 / 1397.31;
  // NCCL ring all-reduce bus bandwidth on 8xH100 ~365 GB/s of 450 (stas00/ml-engineering network/README.md).
  e.comm = 365.0 / 450.0;
  e.comm_latency = true;
  // Per-step fixed cost: kernel launches with CUDA graphs, scheduling, sampling. 0.3 ms is an
  // assumption, not a measurement (gpt-fast's batch-1 gap between 1397 GB/s achieved and ~1700 GB/s
  // copy bandwidth is ~1.7 ms per token, so this is on the optimistic side).
  e.step_overhead_s = 0.3e-3;
  // Small GEMMs: M rows reach M/(M+64) of the large-GEMM fraction (assumption: tiles of 64-128
  // rows are partly empty and the weight stream dominates; no published fit).
  e.small_gemm_rows = 64;
  return e;
}

double weight_bytes_per_gpu(const Deployment& d) {
  const auto& p = d.params;
  const double experts = p.routed_experts * d.experts.bytes();
  const double rest = (p.total - p.routed_experts) * d.weights.bytes();
  // TP splits every matrix; PP splits layers (the embedding and LM head sit on the first and
  // last stages: spread evenly here, the average stage).
  return (rest + experts) / (double(d.tp) * d.pp);
}

namespace {

// Fraction of the KV cache one TP rank holds: heads split, replicated when n_kv < tp;
// MLA latent cache replicated on every rank (MODELING.md "Tensor parallel").
double kv_share(const Deployment& d) {
  const Architecture& a = *d.arch;
  if (a.mla.kv_lora_rank > 0) return 1.0;
  return std::max(1.0 / d.tp, 1.0 / a.attn.num_kv_heads);
}

double round_up(double x, double m) { return m > 0 ? std::ceil(x / m) * m : x; }

// Expected distinct experts hit by `tokens` tokens with uniform top-k routing:
// E * (1 - (1 - k/E)^tokens)  (MODELING.md "Inference time").
double experts_touched(const MoeSpec& m, double tokens) {
  if (m.num_experts == 0) return 0;
  const double E = m.num_experts, k = m.top_k;
  return E * (1.0 - std::pow(1.0 - k / E, tokens));
}

// Time of one ring all-reduce of `bytes` among t ranks: 2(t-1)/t * bytes / bw + 2(t-1) * latency.
double allreduce_s(const Deployment& d, double bytes, int t) {
  if (t <= 1 || !d.link) return 0;
  double s = 2.0 * (t - 1) / t * bytes / (d.link->bandwidth_bytes_per_s * d.eff.comm);
  if (d.eff.comm_latency) s += 2.0 * (t - 1) * d.link->latency_s;
  return s;
}

// All-to-all among e ranks: each rank sends (e-1)/e of `bytes`.
double alltoall_s(const Deployment& d, double bytes, int e) {
  if (e <= 1 || !d.link) return 0;
  double s = (e - 1.0) / e * bytes / (d.link->bandwidth_bytes_per_s * d.eff.comm);
  if (d.eff.comm_latency) s += d.link->latency_s;
  return s;
}

}  // namespace

double kv_bytes_per_gpu_per_seq(const Deployment& d, double context, bool paged) {
  const double ctx = paged ? round_up(context, d.block_size) : context;
  return kv_bytes_per_sequence(*d.arch, ctx, d.kv) * kv_share(d) / d.pp;
}

double state_bytes_per_gpu_per_seq(const Deployment& d) {
  return state_bytes_per_sequence(*d.arch, d.state) / (double(d.tp) * d.pp);
}

Step forward_step(const Deployment& d, double batch, double context, double prefill_tokens, double prompt_len) {
  const Architecture& a = *d.arch;
  const ParamCounts& p = d.params;
  const double tp = d.tp, pp = d.pp;
  // Pipeline: the batch moves as min(pp, batch) micro-batches; a token crosses all stages, so
  // one step of the whole batch takes pp stage-times of one micro-batch (plus hand-offs).
  const double micro = std::min(pp, std::max(1.0, batch));
  const double b = batch / micro, pre = prefill_tokens / micro;
  const double tokens = b + pre;  // rows of every GEMM in this micro-batch

  Step s;
  // Weights read once per micro-batch per stage: everything but the embedding table (a gather)
  // and the routed experts; of those, only the experts the tokens touch.
  const double embed_bytes = p.embedding * d.weights.bytes();
  const double dense_bytes = (p.total - p.routed_experts) * d.weights.bytes() - embed_bytes;
  const double one_expert_bytes = p.one_expert_per_layer * d.experts.bytes();
  const double expert_bytes = p.num_moe_layers * experts_touched(a.moe, tokens) * one_expert_bytes;
  s.weight_bytes = (dense_bytes + expert_bytes) / (tp * pp);
  // KV: read the whole context of every decoding sequence; write the new tokens.
  s.kv_bytes = b * kv_bytes_per_gpu_per_seq(d, context, false) +
               pre * kv_bytes_per_gpu_per_seq(d, 1, false);
  // Prefill attention (flash-attention tiles) reads a prompt's earlier KV once per chunk, not per
  // token: count each prompt in the step once, at half its length on average.
  if (pre > 0 && prompt_len > 0) s.kv_bytes += (pre / prompt_len) * kv_bytes_per_gpu_per_seq(d, prompt_len / 2, false);
  // Recurrent state: read and written once per sequence per step.
  s.state_bytes = 2.0 * (b + (prompt_len > 0 ? pre / prompt_len : 0)) * state_bytes_per_gpu_per_seq(d);
  s.total_bytes = s.weight_bytes + s.kv_bytes + s.state_bytes;

  // FLOPs, split over the tp*pp GPUs: GEMMs (2 * active matmul params per token), decode
  // attention over the context, causal attention of the prompts being prefilled.
  const double gemm_flops = decode_flops_per_token(a, p, 0) * tokens / (tp * pp);
  const double dec_attn_flops = b * decode_attention_flops(a, context) / (tp * pp);
  double pre_attn_flops = 0;
  if (pre > 0) {
    const double per_prompt = prompt_len > 0 ? prompt_len : pre;
    pre_attn_flops = (pre / per_prompt) * (prefill_flops(a, p, per_prompt) -
                                           decode_flops_per_token(a, p, 0) * per_prompt) / (tp * pp);
  }
  s.flops = gemm_flops + dec_attn_flops + pre_attn_flops;

  // Per-kernel roofline: GEMMs, decode attention and prefill attention are separate kernels that
  // run one after another, so each is bounded by its own max(bytes/BW, FLOPs/peak) and the step
  // is their sum (a valid upper bound on speed, tighter than one max over the whole step).
  const double bw = d.gpu->memory_bw_bytes_per_s * d.eff.memory_bw;
  const double weight_bw = bw * d.eff.dequant;
  double eff_mm = d.eff.matmul;
  if (d.eff.small_gemm_rows > 0) eff_mm *= tokens / (tokens + d.eff.small_gemm_rows);
  s.matmul_eff = eff_mm;
  const double fl = d.peak.flop_per_s * eff_mm;
  const double k_gemm_mem = s.weight_bytes / weight_bw, k_gemm_cmp = gemm_flops / fl;
  const double pre_kv = (pre > 0 && prompt_len > 0) ? (pre / prompt_len) * kv_bytes_per_gpu_per_seq(d, prompt_len / 2, false) : 0.0;
  const double k_dec_mem = (s.kv_bytes - pre_kv + s.state_bytes) / bw, k_dec_cmp = dec_attn_flops / fl;
  const double k_pre_mem = pre_kv / bw, k_pre_cmp = pre_attn_flops / fl;
  s.t_memory = s.t_compute = 0;
  auto kernel = [&](double mem, double cmp) {
    (mem >= cmp ? s.t_memory : s.t_compute) += std::max(mem, cmp);
  };
  kernel(k_gemm_mem, k_gemm_cmp);
  kernel(k_dec_mem, k_dec_cmp);
  kernel(k_pre_mem, k_pre_cmp);

  // Communication per stage: TP all-reduces after the mixer and after the FFN of each layer
  // (Megatron-LM: 2 per layer), MoE all-to-all dispatch + combine under EP, PP hand-off.
  const double act = tokens * a.hidden * d.act_bytes;
  double comm = 0;
  for (const auto& g : a.groups) {
    const double layers = g.num_layers / pp;
    if (g.mixer != Mixer::none) comm += layers * allreduce_s(d, act, d.tp);
    if (g.ffn == Ffn::dense) comm += layers * allreduce_s(d, act, d.tp);
    if (g.ffn == Ffn::moe) {
      if (d.ep > 1) {
        // Each token goes to k experts and comes back: dispatch + combine (DeepSeek ISCA'25 2.3.2).
        comm += layers * 2.0 * alltoall_s(d, tokens * a.moe.top_k * a.hidden * d.act_bytes, d.ep);
        if (d.tp / d.ep > 1) comm += layers * allreduce_s(d, act, d.tp / d.ep);
      } else {
        comm += layers * allreduce_s(d, act, d.tp);
      }
    }
  }
  double handoff = 0;
  if (d.pp > 1 && d.link) {
    handoff = act / (d.link->bandwidth_bytes_per_s * d.eff.comm) + (d.eff.comm_latency ? d.link->latency_s : 0);
  }
  s.t_comm = comm;
  s.t_overhead = d.eff.step_overhead_s;
  const double stage = s.t_memory + s.t_compute + s.t_comm + s.t_overhead;
  s.time = pp * stage + (pp - 1) * handoff;
  if (s.t_comm > std::max(s.t_memory, s.t_compute)) s.bound = "communication";
  else s.bound = s.t_compute > s.t_memory ? "compute" : "memory";
  // Report per-step totals of the whole step (all micro-batches), per GPU.
  s.weight_bytes *= micro, s.kv_bytes *= micro, s.state_bytes *= micro, s.total_bytes *= micro, s.flops *= micro;
  s.t_memory *= pp, s.t_compute *= pp, s.t_comm = s.t_comm * pp + (pp - 1) * handoff, s.t_overhead *= pp;
  return s;
}

Step prefill_step(const Deployment& d, double batch, double tokens) {
  // Prefill as a step with no decoding sequences and batch*tokens prompt tokens.
  return forward_step(d, 0, 0, batch * tokens, tokens);
}

InferenceMemory inference_memory(const Deployment& d, double batch, double context) {
  InferenceMemory m;
  const Architecture& a = *d.arch;
  m.capacity = d.gpu->memory_bytes;
  m.weights = weight_bytes_per_gpu(d);
  m.kv = batch * kv_bytes_per_gpu_per_seq(d, context, true);
  m.state = batch * state_bytes_per_gpu_per_seq(d);
  // Activation workspace, reserved whatever the batch: one step of max_batched_tokens (hidden
  // states, QKV, the MLP's gate+up in bf16, split by TP) plus fp32 logits of up to 256 sampled
  // sequences (vLLM profiles a dummy forward of max_num_batched_tokens at start-up; this is our
  // estimate of that peak, not a measurement).
  const double T = d.max_batched_tokens;
  const double inter = std::max<double>(a.dense.intermediate, double(a.moe.expert_intermediate) * std::max(1, a.moe.top_k));
  m.activations = T * (4.0 * a.hidden + 2.0 * inter / d.tp) * d.act_bytes + 256.0 * a.vocab * 4.0 / d.tp;
  m.other = d.runtime_overhead_bytes;
  m.total = m.weights + m.kv + m.state + m.activations + m.other;
  m.fits = m.total <= m.capacity * d.gpu_mem_util;
  return m;
}

double kv_budget_bytes(const Deployment& d) {
  // The engine's share of GPU memory minus what does not grow with the batch (the workspace is
  // reserved whatever the batch: see inference_memory).
  const InferenceMemory fixed = inference_memory(d, 0, 0);
  return d.gpu->memory_bytes * d.gpu_mem_util - fixed.weights - fixed.activations - fixed.other;
}

double max_sequences(const Deployment& d, double context) {
  const double free_bytes = kv_budget_bytes(d);
  const double per_seq = kv_bytes_per_gpu_per_seq(d, context, true) + state_bytes_per_gpu_per_seq(d);
  return free_bytes > 0 ? std::floor(free_bytes / per_seq) : 0;
}

BatchRow evaluate_batch(const Deployment& d, double batch, double input, double output) {
  BatchRow r;
  r.batch = batch;
  r.prefill = prefill_step(d, batch, input);
  // Decode at the mean context of the generation (input + output/2).
  r.decode = forward_step(d, batch, input + output / 2.0);
  r.ttft_s = r.prefill.time;
  r.tpot_s = r.decode.time;
  r.e2e_s = r.ttft_s + (output - 1) * r.tpot_s;
  r.tokens_per_s_per_user = 1.0 / r.tpot_s;
  r.decode_tokens_per_s = batch / r.tpot_s;
  r.output_tokens_per_s = batch * output / r.e2e_s;
  r.output_tokens_per_s_per_gpu = r.output_tokens_per_s / d.num_gpus();
  // MBU and MFU of the decode step: achieved bytes/s and FLOP/s over the peaks (per GPU).
  r.mbu = r.decode.total_bytes / r.decode.time / d.gpu->memory_bw_bytes_per_s;
  r.mfu = r.decode.flops / r.decode.time / d.peak.flop_per_s;
  r.memory = inference_memory(d, batch, input + output);
  return r;
}

}  // namespace mlcalc
