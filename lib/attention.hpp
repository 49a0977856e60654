// Attention per layer: what each layer of a model attends to (full causal, sliding window, chunked,
// MLA, or a recurrent mixer with no KV), its positions (RoPE, NoPE), sinks and score shaping, its
// KV bytes, and the FLOPs and HBM bytes of its attention at a context, standard (S and P written
// to HBM) against FlashAttention's tiled kernel (Dao et al. 2022, arXiv:2205.14135, Theorem 2),
// with the roofline time on a GPU (docs/model.md "Attention per layer"). Pure: no I/O.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "dtype.hpp"
#include "hardware.hpp"
#include "model.hpp"

namespace mlcalc {

enum class AttentionPhase { prefill, decode };

/// What to evaluate the layers at.
struct AttentionQuery {
  double context = 4096;  ///< prefill: prompt tokens; decode: tokens in the cache (the new one included)
  double batch = 1;       ///< sequences
  AttentionPhase phase = AttentionPhase::prefill;
  DType kv{DType::Kind::bf16};     ///< KV-cache elements
  DType state{DType::Kind::bf16};  ///< recurrent-state elements (Mamba, Gated DeltaNet)
  DType act{DType::Kind::bf16};    ///< Q, K, V, S, P and O in prefill
  int layer = -1;                  ///< one layer (0-based), -1 = all
};

/// One layer's attention.
struct AttentionLayer {
  int index = 0;
  Mixer mixer = Mixer::attention;
  Window window_kind = Window::full;
  int64_t window = 0;  ///< sliding: tokens kept; chunked: chunk size; 0 = full
  std::string kind;    ///< full | sliding | chunked | mla | mamba1 | mamba2 | gdn | none
  int q_heads = 0, kv_heads = 0, head_dim = 0, v_head_dim = 0;  ///< head_dim: q/k; 0 for no attention
  int kv_latent_dim = 0;                                        ///< MLA: kv_lora_rank + qk_rope_head_dim
  bool sinks = false;                                           ///< learned per-head sink logits (gpt-oss)
  std::string qk_norm;                                          ///< "" | rms | l2
  bool nope = false;                  ///< an attention layer without position encoding (Llama 4 global layers)
  std::string position;               ///< rope | learned | alibi | none ("" for no attention)
  double rope_theta = 0;              ///< 0 = no RoPE on this layer
  std::string rope_scaling;           ///< rope_type of the scaling on this layer ("" = none)
  double rope_factor = 0;             ///< its factor (0 = none)
  double rotary_fraction = 1;         ///< share of head_dim rotated
  double softcap = 0;                 ///< attention logit soft-capping (0 = none)
  double kv_bytes_per_token = 0;      ///< KV held at the context / context (layers sum to describe's)
  double kv_bytes_per_new_token = 0;  ///< what one more token adds while inside the window
  double kv_bytes = 0;                ///< KV held at the context, x batch
  double state_bytes = 0;             ///< recurrent state, x batch (constant in context)
  double keys_per_query = 0;          ///< decode: keys the new token attends to; prefill: mean over queries
  double attention_flops = 0;         ///< QK^T and PV (recurrent layers: the state update estimate)
  double attention_bytes = 0;         ///< IO-aware minimum: Q, K, V read and O written once (decode: KV read)
  std::optional<double> naive_bytes;  ///< standard attention: S and P through HBM (nullopt: no attention)
  std::optional<double> flash_bytes;  ///< FlashAttention Algorithm 1 (nullopt: no attention or no SRAM figure)
  double score_bytes = 0;             ///< the score matrix S of every head and sequence, materialized
  double score_bytes_over_sram = 0;   ///< the part of each head's S that does not fit one SM's SRAM, summed
  // On a GPU (timed = false without one).
  bool timed = false;
  double time_s = 0;  ///< roofline of attention_flops and attention_bytes: a lower bound on time
  bool compute_bound = false;
  std::optional<double> naive_time_s, flash_time_s;  ///< rooflines of the two kernels
  std::optional<double> speedup;                     ///< naive / flash roofline time
};

/// What `attention` reports.
struct AttentionReport {
  std::string model_id, model_name, query_name;
  const Architecture* arch = nullptr;
  const Gpu* gpu = nullptr;  ///< nullptr: no times
  AttentionQuery query;
  int num_layers = 0;                  ///< the model's layers (all, even with --layer)
  std::vector<AttentionLayer> layers;  ///< in config order; one with --layer
  double sram_bytes = 0;               ///< FlashAttention's M on the GPU (0 = not stated)
  double peak_flop_per_s = 0, peak_bw = 0;
  std::vector<std::string> warnings;
};

/// Every layer (or `q.layer`) of `a` at `q`; `gpu` may be nullptr. Throws Error for a layer out of range.
AttentionReport evaluate_attention(const Architecture& a, const AttentionQuery& q, const Gpu* gpu);

/// Query-key pairs a causal mask keeps for `n` queries at positions 0..n-1: full (window 0),
/// sliding (each query sees the last `window` keys, itself included) or chunked (keys of its own
/// chunk of `window` at or before it).
double masked_pairs(double n, Window kind, double window);

/// HBM elements and FLOPs of one attention head (Dao et al. 2022, arXiv:2205.14135): N queries and
/// keys, q/k dim `dk`, v dim `dv`.
struct HeadIo {
  double elements = 0, flops = 0;
};
/// Standard attention forward (paper Algorithm 0): S = QK^T written, read and P written by the
/// softmax, P read for PV: 4N^2 + 2N(dk + dv) elements; FLOPs 2 `pairs` (dk + dv).
HeadIo standard_forward(double n, double dk, double dv, double pairs);
/// FlashAttention forward (paper Algorithm 1, Theorem 2): K and V read once; T_c = 4Nd/M passes
/// (M SRAM elements, B_c = M / 4d) each read Q and O and write O (and l, m): the N^2 d^2 / M term,
/// times `visited` (the share of key blocks a mask leaves: 1 full, about 1/2 causal).
HeadIo flash_forward(double n, double dk, double dv, double sram_elements, double pairs, double visited);
/// Forward + backward of standard attention as the paper's Figure 2 example counts it (GPT-2: a
/// causal mask and dropout applied as separate passes): 18 N^2 + 12 Nd elements, 12 N^2 d FLOPs
/// (docs/model.md "Attention per layer" lists the passes).
HeadIo standard_forward_backward(double n, double d);
/// Forward + backward of FlashAttention (Algorithms 1 and 4): 6Nd + 8 T_c Nd elements, and
/// 14 N^2 d FLOPs (the backward recomputes S, 2.5x the forward).
HeadIo flash_forward_backward(double n, double d, double sram_elements);

const char* attention_kind_name(const AttentionLayer& l);

}  // namespace mlcalc
