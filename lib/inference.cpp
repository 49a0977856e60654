#include "inference.hpp"

#include <algorithm>
#include <cmath>

#include "common.hpp"
#include "roofline.hpp"

namespace mlcalc {

void check_parallelism(const Architecture& a, const ParallelPlan& plan) {
  const auto problems = validate(&a, plan);
  if (problems.empty()) return;
  const bool usage = problems.front().rfind("tp, pp", 0) == 0;
  throw Error(problems.front(), usage ? ErrorKind::usage : ErrorKind::input);
}

void check_parallelism(const Architecture& a, int tp, int pp, int ep) {
  ParallelPlan plan;
  plan.tp = tp, plan.pp = pp, plan.ep = ep;
  check_parallelism(a, plan);
}

namespace {
// Fixed costs of a decode step (realistic mode), fitted on visible batch-1 rows only:
//  - kLayerOverheadS, 70 us per layer per step: kernel prologues/epilogues, launch gaps and the
//    norms/rotary/activation kernels of a layer (~10 kernels x ~7 us) that a bytes/bandwidth
//    model misses. Least-squares compromise of gpt-fast bf16 I-01 (58 us alone) and I-06, and the
//    NVIDIA NIM genai-perf concurrency-1 ITL rows at 200-token prompts (wbing520/ai-performance-
//    engineering@0e25b2e code/ch10_inference/inference_gpu_cluster_sizing/dataset/nim.csv:
//    Llama-3-8B/70B, A100/H100, TP 1-8; 72-98 us per layer after the TP all-reduces).
//    It replaces the former 0.3 ms per step, an unsourced assumption.
//  - kStepOverheadS: no per-step term survives the fit (the intercept of that fit is below 0).
//  - kSeqOverheadS: per-sequence host cost (sampling, detokenisation, streaming) is an engine
//    property: 0 here; NIM rows at concurrency 50-250 suggest 50-70 us per sequence per step for
//    Llama-3-8B, but TensorRT-LLM's offline trtllm-bench (case I-30) shows none; engine profiles
//    set it.
//  - kAttnTokenS, 10 ns per context token per attention layer on H100 SXM: the growth of NIM
//    concurrency-1 ITL with context (8B and 70B, TP 1-8, bf16 and fp8 KV: 7-11 ns per token-layer on
//    H100 whatever the KV bytes or heads per GPU); the A100 rows (13-17 ns) check the bandwidth
//    scaling out of sample.
constexpr double kStepOverheadS = 0;
constexpr double kLayerOverheadS = 70e-6;
constexpr double kSeqOverheadS = 0;
constexpr double kAttnTokenS = 10e-9;
constexpr const char* kOverheadSource =
    "fitted: 70 us per layer on gpt-fast I-01/I-06 and NIM concurrency-1 rows; 10 ns per context token per attention "
    "layer "
    "on H100 NIM rows (docs/model.md \"Efficiencies\")";
}  // namespace

Efficiency default_efficiency(Mode mode, const Gpu& gpu, const DType& w, ComputeClass used) {
  Efficiency e;
  if (mode == Mode::roofline) {
    e.memory_source = e.matmul_source = "roofline: peak (efficiency 1, no overheads, no link latency)";
    return e;
  }
  // Memory: the measured copy fraction from hardware-db when present; otherwise 0.80, below
  // every measured value in hardware-db (H100 0.90, H200 0.90; docs/model.md "Efficiencies").
  if (gpu.eff_memory_bw > 0) {
    e.memory_bw = gpu.eff_memory_bw;
    e.memory_source = "hardware-db " + gpu.id + " [efficiency]: " + gpu.eff_source;
  } else {
    e.memory_bw = 0.80;
    e.memory_source = "default 0.80 (no measurement for " + gpu.id + " in hardware-db)";
  }
  // Matmul: the measured MAMF (maximum achievable matmul FLOPS) fraction of the dtype that runs
  // (bf16, fp8, fp4, int8: hardware-db [efficiency]), else 0.70.
  const double m = measured_matmul_fraction(gpu, used);
  if (m > 0) {
    e.matmul = m;
    e.matmul_source =
        "hardware-db " + gpu.id + " [efficiency] " + std::string(compute_class_name(used)) + ": " + gpu.eff_source;
  } else {
    e.matmul = 0.70;
    e.matmul_source =
        "default 0.70 (no " + std::string(compute_class_name(used)) + " matmul measurement for " + gpu.id + ")";
  }
  // Weight-only int8/int4 decode kernels dequantize on the fly and stream below copy speed: a
  // factor on the memory-bandwidth fraction for weights, fitted together with kLayerOverheadS on
  // gpt-fast batch-1 decode, A100-80GB (pytorch-labs/gpt-fast README, cases I-01..I-08):
  // int8 0.88 (I-02 +3%, I-04 -3%, I-07, I-08 out of sample), int4 g32 0.75 (I-03 +8%, I-05 -2%).
  if (w.kind == DType::Kind::int8) e.dequant = 0.88;
  if (w.kind == DType::Kind::int4) e.dequant = 0.75;
  // Collectives at their measured latency and bus bandwidth (hardware-db [collectives]).
  e.measured_comm = true;
  // Fixed costs of a step, fitted on visible batch-1 decode rows only (see kLayerOverheadS).
  e.step_overhead_s = kStepOverheadS;
  e.layer_overhead_s = kLayerOverheadS;
  e.seq_overhead_s = kSeqOverheadS;
  e.overhead_source = kOverheadSource;
  // Small GEMMs: M rows reach M/(M+64) of the large-GEMM fraction (assumption: tensor-core tiles
  // of 64-128 rows are partly empty; no published fit).
  e.small_gemm_rows = 64;
  // Decode attention walks each sequence's context serially within a head (one CTA per
  // (sequence, KV head) unless the kernel splits the context): a floor of kAttnTokenS per context
  // token per attention layer, scaled by memory bandwidth relative to H100 SXM (3.35 TB/s).
  e.attn_token_s = kAttnTokenS * 3.35e12 / gpu.memory_bw_bytes_per_s;
  return e;
}

namespace {

// Elements of the mixer (attention/MLA projections) of all layers: replicated on every TP rank
// when attention is data-parallel.
double mixer_params(const Architecture& a) {
  double n = 0;
  for (const auto& g : a.groups) n += g.num_layers * mixer_params_per_layer(a, g.mixer);
  return n;
}

// GPUs the routed experts are spread over: the TP group, or EP ranks when EP spans TP x DP.
double expert_split(const Deployment& d) {
  return std::max(d.tp, d.ep);
}

}  // namespace

double weight_bytes_per_gpu(const Deployment& d) {
  const auto& p = d.params;
  const double experts = p.routed_experts * d.experts.bytes() / expert_split(d);
  const double mixer = d.dp_attention ? mixer_params(*d.arch) : 0;
  const double rest = ((p.total - p.routed_experts - mixer) / d.tp + mixer) * d.weights.bytes();
  // PP splits layers (the embedding and LM head sit on the first and last stages: spread evenly
  // here, the average stage).
  return (rest + experts) / d.pp;
}

namespace {

// Fraction of the KV cache one TP rank holds: heads split, replicated when n_kv < tp; MLA's
// latent cache replicated on every rank, unless attention is data-parallel (each rank then holds
// only its own sequences: SGLang DP attention, lmsys.org/blog/2024-12-04-sglang-v0-4).
double kv_share(const Deployment& d) {
  const Architecture& a = *d.arch;
  if (d.dp_attention) return 1.0 / d.tp;
  if (a.mla.kv_lora_rank > 0) return 1.0;
  return std::max(1.0 / d.tp, 1.0 / a.attn.num_kv_heads);
}

double round_up(double x, double m) {
  return m > 0 ? std::ceil(x / m) * m : x;
}

// Expected distinct experts hit by `tokens` tokens with uniform top-k routing:
// E * (1 - (1 - k/E)^tokens)  (docs/model.md "Mixture of experts").
double experts_touched(const MoeSpec& m, double tokens) {
  if (m.num_experts == 0) return 0;
  const double E = m.num_experts, k = m.top_k;
  return E * (1.0 - std::pow(1.0 - k / E, tokens));
}

// Link for a collective among `ranks` consecutive GPUs: the scale-up link inside the domain,
// the scale-out network beyond it (falls back to the scale-up link when none is known).
const Interconnect* link_for(const Deployment& d, int ranks) {
  if (d.scale_up_domain > 0 && ranks > d.scale_up_domain && d.scale_out) return d.scale_out;
  return d.scale_up ? d.scale_up : d.scale_out;
}

}  // namespace

double kv_bytes_per_gpu_per_seq(const Deployment& d, double context, bool paged) {
  const double ctx = paged ? round_up(context, d.block_size) : context;
  return kv_bytes_per_sequence(*d.arch, ctx, d.kv) * kv_share(d) / d.pp;
}

double state_bytes_per_gpu_per_seq(const Deployment& d) {
  return state_bytes_per_sequence(*d.arch, d.state) / (double(d.tp) * d.pp);
}

namespace {

// One pipeline stage's work for one micro-batch, per GPU, as a fraction `share` of the model's
// layers, with or without the LM head.
struct StageWork {
  double weight_bytes = 0, kv_bytes = 0, state_bytes = 0, flops = 0;
  RooflineSum roof;
  double comm = 0;
};

}  // namespace

Step forward_step(const Deployment& d, double batch, double context, double prefill_tokens, double prompt_len) {
  const Architecture& a = *d.arch;
  const ParamCounts& p = d.params;
  const double tp = d.tp, pp = d.pp;
  const bool ideal = !d.eff.measured_comm;
  // Pipeline: the step's sequences move as m = min(pp, sequences) micro-batches (vLLM runs pp
  // virtual engines; GPipe, Huang et al. 2019). Every micro-batch crosses all stages.
  const double prompts_all =
      (prefill_tokens > 0 && prompt_len > 0) ? prefill_tokens / prompt_len : (prefill_tokens > 0 ? 1 : 0);
  const double m = std::clamp(std::floor(batch + prompts_all), 1.0, pp);
  const double b = batch / m, pre = prefill_tokens / m, prompts = prompts_all / m;
  const double tokens = b + pre;  // rows of every GEMM in this micro-batch

  // --- whole-model quantities of one micro-batch on one GPU (pp = 1) ---
  const double wb = d.weights.bytes(), eb = d.experts.bytes();
  const double head_params = double(a.vocab) * a.hidden;  // LM head (tied or not) multiplies by V x h
  const double mixer = d.dp_attention ? mixer_params(a) : 0;
  const double layer_params = p.total - p.routed_experts - p.embedding - p.lm_head;  // dense part of the layers
  const double dense_bytes = ((layer_params - mixer) / tp + mixer) * wb;
  // Routed experts: the EP group holds tokens from tp x (ep/tp) ranks when EP spans DP ranks.
  const double group_tokens = tokens * std::max(1.0, double(d.ep) / d.tp);
  const double expert_bytes =
      p.num_moe_layers * experts_touched(a.moe, group_tokens) * p.one_expert_per_layer * eb / expert_split(d);
  const double head_bytes = head_params * wb / tp;
  const double kv_dec = b * kv_bytes_per_gpu_per_seq(d, context, false) * pp;  // all layers (undo the /pp)
  const double kv_pre = pre * kv_bytes_per_gpu_per_seq(d, 1, false) * pp;
  // Prefill attention (flash-attention tiles) reads a prompt's earlier KV once per chunk, not per
  // token: count each prompt in the step once, at half its length on average.
  const double kv_pre_read =
      (prompts > 0 && prompt_len > 0) ? prompts * kv_bytes_per_gpu_per_seq(d, prompt_len / 2, false) * pp : 0;
  const double state = 2.0 * (b + prompts) * state_bytes_per_gpu_per_seq(d) * pp;
  // Decode attention floor (Efficiency::attn_token_s): context tokens x attention layers.
  double token_layers = 0;
  for (const auto& g : a.groups)
    if (g.mixer == Mixer::attention || g.mixer == Mixer::mla)
      token_layers += g.num_layers * (g.window_kind == Window::full ? context : std::min(context, double(g.window)));
  const double attn_floor = b > 0 ? token_layers * d.eff.attn_token_s : 0;

  const double expert_active = double(a.moe.top_k) * p.one_expert_per_layer * p.num_moe_layers;
  const double dense_gemm_params = decode_flops_per_token(a, p, 0) / 2.0 - head_params - expert_active;
  const double dense_flops = 2.0 * dense_gemm_params * tokens / tp;
  const double expert_flops = 2.0 * expert_active * tokens / tp;
  const double head_flops = 2.0 * head_params * (b + prompts) / tp;  // logits only for sampled positions
  const double dec_attn_flops = b * decode_attention_flops(a, context) / tp;
  double pre_attn_flops = 0;
  if (pre > 0) {
    const double per_prompt = prompt_len > 0 ? prompt_len : pre;
    pre_attn_flops =
        (pre / per_prompt) * (prefill_flops(a, p, per_prompt) - decode_flops_per_token(a, p, 0) * per_prompt) / tp;
  }

  // Achieved rates. Small GEMMs: dense GEMMs see `tokens` rows; each expert sees tokens x k / E
  // of its EP group (the rows that reach it).
  const double bw = d.gpu->memory_bw_bytes_per_s * d.eff.memory_bw;
  const double weight_bw = bw * d.eff.dequant;
  auto small = [&](double rows) { return d.eff.small_gemm_rows > 0 ? rows / (rows + d.eff.small_gemm_rows) : 1.0; };
  const double per_expert = a.moe.num_experts > 0 ? group_tokens * a.moe.top_k / a.moe.num_experts : 0;
  Step s;
  s.matmul_eff = d.eff.matmul * small(tokens);
  s.expert_matmul_eff = a.moe.num_experts > 0 ? d.eff.matmul * small(per_expert) : 0;
  const double fl_dense = d.peak.flop_per_s * s.matmul_eff, fl_expert = d.peak.flop_per_s * s.expert_matmul_eff;
  const double fl_attn = d.peak.flop_per_s * s.matmul_eff,
               fl_head = d.peak.flop_per_s * d.eff.matmul * small(b + prompts);

  // --- communication of all layers for one micro-batch ---
  const double act = tokens * a.hidden * d.act_bytes;
  double comm = 0;
  s.allreduce = "none";
  // Every layer all-reduces the same buffer among the same ranks: time it once per step.
  int memo_ranks = 0;
  double memo_bytes = -1, memo_time = 0;
  auto allreduce = [&](int ranks, double bytes) {
    if (ranks == memo_ranks && bytes == memo_bytes) return memo_time;
    const Interconnect* l = link_for(d, ranks);
    if (ranks <= 1 || !l) return 0.0;
    CollectiveTime c = all_reduce(*l, d.allreduce, ranks, bytes, ideal);
    // Engines dispatch by size: their custom kernels for small buffers, NCCL above (vLLM
    // CustomAllreduce.should_custom_ar, TensorRT-LLM AllReduceStrategy::AUTO): the faster one.
    if (!ideal && (d.allreduce == AllReduceAlgo::custom || d.allreduce == AllReduceAlgo::vllm)) {
      const CollectiveTime n = all_reduce(*l, AllReduceAlgo::nccl, ranks, bytes, false);
      if (n.time_s < c.time_s) c = n;
    }
    if (s.allreduce == "none") s.allreduce = c.algorithm;
    memo_ranks = ranks, memo_bytes = bytes, memo_time = c.time_s;
    return c.time_s;
  };
  const Interconnect* tp_link = link_for(d, d.tp);
  const Interconnect* ep_link = link_for(d, d.ep);
  for (const auto& g : a.groups) {
    const double n = g.num_layers;
    if (d.dp_attention) {
      // Attention runs on each rank's own sequences; around each FFN the TP group gathers the
      // tokens and scatters the result (SGLang DP attention), or dispatches/combines them by
      // all-to-all to the EP ranks (DeepEP; DeepSeek-V3 report, arXiv:2412.19437 sec. 3.4).
      if (g.ffn == Ffn::none || !tp_link) continue;
      if (g.ffn == Ffn::moe && d.ep > 1 && ep_link)
        comm +=
            n * 2.0 * all_to_all_peer(*ep_link, d.ep, tokens / tp * a.moe.top_k * a.hidden * d.act_bytes, ideal).time_s;
      else
        comm += n * (all_gather(*tp_link, d.tp, act, ideal).time_s + reduce_scatter(*tp_link, d.tp, act, ideal).time_s);
      continue;
    }
    // Megatron-LM: one all-reduce after the mixer and one after the FFN of each layer.
    if (g.mixer != Mixer::none) comm += n * allreduce(d.tp, act);
    if (g.ffn == Ffn::dense) comm += n * allreduce(d.tp, act);
    if (g.ffn == Ffn::moe) {
      if (d.ep > 1 && ep_link) {
        // Each token goes to k experts and comes back: dispatch + combine (DeepSeek ISCA'25 2.3.2).
        comm += n * 2.0 * all_to_all_peer(*ep_link, d.ep, tokens * a.moe.top_k * a.hidden * d.act_bytes, ideal).time_s;
        if (d.tp > d.ep) comm += n * allreduce(d.tp / d.ep, act);
      } else {
        comm += n * allreduce(d.tp, act);
      }
    }
  }

  // --- pipeline stages: layers do not divide evenly; the first L mod pp stages take one more
  // layer; the last stage also runs the LM head (the embedding gather on the first is free) ---
  const int L = std::max(1, a.num_layers), P = d.pp;
  auto stage = [&](int k) {
    const int layers = L / P + (k < L % P ? 1 : 0);
    const double f = double(layers) / L;
    const bool last = k == P - 1;
    StageWork w;
    w.weight_bytes = f * (dense_bytes + expert_bytes) + (last ? head_bytes : 0);
    w.kv_bytes = f * (kv_dec + kv_pre + kv_pre_read);
    w.state_bytes = f * state;
    w.flops = f * (dense_flops + expert_flops + dec_attn_flops + pre_attn_flops) + (last ? head_flops : 0);
    // Per-kernel roofline: GEMMs, decode attention and prefill attention are separate kernels
    // run one after another, each bounded by its own max(bytes/BW, FLOPs/peak).
    w.roof.add(kernel_time(f * dense_bytes, f * dense_flops, weight_bw, fl_dense));
    if (expert_flops > 0) w.roof.add(kernel_time(f * expert_bytes, f * expert_flops, weight_bw, fl_expert));
    KernelTime dec = kernel_time(f * (kv_dec + kv_pre + state), f * dec_attn_flops, bw, fl_attn);
    if (f * attn_floor > dec.time_s) dec = {f * attn_floor, true};
    w.roof.add(dec);
    w.roof.add(kernel_time(f * kv_pre_read, f * pre_attn_flops, bw, fl_attn));
    if (last) w.roof.add(kernel_time(head_bytes, head_flops, weight_bw, fl_head));
    w.comm = f * comm;
    return std::make_pair(w, layers);
  };
  double sum_stage = 0, slowest = -1, handoffs = 0;
  StageWork worst;
  int worst_layers = 0;
  for (int k = 0; k < P; ++k) {
    auto [w, layers] = stage(k);
    // Realistic: communication follows the kernels it separates. Roofline: an engine may overlap it
    // with computation (TensorRT-LLM/SGLang overlap schedulers, DeepSeek-V3 report sec. 3.2.2),
    // so the bound takes the longer of the two.
    const double t =
        ideal ? std::max(w.roof.total(), w.comm) : w.roof.total() + w.comm + d.eff.layer_overhead_s * layers;
    sum_stage += t;
    double send = 0;
    if (k + 1 < P) {
      // Hand-off of the micro-batch's hidden states; it crosses the scale-out network where the
      // next stage sits in another scale-up domain (stages placed TP-group by TP-group).
      const bool cross =
          d.scale_up_domain > 0 && (k * d.tp) / d.scale_up_domain != ((k + 1) * d.tp) / d.scale_up_domain;
      const Interconnect* l = cross && d.scale_out ? d.scale_out : (d.scale_up ? d.scale_up : d.scale_out);
      if (l) send = send_recv(*l, act, ideal).time_s;
      handoffs += send;
    }
    // A stage also sends each of its micro-batches on: in realistic mode the send follows the
    // stage's kernels (NCCL send/recv between the micro-batches), so it counts in the stage's
    // share of the pipeline cycle; the roofline lets it overlap.
    const double busy = ideal ? std::max(t, send) : t + send;
    if (busy > slowest) slowest = busy, worst = w, worst_layers = layers;
  }
  // A micro-batch's token needs every stage in turn; a stage serves the m micro-batches one after
  // another: the step takes the longer of the two (the difference is the bubble).
  const double cycle = std::max(sum_stage + handoffs, m * slowest);
  const double fixed = d.eff.step_overhead_s + d.eff.seq_overhead_s * batch;
  s.time = cycle + fixed;
  s.micro_batches = m;
  // Per-GPU totals of the whole step on the slowest stage (all its micro-batches).
  s.weight_bytes = worst.weight_bytes * m, s.kv_bytes = worst.kv_bytes * m, s.state_bytes = worst.state_bytes * m;
  s.total_bytes = s.weight_bytes + s.kv_bytes + s.state_bytes;
  s.flops = worst.flops * m;
  s.t_memory = worst.roof.t_memory * m, s.t_compute = worst.roof.t_compute * m, s.t_comm = worst.comm * m;
  s.t_overhead = d.eff.layer_overhead_s * worst_layers * m + fixed;
  s.t_bubble = s.time - (s.t_memory + s.t_compute + s.t_comm + s.t_overhead);
  if (s.t_bubble < 1e-15) s.t_bubble = 0;
  if (s.t_comm > std::max(s.t_memory, s.t_compute))
    s.bound = Bound::communication;
  else
    s.bound = s.t_compute > s.t_memory ? Bound::compute : Bound::memory;
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
  const double inter =
      std::max<double>(a.dense.intermediate, double(a.moe.expert_intermediate) * std::max(1, a.moe.top_k));
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
