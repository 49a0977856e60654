// card: the Hugging Face model card (YAML front matter + Markdown) and the same content as data.
// Front matter keys and the model-index schema: huggingface/hub-docs@0d37e0c modelcard.md.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>

#include "card.hpp"
#include "common.hpp"
#include "report.hpp"

namespace mlcalc {

namespace {

// Bytes in the largest binary unit that keeps them at least 1 (a tiny test checkpoint shows KiB).
std::string gib(double bytes) {
  if (bytes >= kGiB || bytes == 0) return fmt::format("{:.2f} GiB", bytes / kGiB);
  if (bytes >= kMiB) return fmt::format("{:.2f} MiB", bytes / kMiB);
  if (bytes >= 1024) return fmt::format("{:.2f} KiB", bytes / 1024);
  return fmt::format("{:.0f} B", bytes);
}

// Dollars: cents for a dollar or more, three significant digits below.
std::string usd(double v) {
  return v >= 1 ? fmt::format("${:.2f}", v) : fmt::format("${:.3g}", v);
}

// Bytes as GiB with the decimal GB beside (the Hub shows GB, GPUs are sold in GiB-ish "GB").
std::string gib_gb(double bytes) {
  return bytes >= kGiB ? fmt::format("{:.2f} GiB ({:.2f} GB)", bytes / kGiB, bytes / kGB)
                       : fmt::format("{} ({} bytes)", gib(bytes), count_text(bytes));
}

std::string kv_per_token(double bytes) {
  return bytes >= kMiB ? fmt::format("{:.2f} MiB", bytes / kMiB) : fmt::format("{:.1f} KiB", bytes / 1024);
}

// A Markdown table cell: no pipes or newlines inside.
std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string md_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::string s = "|";
  for (const auto& h : header) s += " " + cell(h) + " |";
  s += "\n|";
  for (size_t i = 0; i < header.size(); ++i) s += " --- |";
  s += "\n";
  for (const auto& r : rows) {
    s += "|";
    for (const auto& c : r) s += " " + cell(c) + " |";
    s += "\n";
  }
  return s;
}

// ---- YAML: the front matter is one ordered JSON value written block-style ---------------------

void yaml_value(const ojson& v, int indent, std::string& out);

std::string yaml_scalar(const ojson& v) {
  if (v.is_string()) return yaml_string(v.get<std::string>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_null()) return "null";
  if (v.is_number_integer()) return v.dump();
  return yaml_number(v.get<double>());
}

bool is_block(const ojson& v) {
  return (v.is_object() || v.is_array()) && !v.empty();
}

void yaml_object(const ojson& o, int indent, std::string& out, bool first_inline) {
  bool first = true;
  for (const auto& [k, v] : o.items()) {
    if (!(first && first_inline)) out += std::string(indent, ' ');
    first = false;
    out += yaml_string(k) + ":";
    if (is_block(v)) {
      out += "\n";
      yaml_value(v, v.is_array() ? indent : indent + 2, out);
    } else {
      out += " " + (v.is_object() ? std::string("{}") : v.is_array() ? std::string("[]") : yaml_scalar(v)) + "\n";
    }
  }
}

void yaml_value(const ojson& v, int indent, std::string& out) {
  if (v.is_object()) return yaml_object(v, indent, out, false);
  for (const auto& e : v) {  // arrays: "- " items at the parent key's indent
    out += std::string(indent, ' ') + "- ";
    if (e.is_object() && !e.empty())
      yaml_object(e, indent + 2, out, true);
    else if (e.is_array() && !e.empty())
      out += "\n", yaml_value(e, indent + 2, out);
    else
      out += (e.is_object() ? std::string("{}") : e.is_array() ? std::string("[]") : yaml_scalar(e)) + "\n";
  }
}

// ---- content -----------------------------------------------------------------------------------

std::string model_name(const CardReport& r) {
  return !r.info.name.empty() ? r.info.name : r.model_name.empty() ? r.model_id : r.model_name;
}

std::string metric_label(const CardMetric& m) {
  std::string s = m.metric;
  if (!m.variant.empty() && m.variant != "none") s += " (" + m.variant + ")";
  if (m.num_fewshot) s += fmt::format(", {}-shot", count_text(*m.num_fewshot));
  return s;
}

ojson front_matter(const CardReport& r) {
  ojson fm = ojson::object();
  auto list_or_one = [](const std::vector<std::string>& v) { return v.size() == 1 ? ojson(v[0]) : ojson(v); };
  if (!r.info.license.empty()) fm["license"] = r.info.license;
  if (!r.info.base_model.empty()) fm["base_model"] = list_or_one(r.info.base_model);
  if (!r.info.language.empty()) fm["language"] = r.info.language;
  std::vector<std::string> tags = r.info.tags;
  auto tag = [&](const std::string& t) {
    if (!t.empty() && std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
  };
  if (r.arch) tag(r.arch->family);
  if (r.checkpoint.weights) tag("safetensors");
  if (r.arch && r.arch->moe.num_experts > 0) tag("moe");
  if (!tags.empty()) fm["tags"] = tags;
  if (!r.info.datasets.empty()) fm["datasets"] = r.info.datasets;
  fm["pipeline_tag"] = r.info.pipeline_tag.empty() ? "text-generation" : r.info.pipeline_tag;
  fm["library_name"] = r.info.library_name.empty() ? "transformers" : r.info.library_name;
  if (!r.metrics.empty()) {
    ojson results = ojson::array();
    std::vector<std::string> tasks;
    for (const auto& m : r.metrics)
      if (std::find(tasks.begin(), tasks.end(), m.task) == tasks.end()) tasks.push_back(m.task);
    for (const auto& t : tasks) {
      const CardMetric* first = nullptr;
      ojson metrics = ojson::array();
      for (const auto& m : r.metrics) {
        if (m.task != t) continue;
        if (!first) first = &m;
        metrics.push_back({{"type", m.metric}, {"value", m.value}, {"name", metric_label(m)}, {"verified", false}});
      }
      ojson ds = {{"name", first->alias}, {"type", first->dataset_type}};
      if (!first->dataset_config.empty()) ds["config"] = first->dataset_config;
      if (!first->dataset_split.empty()) ds["split"] = first->dataset_split;
      if (first->num_fewshot) ds["args"] = {{"num_few_shot", jcount(*first->num_fewshot)}};
      ojson res = {
          {"task", {{"type", "text-generation"}, {"name", "Text Generation"}}}, {"dataset", ds}, {"metrics", metrics}};
      if (!r.info.eval_source_url.empty())
        res["source"] = {{"name", first->format + " (self-reported)"}, {"url", r.info.eval_source_url}};
      results.push_back(res);
    }
    fm["model-index"] = ojson::array({{{"name", model_name(r)}, {"results", results}}});
  }
  return fm;
}

std::string attention_kinds(const Architecture& a) {
  std::vector<std::pair<std::string, int>> kinds;
  for (const auto& g : a.groups) {
    std::string k = mixer_name(g.mixer);
    if (g.mixer == Mixer::attention || g.mixer == Mixer::mla) {
      if (g.window_kind != Window::full)
        k += fmt::format(" ({} {})", window_name(g.window_kind), count_text(double(g.window)));
      else
        k += " (full)";
    }
    auto it = std::find_if(kinds.begin(), kinds.end(), [&](const auto& p) { return p.first == k; });
    if (it == kinds.end())
      kinds.emplace_back(k, g.num_layers);
    else
      it->second += g.num_layers;
  }
  std::string s;
  for (const auto& [k, n] : kinds) s += (s.empty() ? "" : ", ") + fmt::format("{} x {}", n, k);
  const bool mla =
      std::any_of(a.groups.begin(), a.groups.end(), [](const LayerGroup& g) { return g.mixer == Mixer::mla; });
  if (mla)
    s += fmt::format("; {} heads, KV cache per token: a latent of {} + a rope key of {}", a.attn.num_heads,
                     a.mla.kv_lora_rank, a.mla.qk_rope_head_dim);
  else if (a.attn.num_heads > 0)
    s += fmt::format("; {} query heads, {} KV head{}, head dim {}", a.attn.num_heads, a.attn.num_kv_heads,
                     a.attn.num_kv_heads == 1 ? "" : "s", a.attn.head_dim);
  return s;
}

ojson details_json(const CardReport& r) {
  const Architecture& a = *r.arch;
  ojson kinds = ojson::array();
  for (const auto& g : a.groups)
    kinds.push_back({{"layers", g.num_layers},
                     {"mixer", mixer_name(g.mixer)},
                     {"window_kind", window_name(g.window_kind)},
                     {"window", g.window},
                     {"ffn", g.ffn == Ffn::moe     ? "moe"
                             : g.ffn == Ffn::dense ? "dense"
                                                   : "none"}});
  return {{"family", a.family},
          {"params_total", jcount(r.params.total)},
          {"params_active", jcount(r.params.active)},
          {"layers", a.num_layers},
          {"layer_groups", kinds},
          {"hidden_size", a.hidden},
          {"num_attention_heads", a.attn.num_heads},
          {"num_kv_heads", a.attn.num_kv_heads},
          {"head_dim", a.attn.head_dim},
          {"num_experts", a.moe.num_experts},
          {"experts_per_token", a.moe.top_k},
          {"max_context", a.max_context > 0 ? ojson(a.max_context) : ojson(nullptr)},
          {"vocab", a.vocab},
          {"weights_dtype", a.weight_dtype.name()},
          {"experts_dtype", a.expert_dtype.name()}};
}

std::string details_md(const CardReport& r) {
  const Architecture& a = *r.arch;
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"Parameters (total)", fmt::format("{} ({})", fmt_si(r.params.total), fmt_count(r.params.total))});
  if (a.moe.num_experts > 0) {
    rows.push_back(
        {"Parameters (active per token)", fmt::format("{} ({})", fmt_si(r.params.active), fmt_count(r.params.active))});
    rows.push_back({"Experts", fmt::format("{} routed, {} per token, {} shared", a.moe.num_experts, a.moe.top_k,
                                           a.moe.num_shared)});
  }
  rows.push_back({"Layers", std::to_string(a.num_layers)});
  rows.push_back({"Token mixers", attention_kinds(a)});
  rows.push_back({"Hidden size", fmt_count(double(a.hidden))});
  rows.push_back(
      {"Context (max_position_embeddings)", a.max_context > 0 ? fmt_count(double(a.max_context)) : "not stated"});
  rows.push_back({"Vocabulary", fmt_count(double(a.vocab))});
  std::string dtype = a.weight_dtype.name();
  if (!(a.expert_dtype == a.weight_dtype)) dtype += ", experts " + a.expert_dtype.name();
  if (!r.checkpoint.torch_dtype.empty()) dtype += " (config.json torch_dtype " + r.checkpoint.torch_dtype + ")";
  rows.push_back({"Weights dtype", dtype});
  std::string quant = r.checkpoint.quantization;
  if (quant.empty())
    quant = a.weight_dtype.bytes() < 2 || a.expert_dtype.bytes() < 2
                ? "weights stored as " + dtype.substr(0, dtype.find(" (")) + " (from the configuration)"
                : std::string("none (") + a.weight_dtype.name() + " weights)";
  rows.push_back({"Quantization", quant});
  const auto& w = r.checkpoint.weights;
  if (w) {
    std::vector<std::string> by;
    for (const auto& [d, b] : w->bytes_by_dtype) by.push_back(fmt::format("{} {}", d, gib(b)));
    rows.push_back({"Weight files", fmt::format("{} safetensors file{}, {} tensors, {}: {}", w->files.size(),
                                                w->files.size() == 1 ? "" : "s", fmt_count(double(w->num_tensors)),
                                                gib_gb(w->total_bytes), fmt::join(by, ", "))});
  }
  if (r.weight_check)
    rows.push_back({"Weight bytes vs mlcalc's estimate",
                    fmt::format("{} held, {} estimated from config.json ({:+.2f}%): {}",
                                fmt_count(r.weight_check->checkpoint_bytes), fmt_count(r.weight_check->estimated_bytes),
                                r.weight_check->difference * 100, r.weight_check->note)});
  if (r.checkpoint.tokenizer.present || r.checkpoint.tokenizer.chat_template) {
    std::string t = r.checkpoint.tokenizer.tokenizer_class.empty() ? "tokenizer_config.json"
                                                                   : r.checkpoint.tokenizer.tokenizer_class;
    t += r.checkpoint.tokenizer.chat_template ? "; chat template: yes" : "; chat template: none";
    for (const auto& [k, v] : r.checkpoint.tokenizer.special_tokens) t += fmt::format("; {} `{}`", k, v);
    rows.push_back({"Tokenizer", t});
  }
  if (!r.checkpoint.generation.empty()) {
    std::vector<std::string> g;
    for (const auto& [k, v] : r.checkpoint.generation) g.push_back(k + " " + v);
    rows.push_back({"Generation defaults (generation_config.json)", fmt::format("{}", fmt::join(g, ", "))});
  }
  std::string s = md_table({"Property", "Value"}, rows);
  s += "\nSource: " +
       (r.checkpoint.path.empty() ? "mlcalc model database entry `" + r.model_id + "` (" + r.model_source + ")"
                                  : fmt::format("{}", fmt::join(r.checkpoint.read, ", "))) +
       ". Parameter counts are computed by mlcalc from the configuration.\n";
  return s;
}

