#include "parallelism.hpp"

#include <string>

namespace mlcalc {

namespace {
std::string s(long long v) {
  return std::to_string(v);
}
}  // namespace

std::vector<std::string> validate(const Architecture* a, const ParallelPlan& p) {
  std::vector<std::string> e;
  if (p.tp < 1 || p.pp < 1 || p.dp < 1 || p.cp < 1 || p.ep < 1) {
    e.push_back("tp, pp, dp, cp and ep must be at least 1");
    return e;
  }
  const long long prod = 1LL * p.tp * p.pp * p.dp * p.cp;
  if (p.num_gpus > 0 && p.num_gpus != prod)
    e.push_back("num_gpus " + s(p.num_gpus) + " is not tp x pp x dp x cp = " + s(prod));
  // EP shards experts over the TP group or, wide, over TP x DP ranks (DeepSeek-V3 serving:
  // attention data-parallel, experts spread over all GPUs of a stage).
  const long long stage_gpus = 1LL * p.tp * p.dp * p.cp;
  const bool dense = a && a->moe.num_experts == 0;  // reported as "no experts" below
  if (p.ep > 1 && !dense && p.tp % p.ep != 0 && stage_gpus % p.ep != 0)
    e.push_back("ep " + s(p.ep) + " divides neither tp " + s(p.tp) + " nor the " + s(stage_gpus) +
                " GPUs of a pipeline stage (tp x dp x cp)");
  if (!a) return e;
  const bool moe = a->moe.num_experts > 0;
  if (p.dp_attention && !moe)
    e.push_back("--dp-attention given for " + a->id +
                ", a dense model (attention data parallelism pairs with expert-parallel MoE layers)");
  if (p.ep > 1 && !moe)
    e.push_back("ep " + s(p.ep) + " given for " + a->id + ", which has no experts (ep needs a MoE model)");
  if (p.ep > 1 && moe && a->moe.num_experts % p.ep != 0)
    e.push_back("ep " + s(p.ep) + " does not divide the " + s(a->moe.num_experts) + " experts of " + a->id);
  const bool has_attention = kv_layers(*a) > 0;
  if (!p.dp_attention) {  // with attention data-parallel, heads are not split across TP ranks
    if (has_attention && a->mla.kv_lora_rank == 0) {
      if (a->attn.num_heads % p.tp != 0)
        e.push_back("tp " + s(p.tp) + " does not divide the " + s(a->attn.num_heads) + " attention heads of " + a->id);
      // KV heads are split across TP ranks; with fewer KV heads than ranks they are replicated,
      // which needs tp to be a multiple of n_kv (vLLM's rule).
      const int kv = a->attn.num_kv_heads;
      if (kv > 0 && kv % p.tp != 0 && p.tp % kv != 0)
        e.push_back("tp " + s(p.tp) + " neither divides nor is a multiple of the " + s(kv) + " KV heads of " + a->id);
    } else if (a->mla.kv_lora_rank > 0 && a->attn.num_heads % p.tp != 0) {
      e.push_back("tp " + s(p.tp) + " does not divide the " + s(a->attn.num_heads) + " MLA heads of " + a->id);
    }
  }
  if (a->dense.intermediate > 0 && a->dense.intermediate % p.tp != 0 && !moe)
    e.push_back("tp " + s(p.tp) + " does not divide intermediate_size " + s(a->dense.intermediate));
  if (p.pp > a->num_layers) e.push_back("pp " + s(p.pp) + " exceeds the " + s(a->num_layers) + " layers of " + a->id);
  return e;
}

double mixer_params_per_layer(const Architecture& a, Mixer m) {
  const double h = double(a.hidden);
  if (m == Mixer::attention) {
    const double hd = a.attn.head_dim, q = a.attn.num_heads * hd * (a.attn.output_gate ? 2.0 : 1.0);
    return h * (q + 2.0 * a.attn.num_kv_heads * hd) + a.attn.num_heads * hd * h;
  }
  if (m == Mixer::mla) {
    // DeepSeek-V2 (arXiv:2405.04434) eq. 9-14: q (optionally low-rank), the joint KV down-projection
    // with the decoupled RoPE key, the K/V up-projection, and the output projection.
    const auto& l = a.mla;
    const double H = a.attn.num_heads, qk = l.qk_nope_head_dim + l.qk_rope_head_dim;
    const double q = l.q_lora_rank > 0 ? h * l.q_lora_rank + double(l.q_lora_rank) * H * qk : h * H * qk;
    return q + h * (l.kv_lora_rank + l.qk_rope_head_dim) +
           double(l.kv_lora_rank) * H * (l.qk_nope_head_dim + l.v_head_dim) + H * l.v_head_dim * h;
  }
  return 0;
}

}  // namespace mlcalc
