#include "model.hpp"

#include <algorithm>
#include <cmath>

#include "common.hpp"

namespace mlcalc {

const char* mixer_name(Mixer m) {
  switch (m) {
    case Mixer::none:
      return "none";
    case Mixer::attention:
      return "attention";
    case Mixer::mla:
      return "mla";
    case Mixer::mamba1:
      return "mamba1";
    case Mixer::mamba2:
      return "mamba2";
    case Mixer::gdn:
      return "gated-deltanet";
  }
  return "?";
}

const char* window_name(Window w) {
  switch (w) {
    case Window::full:
      return "full";
    case Window::sliding:
      return "sliding";
    case Window::chunked:
      return "chunked";
  }
  return "?";
}

namespace {

// Feed-forward block: gated (SwiGLU/GeGLU, Shazeer 2020 arXiv:2002.05202) 3*h*I, plain 2*h*I (docs/model.md
// "Parameters"); biases: gated gate_up (2I) + down (h), plain fc1 (I) + fc2 (h).
double ffn_params(double h, double I, bool gated, bool bias) {
  double p = (gated ? 3.0 : 2.0) * h * I;
  if (bias) p += (gated ? 2.0 * I : I) + h;
  return p;
}

// GQA attention (Ainslie et al. 2023 arXiv:2305.13245 sec. 2): h*(nq*d) + 2*h*(nkv*d) + (nq*d)*h (docs/model.md
// "Parameters"), plus the q-side gate of Qwen3-Next (q_proj emits query and gate), biases, QK-norm (2*d), sinks.
double attention_params(const Architecture& a) {
  const auto& s = a.attn;
  const double h = a.hidden, q = double(s.num_heads) * s.head_dim, kv = double(s.num_kv_heads) * s.head_dim;
  const double qmul = s.output_gate ? 2.0 : 1.0;
  double p = h * q * qmul + 2.0 * h * kv + q * h;
  if (s.qkv_bias) p += q * qmul + 2.0 * kv;
  if (s.o_bias) p += h;
  if (s.qk_norm) p += 2.0 * s.head_dim;
  if (s.sinks) p += s.num_heads;
  return p;
}

// MLA (DeepSeek-V2 arXiv:2405.04434 sec. 2.1.2-2.1.3, Eq. 9-19; docs/model.md "Parameters"):
// q: h*q_lora + q_lora (norm) + q_lora*n_h*(d_nope+d_rope)   [or h*n_h*(d_nope+d_rope)]
// kv: h*(kv_lora+d_rope) + kv_lora (norm) + kv_lora*n_h*(d_nope+d_v);  o: n_h*d_v*h.
double mla_params(const Architecture& a) {
  const auto& m = a.mla;
  const double h = a.hidden, nh = a.attn.num_heads;
  const double qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
  double q = m.q_lora_rank > 0 ? h * m.q_lora_rank + m.q_lora_rank + double(m.q_lora_rank) * nh * qk : h * nh * qk;
  double kv = h * (m.kv_lora_rank + m.qk_rope_head_dim) + m.kv_lora_rank +
              double(m.kv_lora_rank) * nh * (m.qk_nope_head_dim + m.v_head_dim);
  return q + kv + nh * m.v_head_dim * h;
}

// Mamba-1 (Gu & Dao 2023; HF JambaMambaMixer): in_proj h*2*d_inner, conv d_inner*(conv+1),
// x_proj d_inner*(dt_rank+2*d_state), dt_proj dt_rank*d_inner + d_inner, A_log d_inner*d_state,
// D d_inner, out_proj d_inner*h; Jamba adds dt/B/C RMSNorms (dt_rank + 2*d_state).
double mamba1_params(const Architecture& a) {
  const auto& s = a.ssm;
  const double h = a.hidden, di = double(s.d_inner);
  double p = h * 2.0 * di + (s.proj_bias ? 2.0 * di : 0.0);
  p += di * s.d_conv + (s.conv_bias ? di : 0.0);
  p += di * (s.dt_rank + 2.0 * s.d_state) + double(s.dt_rank) * di + di;
  p += di * s.d_state + di + di * h + (s.proj_bias ? h : 0.0);
  if (a.family == "jamba") p += s.dt_rank + 2.0 * s.d_state;
  return p;
}

// Mamba-2 (Dao & Gu 2024 arXiv:2405.21060 sec. 7; transformers NemotronHMamba2Mixer; docs/model.md "Parameters"):
// h*(2*d_inner + 2*G*N + H) + (d_inner + 2*G*N)*(conv+1)
// + 3*H (A, D, dt_bias) + d_inner (gated norm) + d_inner*h.
double mamba2_params(const Architecture& a) {
  const auto& s = a.ssm;
  const double h = a.hidden, di = double(s.num_heads) * s.head_dim, gn = 2.0 * s.n_groups * s.d_state;
  return h * (2.0 * di + gn + s.num_heads) + (di + gn) * (s.d_conv + 1) + 3.0 * s.num_heads + di + di * h;
}

// Gated DeltaNet (Yang et al. 2024 arXiv:2412.06464; transformers Qwen3NextGatedDeltaNet; docs/model.md "Parameters"):
// h*(2*key_dim + 2*value_dim) [qkvz]
// + h*2*n_v [ba] + (2*key_dim + value_dim)*conv + 2*n_v [dt_bias, A_log] + head_v [norm] + value_dim*h.
double gdn_params(const Architecture& a) {
  const auto& s = a.ssm;
  const double h = a.hidden, kd = double(s.gdn_k_heads) * s.gdn_k_dim, vd = double(s.gdn_v_heads) * s.gdn_v_dim;
  return h * (2.0 * kd + 2.0 * vd) + h * 2.0 * s.gdn_v_heads + (2.0 * kd + vd) * s.gdn_conv + 2.0 * s.gdn_v_heads +
         s.gdn_v_dim + vd * h;
}

double mixer_params(const Architecture& a, Mixer m) {
  switch (m) {
    case Mixer::none:
      return 0;
    case Mixer::attention:
      return attention_params(a);
    case Mixer::mla:
      return mla_params(a);
    case Mixer::mamba1:
      return mamba1_params(a);
    case Mixer::mamba2:
      return mamba2_params(a);
    case Mixer::gdn:
      return gdn_params(a);
  }
  return 0;
}

double norm_params(const Architecture& a) {
  return (a.layernorm ? 2.0 : 1.0) * a.hidden;
}

}  // namespace

ParamCounts count_params(const Architecture& a) {
  ParamCounts p;
  const double h = a.hidden;
  p.embedding = double(a.vocab) * h + double(a.learned_positions) * h;
  // Untied LM head V*h; GPT-J's lm_head is nn.Linear(n_embd, vocab_size) with bias (+V).
  p.lm_head = a.tied_embeddings ? 0.0 : double(a.vocab) * h + (a.lm_head_bias ? double(a.vocab) : 0.0);
  const auto& m = a.moe;
  const double one_expert = ffn_params(h, double(m.expert_intermediate), a.dense.gated, m.expert_bias);
  p.one_expert_per_layer = one_expert;
  double total = p.embedding + p.lm_head + norm_params(a);  // + final norm
  double active = total;
  for (const auto& g : a.groups) {
    double layer = mixer_params(a, g.mixer);
    const int sublayers = (g.mixer != Mixer::none) + (g.ffn != Ffn::none);
    // One norm per sublayer (pre-norm), two for Gemma 2/3 (pre + post); a parallel block whose
    // attention and MLP read the same normalised input has one norm per layer (GPT-J ln_1).
    layer += (a.shared_block_norm ? 1 : sublayers * a.norms_per_sublayer) * norm_params(a);
    double layer_active = layer;
    if (g.ffn == Ffn::dense) {
      const double f = ffn_params(h, double(a.dense.intermediate), a.dense.gated, a.dense.bias);
      layer += f;
      layer_active += f;
    } else if (g.ffn == Ffn::moe) {
      // MoE layer: router h*E, E routed experts, shared experts (docs/model.md "Parameters").
      double shared = m.num_shared * ffn_params(h, double(m.shared_intermediate), a.dense.gated, false);
      if (m.shared_gate) shared += h;
      const double router = h * m.num_experts + (m.router_bias ? m.num_experts : 0);
      layer += router + shared + m.num_experts * one_expert;
      layer_active += router + shared + m.top_k * one_expert;
      p.routed_experts += g.num_layers * m.num_experts * one_expert;
      p.num_moe_layers += g.num_layers;
    }
    total += g.num_layers * layer;
    active += g.num_layers * layer_active;
  }
  p.total = total;
  p.active = active;
  return p;
}

void check_context(const Architecture& a, double tokens, const std::string& what, bool allow,
                   std::vector<std::string>& warnings) {
  if (a.max_context <= 0 || tokens <= double(a.max_context)) return;
  const std::string msg = what + " is beyond the model's max_position_embeddings " + count_text(double(a.max_context));
  if (!allow) throw Error(msg + "; pass --allow-long-context to evaluate it anyway");
  warnings.push_back(msg);
}

void validate(const Architecture& a) {
  auto need = [&](bool ok, const char* what) {
    if (!ok) throw Error("model '" + a.id + "': " + what);
  };
  need(a.hidden > 0, "hidden_size must be positive");
  need(a.vocab > 0, "vocab_size must be positive");
  need(a.num_layers > 0, "num_hidden_layers must be positive");
  // Sizes far beyond any model are input errors, not models to evaluate (a billion layers would
  // take minutes to lay out; a 2^40-wide hidden state overflows the counts).
  need(a.num_layers <= 100000, "num_hidden_layers is above 100,000");
  need(a.hidden <= (int64_t(1) << 24), "hidden_size is above 2^24");
  need(a.vocab <= (int64_t(1) << 30), "vocab_size is above 2^30");
  int n = 0;
  bool any_attn = false, any_moe = false, any_dense = false, any_mixer = false;
  for (const auto& g : a.groups) {
    n += g.num_layers;
    any_mixer |= g.mixer != Mixer::none;
    any_attn |= g.mixer == Mixer::attention || g.mixer == Mixer::mla;
    any_moe |= g.ffn == Ffn::moe;
    any_dense |= g.ffn == Ffn::dense;
    need(g.window_kind == Window::full || g.window > 0, "sliding/chunked layer without a window size");
  }
  need(n == a.num_layers, "layer pattern does not cover num_hidden_layers");
  // Without an attention, Mamba or linear-attention layer no token sees another and a sequence
  // holds no KV cache or state: memory would bound no batch (a division by zero), so refuse it.
  need(any_mixer,
       "no layer mixes tokens (no attention, Mamba or linear-attention layer, e.g. a hybrid_override_pattern of "
       "'-' and 'E' only): not a sequence model mlcalc can size");
  if (any_attn) {
    need(a.attn.num_heads > 0, "num_attention_heads must be positive");
    need(a.attn.num_kv_heads > 0, "num_key_value_heads must be positive");
    need(a.attn.num_heads % a.attn.num_kv_heads == 0, "num_attention_heads must be a multiple of num_key_value_heads");
    need(a.attn.head_dim > 0, "head_dim must be positive");
  }
  if (any_moe) {
    need(a.moe.num_experts > 0 && a.moe.top_k > 0 && a.moe.top_k <= a.moe.num_experts,
         "MoE needs 0 < experts_per_token <= num_experts");
    need(a.moe.expert_intermediate > 0, "MoE expert intermediate size must be positive");
  }
  if (any_dense) need(a.dense.intermediate > 0, "intermediate_size must be positive");
}

double weight_bytes(const Architecture&, const ParamCounts& p, const DType& rest, const DType& experts) {
  return (p.total - p.routed_experts) * rest.bytes() + p.routed_experts * experts.bytes();
}

namespace {
double kept_tokens(const LayerGroup& g, double context) {
  return g.window_kind == Window::full ? context : std::min(context, double(g.window));
}
}  // namespace

int kv_layers(const Architecture& a) {
  int n = 0;
  for (const auto& g : a.groups)
    if (g.mixer == Mixer::attention || g.mixer == Mixer::mla) n += g.num_layers;
  return n;
}

double kv_bytes_per_sequence(const Architecture& a, double context, const DType& kv) {
  double elems = 0;
  for (const auto& g : a.groups) {
    if (g.mixer == Mixer::attention) {
      // 2 (K and V) * n_kv * head_dim per token per layer (docs/model.md "KV cache").
      elems += g.num_layers * 2.0 * a.attn.num_kv_heads * a.attn.head_dim * kept_tokens(g, context);
    } else if (g.mixer == Mixer::mla) {
      // MLA caches the latent (kv_lora_rank) and the shared rope key (qk_rope_head_dim):
      // DeepSeek-V3 inference/model.py kv_cache + pe_cache; 61*576*2 = 70,272 B/token.
      elems += g.num_layers * double(a.mla.kv_lora_rank + a.mla.qk_rope_head_dim) * kept_tokens(g, context);
    }
  }
  return elems * kv.bytes();
}

namespace {
// Recurrent-state elements (conv + ssm) of ONE layer with mixer `m`, per sequence; 0 for
// attention. vLLM vllm/model_executor/layers/mamba/mamba_utils.py MambaStateShapeCalculator (docs/model.md "Recurrent
// state").
double state_elems_per_layer(const Architecture& a, Mixer m) {
  const auto& s = a.ssm;
  if (m == Mixer::mamba1) return double(s.d_conv - 1) * s.d_inner + double(s.d_inner) * s.d_state;
  if (m == Mixer::mamba2) {
    const double di = double(s.num_heads) * s.head_dim;
    return double(s.d_conv - 1) * (di + 2.0 * s.n_groups * s.d_state) + di * s.d_state;
  }
  if (m == Mixer::gdn)
    return double(s.gdn_conv - 1) * (2.0 * s.gdn_k_heads * s.gdn_k_dim + double(s.gdn_v_heads) * s.gdn_v_dim) +
           double(s.gdn_v_heads) * s.gdn_k_dim * s.gdn_v_dim;
  return 0;
}
}  // namespace

double state_bytes_per_sequence(const Architecture& a, const DType& state) {
  double elems = 0;
  for (const auto& g : a.groups) elems += g.num_layers * state_elems_per_layer(a, g.mixer);
  return elems * state.bytes();
}

namespace {
// A decode step reads and writes each layer's recurrent state and does a few FLOPs per element
// (state update + output contraction): we count 4 FLOPs per element (an estimate).
double ssm_flops_per_token(const Architecture& a, Mixer m) {
  return 4.0 * state_elems_per_layer(a, m);
}

double matmul_params(const Architecture& a, const ParamCounts& p) {
  // Input embedding and learned positions are gathers, not matmuls; a tied LM head still
  // multiplies by the V*h table.
  return p.active - p.embedding + (a.tied_embeddings ? double(a.vocab) * a.hidden : 0.0);
}
}  // namespace

double decode_attention_flops(const Architecture& a, double context) {
  double f = 0;
  for (const auto& g : a.groups) {
    const double L = kept_tokens(g, context);
    if (g.mixer == Mixer::attention) {
      // QK^T and AV: 2*L*n_q*d each (Kaplan et al. 2020 arXiv:2001.08361 Table 1; docs/model.md "FLOPs").
      f += g.num_layers * 4.0 * L * a.attn.num_heads * a.attn.head_dim;
    } else if (g.mixer == Mixer::mla) {
      // Absorbed MLA decode (DeepSeek-V3 inference/model.py attn_impl "absorb"): scores over
      // kv_lora+rope dims, output over kv_lora dims, for every head.
      f += g.num_layers * 2.0 * L * a.attn.num_heads * (2.0 * a.mla.kv_lora_rank + a.mla.qk_rope_head_dim);
    } else if (g.mixer != Mixer::none) {
      f += g.num_layers * ssm_flops_per_token(a, g.mixer);
    }
  }
  return f;
}

double decode_flops_per_token(const Architecture& a, const ParamCounts& p, double context) {
  // 2 FLOPs per multiply-accumulate of every active weight (Kaplan et al. 2020, C_forward = 2N).
  return 2.0 * matmul_params(a, p) + decode_attention_flops(a, context);
}

double causal_pairs(double S, double window) {
  if (S <= 0) return 0;
  if (window <= 0 || window >= S) return S * (S + 1.0) / 2.0;
  return window * (window + 1.0) / 2.0 + (S - window) * window;
}

double prefill_flops(const Architecture& a, const ParamCounts& p, double tokens) {
  double f = 2.0 * matmul_params(a, p) * tokens;
  for (const auto& g : a.groups) {
    const double w = g.window_kind == Window::full ? 0.0 : double(g.window);
    const double pairs = causal_pairs(tokens, w);
    if (g.mixer == Mixer::attention) {
      // Causal: half the S^2 square, 2 FLOPs per MAC for QK^T and for AV (docs/model.md "FLOPs", causal pairs).
      f += g.num_layers * 4.0 * pairs * a.attn.num_heads * a.attn.head_dim;
    } else if (g.mixer == Mixer::mla) {
      // Prefill runs MLA un-absorbed: QK over nope+rope dims, AV over v dims, per head.
      f += g.num_layers * 2.0 * pairs * a.attn.num_heads *
           double(a.mla.qk_nope_head_dim + a.mla.qk_rope_head_dim + a.mla.v_head_dim);
    } else if (g.mixer != Mixer::none) {
      f += g.num_layers * ssm_flops_per_token(a, g.mixer) * tokens;
    }
  }
  return f;
}

}  // namespace mlcalc