ojson checkpoint_json(const CardReport& r) {
  const auto& c = r.checkpoint;
  ojson j = {{"path", c.path.empty() ? ojson(nullptr) : ojson(c.path)},
             {"files_read", c.read},
             {"torch_dtype", c.torch_dtype.empty() ? ojson(nullptr) : ojson(c.torch_dtype)},
             {"quantization", c.quantization.empty() ? ojson(nullptr) : ojson(c.quantization)}};
  ojson tok = {{"present", c.tokenizer.present},
               {"chat_template", c.tokenizer.chat_template},
               {"tokenizer_class", c.tokenizer.tokenizer_class},
               {"model_max_length", jopt(c.tokenizer.model_max_length)}};
  ojson sp = ojson::object();
  for (const auto& [k, v] : c.tokenizer.special_tokens) sp[k] = v;
  tok["special_tokens"] = sp;
  j["tokenizer"] = tok;
  ojson gen = ojson::object();
  for (const auto& [k, v] : c.generation) gen[k] = v;
  j["generation"] = gen;
  if (c.weights) {
    ojson by = ojson::object();
    for (const auto& [d, b] : c.weights->bytes_by_dtype) by[d] = jcount(b);
    ojson meta = ojson::object();
    for (const auto& [k, v] : c.weights->metadata) meta[k] = v;
    j["weights"] = {{"files", c.weights->files},
                    {"num_tensors", c.weights->num_tensors},
                    {"total_bytes", jcount(c.weights->total_bytes)},
                    {"num_elements", jcount(c.weights->num_elements)},
                    {"bytes_by_dtype", by},
                    {"index_total_size_bytes",
                     c.weights->index_total_bytes ? jcount(*c.weights->index_total_bytes) : ojson(nullptr)},
                    {"metadata", meta}};
  } else {
    j["weights"] = nullptr;
  }
  if (r.weight_check)
    j["weight_check"] = {{"checkpoint_bytes", jcount(r.weight_check->checkpoint_bytes)},
                         {"estimated_bytes", r.weight_check->estimated_bytes},
                         {"difference", r.weight_check->difference},
                         {"checkpoint_elements", jcount(r.weight_check->checkpoint_elements)},
                         {"estimated_elements", r.weight_check->estimated_elements},
                         {"note", r.weight_check->note}};
  else
    j["weight_check"] = nullptr;
  return j;
}

