#include "card_files.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "../common.hpp"
#include "toml_keys.hpp"

namespace mlcalc {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

json read_json_file(const std::string& file) {
  return parse_json_checked(read_text_file(file), file);
}

// A JSON value as one short line for the card ("0.6", "[128001, 128009]", "true").
std::string short_text(const json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

int64_t whole(const json& v, const std::string& file, const std::string& what, int64_t hi) {
  if (!v.is_number()) throw Error(fmt::format("{}: {} must be a whole number, got {}", file, what, short_text(v)));
  try {
    return checked_count(v.get<double>(), 0, hi, what);
  } catch (const Error& e) {
    throw Error(file + ": " + e.what());
  }
}

std::string quantization_summary(const json& q) {
  if (!q.is_object()) return "";
  std::vector<std::string> parts;
  const std::string method = q.contains("quant_method") && q["quant_method"].is_string()
                                 ? q["quant_method"].get<std::string>()
                                 : std::string("unknown method");
  for (const char* k : {"bits", "w_bit", "group_size", "q_group_size", "fmt", "weight_block_size", "quant_algo"})
    if (q.contains(k) && !q[k].is_null()) parts.push_back(std::string(k) + " " + short_text(q[k]));
  return parts.empty() ? method : method + " (" + fmt::format("{}", fmt::join(parts, ", ")) + ")";
}

}  // namespace

SafetensorsHeader read_safetensors_header(const std::string& file) {
  SafetensorsHeader h;
  h.file = file;
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) throw Error(file + ": cannot read: " + ec.message());
  h.file_bytes = double(size);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file + ": cannot open");
  if (size < 8)
    throw Error(
        fmt::format("{}: {} bytes: too short for a safetensors file (an 8-byte header length first)", file, size));
  unsigned char len[8];
  in.read(reinterpret_cast<char*>(len), 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len[i];  // little-endian
  h.header_bytes = double(n);
  if (double(n) > kSafetensorsMaxHeaderBytes)
    throw Error(fmt::format("{}: header length {} exceeds the format's limit of {} bytes (corrupt or not safetensors)",
                            file, count_text(double(n)), count_text(kSafetensorsMaxHeaderBytes)));
  if (n > size - 8)
    throw Error(fmt::format("{}: header length {} exceeds the {} bytes after the length prefix (truncated)", file,
                            count_text(double(n)), count_text(double(size - 8))));
  std::string text(n, '\0');
  in.read(text.data(), static_cast<std::streamsize>(n));
  if (!in) throw Error(file + ": cannot read the header");
  const json j = parse_json_checked(text, file + " (header)");
  if (!j.is_object()) throw Error(file + ": the header is not a JSON object of tensors");
  for (const auto& [name, v] : j.items()) {
    if (name == "__metadata__") {
      if (!v.is_object()) throw Error(file + ": __metadata__ must be an object of strings");
      for (const auto& [k, m] : v.items()) {
        if (!m.is_string()) throw Error(file + ": __metadata__ '" + k + "' must be a string");
        h.metadata[k] = m.get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      throw Error(file + ": " + where + " must be an object with dtype, shape and data_offsets");
    SafetensorsTensor t;
    t.name = name;
    if (!v["dtype"].is_string()) throw Error(file + ": " + where + " dtype must be a string");
    t.dtype = v["dtype"].get<std::string>();
    if (!v["shape"].is_array() || v["shape"].size() > 64)
      throw Error(file + ": " + where + " shape must be an array of at most 64 dimensions");
    for (const auto& d : v["shape"]) t.shape.push_back(whole(d, file, where + " shape", int64_t(1) << 50));
    const json& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2) throw Error(file + ": " + where + " data_offsets must be [begin, end]");
    t.begin = whole(off[0], file, where + " data_offsets", int64_t(1) << 53);
    t.end = whole(off[1], file, where + " data_offsets", int64_t(1) << 53);
    h.tensors.push_back(std::move(t));
  }
  return h;
}

CheckpointFacts read_checkpoint(const std::string& path) {
  CheckpointFacts c;
  c.path = path;
  std::error_code ec;
  const bool dir = fs::is_directory(path, ec);
  const fs::path config = dir ? fs::path(path) / "config.json" : fs::path(path);
  if (dir && !fs::is_regular_file(config, ec))
    throw Error(path + ": no config.json in this directory (a Hugging Face checkpoint directory holds one)");
  const json cfg = read_json_file(config.string());
  c.read.push_back(config.string());
  if (!cfg.is_object()) throw Error(config.string() + ": not a JSON object");
  if (cfg.contains("torch_dtype") && cfg["torch_dtype"].is_string()) c.torch_dtype = cfg["torch_dtype"];
  if (cfg.contains("quantization_config")) c.quantization = quantization_summary(cfg["quantization_config"]);
  if (!dir) return c;
  const fs::path d(path);

  if (const fs::path g = d / "generation_config.json"; fs::is_regular_file(g, ec)) {
    const json j = read_json_file(g.string());
    c.read.push_back(g.string());
    if (!j.is_object()) throw Error(g.string() + ": not a JSON object");
    for (const auto& [k, v] : j.items())
      if (k != "transformers_version" && k != "_from_model_config") c.generation.emplace_back(k, short_text(v));
  }

  if (const fs::path t = d / "tokenizer_config.json"; fs::is_regular_file(t, ec)) {
    const json j = read_json_file(t.string());
    c.read.push_back(t.string());
    if (!j.is_object()) throw Error(t.string() + ": not a JSON object");
    c.tokenizer.present = true;
    if (j.contains("chat_template")) {
      const json& ct = j["chat_template"];
      c.tokenizer.chat_template = (ct.is_string() && !ct.get<std::string>().empty()) || (ct.is_array() && !ct.empty());
    }
    if (j.contains("tokenizer_class") && j["tokenizer_class"].is_string())
      c.tokenizer.tokenizer_class = j["tokenizer_class"];
    for (const char* k : {"bos_token", "eos_token", "pad_token", "unk_token"}) {
      if (!j.contains(k)) continue;
      const json& v = j[k];
      if (v.is_string())
        c.tokenizer.special_tokens.emplace_back(k, v.get<std::string>());
      else if (v.is_object() && v.contains("content") && v["content"].is_string())
        c.tokenizer.special_tokens.emplace_back(k, v["content"].get<std::string>());
    }
    // transformers writes 1e30 ("VERY_LARGE_INTEGER") when the tokenizer sets no limit.
    if (j.contains("model_max_length") && j["model_max_length"].is_number() &&
        j["model_max_length"].get<double>() > 0 && j["model_max_length"].get<double>() < 1e12)
      c.tokenizer.model_max_length = j["model_max_length"].get<double>();
  }
  // Newer transformers save the template beside the tokenizer config.
  for (const char* f : {"chat_template.jinja", "chat_template.json"})
    if (fs::is_regular_file(d / f, ec)) {
      c.tokenizer.chat_template = true;
      c.read.push_back((d / f).string());
    }

  // The weight files: those the index names, else every *.safetensors in the directory.
  std::vector<std::string> files;
  std::optional<double> index_total;
  if (const fs::path idx = d / "model.safetensors.index.json"; fs::is_regular_file(idx, ec)) {
    const json j = read_json_file(idx.string());
    c.read.push_back(idx.string());
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
      throw Error(idx.string() + ": no \"weight_map\" object (tensor name -> file)");
    std::set<std::string> names;
    for (const auto& [k, v] : j["weight_map"].items()) {
      if (!v.is_string()) throw Error(idx.string() + ": weight_map '" + k + "' must name a file");
      const std::string f = v.get<std::string>();
      if (f.find('/') != std::string::npos || f.find("..") != std::string::npos)
        throw Error(idx.string() + ": weight_map '" + k + "' names '" + f + "', not a file of this directory");
      names.insert(f);
    }
    for (const auto& f : names) {
      if (!fs::is_regular_file(d / f, ec)) throw Error(idx.string() + ": names " + f + ", which is not in " + path);
      files.push_back((d / f).string());
    }
    if (j.contains("metadata") && j["metadata"].is_object() && j["metadata"].contains("total_size"))
      index_total = double(whole(j["metadata"]["total_size"], idx.string(), "metadata.total_size", int64_t(1) << 53));
  } else {
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.path().extension() == ".safetensors" && e.is_regular_file(ec)) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    // Mistral repositories ship consolidated.safetensors (their own format) beside the transformers
    // weights: counting both would double the bytes.
    const auto consolidated = [](const std::string& f) {
      return fs::path(f).filename().string().rfind("consolidated", 0) == 0;
    };
    if (std::any_of(files.begin(), files.end(), consolidated) && !std::all_of(files.begin(), files.end(), consolidated))
      files.erase(std::remove_if(files.begin(), files.end(), consolidated), files.end());
  }
  if (!files.empty()) {
    std::vector<SafetensorsHeader> headers;
    for (const auto& f : files) {
      headers.push_back(read_safetensors_header(f));
      c.read.push_back(f + " (header)");
    }
    c.weights = sum_weight_files(headers);
    c.weights->index_total_bytes = index_total;
  }
  return c;
}

