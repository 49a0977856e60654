// describe: a model's sizes, or a GPU's specs.
#include <fmt/format.h>

#include "common.hpp"
#include "report.hpp"

namespace mlcalc {

namespace {

ojson layer_groups_json(const Architecture& a) {
  ojson g = ojson::array();
  for (const auto& l : a.groups)
    g.push_back({{"num_layers", l.num_layers},
                 {"mixer", mixer_name(l.mixer)},
                 {"attention", window_name(l.window_kind)},
                 {"window_tokens", l.window},
                 {"ffn", l.ffn == Ffn::moe     ? "moe"
                         : l.ffn == Ffn::dense ? "dense"
                                               : "none"}});
  return g;
}

std::string groups_text(const Architecture& a) {
  std::string s;
  for (const auto& l : a.groups) {
    if (!s.empty()) s += " + ";
    s += fmt::format("{}x {}", l.num_layers, mixer_name(l.mixer));
    if (l.window_kind != Window::full) s += fmt::format(" ({} {})", window_name(l.window_kind), l.window);
    s += l.ffn == Ffn::moe ? "/moe" : l.ffn == Ffn::dense ? "/mlp" : "";
  }
  return s;
}

}  // namespace

Document to_document(const ModelSummary& m) {
  const Architecture& a = *m.arch;
  const ParamCounts& p = m.params;
  const DescribeQuery& q = m.query;
  Document doc;
  doc.command = "describe";
  doc.warnings = m.warnings;
  doc.inputs = {{"name", m.query_name},
                {"kind", "model"},
                {"context_tokens", jcount(q.context)},
                {"batch", jcount(q.batch)},
                {"weights", m.weights.name()},
                {"kv_dtype", m.kv.name()},
                {"state_dtype", m.state.name()}};
  ojson& r = doc.result;
  r["id"] = m.id;
  r["name"] = m.name;
  r["family"] = a.family;
  r["params_total"] = jcount(p.total);
  r["params_active"] = jcount(p.active);
  r["params_embedding"] = jcount(p.embedding);
  r["params_lm_head"] = jcount(p.lm_head);
  r["params_active_excl_embedding"] = jcount(p.active - p.embedding - p.lm_head);
  r["params_routed_experts"] = jcount(p.routed_experts);
  r["stated_params_total"] = m.stated_total > 0 ? jcount(m.stated_total) : ojson(nullptr);
  r["stated_params_active"] = m.stated_active > 0 ? jcount(m.stated_active) : ojson(nullptr);
  r["num_layers"] = a.num_layers;
  r["num_kv_layers"] = m.num_kv_layers;
  r["num_moe_layers"] = p.num_moe_layers;
  r["hidden_size"] = a.hidden;
  r["vocab_size"] = a.vocab;
  r["num_attention_heads"] = a.attn.num_heads;
  r["num_kv_heads"] = a.attn.num_kv_heads;
  r["head_dim"] = a.attn.head_dim;
  r["max_context_tokens"] = a.max_context;
  r["layer_groups"] = layer_groups_json(a);
  if (a.moe.num_experts > 0)
    r["moe"] = {{"num_experts", a.moe.num_experts},
                {"experts_per_token", a.moe.top_k},
                {"num_shared_experts", a.moe.num_shared},
                {"expert_intermediate_size", a.moe.expert_intermediate}};
  if (a.mla.kv_lora_rank > 0)
    r["mla"] = {{"q_lora_rank", a.mla.q_lora_rank},
                {"kv_lora_rank", a.mla.kv_lora_rank},
                {"qk_rope_head_dim", a.mla.qk_rope_head_dim}};
  r["weights_dtype"] = m.weights.name();
  r["experts_dtype"] = m.experts.name();
  r["weight_bytes"] = m.weight_bytes;
  r["kv_dtype"] = m.kv.name();
  r["kv_cache_bytes"] = m.kv_cache_bytes;
  r["kv_bytes_per_token"] = m.kv_bytes_per_token;
  r["kv_bytes_per_token_full_context"] = m.kv_bytes_per_token_full_context;
  r["kv_cache_bytes_at_max_context"] =
      m.kv_cache_bytes_at_max_context > 0 ? ojson(m.kv_cache_bytes_at_max_context) : ojson(nullptr);
  r["state_dtype"] = m.state.name();
  r["state_bytes"] = m.state_bytes;
  r["state_bytes_per_sequence"] = m.state_bytes_per_sequence;
  r["flops_per_token"] = m.flops_per_token;
  r["attention_flops_per_token"] = m.attention_flops_per_token;
  r["source"] = m.source;
  r["as_of"] = m.as_of;
  doc.records.push_back(r);

  Table t;
  t.title =
      fmt::format("{} ({}): context {} tokens, batch {}", m.name, a.family, fmt_count(q.context), fmt_count(q.batch));
  t.columns = {"quantity", "value"};
  t.left_align = {true, true};
  auto row = [&](const std::string& k, const std::string& v) { t.rows.push_back({k, v}); };
  row("parameters (total)", fmt_count(p.total) + " (" + fmt_si(p.total) + ")");
  row("parameters (active per token)", fmt_count(p.active) + " (" + fmt_si(p.active) + ")");
  row("parameters (embedding / lm head)", fmt_si(p.embedding) + " / " + (p.lm_head > 0 ? fmt_si(p.lm_head) : "tied"));
  if (m.stated_total > 0)
    row("stated (total / active)",
        fmt_si(m.stated_total) + " / " + fmt_si(m.stated_active > 0 ? m.stated_active : m.stated_total));
  row("layers", groups_text(a));
  row("attention", a.mla.kv_lora_rank > 0 ? fmt::format("MLA, {} heads, kv_lora_rank {}, rope dim {}", a.attn.num_heads,
                                                        a.mla.kv_lora_rank, a.mla.qk_rope_head_dim)
                                          : fmt::format("{} q heads, {} kv heads, head_dim {}", a.attn.num_heads,
                                                        a.attn.num_kv_heads, a.attn.head_dim));
  if (a.moe.num_experts > 0)
    row("experts", fmt::format("{} routed, top-{}, {} shared, {} MoE layers", a.moe.num_experts, a.moe.top_k,
                               a.moe.num_shared, p.num_moe_layers));
  row("weights (" + m.weights.name() + (m.experts == m.weights ? "" : ", experts " + m.experts.name()) + ")",
      fmt::format("{:.2f} GiB", m.weight_bytes / kGiB));
  if (m.kv_cache_bytes_at_max_context > 0)
    row("KV cache (" + m.kv.name() + ")",
        fmt::format("{} B/token; {:.2f} GiB per sequence at the max context {}", fmt_count(m.kv_bytes_per_token),
                    m.kv_cache_bytes_at_max_context / kGiB, fmt_count(double(a.max_context))));
  else
    row("KV cache (" + m.kv.name() + ")",
        fmt::format("{:.3f} GiB  ({} B/token)", m.kv_cache_bytes / kGiB, fmt_count(m.kv_bytes_per_token)));
  if (m.state_bytes_per_sequence > 0)
    row("recurrent state (" + m.state.name() + ")",
        fmt::format("{:.2f} MiB per sequence, {:.3f} GiB total", m.state_bytes_per_sequence / kMiB,
                    m.state_bytes / kGiB));
  row("forward FLOPs per token", fmt::format("{:.3f} GFLOP", m.flops_per_token / 1e9));
  row("max context", fmt_count(double(a.max_context)));
  t.notes.push_back(
      "GiB = 2^30 bytes; KV per token = KV cache / (context x batch); window layers hold min(context, window) tokens");
  t.notes.push_back("source: " + m.source + " (" + m.as_of + ")");
  doc.tables = {t};
  return doc;
}

Document to_document(const GpuSummary& s) {
  const Gpu& g = *s.gpu;
  Document doc;
  doc.command = "describe";
  doc.inputs = {{"name", s.query_name}, {"kind", "gpu"}};
  ojson peaks = ojson::object();
  Table t;
  t.title = g.name + " (" + g.id + ")";
  t.columns = {"quantity", "value"};
  t.left_align = {true, true};
  auto row = [&](const std::string& k, const std::string& v) { t.rows.push_back({k, v}); };
  row("memory", fmt::format("{:.1f} GiB", g.memory_bytes / kGiB));
  row("memory bandwidth", fmt::format("{:.2f} TB/s", g.memory_bw_bytes_per_s / kTera));
  for (size_t i = 0; i < kPeakNames.size(); ++i) {
    const double v = g.peak_flop_per_s[i];
    peaks[std::string(kPeakNames[i])] = v > 0 ? ojson(v) : ojson(nullptr);
    if (v > 0) row(std::string("dense peak ") + kPeakNames[i], fmt::format("{:.1f} TFLOP/s", v / kTera));
  }
  if (g.tdp_w > 0) row("TDP", fmt::format("{:.0f} W", g.tdp_w));
  ojson r = {{"id", g.id},
             {"name", g.name},
             {"vendor", g.vendor},
             {"aliases", g.aliases},
             {"memory_bytes", jcount(g.memory_bytes)},
             {"memory_bandwidth_bytes_per_s", g.memory_bw_bytes_per_s},
             {"peak_flop_per_s", peaks},
             {"tdp_w", g.tdp_w > 0 ? ojson(g.tdp_w) : ojson(nullptr)},
             {"scale_up_domain", g.scale_up_domain}};
  if (const Interconnect* x = s.scale_up) {
    r["scale_up"] = {{"id", x->id},
                     {"name", x->name},
                     {"bandwidth_bytes_per_s", x->bandwidth_bytes_per_s},
                     {"latency_s", x->latency_s}};
    row("scale-up link", fmt::format("{} ({:.0f} GB/s per direction), domain {}", x->name,
                                     x->bandwidth_bytes_per_s / kGB, g.scale_up_domain));
  } else {
    r["scale_up"] = nullptr;
  }
  if (const Interconnect* x = s.host_link) {
    r["host_link"] = {{"id", x->id}, {"bandwidth_bytes_per_s", x->bandwidth_bytes_per_s}};
    row("host link", fmt::format("{} ({:.0f} GB/s per direction)", x->name, x->bandwidth_bytes_per_s / kGB));
  }
  auto opt = [](double v) { return v > 0 ? ojson(v) : ojson(nullptr); };
  r["efficiency"] = {{"memory_bandwidth", opt(g.eff_memory_bw)},
                     {"matmul_bf16", opt(g.eff_matmul_bf16)},
                     {"matmul_fp8", opt(g.eff_matmul_fp8)},
                     {"source", g.eff_source}};
  if (!g.eff_source.empty())
    row("measured efficiency", fmt::format("memory {:.2f}, bf16 matmul {:.2f}, fp8 matmul {:.2f}", g.eff_memory_bw,
                                           g.eff_matmul_bf16, g.eff_matmul_fp8));
  r["sources"] = g.sources;
  r["notes"] = g.notes;
  r["as_of"] = g.as_of;
  for (const auto& src : g.sources) t.notes.push_back("source: " + src);
  for (const auto& n : g.notes) t.notes.push_back(n);
  doc.result = r;
  doc.records.push_back(r);
  doc.tables = {t};
  return doc;
}

Document to_document(const InterconnectSummary& s) {
  const Interconnect& l = *s.link;
  Document doc;
  doc.command = "describe";
  doc.inputs = {{"name", s.query_name}, {"kind", "interconnect"}};
  Table t;
  t.title = l.name + " (" + l.id + ")";
  t.columns = {"quantity", "value"};
  t.left_align = {true, true};
  auto row = [&](const std::string& k, const std::string& v) { t.rows.push_back({k, v}); };
  auto opt = [](double v) { return v > 0 ? ojson(v) : ojson(nullptr); };
  row("kind", l.kind);
  row("bandwidth per GPU, one direction", fmt::format("{:.1f} GB/s", l.bandwidth_bytes_per_s / kGB));
  row("latency", fmt::format("{:.2f} us", l.latency_s * 1e6));
  if (l.domain_size > 0) row("domain", fmt::format("{} GPUs", l.domain_size));
  if (l.nccl_busbw_bytes_per_s > 0)
    row("NCCL all-reduce",
        fmt::format("{:.1f} us per call, {:.1f} us per hop, {:.1f} GB/s bus bandwidth", l.nccl_latency_s * 1e6,
                    l.nccl_hop_latency_s * 1e6, l.nccl_busbw_bytes_per_s / kGB));
  for (const auto& src : l.sources) t.notes.push_back("source: " + src);
  for (const auto& n : l.notes) t.notes.push_back(n);
  if (!l.collectives_source.empty()) t.notes.push_back("collectives: " + l.collectives_source);
  doc.tables = {t};
  doc.result = {{"id", l.id},
                {"name", l.name},
                {"kind", l.kind},
                {"bandwidth_bytes_per_s", l.bandwidth_bytes_per_s},
                {"latency_s", l.latency_s},
                {"domain_size", l.domain_size > 0 ? ojson(l.domain_size) : ojson(nullptr)},
                {"collectives",
                 {{"nccl_latency_s", opt(l.nccl_latency_s)},
                  {"nccl_hop_latency_s", opt(l.nccl_hop_latency_s)},
                  {"nccl_busbw_bytes_per_s", opt(l.nccl_busbw_bytes_per_s)},
                  {"custom_ar_latency_s", opt(l.custom_ar_latency_s)},
                  {"custom_ar_busbw_bytes_per_s", opt(l.custom_ar_busbw_bytes_per_s)},
                  {"nvls_busbw_bytes_per_s", opt(l.nvls_busbw_bytes_per_s)},
                  {"source", l.collectives_source}}},
                {"as_of", l.as_of},
                {"sources", l.sources},
                {"notes", l.notes}};
  ojson rec = doc.result;
  rec.erase("collectives");
  doc.records.push_back(rec);
  return doc;
}

}  // namespace mlcalc
