#include "attention.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "common.hpp"
#include "roofline.hpp"

namespace mlcalc {

namespace {

// One layer of `a` as an architecture of its own: the KV and state functions of model.cpp
// evaluated on it make the per-layer figures sum exactly to the model's (describe's).
Architecture one_layer(const Architecture& a, const LayerGroup& g) {
  Architecture x = a;
  LayerGroup one = g;
  one.num_layers = 1;
  x.groups = {one};
  x.layer_group.clear();
  return x;
}

// Keys the query at 0-based position p attends to under the mask (itself included).
double keys_at(double p, Window kind, double window) {
  if (kind == Window::full || window <= 0) return p + 1;
  if (kind == Window::sliding) return std::min(p + 1, window);
  return std::fmod(p, window) + 1;  // chunked: the keys of its own chunk at or before it
}

}  // namespace

double masked_pairs(double n, Window kind, double window) {
  if (n <= 0) return 0;
  if (kind == Window::full || window <= 0 || window >= n) return n * (n + 1) / 2;  // causal triangle
  if (kind == Window::sliding) return window * (window + 1) / 2 + (n - window) * window;
  // Chunked (Llama 4 attention_chunk_size): floor(n/C) full chunks of C(C+1)/2 pairs, then the rest.
  const double full = std::floor(n / window), rest = n - full * window;
  return full * window * (window + 1) / 2 + rest * (rest + 1) / 2;
}

HeadIo standard_forward(double n, double dk, double dv, double pairs) {
  // Dao et al. 2022 Algorithm 0: load Q, K, write S (N^2); read S, write P (2N^2); read P and V,
  // write O (N^2 + N dv). The mask does not shrink S: it is written whole, then masked.
  HeadIo h;
  h.elements = 4 * n * n + 2 * n * (dk + dv);
  h.flops = 2 * pairs * (dk + dv);  // QK^T over dk, PV over dv: 2 FLOPs per multiply-add
  return h;
}

HeadIo flash_forward(double n, double dk, double dv, double sram_elements, double pairs, double visited) {
  // Algorithm 1: B_c = ceil(M / 4d) keys per block, T_c = N / B_c outer passes; each pass reads
  // every Q_i, O_i, l_i, m_i and writes O_i, l_i, m_i (3 N d + 4 N); K and V are read once. Theorem
  // 2: Theta(N^2 d^2 / M). We keep T_c unrounded (the Theta expression) and at least one pass.
  const double d = std::max(dk, dv);
  const double tc = std::max(1.0, 4 * n * d / sram_elements);
  HeadIo h;
  h.elements = n * (dk + dv) + tc * visited * (n * dk + 2 * n * dv + 4 * n);
  if (tc * visited < 1) h.elements = n * (dk + dv) + (n * dk + 2 * n * dv + 4 * n);  // Q, O once at least
  h.flops = 2 * pairs * (dk + dv);
  return h;
}

HeadIo standard_forward_backward(double n, double d) {
  // Forward, as GPT-2's eager attention runs it: S = QK^T written (N^2); causal mask read and
  // written (2N^2); softmax (2N^2); dropout (2N^2); P read for PV (N^2): 8N^2 + 4Nd.
  // Backward (Algorithm 3 with the dropout pass): dV = P^T dO reads P (N^2); dP = dO V^T written
  // (N^2); dropout backward reads and writes it (2N^2); softmax backward reads P and dP and writes
  // dS (3N^2); dQ = dS K and dK = dS^T Q read dS (2N^2): 10N^2 + 8Nd. Not counted: the 1-byte
  // dropout mask and the mask's backward (another 1.5N^2).
  // FLOPs: forward QK^T and PV (4N^2 d); backward dV, dP, dQ, dK (8N^2 d), matmuls only.
  return {18 * n * n + 12 * n * d, 12 * n * n * d};
}

HeadIo flash_forward_backward(double n, double d, double sram_elements) {
  // Algorithm 1 forward: 2Nd + T_c (3Nd + 4N). Algorithm 4 backward: K, V read and dK, dV written
  // once (4Nd); T_c passes each read Q_i, O_i, dO_i, dQ_i, l_i, m_i and write dQ_i (5Nd + 2N).
  // FLOPs: the forward's 4N^2 d, the backward's 8N^2 d plus S = QK^T recomputed (2N^2 d).
  const double tc = std::max(1.0, 4 * n * d / sram_elements);
  return {6 * n * d + tc * (8 * n * d + 6 * n), 14 * n * n * d};
}

const char* attention_kind_name(const AttentionLayer& l) {
  switch (l.mixer) {
    case Mixer::mla:
      return "mla";
    case Mixer::mamba1:
      return "mamba1";
    case Mixer::mamba2:
      return "mamba2";
    case Mixer::gdn:
      return "gdn";
    case Mixer::none:
      return "none";
    case Mixer::attention:
      break;
  }
  return l.window_kind == Window::sliding ? "sliding" : l.window_kind == Window::chunked ? "chunked" : "full";
}

AttentionReport evaluate_attention(const Architecture& a, const AttentionQuery& q, const Gpu* gpu) {
  AttentionReport r;
  r.arch = &a;
  r.gpu = gpu;
  r.query = q;
  r.num_layers = a.num_layers;
  if (q.layer >= a.num_layers || q.layer < -1)
    throw Error(fmt::format("--layer {} is out of range: {} has layers 0 to {}", q.layer,
                            a.name.empty() ? a.id : a.name, a.num_layers - 1),
                ErrorKind::usage);
  if (!(q.context >= 1) || !(q.batch >= 1)) throw Error("context and batch must be at least 1", ErrorKind::usage);
  // Config order: layer_group maps each layer to its group; without it, the groups in order.
  std::vector<int> order = a.layer_group;
  if (static_cast<int>(order.size()) != a.num_layers) {
    order.clear();
    for (size_t g = 0; g < a.groups.size(); ++g)
      for (int i = 0; i < a.groups[g].num_layers; ++i) order.push_back(static_cast<int>(g));
  }
  if (static_cast<int>(order.size()) != a.num_layers)
    throw Error(
        fmt::format("{}: the layer groups hold {} layers, num_hidden_layers is {}", a.id, order.size(), a.num_layers));
  if (gpu) {
    r.sram_bytes = gpu->smem_per_sm_bytes;
    r.peak_bw = gpu->memory_bw_bytes_per_s;
    r.peak_flop_per_s = resolve_peak(*gpu, ComputeClass::bf16).flop_per_s;
  }
  const double N = q.context, B = q.batch, e = q.act.bytes();
  const bool decode = q.phase == AttentionPhase::decode;
  const double sram_elements = r.sram_bytes / e;
  const PositionSpec& p = a.pos;
  for (int i = 0; i < a.num_layers; ++i) {
    if (q.layer >= 0 && i != q.layer) continue;
    const LayerGroup& g = a.groups[order[i]];
    AttentionLayer l;
    l.index = i;
    l.mixer = g.mixer;
    l.window_kind = g.window_kind;
    l.window = g.mixer == Mixer::attention || g.mixer == Mixer::mla ? g.window : 0;
    if (l.window <= 0) l.window_kind = Window::full;
    l.kind = attention_kind_name(l);
    const Architecture x = one_layer(a, g);
    // KV: model.cpp's per-sequence function on this layer alone (docs/model.md "KV cache").
    l.kv_bytes = kv_bytes_per_sequence(x, N, q.kv) * B;
    l.kv_bytes_per_token = l.kv_bytes / (N * B);
    l.kv_bytes_per_new_token = kv_bytes_per_sequence(x, 1, q.kv);
    l.state_bytes = state_bytes_per_sequence(x, q.state) * B;
    const bool attn = g.mixer == Mixer::attention || g.mixer == Mixer::mla;
    if (!attn) {
      // Recurrent mixers: no KV, a constant state read and written per step (the state update
      // estimate of model.cpp, 4 FLOPs per state element per token).
      if (g.mixer != Mixer::none) {
        const double per_token = decode_attention_flops(x, N);
        l.attention_flops = per_token * B * (decode ? 1 : N);
        l.attention_bytes = 2 * l.state_bytes;
      }
    } else {
      const bool mla = g.mixer == Mixer::mla;
      l.q_heads = a.attn.num_heads;
      l.kv_heads = mla ? a.attn.num_heads : a.attn.num_kv_heads;
      l.head_dim = a.attn.head_dim;
      l.v_head_dim = mla ? a.mla.v_head_dim : a.attn.head_dim;
      if (mla) l.kv_latent_dim = a.mla.kv_lora_rank + a.mla.qk_rope_head_dim;
      l.sinks = a.attn.sinks;
      // NoPE: Llama 4's listed layers, and every attention layer of a family without positions
      // (Jamba, Nemotron-H).
      l.nope = (static_cast<int>(a.nope.size()) == a.num_layers && a.nope[i]) || p.encoding == "none";
      l.position = l.nope ? "none" : p.encoding;
      if (a.attn.qk_norm) l.qk_norm = "rms";
      if (p.qk_l2_norm && !l.nope) l.qk_norm = "l2";  // Llama 4: on RoPE layers only
      if (l.position == "rope") {
        const bool local = g.window_kind != Window::full && p.local_rope_theta > 0;
        l.rope_theta = local ? p.local_rope_theta : p.rope_theta > 0 ? p.rope_theta : 10000;
        if (!(local && p.scaling_global_only)) l.rope_scaling = p.rope_scaling, l.rope_factor = p.rope_factor;
        l.rotary_fraction = p.rotary_fraction;
      }
      l.softcap = p.attn_softcap;
      const double H = l.q_heads, Hkv = l.kv_heads, dk = l.head_dim, dv = l.v_head_dim;
      const double w = l.window_kind == Window::full ? 0.0 : double(l.window);
      if (decode) {
        // One new token per sequence at position N-1 attends to its keys; it reads their KV.
        const double keys = keys_at(N - 1, l.window_kind, w);
        l.keys_per_query = keys;
        if (mla) {
          // Absorbed MLA decode reads the latent cache (DeepSeek-V3 inference/model.py "absorb"):
          // scores over kv_lora + rope dims, output over kv_lora, per head.
          l.attention_flops = B * 2 * keys * H * (2.0 * a.mla.kv_lora_rank + a.mla.qk_rope_head_dim);
          l.attention_bytes = B * (keys * l.kv_latent_dim * q.kv.bytes() + H * (dk + dv) * e);
        } else {
          // QK^T and PV, 2 keys x d FLOPs each per head (Kaplan et al. 2020 Table 1).
          l.attention_flops = B * 2 * keys * H * (dk + dv);
          l.attention_bytes = B * (keys * Hkv * (dk + dv) * q.kv.bytes() + H * (dk + dv) * e);
        }
        // Standard decode also writes S (keys per head), softmax reads and writes it, PV reads P.
        l.naive_bytes = l.attention_bytes + B * H * 4 * keys * e;
        l.score_bytes = B * H * keys * e;
        if (r.sram_bytes > 0) l.flash_bytes = l.attention_bytes;  // one query row: the cache read once
      } else {
        const double pairs = masked_pairs(N, l.window_kind, w);
        l.keys_per_query = pairs / N;
        // Prefill runs MLA un-absorbed: Q and K over qk_nope + qk_rope dims, V over v_head_dim.
        const HeadIo sf = standard_forward(N, dk, dv, pairs);
        l.attention_flops = B * H * sf.flops;
        // IO-aware minimum: Q and O of every query head, K and V of every KV head, once each.
        l.attention_bytes = B * N * (H * (dk + dv) + Hkv * (dk + dv)) * e;
        l.naive_bytes = B * H * sf.elements * e;
        l.score_bytes = B * H * N * N * e;
        if (r.sram_bytes > 0) {
          const HeadIo ff = flash_forward(N, dk, dv, sram_elements, pairs, pairs / (N * N));
          l.flash_bytes = std::max(l.attention_bytes, B * H * ff.elements * e);
          l.score_bytes_over_sram = B * H * std::max(0.0, N * N * e - r.sram_bytes);
        }
      }
    }
    if (gpu) {
      l.timed = true;
      const KernelTime t = kernel_time(l.attention_bytes, l.attention_flops, r.peak_bw, r.peak_flop_per_s);
      l.time_s = t.time_s;
      l.compute_bound = !t.memory_bound;
      if (l.naive_bytes)
        l.naive_time_s = kernel_time(*l.naive_bytes, l.attention_flops, r.peak_bw, r.peak_flop_per_s).time_s;
      if (l.flash_bytes) {
        l.flash_time_s = kernel_time(*l.flash_bytes, l.attention_flops, r.peak_bw, r.peak_flop_per_s).time_s;
        if (*l.flash_time_s > 0) l.speedup = *l.naive_time_s / *l.flash_time_s;
      }
    }
    r.layers.push_back(l);
  }
  for (const AttentionLayer& l : r.layers)
    for (double v : {l.kv_bytes, l.attention_flops, l.attention_bytes, l.time_s, l.naive_bytes.value_or(0),
                     l.flash_bytes.value_or(0)})
      if (!std::isfinite(v) || v < 0)
        throw Error(fmt::format("layer {}: the counts overflow at context {} and batch {}", l.index, number_text(N),
                                number_text(B)));
  return r;
}

}  // namespace mlcalc