std::vector<CardMetric> read_eval_log(const std::string& file) {
  const json j = read_json_file(file);
  std::vector<CardMetric> out;
  const bool lm_eval = j.is_object() && j.contains("results") && j["results"].is_object();
  const bool ours = j.is_object() && j.value("command", "") == "eval" && j.contains("result") &&
                    j["result"].is_object() && j["result"].contains("endpoints") && j["result"]["endpoints"].is_array();
  if (!lm_eval && !ours)
    throw Error(file +
                ": neither an lm-evaluation-harness results file (a \"results\" object of tasks) nor `mlcalc eval "
                "--format json` output (\"command\": \"eval\" with result.endpoints)");
  if (ours) {
    const std::string suite =
        j.contains("inputs") && j["inputs"].is_object() ? j["inputs"].value("suite", "default") : "default";
    for (const auto& e : j["result"]["endpoints"]) {
      if (!e.is_object()) throw Error(file + ": result.endpoints holds a non-object");
      CardMetric base;
      base.task = "mlcalc-eval/" + suite;
      base.alias = "mlcalc eval suite " + suite;
      base.dataset_type = "mlcalc-eval";
      base.dataset_config = suite;
      base.variant = e.value("endpoint", "");
      base.model = e.value("model", "");
      base.file = file;
      base.format = "mlcalc eval";
      auto add = [&](const std::string& metric, const json& v) {
        if (!v.is_number()) return;  // null: nothing completed
        CardMetric m = base;
        m.metric = metric;
        m.value = v.get<double>();
        out.push_back(m);
      };
      if (e.contains("accuracy")) add("accuracy", e["accuracy"]);
      if (e.contains("refusal_rate")) add("refusal_rate", e["refusal_rate"]);
      if (e.contains("accuracy_by_kind") && e["accuracy_by_kind"].is_object())
        for (const auto& [k, v] : e["accuracy_by_kind"].items()) add("accuracy_" + k, v);
    }
    return out;
  }
  // lm-evaluation-harness (EleutherAI/lm-evaluation-harness@034ab03 lm_eval/evaluator.py and
  // lm_eval/loggers/evaluation_tracker.py save_results_aggregated): "metric,filter" keys; the stderr
  // of a metric is "metric_stderr,filter" (a number, or "N/A").
  std::string model;
  if (j.contains("config") && j["config"].is_object() && j["config"].contains("model_args") &&
      j["config"]["model_args"].is_string()) {
    const std::string args = j["config"]["model_args"];
    const size_t p = args.find("pretrained=");
    if (p != std::string::npos) model = args.substr(p + 11, args.find(',', p) - (p + 11));
  }
  if (model.empty() && j.contains("model_name") && j["model_name"].is_string()) model = j["model_name"];
  for (const auto& [task, r] : j["results"].items()) {
    if (!r.is_object()) throw Error(file + ": results '" + task + "' must be an object of metrics");
    CardMetric base;
    base.task = task;
    base.alias = r.contains("alias") && r["alias"].is_string() ? r["alias"].get<std::string>() : task;
    // Group results indent their subtasks' aliases (" - hellaswag").
    base.alias.erase(0, base.alias.find_first_not_of(" -"));
    if (base.alias.empty()) base.alias = task;
    base.dataset_type = task;
    base.file = file;
    base.format = "lm-evaluation-harness";
    base.model = model;
    if (j.contains("n-shot") && j["n-shot"].is_object() && j["n-shot"].contains(task) && j["n-shot"][task].is_number())
      base.num_fewshot = double(whole(j["n-shot"][task], file, "n-shot '" + task + "'", 100000));
    if (j.contains("configs") && j["configs"].is_object() && j["configs"].contains(task) &&
        j["configs"][task].is_object()) {
      const json& c = j["configs"][task];
      if (c.contains("dataset_path") && c["dataset_path"].is_string()) base.dataset_type = c["dataset_path"];
      if (c.contains("dataset_name") && c["dataset_name"].is_string()) base.dataset_config = c["dataset_name"];
      if (c.contains("test_split") && c["test_split"].is_string())
        base.dataset_split = c["test_split"];
      else if (c.contains("validation_split") && c["validation_split"].is_string())
        base.dataset_split = c["validation_split"];
    }
    for (const auto& [key, v] : r.items()) {
      if (key == "alias" || !v.is_number() || v.is_boolean()) continue;
      const size_t comma = key.find(',');
      const std::string metric = key.substr(0, comma);
      const std::string filter = comma == std::string::npos ? "none" : key.substr(comma + 1);
      if (metric.size() > 7 && metric.compare(metric.size() - 7, 7, "_stderr") == 0) continue;
      if (metric == "samples" || metric == "sample_len" || metric == "sample_count") continue;
      CardMetric m = base;
      m.metric = metric;
      m.variant = filter;
      m.value = v.get<double>();
      const std::string se = metric + "_stderr" + (comma == std::string::npos ? "" : "," + filter);
      if (r.contains(se) && r[se].is_number()) m.stderr_value = r[se].get<double>();
      out.push_back(m);
    }
  }
  if (out.empty()) throw Error(file + ": the \"results\" object holds no numeric metric");
  return out;
}