ojson evals_json(const CardReport& r) {
  ojson a = ojson::array();
  for (const auto& m : r.metrics)
    a.push_back({{"task", m.task},
                 {"metric", m.metric},
                 {"variant", m.variant},
                 {"value", m.value},
                 {"stderr", jopt(m.stderr_value)},
                 {"num_fewshot", m.num_fewshot ? jcount(*m.num_fewshot) : ojson(nullptr)},
                 {"dataset", m.dataset_type},
                 {"model", m.model.empty() ? ojson(nullptr) : ojson(m.model)},
                 {"format", m.format},
                 {"file", m.file}});
  return a;
}

std::string evals_md(const CardReport& r) {
  if (r.metrics.empty())
    return "> **TODO:** no evaluation results: pass `--eval FILE` (an lm-evaluation-harness results JSON, or "
           "`mlcalc eval --format json` output).\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : r.metrics)
    rows.push_back({m.alias, m.metric + (m.variant.empty() || m.variant == "none" ? "" : " (" + m.variant + ")"),
                    fmt::format("{:.4f}", m.value), m.stderr_value ? fmt::format("{:.4f}", *m.stderr_value) : "-",
                    m.num_fewshot ? count_text(*m.num_fewshot) : "-", m.file});
  std::string s = md_table({"Task", "Metric", "Value", "Stderr", "Shots", "Log"}, rows);
  std::vector<std::string> models;
  for (const auto& m : r.metrics)
    if (!m.model.empty() && std::find(models.begin(), models.end(), m.model) == models.end()) models.push_back(m.model);
  s += "\nSelf-reported from the logs above (not verified by Hugging Face)";
  if (!models.empty()) s += fmt::format("; the logs name the evaluated model as {}", fmt::join(models, ", "));
  return s + ".\n";
}

