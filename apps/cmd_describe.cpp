// mlcalc describe MODEL|GPU
#include <fmt/format.h>

#include "cli.hpp"
#include "common.hpp"

namespace mlcalc {

namespace {

struct DescribeOptions {
  std::string name;
  double context = 1, batch = 1;
  std::string weights, kv_dtype = "bf16", state_dtype = "bf16";
};

ojson layer_groups_json(const Architecture& a) {
  ojson g = ojson::array();
  for (const auto& l : a.groups)
    g.push_back({{"num_layers", l.num_layers}, {"mixer", mixer_name(l.mixer)}, {"attention", window_name(l.window_kind)},
                 {"window_tokens", l.window}, {"ffn", l.ffn == Ffn::moe ? "moe" : l.ffn == Ffn::dense ? "dense" : "none"}});
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

void describe_model(Context& ctx, const DescribeOptions& o, const ModelEntry& m) {
  const Architecture& a = m.arch;
  const ParamCounts p = count_params(a);
  const DType wd = o.weights.empty() ? a.weight_dtype : parse_dtype(o.weights);
  const DType ed = o.weights.empty() ? a.expert_dtype : wd;
  const DType kd = parse_dtype(o.kv_dtype), sd = parse_dtype(o.state_dtype);
  if (a.max_context > 0 && o.context > a.max_context)
    ctx.warn(fmt::format("context {} is beyond the model's max_position_embeddings {}", fmt_count(o.context),
                         fmt_count(double(a.max_context))));
  const double kv_seq = kv_bytes_per_sequence(a, o.context, kd);
  const double kv_total = kv_seq * o.batch;
  const double state_seq = state_bytes_per_sequence(a, sd);
  const double wbytes = weight_bytes(a, p, wd, ed);
  const double flops = decode_flops_per_token(a, p, o.context);

  ojson r;
  r["id"] = m.id;
  r["name"] = m.name;
  r["family"] = a.family;
  r["params_total"] = p.total;
  r["params_active"] = p.active;
  r["params_embedding"] = p.embedding;
  r["params_lm_head"] = p.lm_head;
  r["params_active_excl_embedding"] = p.active - p.embedding - p.lm_head;
  r["params_routed_experts"] = p.routed_experts;
  r["stated_params_total"] = m.stated_total > 0 ? ojson(m.stated_total) : ojson(nullptr);
  r["stated_params_active"] = m.stated_active > 0 ? ojson(m.stated_active) : ojson(nullptr);
  r["num_layers"] = a.num_layers;
  r["num_kv_layers"] = kv_layers(a);
  r["num_moe_layers"] = p.num_moe_layers;
  r["hidden_size"] = a.hidden;
  r["vocab_size"] = a.vocab;
  r["num_attention_heads"] = a.attn.num_heads;
  r["num_kv_heads"] = a.attn.num_kv_heads;
  r["head_dim"] = a.attn.head_dim;
  r["max_context_tokens"] = a.max_context;
  r["layer_groups"] = layer_groups_json(a);
  if (a.moe.num_experts > 0)
    r["moe"] = {{"num_experts", a.moe.num_experts}, {"experts_per_token", a.moe.top_k},
                {"num_shared_experts", a.moe.num_shared}, {"expert_intermediate_size", a.moe.expert_intermediate}};
  if (a.mla.kv_lora_rank > 0)
    r["mla"] = {{"q_lora_rank", a.mla.q_lora_rank}, {"kv_lora_rank", a.mla.kv_lora_rank},
                {"qk_rope_head_dim", a.mla.qk_rope_head_dim}};
  r["weights_dtype"] = wd.name();
  r["experts_dtype"] = ed.name();
  r["weight_bytes"] = wbytes;
  r["kv_dtype"] = kd.name();
  r["kv_cache_bytes"] = kv_total;
  r["kv_bytes_per_token"] = kv_total / (o.context * o.batch);
  r["kv_bytes_per_token_full_context"] = kv_bytes_per_sequence(a, 1, kd);  // per token while context <= every window
  r["state_dtype"] = sd.name();
  r["state_bytes"] = state_seq * o.batch;
  r["state_bytes_per_sequence"] = state_seq;
  r["flops_per_token"] = flops;
  r["attention_flops_per_token"] = decode_attention_flops(a, o.context);
  r["source"] = m.source;
  r["as_of"] = m.as_of;

  Table t;
  t.title = fmt::format("{} ({}): context {} tokens, batch {}", m.name, a.family, fmt_count(o.context), fmt_count(o.batch));
  t.columns = {"quantity", "value"};
  t.left_align = {true, true};
  auto row = [&](const std::string& k, const std::string& v) { t.rows.push_back({k, v}); };
  row("parameters (total)", fmt_count(p.total) + " (" + fmt_si(p.total) + ")");
  row("parameters (active per token)", fmt_count(p.active) + " (" + fmt_si(p.active) + ")");
  row("parameters (embedding / lm head)", fmt_si(p.embedding) + " / " + (p.lm_head > 0 ? fmt_si(p.lm_head) : "tied"));
  if (m.stated_total > 0)
    row("stated (total / active)", fmt_si(m.stated_total) + " / " + fmt_si(m.stated_active > 0 ? m.stated_active : m.stated_total));
  row("layers", groups_text(a));
  row("attention", a.mla.kv_lora_rank > 0
                       ? fmt::format("MLA, {} heads, kv_lora_rank {}, rope dim {}", a.attn.num_heads, a.mla.kv_lora_rank, a.mla.qk_rope_head_dim)
                       : fmt::format("{} q heads, {} kv heads, head_dim {}", a.attn.num_heads, a.attn.num_kv_heads, a.attn.head_dim));
  if (a.moe.num_experts > 0)
    row("experts", fmt::format("{} routed, top-{}, {} shared, {} MoE layers", a.moe.num_experts, a.moe.top_k, a.moe.num_shared, p.num_moe_layers));
  row("weights (" + wd.name() + (ed == wd ? "" : ", experts " + ed.name()) + ")", fmt::format("{:.2f} GiB", wbytes / kGiB));
  row("KV cache (" + kd.name() + ")", fmt::format("{:.3f} GiB  ({} B/token)", kv_total / kGiB, fmt_count(kv_total / (o.context * o.batch))));
  if (state_seq > 0)
    row("recurrent state (" + sd.name() + ")", fmt::format("{:.2f} MiB per sequence, {:.3f} GiB total", state_seq / kMiB, state_seq * o.batch / kGiB));
  row("forward FLOPs per token", fmt::format("{:.3f} GFLOP", flops / 1e9));
  row("max context", fmt_count(double(a.max_context)));
  t.notes.push_back("GiB = 2^30 bytes; KV per token = KV cache / (context x batch); window layers hold min(context, window) tokens");
  t.notes.push_back("source: " + m.source + " (" + m.as_of + ")");

  emit(ctx, "describe",
       {{"name", o.name}, {"kind", "model"}, {"context_tokens", o.context}, {"batch", o.batch}, {"weights", wd.name()},
        {"kv_dtype", kd.name()}, {"state_dtype", sd.name()}},
       r, {t});
}

void describe_gpu(Context& ctx, const DescribeOptions& o, const Gpu& g) {
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
  ojson r = {{"id", g.id}, {"name", g.name}, {"vendor", g.vendor}, {"aliases", g.aliases}, {"memory_bytes", g.memory_bytes},
             {"memory_bandwidth_bytes_per_s", g.memory_bw_bytes_per_s}, {"peak_flop_per_s", peaks},
             {"tdp_w", g.tdp_w > 0 ? ojson(g.tdp_w) : ojson(nullptr)}, {"scale_up_domain", g.scale_up_domain}};
  if (!g.scale_up_id.empty()) {
    const Interconnect& x = ctx.db().interconnect(g.scale_up_id);
    r["scale_up"] = {{"id", x.id}, {"name", x.name}, {"bandwidth_bytes_per_s", x.bandwidth_bytes_per_s}, {"latency_s", x.latency_s}};
    row("scale-up link", fmt::format("{} ({:.0f} GB/s per direction), domain {}", x.name, x.bandwidth_bytes_per_s / kGB, g.scale_up_domain));
  } else {
    r["scale_up"] = nullptr;
  }
  if (!g.host_link_id.empty()) {
    const Interconnect& x = ctx.db().interconnect(g.host_link_id);
    r["host_link"] = {{"id", x.id}, {"bandwidth_bytes_per_s", x.bandwidth_bytes_per_s}};
    row("host link", fmt::format("{} ({:.0f} GB/s per direction)", x.name, x.bandwidth_bytes_per_s / kGB));
  }
  r["efficiency"] = {{"memory_bandwidth", g.eff_memory_bw > 0 ? ojson(g.eff_memory_bw) : ojson(nullptr)},
                     {"matmul_bf16", g.eff_matmul_bf16 > 0 ? ojson(g.eff_matmul_bf16) : ojson(nullptr)},
                     {"matmul_fp8", g.eff_matmul_fp8 > 0 ? ojson(g.eff_matmul_fp8) : ojson(nullptr)},
                     {"source", g.eff_source}};
  if (!g.eff_source.empty())
    row("measured efficiency", fmt::format("memory {:.2f}, bf16 matmul {:.2f}, fp8 matmul {:.2f}", g.eff_memory_bw,
                                           g.eff_matmul_bf16, g.eff_matmul_fp8));
  r["sources"] = g.sources;
  r["notes"] = g.notes;
  r["as_of"] = g.as_of;
  for (const auto& s : g.sources) t.notes.push_back("source: " + s);
  for (const auto& n : g.notes) t.notes.push_back(n);
  emit(ctx, "describe", {{"name", o.name}, {"kind", "gpu"}}, r, {t});
}

void run_describe(Context& ctx, const DescribeOptions& o) {
  Database& db = ctx.db();
  try {
    const ModelEntry& m = db.model(o.name);
    describe_model(ctx, o, m);
    return;
  } catch (const Error& model_error) {
    if (std::string(model_error.what()).rfind("unknown model", 0) != 0) throw;
    try {
      describe_gpu(ctx, o, db.gpu(o.name));
      return;
    } catch (const Error& gpu_error) {
      if (std::string(gpu_error.what()).rfind("unknown gpu", 0) != 0) throw;
      std::vector<std::string> all = db.ids(EntryKind::model);
      for (const auto& g : db.ids(EntryKind::gpu)) all.push_back(g);
      throw Error("'" + o.name + "' is neither a model nor a GPU" + did_you_mean(lower(o.name), all) +
                  " (see `mlcalc list models` and `mlcalc list gpus`)");
    }
  }
}

}  // namespace

void add_describe(CLI::App& sub, Context& ctx) {
  auto o = std::make_shared<DescribeOptions>();
  sub.add_option("name", o->name, "model (database name, Hugging Face id, config.json path) or GPU")->required();
  add_count(sub, "--context", o->context, "context length in tokens (default 1)");
  add_count(sub, "--batch", o->batch, "sequences (default 1)");
  sub.add_option("--weights", o->weights, "weight dtype (default: the checkpoint's)");
  sub.add_option("--kv-dtype", o->kv_dtype, "KV-cache dtype (default bf16)");
  sub.add_option("--state-dtype", o->state_dtype, "recurrent-state dtype (default bf16)");
  sub.callback([&ctx, o] { run_describe(ctx, *o); });
}

}  // namespace mlcalc