const std::vector<std::string>& card_info_keys() {
  static const std::vector<std::string> keys = {
      "name",         "summary",      "license",        "base_model",       "tags",          "language",    "datasets",
      "pipeline_tag", "library_name", "intended_use",   "out_of_scope_use", "training_data", "limitations", "ethics",
      "authors",      "citation",     "eval_source_url"};
  return keys;
}

CardInfo read_card_info(const std::string& file) {
  const toml::table t = parse_toml(read_text_file(file), file);
  std::vector<std::string> problems;
  TomlKeys keys(file, t, problems);
  CardInfo i;
  i.file = file;
  auto text = [&](const char* k, std::string& target) {
    const toml::node* n = keys.get(k, false);
    if (!n) return;
    if (!n->is_string()) return keys.bad(*n, k, "must be a string");
    target = **n->as_string();
    // Trim: a TOML multi-line string keeps the newline after its opening quotes out, not the last one.
    while (!target.empty() && (target.back() == '\n' || target.back() == ' ')) target.pop_back();
  };
  auto list = [&](const char* k, std::vector<std::string>& target) {
    const toml::node* n = keys.get(k, false);
    if (!n) return;
    if (n->is_string()) {
      target = {**n->as_string()};
      return;
    }
    if (!n->is_array()) return keys.bad(*n, k, "must be a string or an array of strings");
    for (const auto& e : *n->as_array()) {
      if (!e.is_string()) return keys.bad(e, k, "must hold strings only");
      target.push_back(**e.as_string());
    }
  };
  text("name", i.name);
  text("summary", i.summary);
  text("license", i.license);
  list("base_model", i.base_model);
  list("tags", i.tags);
  list("language", i.language);
  list("datasets", i.datasets);
  text("pipeline_tag", i.pipeline_tag);
  text("library_name", i.library_name);
  text("intended_use", i.intended_use);
  text("out_of_scope_use", i.out_of_scope_use);
  text("training_data", i.training_data);
  text("limitations", i.limitations);
  text("ethics", i.ethics);
  list("authors", i.authors);
  text("citation", i.citation);
  text("eval_source_url", i.eval_source_url);
  keys.finish();
  check(problems);
  return i;
}

}  // namespace mlcalc