ojson serving_json(const CardServing& s) {
  ojson setups = ojson::array();
  for (const auto& x : s.setups)
    setups.push_back({{"context", jcount(x.context)},
                      {"gpu", x.gpu},
                      {"gpu_name", x.gpu_name},
                      {"fits", x.fits},
                      {"tp", x.tp},
                      {"num_gpus", x.tp},
                      {"gpu_memory_bytes", x.memory_bytes_per_gpu},
                      {"weight_bytes_per_gpu", x.weight_bytes_per_gpu},
                      {"kv_bytes_per_sequence_per_gpu", x.kv_bytes_per_sequence_per_gpu},
                      {"max_sequences", jcount(x.max_sequences)},
                      {"decode_tokens_per_s_batch1", x.decode_tokens_per_s},
                      {"serving_output_tokens_per_s", x.serving_output_tokens_per_s},
                      {"serving_concurrency", jcount(x.serving_concurrency)},
                      {"usd_per_gpu_hour", jopt(x.usd_per_gpu_hour)},
                      {"price_source", x.price_source},
                      {"usd_per_million_tokens", jopt(x.usd_per_million_tokens)},
                      {"usd_per_million_output_tokens", jopt(x.usd_per_million_output_tokens)},
                      {"usd_per_million_input_tokens", jopt(x.usd_per_million_input_tokens)},
                      {"problem", x.problem.empty() ? ojson(nullptr) : ojson(x.problem)}});
  ojson ctx = ojson::array();
  for (double c : s.contexts) ctx.push_back(jcount(c));
  return {{"estimate", true},
          {"engine", s.engine},
          {"mode", s.mode},
          {"weights_dtype", s.weights},
          {"kv_dtype", s.kv_dtype},
          {"weight_bytes", s.weight_bytes},
          {"kv_bytes_per_token", s.kv_bytes_per_token},
          {"kv_bytes_at_max_context", s.kv_bytes_at_max_context},
          {"output_tokens_per_request", jcount(s.output_tokens)},
          {"contexts", ctx},
          {"setups", setups},
          {"assumptions", s.assumptions}};
}

