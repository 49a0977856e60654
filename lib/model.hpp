// Model architectures and what follows from them: parameter counts, weight, KV-cache and
// recurrent-state bytes, FLOPs. Pure functions of the architecture; no I/O.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "dtype.hpp"

namespace mlcalc {

/// Token mixer of a layer.
enum class Mixer : uint8_t { none, attention, mla, mamba1, mamba2, gdn };
/// Which keys an attention layer attends to.
enum class Window : uint8_t { full, sliding, chunked };
/// Feed-forward part of a layer.
enum class Ffn : uint8_t { none, dense, moe };

const char* mixer_name(Mixer m);
const char* window_name(Window w);

/// A run of identical layers (the architecture stores layers compressed this way so
/// that evaluations loop over a handful of groups, not hundreds of layers).
struct LayerGroup {
  int num_layers = 0;
  Mixer mixer = Mixer::attention;
  Window window_kind = Window::full;
  int64_t window = 0;  ///< tokens kept by a sliding/chunked layer (0 for full)
  Ffn ffn = Ffn::dense;
};

/// Standard (GQA/MQA/MHA) attention; also the dimensions of an MLA layer's heads.
struct AttentionSpec {
  int num_heads = 0, num_kv_heads = 0, head_dim = 0;
  bool qkv_bias = false, o_bias = false;  ///< projection biases
  bool qk_norm = false;                   ///< per-head q/k RMSNorm (Qwen3, GLM-4.5, Gemma 3)
  bool output_gate = false;               ///< q_proj also emits a gate (Qwen3-Next)
  bool sinks = false;                     ///< learned per-head sinks (gpt-oss)
};

/// Multi-head latent attention (DeepSeek-V2/V3, Kimi-K2). q_lora_rank 0 = full-rank q.
struct MlaSpec {
  int q_lora_rank = 0, kv_lora_rank = 0, qk_nope_head_dim = 0, qk_rope_head_dim = 0, v_head_dim = 0;
};

/// A feed-forward block.
struct FfnSpec {
  int64_t intermediate = 0;
  bool gated = true;  ///< SwiGLU/GeGLU: 3 matrices; plain: 2
  bool bias = false;
};

/// Mixture of experts.
struct MoeSpec {
  int num_experts = 0, top_k = 0;
  int64_t expert_intermediate = 0;
  int num_shared = 0;  ///< shared experts, each of shared_intermediate
  int64_t shared_intermediate = 0;
  bool shared_gate = false;  ///< Qwen2-MoE/Qwen3-Next sigmoid gate on the shared expert
  bool expert_bias = false;  ///< biases in the experts (gpt-oss)
  bool router_bias = false;
};

/// State-space / linear-attention mixers.
struct SsmSpec {
  // Mamba-1 (Jamba): d_inner = expand * hidden.
  int64_t d_inner = 0;
  int d_state = 0, d_conv = 0, dt_rank = 0;
  bool conv_bias = true, proj_bias = false;
  // Mamba-2 (Nemotron-H): heads, head_dim, groups; d_state and d_conv shared above.
  int num_heads = 0, head_dim = 0, n_groups = 0;
  // Gated DeltaNet (Qwen3-Next).
  int gdn_k_heads = 0, gdn_v_heads = 0, gdn_k_dim = 0, gdn_v_dim = 0, gdn_conv = 0;
};

/// How attention layers see positions and shape their scores (config.json; what `attention` shows).
struct PositionSpec {
  std::string encoding = "rope";     ///< rope | learned | alibi | none (the config's family)
  double rope_theta = 0;             ///< RoPE base (rope_theta; 0 = the family default 10000)
  double local_rope_theta = 0;       ///< Gemma 3 rope_local_base_freq of the sliding layers (0 = rope_theta)
  std::string rope_scaling;          ///< rope_scaling.rope_type (or .type): llama3, yarn, linear, ... ("" = none)
  double rope_factor = 0;            ///< rope_scaling.factor (0 = none)
  bool scaling_global_only = false;  ///< Gemma 3: the scaling applies to the global layers only
  double rotary_fraction = 1;        ///< partial_rotary_factor, or rotary_dim / head_dim (GPT-J)
  double attn_softcap = 0;           ///< attn_logit_softcapping (Gemma 2; 0 = none)
  bool qk_l2_norm = false;           ///< Llama 4 use_qk_norm: weightless L2 norm of q and k on its RoPE layers
};

/// Everything mlcalc needs to know about a model.
struct Architecture {
  std::string id, name, family;  ///< family = HF model_type
  int64_t vocab = 0, hidden = 0;
  int num_layers = 0;
  int64_t max_context = 0;  ///< max_position_embeddings (0 = not stated)
  bool tied_embeddings = false;
  int64_t learned_positions = 0;   ///< rows of a learned position table (OPT, GPT-2/3)
  bool layernorm = false;          ///< LayerNorm (weight + bias) instead of RMSNorm
  int norms_per_sublayer = 1;      ///< Gemma 2/3: pre and post norms = 2
  bool shared_block_norm = false;  ///< parallel attention + MLP read ONE norm per layer (GPT-J)
  bool lm_head_bias = false;       ///< the untied LM head has a bias of vocab elements (GPT-J)
  AttentionSpec attn;
  MlaSpec mla;
  FfnSpec dense;
  MoeSpec moe;
  SsmSpec ssm;
  std::vector<LayerGroup> groups;
  std::vector<int> layer_group;  ///< per layer in config order: its index in `groups` (empty = groups in order)
  std::vector<bool> nope;        ///< per layer: no position encoding (Llama 4 NoPE layers; empty = none)
  PositionSpec pos;
  DType weight_dtype;  ///< checkpoint format of most weights
  DType expert_dtype;  ///< checkpoint format of routed-expert weights
  int mtp_layers = 0;  ///< multi-token-prediction modules (not counted in params)
};

/// Parameter counts (elements).
struct ParamCounts {
  double total = 0;
  double active = 0;                ///< per token: top-k routed + shared experts + everything dense
  double embedding = 0;             ///< input embedding table (+ learned positions)
  double lm_head = 0;               ///< untied output projection (0 when tied)
  double routed_experts = 0;        ///< all routed-expert weights
  double one_expert_per_layer = 0;  ///< elements of one routed expert (one layer)
  int num_moe_layers = 0;
};
ParamCounts count_params(const Architecture& a);

/// A model attends only to its trained positions (max_position_embeddings): `tokens` beyond them
/// is an Error naming --allow-long-context, or with `allow` a warning appended to `warnings`.
/// `what` names the quantity in the message ("context 200,000", "input + output = 200,001 tokens").
void check_context(const Architecture& a, double tokens, const std::string& what, bool allow,
                   std::vector<std::string>& warnings);

/// Checks structural invariants; throws Error naming the field.
void validate(const Architecture& a);

/// Weight bytes: routed experts stored as `experts`, the rest as `rest`.
double weight_bytes(const Architecture& a, const ParamCounts& p, const DType& rest, const DType& experts);

/// KV-cache bytes of ONE sequence at `context` tokens (window/chunked layers hold
/// min(context, window); MLA holds the latent + rope key; SSM layers hold none).
double kv_bytes_per_sequence(const Architecture& a, double context, const DType& kv);

/// Recurrent state (conv + ssm) bytes of ONE sequence, constant in context.
double state_bytes_per_sequence(const Architecture& a, const DType& state);

/// Number of layers that hold a KV cache.
int kv_layers(const Architecture& a);

/// Forward FLOPs of ONE decoded token at `context` (2 * active matmul params +
/// attention over the context).
double decode_flops_per_token(const Architecture& a, const ParamCounts& p, double context);

/// Forward FLOPs of prefilling `tokens` tokens of ONE sequence (causal attention).
double prefill_flops(const Architecture& a, const ParamCounts& p, double tokens);

/// Attention FLOPs only (QK^T and AV), decode of one token at `context`.
double decode_attention_flops(const Architecture& a, double context);

/// Sum over causal positions 1..S of min(pos, window): key positions attended.
double causal_pairs(double S, double window);

}  // namespace mlcalc
