#include "training_time.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "collectives.hpp"
#include "common.hpp"
#include "parallelism.hpp"

namespace mlcalc {

namespace {

// FlashAttention kernels in training: forward and backward fractions of the bf16 dense peak.
// FlashAttention-2 (Dao 2023, arXiv:2307.08691, sec. 4.1 and Fig. 4-6): forward up to 73% and
// backward up to 63% of A100 peak at long sequences, less for causal masks at 2k-8k; FlashAttention-3
// (Shah et al. 2024, arXiv:2407.08608, sec. 4.1) on H100 BF16: forward 75%, backward about 60%.
// The backward runs 2.5x the forward FLOPs (it recomputes the scores: FlashAttention-2 sec. 4.1).
constexpr double kAttnFwdFraction = 0.60;
constexpr double kAttnBwdFraction = 0.50;
constexpr double kAttnBwdFlopsFactor = 2.5;
// What a training step sustains of those kernel-level rates, fitted (least mean |error|, a grid
// over 0.05 steps) on the visible published runs: Narayanan et al. 2021 Table 2 PTD-P rows (A100,
// GPT-3 175B and 530B), the LLM Foundry MPT A100 benchmarks (mosaicml/llm-foundry scripts/train/
// benchmarking README) and NeMo 24.12 DGX-H100 FP8 rows (NeMo performance summary): GEMMs at 0.78
// of the MAMF rate (launch gaps between the ~30 kernels of a layer, SMs and HBM bandwidth taken
// by the overlapped NCCL kernels, shapes below the MAMF search's best), attention at 0.70 of the
// FlashAttention papers' headline rates (causal masks at 2k-8k tokens; fitted mostly on the
// attention-dominated 65k-token MPT-7B row and the 8k-token Llama-3-8B row). docs/model.md "Training time".
constexpr double kTrainGemmShare = 0.78;
constexpr double kTrainAttnShare = 0.70;
// Default matmul fraction where hardware-db has no measurement (as inference: docs/model.md "Efficiencies").
constexpr double kDefaultMatmulFraction = 0.70;
constexpr double kDefaultMemoryFraction = 0.80;

struct Rates {
  double gemm = 0, attn_fwd = 0, attn_bwd = 0, mem = 0;  // FLOP/s, FLOP/s, FLOP/s, bytes/s
  double peak = 0;                                       // dense peak of the GEMM precision (MFU)
  bool ideal = false;                                    // roofline: peaks, ideal links, full overlap
};

ComputeClass gemm_class(Precision p) {
  switch (p) {
    case Precision::fp8_mixed:
      return ComputeClass::fp8;
    case Precision::fp32:
      return ComputeClass::fp32;
    default:
      return ComputeClass::bf16;
  }
}

Rates rates(const TrainJob& j, const Gpu& g) {
  Rates r;
  r.ideal = j.mode == Mode::roofline;
  const ResolvedPeak gp = resolve_peak(g, gemm_class(j.setup.precision));
  const ResolvedPeak bp = resolve_peak(g, ComputeClass::bf16);
  r.peak = gp.flop_per_s;
  if (r.ideal) {
    r.gemm = gp.flop_per_s;
    r.attn_fwd = r.attn_bwd = bp.flop_per_s;
    r.mem = g.memory_bw_bytes_per_s;
    return r;
  }
  const double m = measured_matmul_fraction(g, gp.used);
  r.gemm = gp.flop_per_s * (m > 0 ? m : kDefaultMatmulFraction) * kTrainGemmShare;
  r.attn_fwd = bp.flop_per_s * kAttnFwdFraction * kTrainAttnShare;
  r.attn_bwd = bp.flop_per_s * kAttnBwdFraction * kTrainAttnShare;
  r.mem = g.memory_bw_bytes_per_s * (g.eff_memory_bw > 0 ? g.eff_memory_bw : kDefaultMemoryFraction);
  return r;
}

/// Per-token quantities of an average transformer layer and of the output layer.
struct PerToken {
  double gemm_flops = 0;       // forward matmul FLOPs of one layer (all TP ranks)
  double attn_flops = 0;       // forward attention-core FLOPs of one layer, causal (sequence s)
  double attn_flops_full = 0;  // same, non-causal convention (MFU: 12 L h s)
  double elem_bytes = 0;       // forward elementwise traffic of one layer (norms, residuals, activations)
  double fp8_cast_bytes = 0;   // forward FP8 quantization traffic of one layer
  double head_flops = 0;       // forward LM-head FLOPs
  double head_elem_bytes = 0;  // logits softmax / cross-entropy traffic, forward + backward
  double kv_bytes = 0;         // K and V of one token of one attention layer, bf16 (context parallelism)
  double moe_dispatch = 0;     // hidden elements each token sends to experts per MoE layer (top-k copies)
  int moe_layers = 0, attn_layers = 0;
};

PerToken per_token(const Architecture& a, const ParamCounts& p, double s) {
  PerToken t;
  const double L = std::max(1, a.num_layers), h = double(a.hidden);
  const double head_params = a.tied_embeddings ? double(a.vocab) * h : p.lm_head;
  // 2 FLOPs per multiply-accumulate of every active weight (Kaplan et al. 2020 arXiv:2001.08361 Table 1).
  const double layer_params = std::max(0.0, p.active - p.embedding - p.lm_head);
  t.gemm_flops = 2.0 * layer_params / L;
  t.head_flops = 2.0 * head_params;
  const double q = double(a.attn.num_heads) * a.attn.head_dim;
  double attn = 0, attn_full = 0, act_width = 0;
  for (const auto& g : a.groups) {
    const double w = g.window_kind == Window::full ? 0.0 : double(g.window);
    const double pairs_per_token = causal_pairs(s, w) / s;
    const double kept = w > 0 ? std::min(s, w) : s;
    if (g.mixer == Mixer::attention || g.mixer == Mixer::mla) {
      const double dims =
          g.mixer == Mixer::mla
              ? a.attn.num_heads * 0.5 * double(a.mla.qk_nope_head_dim + a.mla.qk_rope_head_dim + a.mla.v_head_dim)
              : q;
      // QK^T and AV: 4 x pairs x heads x head_dim (causal: docs/model.md "FLOPs").
      attn += g.num_layers * 4.0 * pairs_per_token * dims;
      attn_full += g.num_layers * 4.0 * kept * dims;
      t.attn_layers += g.num_layers;
    }
    if (g.ffn == Ffn::moe) {
      t.moe_layers += g.num_layers;
      act_width += g.num_layers * (double(a.moe.expert_intermediate) * a.moe.top_k +
                                   double(a.moe.shared_intermediate) * a.moe.num_shared);
    } else if (g.ffn == Ffn::dense) {
      act_width += g.num_layers * double(a.dense.intermediate);
    }
  }
  t.attn_flops = attn / L;
  t.attn_flops_full = attn_full / L;
  const double inter = act_width / L;
  const double kv = a.attn.num_kv_heads > 0 ? double(a.attn.num_kv_heads) * a.attn.head_dim : q;
  // Elementwise traffic per token and layer, bf16: two norms (read + write h each: 4h), two residual
  // adds (read 2h, write h: 6h), RoPE on q and k (read + write: 2(q + kv)), the MLP activation
  // (gated: read 2I, write I; plain: read I, write I). Counted from the operations of a pre-norm
  // decoder layer (Llama: transformers modeling_llama.py); the backward moves about twice as much.
  const double act = a.dense.gated ? 3.0 * inter : 2.0 * inter;
  t.elem_bytes = 2.0 * (10.0 * h + 2.0 * (q + kv) + act);
  // FP8 (Transformer Engine): each GEMM input is read in bf16 and written in fp8 (3 bytes per element):
  // the QKV and MLP-in inputs (h each), the projection input (q) and the MLP-down input (I).
  t.fp8_cast_bytes = 3.0 * (2.0 * h + q + inter);
  // Logits: bf16 logits written, upcast to fp32, softmax and its gradient (about 12 bytes per element
  // over forward and backward: write 2, read 2 + write 4, read 4).
  t.head_elem_bytes = 12.0 * double(a.vocab);
  t.kv_bytes = 2.0 * 2.0 * kv;
  if (t.moe_layers > 0) t.moe_dispatch = h * a.moe.top_k;
  return t;
}

enum class Coll { all_reduce, all_gather, reduce_scatter, all_to_all };

/// `kind` among `n` GPUs on one link (NCCL's algorithms: collectives.hpp).
double on_link(Coll kind, const Interconnect& l, int n, double bytes, bool ideal) {
  switch (kind) {
    case Coll::all_reduce:
      return all_reduce(l, AllReduceAlgo::nccl, n, bytes, ideal).time_s;
    case Coll::all_gather:
      return all_gather(l, n, bytes, ideal).time_s;
    case Coll::reduce_scatter:
      return reduce_scatter(l, n, bytes, ideal).time_s;
    case Coll::all_to_all:
      break;
  }
  return all_to_all(l, n, bytes, ideal).time_s;
}

/// Collective over `ranks` GPUs spread as `per_node` per node: the scale-up link inside a node,
/// two-level (rail-optimized) across nodes.
double collective(Coll kind, const TrainCluster& c, int ranks, int per_node, double bytes, bool ideal) {
  if (ranks <= 1 || bytes <= 0) return 0;
  per_node = std::clamp(per_node, 1, ranks);
  const Interconnect* up = c.scale_up;
  const Interconnect* out = c.scale_out ? c.scale_out : c.scale_up;
  if (per_node >= ranks && up) return on_link(kind, *up, ranks, bytes, ideal);
  if (!out) return 0;
  const int nodes = (ranks + per_node - 1) / per_node;
  if (per_node <= 1 || !up) return on_link(kind, *out, nodes, bytes, ideal);
  // Reduce-scatter moves the same bytes as all-gather (nccl docs "Collective operations").
  static constexpr const char* kTwoLevel[] = {"allreduce", "allgather", "allgather", "alltoall"};
  return two_level(kTwoLevel[static_cast<int>(kind)], *up, *out, per_node, nodes, bytes, ideal).time_s;
}

/// Layers of the slowest pipeline stage, in layer-equivalents: even split when the layers
/// divide, else (or when asked) first and last stages take fewer so the logits balance.
double slowest_stage_layers(int L, int p, double head_equiv, bool uneven, int* layers_out) {
  if (p <= 1) {
    *layers_out = L;
    return L + head_equiv;
  }
  if (L % p == 0 && !uneven) {
    *layers_out = L / p;
    return L / p + head_equiv;
  }
  double best = 1e300;
  const int most = (L + p - 1) / p;
  for (int last = 0; last <= most; ++last) {
    const int rest = L - last;
    if (rest < 0) break;
    const int per = (rest + p - 2) / (p - 1);
    const double t = std::max(double(per), last + head_equiv);
    if (t < best) {
      best = t;
      *layers_out = std::max(per, last);
    }
  }
  return best;
}

}  // namespace

const char* train_bound_name(TrainBound b) {
  switch (b) {
    case TrainBound::compute:
      return "compute";
    case TrainBound::tp_comm:
      return "tp_comm";
    case TrainBound::cp_comm:
      return "cp_comm";
    case TrainBound::ep_comm:
      return "ep_comm";
    case TrainBound::pp_bubble:
      return "pp_bubble";
    case TrainBound::pp_comm:
      return "pp_comm";
    case TrainBound::dp_comm:
      return "dp_comm";
    case TrainBound::optimizer:
      return "optimizer";
  }
  return "compute";
}

std::vector<std::string> check_train_job(const TrainJob& j, const TrainCluster& c) {
  std::vector<std::string> out;
  const TrainSetup& s = j.setup;
  if (!s.arch) out.push_back("training time needs a model architecture");
  if (!c.gpu) out.push_back("training time needs a GPU (--gpu)");
  if (!out.empty()) return out;
  const long long mp = 1LL * s.tp * s.pp * s.cp;
  if (mp < 1 || s.num_gpus % mp != 0) {
    out.push_back("tp x pp x cp = " + count_text(double(mp)) + " does not divide --num-gpus " + count_text(s.num_gpus));
    return out;
  }
  const long long dp = s.num_gpus / mp;
  if (j.vp < 1) out.push_back("--vp must be at least 1");
  if (j.vp > 1 && j.schedule != PipeSchedule::interleaved)
    out.push_back("--vp " + std::to_string(j.vp) + " needs --schedule interleaved");
  if (j.schedule == PipeSchedule::interleaved && s.pp < 2) out.push_back("--schedule interleaved needs --pp 2 or more");
  if (j.schedule == PipeSchedule::dualpipe && (s.pp < 2 || s.pp % 2 != 0))
    out.push_back("--schedule dualpipe needs an even --pp (DeepSeek-V3 sec. 3.2.1)");
  // The embedding and the loss may each take a virtual stage of their own (Megatron-LM
  // --account-for-embedding-in-pipeline-split / --account-for-loss-in-pipeline-split): L + 2 chunks at most.
  if (1LL * s.pp * j.vp > s.arch->num_layers + 2LL)
    out.push_back("pp x vp = " + count_text(double(s.pp) * j.vp) + " exceeds the " +
                  std::to_string(s.arch->num_layers) + " layers (+ 2 for the embedding and loss stages)");
  const double per_step = double(dp) * s.micro_batch;
  if (j.global_batch < 1 || std::fmod(j.global_batch, per_step) != 0)
    out.push_back("--global-batch " + count_text(j.global_batch) + " is not a multiple of micro-batch x dp = " +
                  count_text(s.micro_batch) + " x " + count_text(double(dp)));
  else if (j.schedule == PipeSchedule::dualpipe && std::fmod(j.global_batch / per_step, 2.0) != 0)
    out.push_back("dualpipe needs an even number of micro-batches per step (" + count_text(j.global_batch / per_step) +
                  ")");
  else if (j.schedule == PipeSchedule::interleaved && s.pp > 1 &&
           std::fmod(j.global_batch / per_step, double(s.pp)) != 0)
    out.push_back("the interleaved schedule needs micro-batches per step (" + count_text(j.global_batch / per_step) +
                  ") to be a multiple of pp " + std::to_string(s.pp) + " (Megatron-LM)");
  if (s.cp > 1 && std::fmod(s.seq, 2.0 * s.cp) != 0)
    out.push_back("--seq " + count_text(s.seq) + " is not divisible by 2 x cp = " + std::to_string(2 * s.cp) +
                  " (context parallelism splits the sequence into 2 x cp chunks for causal load balance)");
  // Training EP draws from data-parallel ranks (checked by check_train_setup); the inference plan
  // check would reject EP that divides neither TP nor the GPUs, so check heads and experts here.
  for (const std::string& p : validate(s.arch, ParallelPlan{0, s.tp, 1, 1, 1, 1, false})) out.push_back(p);
  if (s.ep > 1 && s.arch->moe.num_experts == 0) out.push_back("--ep needs a mixture-of-experts model");
  if (s.ep > 1 && s.arch->moe.num_experts % s.ep != 0)
    out.push_back("ep " + std::to_string(s.ep) + " does not divide the " + std::to_string(s.arch->moe.num_experts) +
                  " experts");
  return out;
}

TrainStep train_step(const TrainJob& j, const TrainCluster& c) {
  if (auto problems = check_train_job(j, c); !problems.empty()) throw Error(problems.front());
  check_train_setup(j.setup);
  const TrainSetup& s = j.setup;
  const Architecture& a = *s.arch;
  const ParamCounts pc = count_params(a);
  const Gpu& g = *c.gpu;
  const Rates r = rates(j, g);
  TrainStep out;
  const int tp = s.tp, pp = s.pp, cp = s.cp, ep = s.ep, vp = j.schedule == PipeSchedule::interleaved ? j.vp : 1;
  const int dp = s.num_gpus / (tp * pp * cp);
  const int gpn = std::max(1, c.gpus_per_node);
  out.dp = dp;
  out.nodes = (s.num_gpus + gpn - 1) / gpn;
  const double m = j.global_batch / (double(dp) * s.micro_batch);  // micro-batches per step
  out.micro_batches = int(m);
  const double seq = s.seq;
  const double tokens_mb = s.micro_batch * seq / cp;  // tokens one GPU's micro-batch holds
  const PerToken t = per_token(a, pc, seq);
  const bool sp = s.sequence_parallel && tp > 1;
  const bool fp8 = s.precision == Precision::fp8_mixed;

  // ---- compute of one average layer, one micro-batch, one GPU ----
  const double gemm_fwd = t.gemm_flops * tokens_mb / tp / r.gemm;
  const double attn_fwd = t.attn_flops * tokens_mb / tp / r.attn_fwd;
  const double attn_bwd = kAttnBwdFlopsFactor * t.attn_flops * tokens_mb / tp / r.attn_bwd;
  // Elementwise work is split by TP only where sequence parallelism splits it; the parts inside
  // the TP region (RoPE, MLP activation) always are. Treat it as split by TP with SP, else half split.
  const double elem_split = sp ? tp : (tp > 1 ? 2.0 * tp / (tp + 1.0) : 1.0);
  const double elem_fwd = (t.elem_bytes + (fp8 ? t.fp8_cast_bytes : 0.0)) * tokens_mb / elem_split / r.mem;
  const double layer_fwd = gemm_fwd + attn_fwd + elem_fwd;
  const double layer_bwd = 2.0 * gemm_fwd + attn_bwd + 2.0 * elem_fwd;
  double recompute = 0;
  switch (s.recompute) {
    case Recompute::full:
      recompute = layer_fwd;
      break;
    case Recompute::selective:  // Korthikanti et al. 2022 sec. 5: the attention core only
      recompute = attn_fwd;
      break;
    case Recompute::op:  // torchtitan per-op SAC: every other matmul and the elementwise ops
      recompute = 0.5 * gemm_fwd + elem_fwd;
      break;
    case Recompute::none:
      break;
  }
  const double layer_time = layer_fwd + layer_bwd + recompute;
  // Output layer (on the last stage): the LM-head GEMM forward + backward and the loss traffic.
  const double head_time = 3.0 * t.head_flops * tokens_mb / tp / r.gemm + t.head_elem_bytes * tokens_mb / tp / r.mem;

  // ---- communication of one average layer, one micro-batch (critical path) ----
  const bool ideal = r.ideal;
  const double act_bytes = tokens_mb * a.hidden * 2.0;  // bf16 activations of the micro-batch
  const int tp_in_node = std::min(tp, gpn);
  if (tp > gpn)
    out.warnings.push_back("tp " + std::to_string(tp) + " crosses the scale-up domain of " + std::to_string(gpn) +
                           " GPUs: its collectives run over the scale-out network (slow)");
  double tp_layer = 0;
  if (tp > 1) {
    // Megatron-LM TP (Shoeybi et al. 2019 sec. 3): 2 all-reduces forward (attention out, MLP out) and
    // 2 backward; with SP (Korthikanti et al. 2022 sec. 4.2.2) each becomes all-gather + reduce-scatter.
    const double one = sp ? collective(Coll::all_gather, c, tp, tp_in_node, act_bytes, ideal) +
                                collective(Coll::reduce_scatter, c, tp, tp_in_node, act_bytes, ideal)
                          : collective(Coll::all_reduce, c, tp, tp_in_node, act_bytes, ideal);
    const double per_pass = 2.0 * (sp ? one / 2.0 : one);  // AG + RS carry the bytes of one all-reduce
    const double passes = 2.0 + (s.recompute == Recompute::full ? 1.0 : 0.0);
    tp_layer = per_pass * passes;
    if (j.tp_comm_overlap) {
      // Transformer Engine userbuffers overlap the AG/RS with the GEMMs they feed: what exceeds the GEMM time stays.
      tp_layer = std::max(0.0, tp_layer - 3.0 * gemm_fwd);
    }
  }
  double cp_layer = 0;
  if (cp > 1) {
    // Ring attention (Megatron-LM context parallelism; Liu et al. 2023 arXiv:2310.01889): each rank
    // passes its K/V chunk cp-1 times forward and K/V plus their gradients backward, overlapped
    // with the attention of the chunk it holds; what exceeds that attention time is exposed.
    const double chunk = tokens_mb * t.kv_bytes / tp;
    const int cp_in_node = std::clamp(gpn / std::min(tp, gpn), 1, cp);
    const Interconnect* link = (cp_in_node >= cp || !c.scale_out) ? c.scale_up : c.scale_out;
    const double hop = link ? send_recv(*link, chunk, ideal).time_s : 0.0;
    const double comm = (cp - 1) * hop * 3.0;  // forward KV, backward KV + dKV
    const double frac_attn = double(t.attn_layers) / std::max(1, a.num_layers);
    cp_layer = frac_attn * std::max(0.0, comm - (ideal ? comm : attn_fwd + attn_bwd));
  }
  double ep_layer = 0;
  if (ep > 1 && t.moe_layers > 0) {
    // Token dispatch and combine all-to-alls per MoE layer, forward and backward (GShard, Lepikhin et al.
    // 2020 sec. 2.2); inside the node when tp x ep GPUs fit in it.
    const double bytes = tokens_mb * t.moe_dispatch * 2.0 / tp;
    const int ep_in_node = std::clamp(gpn / std::min(tp * cp, gpn), 1, ep);
    const double one = collective(Coll::all_to_all, c, ep, ep_in_node, bytes, ideal);
    const double passes = 2.0 + (s.recompute == Recompute::full ? 1.0 : 0.0);
    ep_layer = one * 2.0 * passes * t.moe_layers / std::max(1, a.num_layers);
    // DualPipe runs one micro-batch's all-to-all under another's compute (DeepSeek-V3 sec. 3.2.1,
    // Fig. 4): only what exceeds the layer's compute is exposed.
    if (j.schedule == PipeSchedule::dualpipe) ep_layer = std::max(0.0, ep_layer - layer_time);
  }

  // ---- the pipeline ----
  const double layer_step = layer_time + tp_layer + cp_layer + ep_layer;
  int stage_layers = a.num_layers;
  const double head_equiv = layer_step > 0 ? head_time / layer_step : 0.0;
  const double stage_equiv = slowest_stage_layers(a.num_layers, pp, head_equiv, j.uneven_stages, &stage_layers);
  out.stage_layers_max = stage_layers;
  if (pp > 1 && a.num_layers % pp != 0)
    out.warnings.push_back("pp " + std::to_string(pp) + " does not divide the " + std::to_string(a.num_layers) +
                           " layers: assumed uneven stages (first and last stages take fewer layers, as Llama 3 " +
                           "did); the slowest stage holds " + std::to_string(stage_layers) + " layers");
  if (vp > 1 && a.num_layers < pp * vp)
    out.warnings.push_back("pp x vp = " + std::to_string(pp * vp) + " exceeds the " + std::to_string(a.num_layers) +
                           " layers: the embedding and the loss are assumed to take a virtual stage each (Megatron-LM "
                           "--account-for-embedding-in-pipeline-split / --account-for-loss-in-pipeline-split)");
  else if (vp > 1 && a.num_layers % (pp * vp) != 0)
    out.warnings.push_back("pp x vp = " + std::to_string(pp * vp) + " does not divide the " +
                           std::to_string(a.num_layers) + " layers: chunks are uneven");
  const double per_mb_stage = stage_equiv * layer_step;
  const double mb_compute = stage_equiv * layer_time;
  // Bubble in micro-batch slots (F + B = 3F: backward = input + weight gradients = 2F, W = F).
  // 1F1B/interleaved (Narayanan et al. 2021 sec. 2.2): (p-1)/v. DualPipe (DeepSeek-V3 Table 2):
  // (p/2 - 1)(F&B + B - 3W) = (p/2 - 1) 2F = (p/2 - 1) 2/3 slots.
  const double bubble_slots = pp <= 1                                ? 0.0
                              : j.schedule == PipeSchedule::dualpipe ? std::max(0.0, pp / 2.0 - 1.0) * 2.0 / 3.0
                                                                     : double(pp - 1) / vp;
  out.bubble_fraction = bubble_slots / m;
  TrainBreakdown& b = out.breakdown;
  b.compute_s = m * mb_compute;
  b.tp_comm_s = m * stage_layers * tp_layer;
  b.cp_comm_s = m * stage_layers * cp_layer;
  b.ep_comm_s = m * stage_layers * ep_layer;
  // Bubble (Narayanan et al. 2021 sec. 2.2): (p-1)/(v m) of the ideal time, i.e. (p-1)/v micro-batch slots.
  b.pp_bubble_s = bubble_slots * per_mb_stage;
  if (pp > 1) {
    // Stage hand-offs: the fill and drain cross 2 (p v - 1) boundaries on the critical path; steady-state
    // transfers overlap compute. With SP Megatron scatters the tensor over the TP ranks.
    const double bytes = act_bytes / (sp ? tp : 1);
    const int stage_span = tp * cp * dp;  // GPUs per stage (PP is the outermost dimension)
    const Interconnect* link = (stage_span < gpn) ? c.scale_up : (c.scale_out ? c.scale_out : c.scale_up);
    const double hop = link ? send_recv(*link, bytes, ideal).time_s : 0.0;
    b.pp_comm_s = 2.0 * (double(pp) * vp - 1.0) * hop;
    if (j.schedule == PipeSchedule::dualpipe) b.pp_comm_s = 0;  // overlapped by design (DeepSeek-V3 sec. 3.2.1)
  }

  // ---- data parallelism: gradients and (ZeRO/FSDP) parameters over dp x cp ranks ----
  const StateBytes sb = state_bytes(s.precision, s.optimizer);
  const int group = dp * cp;
  const int in_node = std::clamp(gpn / std::min(tp, gpn), 1, group);
  const double stage_params =
      (pc.total - pc.routed_experts) / (double(tp) * pp) + pc.routed_experts / (double(tp) * pp * ep);
  const double grad_bytes = stage_params * sb.gradients;
  const double param_bytes = stage_params * 2.0;  // 16-bit parameters gathered
  const double mb_fwd = stage_equiv * (layer_fwd + tp_layer / 3.0);
  const double mb_bwd = stage_equiv * (layer_bwd + recompute);
  double dp_total = 0, dp_exposed = 0;
  if (group > 1) {
    const int shard = s.zero > 0 ? (s.shard_group > 0 ? std::min(s.shard_group, group) : group) : 1;
    if (s.zero == 0) {
      // DDP: one bucketed all-reduce of the gradients, overlapped with the last micro-batch's backward
      // (PyTorch DDP, Li et al. 2020 VLDB sec. 3.2.3; Megatron --overlap-grad-reduce).
      dp_total = collective(Coll::all_reduce, c, group, in_node, grad_bytes, ideal);
      dp_exposed = std::max(0.0, dp_total - mb_bwd);
    } else if (s.zero <= 2) {
      // ZeRO-1/2 (Megatron distributed optimizer): reduce-scatter the gradients (overlapped with the last
      // backward), all-gather the updated parameters (overlapped with the next step's first forward).
      const double rs = collective(Coll::reduce_scatter, c, shard, std::min(in_node, shard), grad_bytes, ideal);
      const double ag = collective(Coll::all_gather, c, shard, std::min(in_node, shard), param_bytes, ideal);
      double ar = 0;
      if (shard < group) ar = collective(Coll::all_reduce, c, group / shard, 1, grad_bytes / shard, ideal);
      dp_total = rs + ag + ar;
      dp_exposed = std::max(0.0, rs + ar - mb_bwd) + std::max(0.0, ag - mb_fwd);
    } else {
      // ZeRO-3 / FSDP full shard: every micro-batch all-gathers the parameters in forward and again in
      // backward and reduce-scatters the gradients (Rajbhandari et al. 2020 sec. 7.2.2: 3x the model);
      // prefetching hides them behind the compute of the neighbouring layers (Zhao et al. 2023, PyTorch
      // FSDP, sec. 3.4); hybrid sharding all-reduces the shards across groups once per step.
      const int sn = std::min(in_node, shard);
      const double ag = collective(Coll::all_gather, c, shard, sn, param_bytes, ideal);
      const double rs = collective(Coll::reduce_scatter, c, shard, sn, grad_bytes, ideal);
      double ar = 0;
      if (shard < group) ar = collective(Coll::all_reduce, c, group / shard, 1, grad_bytes / shard, ideal);
      dp_total = m * (2.0 * ag + rs) + ar;
      dp_exposed = m * (std::max(0.0, ag - mb_fwd) + std::max(0.0, ag + rs - mb_bwd)) + ar;
    }
  }
  b.dp_comm_s = dp_total;

  // ---- optimizer step: memory-bound over the local shard (read gradient and states, write states and weights) ----
  const double shard_n = s.zero > 0 ? double(s.shard_group > 0 ? std::min(s.shard_group, group) : group) : 1.0;
  const double opt_bytes_per_param = sb.gradients + 2.0 * sb.optimizer + sb.weights;
  b.optimizer_s = s.offload != Offload::none ? 0.0 : stage_params / shard_n * opt_bytes_per_param / r.mem;

  if (ideal) {
    // Roofline: every communication overlapped; the step is the larger of compute and traffic.
    const double comm = b.tp_comm_s + b.cp_comm_s + b.ep_comm_s + b.pp_comm_s + b.dp_comm_s;
    b.exposed_comm_s = std::max(0.0, comm - (b.compute_s + b.pp_bubble_s));
    b.tp_comm_s = b.cp_comm_s = b.ep_comm_s = b.pp_comm_s = 0;
    b.pp_bubble_s = bubble_slots * stage_equiv * layer_time;
  } else {
    b.exposed_comm_s = b.tp_comm_s + b.cp_comm_s + b.ep_comm_s + b.pp_comm_s + dp_exposed;
  }
  out.step_time_s = b.compute_s + b.exposed_comm_s + b.pp_bubble_s + b.optimizer_s;

  // ---- throughput and FLOP conventions ----
  out.tokens_per_step = j.global_batch * seq;
  out.tokens_per_s = out.tokens_per_step / out.step_time_s;
  out.tokens_per_s_per_gpu = out.tokens_per_s / s.num_gpus;
  const double L = a.num_layers;
  const double full_attn = t.attn_flops_full * L;  // 4 s (h_q) per layer, non-causal
  const double layers_gemm = t.gemm_flops * L;
  double model = 0;
  if (j.flops == FlopsConvention::palm) {
    // PaLM (Chowdhery et al. 2022, appendix B) and LLM Foundry: 6N + 12 L H Q T, N all (active)
    // parameters including embeddings, attention non-causal.
    model = 6.0 * pc.active + 3.0 * full_attn;
  } else {
    // Korthikanti et al. 2022 Eq. 7 (72 B s L h^2 (1 + s/6h + V/12hL) per iteration), generalized:
    // 6 x (layer matmul params + LM head) + 12 L h s.
    model = 3.0 * (layers_gemm + t.head_flops) + 3.0 * full_attn;
  }
  out.model_flops_per_token = model;
  // HFU adds the recomputed forward: full recompute re-runs the layers (not the LM head); for the PaLM
  // convention LLM Foundry multiplies everything by 4/3 (its HFU), which we follow.
  double hw = model;
  if (s.recompute == Recompute::full)
    hw = j.flops == FlopsConvention::palm ? model * 4.0 / 3.0 : model + (layers_gemm + full_attn);
  else if (s.recompute == Recompute::selective)
    hw = model + full_attn;
  else if (s.recompute == Recompute::op)
    hw = model + 0.5 * layers_gemm;
  out.hardware_flops_per_token = hw;
  out.peak_flop_per_s = r.peak;
  out.model_tflops_per_gpu = model * out.tokens_per_s_per_gpu / 1e12;
  out.mfu = model * out.tokens_per_s_per_gpu / r.peak;
  out.hfu = hw * out.tokens_per_s_per_gpu / r.peak;
  // The bound: the largest term of the step.
  const std::pair<double, TrainBound> terms[] = {
      {b.compute_s, TrainBound::compute}, {b.tp_comm_s, TrainBound::tp_comm},     {b.cp_comm_s, TrainBound::cp_comm},
      {b.ep_comm_s, TrainBound::ep_comm}, {b.pp_bubble_s, TrainBound::pp_bubble}, {b.pp_comm_s, TrainBound::pp_comm},
      {dp_exposed, TrainBound::dp_comm},  {b.optimizer_s, TrainBound::optimizer}};
  double most = -1;
  for (const auto& [v, k] : terms)
    if (v > most) most = v, out.bound = k;
  if (!std::isfinite(out.step_time_s) || out.step_time_s <= 0) throw Error("training step time is not finite");
  return out;
}

Architecture generic_dense_architecture(double params) {
  // GPT-3-like proportions (Brown et al. 2020 Table 2.1: d_model / n_layers ~ 100-130): hidden = 128 L,
  // 12 L h^2 weights (Kaplan et al. 2020 Table 1), head_dim 128, MLP 4h, vocab 32000 (Llama 2).
  Architecture a;
  a.id = fmt::format("generic-{:.3g}B", params / 1e9);
  a.name = fmt::format("generic dense decoder of {:.3g}B parameters", params / 1e9);
  a.family = "generic";
  a.vocab = 32000;
  const double L = std::max(1.0, std::round(std::cbrt(params / (12.0 * 128.0 * 128.0))));
  double heads = std::max(1.0, std::round(std::sqrt(std::max(params, 1.0) / (12.0 * L)) / 128.0));
  if (heads >= 8) heads = std::round(heads / 8) * 8;  // so that TP 2, 4 and 8 divide the heads
  const double h = heads * 128.0;
  a.num_layers = int(L);
  a.hidden = int64_t(h);
  a.attn.num_heads = int(h / 128);
  a.attn.num_kv_heads = a.attn.num_heads;
  a.attn.head_dim = 128;
  a.dense.intermediate = int64_t(4 * h);
  a.dense.gated = false;
  a.groups.push_back(LayerGroup{int(L), Mixer::attention, Window::full, 0, Ffn::dense});
  return a;
}

}  // namespace mlcalc