std::string serving_md(const CardReport& r) {
  const CardServing& s = r.serving;
  std::string out = "Estimates computed by mlcalc from the configuration, not measurements. Assumptions:\n\n";
  for (const auto& a : s.assumptions) out += "- " + a + "\n";
  out += fmt::format("\n- **Weight memory:** {} in {}\n", gib_gb(s.weight_bytes), s.weights);
  out += fmt::format("- **KV cache ({}):** {} per token", s.kv_dtype, kv_per_token(s.kv_bytes_per_token));
  if (s.kv_bytes_at_max_context > 0)
    out += fmt::format("; {} for one sequence at the max context of {} tokens", gib(s.kv_bytes_at_max_context),
                       count_text(double(r.arch->max_context)));
  out += "\n";
  for (double c : s.contexts) {
    out += fmt::format("\n### At {} tokens of context\n\n", count_text(c));
    std::vector<std::vector<std::string>> rows;
    for (const auto& x : s.setups) {
      if (x.context != c) continue;
      if (!x.fits) {
        rows.push_back({x.gpu_name + " (" + gib(x.memory_bytes_per_gpu) + ")", "nothing up to 8 GPUs fits", "-", "-",
                        "-", "-", "-"});
        continue;
      }
      std::string cost = x.usd_per_million_tokens ? usd(*x.usd_per_million_tokens) : std::string("unknown");
      if (x.usd_per_gpu_hour) cost += fmt::format(" (at ${:.2f}/GPU-h)", *x.usd_per_gpu_hour);
      rows.push_back({x.gpu_name + " (" + gib(x.memory_bytes_per_gpu) + ")",
                      fmt::format("{} GPU{}", x.tp, x.tp == 1 ? "" : "s (tp " + std::to_string(x.tp) + ")"),
                      gib(x.weight_bytes_per_gpu), gib(x.kv_bytes_per_sequence_per_gpu),
                      fmt_count(std::floor(x.max_sequences)), fmt_count(std::round(x.decode_tokens_per_s)), cost});
    }
    out += md_table({"GPU", "Smallest setup", "Weights per GPU", "KV per sequence per GPU", "Sequences that fit",
                     "Decode tok/s (batch 1, est.)", "$ per million tokens (est.)"},
                    rows);
  }
  std::vector<std::string> prices;
  for (const auto& x : s.setups) {
    if (!x.usd_per_gpu_hour) continue;
    const std::string p = fmt::format("{} {}/GPU-h, {}", x.gpu, usd(*x.usd_per_gpu_hour), x.price_source);
    if (std::find(prices.begin(), prices.end(), p) == prices.end()) prices.push_back(p);
  }
  if (!prices.empty())
    out +=
        fmt::format("\nGPU prices (the cheapest on-demand offer in mlcalc's database): {}.\n", fmt::join(prices, "; "));
  out += "\nRecompute or vary the assumptions with `mlcalc vram infer`, `mlcalc throughput` and `mlcalc cost`.\n";
  return out;
}

}  // namespace

