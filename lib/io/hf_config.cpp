#include "hf_config.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "../common.hpp"

namespace mlcalc {

namespace {

using json = nlohmann::json;

struct Reader {
  const json& c;
  const std::string& where;
  std::string family;

  [[noreturn]] void fail(const std::string& what) const { throw Error(where + ": " + what); }

  bool has(const char* k) const { return c.contains(k) && !c.at(k).is_null(); }

  int64_t integer(const char* k) const {
    if (!has(k)) fail("missing required key '" + std::string(k) + "' (model_type '" + family + "')");
    return integer_of(k, c.at(k));
  }
  // Every integer goes through checked_count with a bound no model comes near (named in the error),
  // before it is cast, multiplied, allocated for or looped over.
  int64_t integer_of(const char* k, const json& v) const {
    if (!v.is_number()) fail("key '" + std::string(k) + "' must be a non-negative integer, got " + v.dump());
    try {
      return checked_count(v.get<double>(), 0, limit(k), "key '" + std::string(k) + "'");
    } catch (const Error& e) {
      fail(e.what());
    }
  }
  /// The largest value a key may take: what no published model has (layers, experts, widths,
  /// vocabulary), so that products of them stay far inside int64 and a layer list stays small.
  static int64_t limit(std::string_view k) {
    static const std::pair<std::string_view, int64_t> kLimits[] = {{"num_hidden_layers", 100000},
                                                                   {"n_layer", 100000},
                                                                   {"hidden_size", int64_t(1) << 24},
                                                                   {"n_embd", int64_t(1) << 24},
                                                                   {"vocab_size", int64_t(1) << 30},
                                                                   {"num_local_experts", 1 << 16},
                                                                   {"num_experts", 1 << 16},
                                                                   {"n_routed_experts", 1 << 16},
                                                                   {"num_experts_per_tok", 1 << 16},
                                                                   {"experts_per_token", 1 << 16},
                                                                   {"n_shared_experts", 1 << 16},
                                                                   {"mamba_expand", 64},
                                                                   {"bits", 64},
                                                                   {"w_bit", 64},
                                                                   {"group_size", 1 << 20},
                                                                   {"q_group_size", 1 << 20},
                                                                   {"num_nextn_predict_layers", 1000}};
    for (const auto& [name, lim] : kLimits)
      if (name == k) return lim;
    return (int64_t(1) << 31) - 1;  // everything else is stored as int at most
  }
  int64_t integer(const char* k, int64_t dflt) const { return has(k) ? integer_of(k, c.at(k)) : dflt; }
  bool boolean(const char* k, bool dflt) const {
    if (!has(k)) return dflt;
    if (!c.at(k).is_boolean()) fail("key '" + std::string(k) + "' must be true or false, got " + c.at(k).dump());
    return c.at(k).get<bool>();
  }
  std::string string(const char* k, const std::string& dflt) const {
    if (!has(k)) return dflt;
    if (!c.at(k).is_string()) fail("key '" + std::string(k) + "' must be a string, got " + c.at(k).dump());
    return c.at(k).get<std::string>();
  }
  int positive(const char* k) const {
    const int64_t v = integer(k);
    if (v <= 0) fail("key '" + std::string(k) + "' must be positive, got " + std::to_string(v));
    if (v > (int64_t(1) << 30)) fail("key '" + std::string(k) + "' is out of range: " + std::to_string(v));
    return static_cast<int>(v);
  }
  /// A positive integer with a default (periods and intervals: 0 would divide by zero).
  int64_t positive(const char* k, int64_t dflt) const {
    if (!has(k)) return dflt;
    const int64_t v = integer_of(k, c.at(k));
    if (v <= 0) fail("key '" + std::string(k) + "' must be positive, got " + std::to_string(v));
    return v;
  }
};

// One layer before compression into groups.
struct Layer {
  Mixer mixer = Mixer::attention;
  Window window_kind = Window::full;
  int64_t window = 0;
  Ffn ffn = Ffn::dense;
  bool operator==(const Layer&) const = default;
};

// `order` receives, per layer, the index of its group (the config's layer order).
std::vector<LayerGroup> compress(const std::vector<Layer>& layers, std::vector<int>& order) {
  std::vector<LayerGroup> groups;
  order.clear();
  for (const auto& l : layers) {
    bool merged = false;
    for (size_t i = 0; i < groups.size(); ++i) {
      auto& g = groups[i];
      if (g.mixer == l.mixer && g.window_kind == l.window_kind && g.window == l.window && g.ffn == l.ffn) {
        ++g.num_layers;
        order.push_back(static_cast<int>(i));
        merged = true;
        break;
      }
    }
    if (!merged) {
      order.push_back(static_cast<int>(groups.size()));
      groups.push_back({1, l.mixer, l.window_kind, l.window, l.ffn});
    }
  }
  return groups;
}

DType dtype_from_torch(const std::string& t) {
  if (t == "float32") return {DType::Kind::fp32};
  if (t == "float16") return {DType::Kind::fp16};
  return {DType::Kind::bf16};
}

// Position encoding and score shaping of the attention layers (what `attention` reports; no
// parameter depends on them). Keys as transformers' configuration_*.py name them: rope_theta and
// rope_scaling {rope_type|type, factor}; Gemma 3 rope_local_base_freq for its sliding layers, the
// scaling on its global layers (modeling_gemma3.py rotary_emb_local has no scaling);
// partial_rotary_factor (Qwen3-Next, GLM) or rotary_dim (GPT-J); attn_logit_softcapping (Gemma 2);
// Llama 4 no_rope_layers (1 = RoPE; empty = (i+1) % 4 != 0, Llama4TextConfig) and use_qk_norm (an
// L2 norm on RoPE layers only, modeling_llama4.py Llama4TextAttention). Jamba and Nemotron-H
// attention layers have no position encoding (Jamba paper arXiv:2403.19887 sec. 6.4; Nemotron-H
// arXiv:2504.03624 sec. 2.1); GPT-2/OPT learn a position table; Falcon may use ALiBi.
void read_positions(const Reader& r, const json& c, Architecture& a) {
  PositionSpec& p = a.pos;
  const std::string& mt = a.family;
  auto real = [&](const char* k) {
    if (!r.has(k)) return 0.0;
    if (!c.at(k).is_number()) r.fail("key '" + std::string(k) + "' must be a number, got " + c.at(k).dump());
    const double v = c.at(k).get<double>();
    if (!std::isfinite(v) || v < 0 || v > 1e12)
      r.fail("key '" + std::string(k) + "' is out of range: " + c.at(k).dump());
    return v;
  };
  if (a.learned_positions > 0)
    p.encoding = "learned";
  else if (mt == "jamba" || mt == "nemotron_h")
    p.encoding = "none";
  else if (mt == "falcon" && r.boolean("alibi", false))
    p.encoding = "alibi";
  p.rope_theta = real("rope_theta");
  p.local_rope_theta = real("rope_local_base_freq");
  if (r.has("rope_scaling") && c.at("rope_scaling").is_object()) {
    const json& s = c.at("rope_scaling");
    const Reader sr{s, r.where, r.family};
    p.rope_scaling = sr.string("rope_type", sr.string("type", ""));
    if (sr.has("factor") && s.at("factor").is_number()) p.rope_factor = s.at("factor").get<double>();
    if (!std::isfinite(p.rope_factor) || p.rope_factor < 0 || p.rope_factor > 1e6) p.rope_factor = 0;
    if (p.rope_scaling == "default") p.rope_scaling.clear();
  }
  p.scaling_global_only = mt == "gemma3_text" || mt == "gemma3";
  const double prf = real("partial_rotary_factor");
  if (prf > 0 && prf <= 1) p.rotary_fraction = prf;
  const double rd = real("rotary_dim");
  if (mt == "gptj" && rd > 0 && a.attn.head_dim > 0) p.rotary_fraction = std::min(1.0, rd / a.attn.head_dim);
  p.attn_softcap = real("attn_logit_softcapping");
  if (mt == "llama4_text" || mt == "llama4") {
    p.qk_l2_norm = r.boolean("use_qk_norm", false);
    const int L = a.num_layers;
    a.nope.assign(L, false);
    const bool listed = r.has("no_rope_layers") && c.at("no_rope_layers").is_array() &&
                        static_cast<int>(c.at("no_rope_layers").size()) == L;
    for (int i = 0; i < L; ++i)
      a.nope[i] = listed ? r.integer_of("no_rope_layers", c.at("no_rope_layers")[i]) == 0 : (i + 1) % 4 == 0;
  }
}

}  // namespace

Architecture architecture_from_hf(const json& root, const std::string& where, std::vector<std::string>& warnings) {
  if (!root.is_object()) throw Error(where + ": a config must be a JSON object");
  // Multimodal configs (Llama 4, Gemma 3, Qwen3.5) keep the language model in text_config.
  const json* cp = &root;
  if (root.contains("text_config") && root.at("text_config").is_object() && !root.contains("num_hidden_layers"))
    cp = &root.at("text_config");
  const json& c = *cp;
  Reader r{c, where, ""};
  r.family = r.string("model_type", Reader{root, where, ""}.string("model_type", ""));
  const std::string& mt = r.family;
  static const std::set<std::string> known = {
      "llama",      "mistral",     "mixtral", "qwen2",       "qwen2_moe",   "qwen3",       "qwen3_moe",
      "qwen3_next", "gemma",       "gemma2",  "gemma3_text", "gemma3",      "phi3",        "opt",
      "gpt2",       "llama4_text", "llama4",  "gpt_oss",     "deepseek_v2", "deepseek_v3", "kimi_k2",
      "glm4_moe",   "nemotron_h",  "jamba",   "gptj",        "falcon"};
  if (!known.count(mt))
    warnings.push_back(where + ": model_type '" + mt + "' is not one mlcalc knows; read as a Llama-style decoder");

  Architecture a;
  a.family = mt;
  a.name = r.string("_name_or_path", "");

  // ---- core dimensions -------------------------------------------------------------
  const bool gpt2 = mt == "gpt2", gptj = mt == "gptj", falcon = mt == "falcon";
  if (gpt2 || gptj) {
    // GPT2Config / GPTJConfig keys; n_inner null = 4 * n_embd (GPT2MLP, GPTJBlock:
    // inner_dim = config.n_inner if not None else 4 * config.n_embd). Defaults: GPT-2 n_positions
    // 1024, GPTJConfig n_positions 2048 (transformers configuration_gpt2.py / configuration_gptj.py).
    a.hidden = r.positive("n_embd");
    a.num_layers = r.positive("n_layer");
    a.attn.num_heads = r.positive("n_head");
    a.dense.intermediate = r.integer("n_inner", 4 * a.hidden);
    a.max_context = r.integer("n_positions", gptj ? 2048 : 1024);
  } else if (falcon) {
    // FalconConfig (transformers configuration_falcon.py): attribute_map n_layer/n_head; MLP width
    // ffn_hidden_size, default 4 * hidden_size (FalconMLP dense_h_to_4h); max_position_embeddings 2048.
    a.hidden = r.positive("hidden_size");
    a.num_layers =
        static_cast<int>(r.has("num_hidden_layers") ? r.positive("num_hidden_layers") : r.positive("n_layer"));
    a.attn.num_heads =
        static_cast<int>(r.has("num_attention_heads") ? r.positive("num_attention_heads") : r.positive("n_head"));
    a.dense.intermediate = r.integer("ffn_hidden_size", 4 * a.hidden);
    a.max_context = r.integer("max_position_embeddings", 2048);
  } else {
    a.hidden = r.positive("hidden_size");
    a.num_layers = r.positive("num_hidden_layers");
    a.attn.num_heads = r.positive("num_attention_heads");
    a.dense.intermediate = mt == "opt" ? r.integer("ffn_dim") : r.integer("intermediate_size", 0);
    a.max_context = r.integer("max_position_embeddings", 0);
  }
  a.vocab = r.positive("vocab_size");
  a.attn.num_kv_heads = static_cast<int>(r.integer("num_key_value_heads", a.attn.num_heads));
  if (falcon) {
    // FalconAttention: new_decoder_architecture -> num_kv_heads groups (query_key_value out
    // (n_kv * 2 + n_heads) * head_dim); else multi_query (default true) -> 1 kv head, else MHA.
    if (r.boolean("new_decoder_architecture", false))
      a.attn.num_kv_heads = static_cast<int>(r.has("num_kv_heads") ? r.integer("num_kv_heads")
                                                                   : r.integer("n_head_kv", a.attn.num_heads));
    else
      a.attn.num_kv_heads = r.boolean("multi_query", true) ? 1 : a.attn.num_heads;
  }
  if (a.attn.num_kv_heads == 0) a.attn.num_kv_heads = a.attn.num_heads;
  const int64_t explicit_hd = r.has("head_dim") ? r.integer("head_dim") : r.integer("attention_head_dim", 0);
  if (explicit_hd > 0) {
    a.attn.head_dim = static_cast<int>(explicit_hd);
  } else {
    if (a.hidden % a.attn.num_heads != 0)
      r.fail("hidden_size " + std::to_string(a.hidden) + " is not divisible by num_attention_heads " +
             std::to_string(a.attn.num_heads) + " and no head_dim is given");
    a.attn.head_dim = static_cast<int>(a.hidden / a.attn.num_heads);
  }

  // ---- norms, biases, activation ----------------------------------------------------
  const bool gemma = mt == "gemma2" || mt == "gemma3_text" || mt == "gemma3" || mt == "gemma";
  // Tied by default: Gemma, OPT, GPT-2, Falcon (FalconConfig leaves PretrainedConfig's
  // tie_word_embeddings = True; FalconForCausalLM _tied_weights_keys lm_head). GPTJConfig: untied.
  a.tied_embeddings = r.boolean("tie_word_embeddings", gemma || mt == "opt" || gpt2 || falcon);
  if (gemma && mt != "gemma") a.norms_per_sublayer = 2;  // Gemma 2/3: pre and post norms around each sublayer
  if (gptj) {
    // transformers models/gptj/modeling_gptj.py: GPTJAttention q/k/v/out_proj bias=False;
    // GPTJMLP fc_in/fc_out with bias, gelu_new (not gated); GPTJBlock: ONE ln_1 (LayerNorm) feeds
    // attention and MLP in parallel; lm_head = nn.Linear(n_embd, vocab_size) with bias. Rotary
    // positions (rotary_dim of each head): no position table.
    a.layernorm = true;
    a.dense.gated = false;
    a.dense.bias = true;
    a.shared_block_norm = true;
    a.lm_head_bias = !a.tied_embeddings;
  } else if (falcon) {
    // transformers models/falcon/modeling_falcon.py: query_key_value, dense, dense_h_to_4h and
    // dense_4h_to_h all take bias=config.bias; GELU MLP (not gated); LayerNorm with bias.
    // FalconDecoderLayer: parallel_attn with new_decoder_architecture (num_ln_in_parallel_attn
    // defaults to 2) has ln_attn + ln_mlp (two norms, the default count); parallel_attn with one
    // input_layernorm (Falcon-7B, num_ln_in_parallel_attn 1) shares it. RoPE or ALiBi: no table.
    a.layernorm = true;
    a.dense.gated = false;
    a.attn.qkv_bias = a.attn.o_bias = a.dense.bias = r.boolean("bias", false);
    const bool two_ln = r.has("num_ln_in_parallel_attn") ? r.integer("num_ln_in_parallel_attn") == 2
                                                         : r.boolean("new_decoder_architecture", false);
    a.shared_block_norm = r.boolean("parallel_attn", true) && !two_ln;
  } else if (mt == "opt" || gpt2) {
    a.layernorm = true;
    a.dense.gated = false;
    const bool bias = r.boolean("enable_bias", true);
    a.attn.qkv_bias = a.attn.o_bias = a.dense.bias = bias;
    // OPT's learned positions have 2 extra rows (OPTLearnedPositionalEmbedding offset 2).
    a.learned_positions = gpt2 ? a.max_context : a.max_context + 2;
  } else {
    const std::string act = r.string("mlp_hidden_act", r.string("hidden_act", r.string("hidden_activation", "silu")));
    a.dense.gated = act != "relu2" && mt != "nemotron_h";  // Nemotron-H MLP: squared ReLU, 2 matrices
    const bool ab = r.boolean("attention_bias", false);
    a.attn.qkv_bias = ab || mt == "qwen2" || mt == "qwen2_moe";  // Qwen2: QKV bias implied by the family
    a.attn.o_bias = ab && mt != "glm4_moe";                      // GLM-4.5: bias on q/k/v only
    a.dense.bias = r.boolean("mlp_bias", false);
    // Per-head q_norm/k_norm (head_dim each): Qwen3 family; Gemma 3 (transformers
    // models/gemma3/modeling_gemma3.py Gemma3Attention q_norm/k_norm = Gemma3RMSNorm(head_dim));
    // GLM-4.5 when use_qk_norm.
    a.attn.qk_norm = mt == "qwen3" || mt == "qwen3_moe" || mt == "qwen3_next" || mt == "gemma3_text" ||
                     mt == "gemma3" || (mt == "glm4_moe" && r.boolean("use_qk_norm", false));
    a.attn.output_gate = mt == "qwen3_next";
    a.attn.sinks = mt == "gpt_oss";
  }

  // ---- MoE ----------------------------------------------------------------------------
  int64_t num_experts = 0;
  for (const char* k : {"num_local_experts", "num_experts", "n_routed_experts"})
    if (r.has(k)) num_experts = r.integer(k);
  auto& m = a.moe;
  if (num_experts > 0) {
    m.num_experts = static_cast<int>(num_experts);
    m.top_k = static_cast<int>(r.has("num_experts_per_tok") ? r.integer("num_experts_per_tok")
                                                            : r.integer("experts_per_token"));
    m.expert_intermediate = r.has("moe_intermediate_size") ? r.integer("moe_intermediate_size") : a.dense.intermediate;
    if (r.has("n_shared_experts") && r.integer("n_shared_experts") > 0) {
      m.num_shared = static_cast<int>(r.integer("n_shared_experts"));
      m.shared_intermediate = r.integer("moe_shared_expert_intermediate_size", m.expert_intermediate);
    }
    if (r.integer("shared_expert_intermediate_size", 0) > 0) {
      m.num_shared = 1;
      m.shared_intermediate = r.integer("shared_expert_intermediate_size");
      m.shared_gate = true;  // Qwen2-MoE / Qwen3-Next: sigmoid gate (h -> 1) on the shared expert
    }
    if (mt == "llama4_text" || mt == "llama4") {
      // Llama 4: one shared expert of intermediate_size; dense layers use intermediate_size_mlp.
      m.num_shared = 1;
      m.shared_intermediate = r.integer("intermediate_size");
      a.dense.intermediate = r.integer("intermediate_size_mlp", a.dense.intermediate);
    }
    if (mt == "gpt_oss") m.expert_bias = m.router_bias = true;
    // DeepSeek-V3/Kimi-K2/GLM-4.5 routers carry e_score_correction_bias (noaux_tc routing).
    if (mt == "deepseek_v3" || mt == "kimi_k2" || mt == "glm4_moe" || r.string("topk_method", "") == "noaux_tc")
      m.router_bias = true;
  }
  a.mtp_layers = static_cast<int>(r.integer("num_nextn_predict_layers", 0));

  // ---- MLA --------------------------------------------------------------------------------
  const bool mla = r.has("kv_lora_rank") && r.integer("kv_lora_rank") > 0;
  if (mla) {
    a.mla.q_lora_rank = static_cast<int>(r.integer("q_lora_rank", 0));
    a.mla.kv_lora_rank = static_cast<int>(r.integer("kv_lora_rank"));
    a.mla.qk_nope_head_dim = r.positive("qk_nope_head_dim");
    a.mla.qk_rope_head_dim = r.positive("qk_rope_head_dim");
    a.mla.v_head_dim = r.positive("v_head_dim");
    a.attn.head_dim = a.mla.qk_nope_head_dim + a.mla.qk_rope_head_dim;
    a.attn.num_kv_heads = a.attn.num_heads;  // MLA: num_key_value_heads is nominal (ignored)
  }

  // ---- SSM ---------------------------------------------------------------------------------
  auto& s = a.ssm;
  if (mt == "jamba") {
    s.d_inner = r.integer("mamba_expand", 2) * a.hidden;
    s.d_state = static_cast<int>(r.integer("mamba_d_state", 16));
    s.d_conv = static_cast<int>(r.integer("mamba_d_conv", 4));
    s.dt_rank = r.has("mamba_dt_rank") && c.at("mamba_dt_rank").is_string()
                    ? static_cast<int>((a.hidden + 15) / 16)  // "auto" = ceil(hidden / 16)
                    : static_cast<int>(r.integer("mamba_dt_rank", (a.hidden + 15) / 16));
    s.conv_bias = r.boolean("mamba_conv_bias", true);
    s.proj_bias = r.boolean("mamba_proj_bias", false);
  } else if (mt == "nemotron_h") {
    s.num_heads = r.positive("mamba_num_heads");
    s.head_dim = r.positive("mamba_head_dim");
    s.d_state = r.positive("ssm_state_size");
    s.n_groups = static_cast<int>(r.integer("n_groups", 1));
    s.d_conv = static_cast<int>(r.integer("conv_kernel", 4));
  } else if (mt == "qwen3_next") {
    s.gdn_k_heads = r.positive("linear_num_key_heads");
    s.gdn_v_heads = r.positive("linear_num_value_heads");
    s.gdn_k_dim = r.positive("linear_key_head_dim");
    s.gdn_v_dim = r.positive("linear_value_head_dim");
    s.gdn_conv = r.positive("linear_conv_kernel_dim");
  }

  // ---- per-layer pattern --------------------------------------------------------------
  const int L = a.num_layers;
  if (L > 100000)
    r.fail("num_hidden_layers " + std::to_string(L) + " is above 100,000: not a model mlcalc can lay out");
  std::vector<Layer> layers(L);
  const Mixer attn_mixer = mla ? Mixer::mla : Mixer::attention;
  const int64_t sw = r.integer("sliding_window", 0);
  for (auto& l : layers) l.mixer = attn_mixer;

  if (r.has("layer_types")) {
    const json& lt = c.at("layer_types");
    if (!lt.is_array() || static_cast<int>(lt.size()) != L)
      r.fail("layer_types must be a list of num_hidden_layers (" + std::to_string(L) + ") strings");
    for (int i = 0; i < L; ++i) {
      const std::string t = lt[i].is_string() ? lt[i].get<std::string>() : "";
      if (t == "full_attention") {
      } else if (t == "sliding_attention") {
        layers[i].window_kind = Window::sliding, layers[i].window = sw;
      } else if (t == "chunked_attention") {
        layers[i].window_kind = Window::chunked, layers[i].window = r.integer("attention_chunk_size");
      } else if (t == "linear_attention") {
        layers[i].mixer = Mixer::gdn;
      } else {
        r.fail("layer_types[" + std::to_string(i) + "] is " + lt[i].dump() +
               "; expected full_attention, sliding_attention, chunked_attention or linear_attention");
      }
    }
  } else if (mt == "gemma2" || mt == "gpt_oss") {
    // Gemma 2 and gpt-oss alternate, starting with a sliding layer (even layers local).
    for (int i = 0; i < L; i += 2) layers[i].window_kind = Window::sliding, layers[i].window = sw;
  } else if (mt == "gemma3_text" || mt == "gemma3") {
    // Gemma 3: global when (i + 1) % sliding_window_pattern == 0 (5 local : 1 global).
    const int64_t p = r.integer("sliding_window_pattern", 6);
    for (int i = 0; i < L; ++i)
      if (p <= 0 || (i + 1) % p != 0) layers[i].window_kind = Window::sliding, layers[i].window = sw;
  } else if (mt == "llama4_text" || mt == "llama4") {
    // Llama 4: RoPE layers use chunked attention; NoPE layers ((i+1) % 4 == 0 by default) are global
    // (meta-llama/llama-models models/llama4/model.py).
    const int64_t chunk = r.integer("attention_chunk_size", 8192);
    for (int i = 0; i < L; ++i) {
      bool rope = (i + 1) % 4 != 0;
      if (r.has("no_rope_layers") && c.at("no_rope_layers").is_array() &&
          static_cast<int>(c.at("no_rope_layers").size()) == L)
        rope = r.integer_of("no_rope_layers", c.at("no_rope_layers")[i]) != 0;
      if (rope && chunk > 0) layers[i].window_kind = Window::chunked, layers[i].window = chunk;
    }
  } else if (mt == "qwen3_next") {
    const int64_t every = r.positive("full_attention_interval", 4);
    for (int i = 0; i < L; ++i)
      if ((i + 1) % every != 0) layers[i].mixer = Mixer::gdn;
  } else if (mt == "jamba") {
    const int64_t per = r.positive("attn_layer_period", 8), off = r.integer("attn_layer_offset", 4);
    for (int i = 0; i < L; ++i)
      if (i % per != off) layers[i].mixer = Mixer::mamba1;
  } else if (mt == "nemotron_h") {
    const std::string pat = r.string("hybrid_override_pattern", "");
    if (static_cast<int>(pat.size()) != L)
      r.fail("hybrid_override_pattern has " + std::to_string(pat.size()) + " characters; num_hidden_layers is " +
             std::to_string(L));
    for (int i = 0; i < L; ++i) {
      switch (pat[i]) {
        case 'M':
          layers[i] = {Mixer::mamba2, Window::full, 0, Ffn::none};
          break;
        case '*':
          layers[i] = {Mixer::attention, Window::full, 0, Ffn::none};
          break;
        case '-':
          layers[i] = {Mixer::none, Window::full, 0, Ffn::dense};
          break;
        case 'E':
          layers[i] = {Mixer::none, Window::full, 0, Ffn::moe};
          break;
        default:
          r.fail(std::string("hybrid_override_pattern has an unknown layer '") + pat[i] + "' (M * - E)");
      }
    }
  } else if (sw > 0 && (mt == "mistral" || mt == "mixtral" || mt == "phi3" ||
                        ((mt == "qwen2" || mt == "qwen3" || mt == "qwen2_moe" || mt == "qwen3_moe") &&
                         r.boolean("use_sliding_window", false)))) {
    for (auto& l : layers) l.window_kind = Window::sliding, l.window = sw;
  }
  for (int i = 0; i < L; ++i)
    if (layers[i].window_kind == Window::sliding && layers[i].window <= 0)
      r.fail("layer " + std::to_string(i) + " is a sliding-window layer but sliding_window is not set");

  // Which layers are MoE: DeepSeek first_k_dense_replace/moe_layer_freq, Llama 4 interleave step,
  // Jamba expert period/offset, Qwen MoE decoder_sparse_step/mlp_only_layers (each family's HF modeling file).
  if (m.num_experts > 0 && mt != "nemotron_h") {
    for (int i = 0; i < L; ++i) {
      bool moe = true;
      if (r.has("first_k_dense_replace") || r.has("moe_layer_freq")) {
        const int64_t k = r.integer("first_k_dense_replace", 0),
                      f = std::max<int64_t>(1, r.integer("moe_layer_freq", 1));
        moe = i >= k && i % f == 0;
      } else if (r.has("interleave_moe_layer_step")) {
        const int64_t step = std::max<int64_t>(1, r.integer("interleave_moe_layer_step"));
        moe = (i + 1) % step == 0;
      } else if (r.has("expert_layer_period")) {
        moe = i % r.positive("expert_layer_period", 1) == r.integer("expert_layer_offset", 0);
      } else if (r.has("decoder_sparse_step") || r.has("mlp_only_layers")) {
        const int64_t step = std::max<int64_t>(1, r.integer("decoder_sparse_step", 1));
        moe = (i + 1) % step == 0;
        if (r.has("mlp_only_layers") && c.at("mlp_only_layers").is_array())
          for (const auto& x : c.at("mlp_only_layers"))
            if (r.integer_of("mlp_only_layers", x) == i) moe = false;
      }
      layers[i].ffn = moe ? Ffn::moe : Ffn::dense;
    }
  }
  a.groups = compress(layers, a.layer_group);
  read_positions(r, c, a);

  // ---- checkpoint dtype (quantization_config describes the stored weights; torch_dtype the rest) --
  a.weight_dtype = dtype_from_torch(
      r.string("torch_dtype", Reader{root, where, ""}.string("torch_dtype", r.string("dtype", "bfloat16"))));
  a.expert_dtype = a.weight_dtype;
  const json* q = root.contains("quantization_config") ? &root.at("quantization_config")
                  : c.contains("quantization_config")  ? &c.at("quantization_config")
                                                       : nullptr;
  if (q && q->is_object()) {
    const Reader qr{*q, where, ""};
    const std::string method = qr.string("quant_method", "");
    if (method == "fp8") {
      a.weight_dtype = q->contains("weight_block_size") ? DType{DType::Kind::fp8_block} : DType{DType::Kind::fp8};
      a.expert_dtype = a.weight_dtype;
    } else if (method == "mxfp4") {
      a.expert_dtype = {DType::Kind::mxfp4};  // gpt-oss: experts MXFP4, attention/router/embeddings bf16
    } else if (method == "awq" || method == "gptq") {
      const int64_t bits = qr.integer("bits", qr.integer("w_bit", 4));
      const int64_t g = qr.integer("group_size", qr.integer("q_group_size", 128));
      if (g > (int64_t(1) << 20)) qr.fail("quantization_config group_size " + std::to_string(g) + " is out of range");
      a.weight_dtype = bits == 8 ? DType{DType::Kind::int8} : DType{DType::Kind::int4, g > 0 ? int(g) : 128};
      a.expert_dtype = a.weight_dtype;
    } else if (method == "modelopt" || method == "compressed-tensors") {
      const std::string algo = lower(qr.string("quant_algo", ""));
      if (algo.find("nvfp4") != std::string::npos)
        a.weight_dtype = a.expert_dtype = {DType::Kind::nvfp4};
      else if (algo.find("fp8") != std::string::npos)
        a.weight_dtype = a.expert_dtype = {DType::Kind::fp8};
      else
        warnings.push_back(where + ": quantization_config '" + method + "' not understood; weights read as " +
                           a.weight_dtype.name());
    } else if (!method.empty()) {
      warnings.push_back(where + ": quantization_config quant_method '" + method +
                         "' not understood; weights read as " + a.weight_dtype.name());
    }
  }
  return a;
}

}  // namespace mlcalc