Document to_document(const CardReport& r) {
  Document doc;
  doc.command = "card";
  doc.warnings = r.warnings;
  doc.inputs = {{"model", r.model_id},
                {"path", r.checkpoint.path.empty() ? ojson(nullptr) : ojson(r.checkpoint.path)},
                {"eval", r.eval_files},
                {"info", r.info.file.empty() ? ojson(nullptr) : ojson(r.info.file)},
                {"out", r.out_path.empty() ? ojson(nullptr) : ojson(r.out_path)}};
  const ojson fm = front_matter(r);
  // Sections: the author's (TODO where missing), then what the files and the library give.
  ojson sections = ojson::array();
  std::string body;
  auto add = [&](const std::string& key, const std::string& title, const std::string& text, bool todo) {
    sections.push_back({{"key", key}, {"title", title}, {"text", text}, {"todo", todo}});
    body += "\n## " + title + "\n\n" + text + (text.empty() || text.back() == '\n' ? "" : "\n");
  };
  for (const auto& s : info_sections(r.info)) {
    std::string text = s.text;
    if (s.todo)
      text = fmt::format("> **TODO:** not provided. Add `{}` to the `--info` TOML file (see examples/card-info.toml).",
                         s.key);
    else if (s.key == "citation")
      text = "```bibtex\n" + s.text + "\n```";
    add(s.key, s.title, text, s.todo);
  }
  add("evaluation", "Evaluation results", evals_md(r), r.metrics.empty());
  add("details", "Model details", details_md(r), false);
  add("serving", "Serving requirements", serving_md(r), false);

  std::string yaml;
  yaml_value(fm, 0, yaml);
  std::string card = "---\n" + yaml + "---\n\n# " + model_name(r) + "\n\n";
  if (!r.info.summary.empty())
    card += r.info.summary + "\n";
  else
    card +=
        fmt::format("A {} model with {} parameters{} (`{}`).\n", r.arch->family, fmt_si(r.params.total),
                    r.arch->moe.num_experts > 0 ? fmt::format(", {} active per token", fmt_si(r.params.active)) : "",
                    r.checkpoint.path.empty() ? r.model_id : r.checkpoint.path);
  card += body;
  card +=
      "\n---\n\n<sub>Generated by `mlcalc card` (front matter per the Hugging Face model card metadata, "
      "model-index for the evaluation results).</sub>\n";

  doc.result = {{"model", {{"id", r.model_id}, {"name", model_name(r)}, {"source", r.model_source}}},
                {"front_matter", fm},
                {"sections", sections},
                {"todo", r.todo},
                {"evals", evals_json(r)},
                {"checkpoint", checkpoint_json(r)},
                {"details", details_json(r)},
                {"serving", serving_json(r.serving)},
                {"markdown", card}};
  doc.records = evals_json(r);
  if (r.out_path.empty())
    doc.text = card;
  else
    doc.text = fmt::format("wrote {}: model card for {} ({} evaluation results, {} sections TODO)\n", r.out_path,
                           model_name(r), r.metrics.size(), r.todo.size());
  return doc;
}

}  // namespace mlcalc
