#include "report.hpp"

#include "../collectives.hpp"
#include "../engine.hpp"

#include <algorithm>
#include <cmath>

namespace mlcalc {

ojson jcount(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.0e15) return static_cast<int64_t>(v);
  return v;
}

ojson jopt(const std::optional<double>& v) {
  return v ? ojson(*v) : ojson(nullptr);
}

namespace {

void flatten_into(const ojson& j, const std::string& prefix, ojson& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) flatten_into(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (j.is_array() && std::any_of(j.begin(), j.end(), [](const ojson& e) { return e.is_structured(); })) {
    for (size_t i = 0; i < j.size(); ++i) flatten_into(j[i], prefix + "." + std::to_string(i), out);
  } else if (j.is_array()) {
    std::string s;  // a list of words or numbers: one cell, items separated by ';'
    for (const auto& e : j) s += (s.empty() ? "" : ";") + (e.is_string() ? e.get<std::string>() : e.dump());
    out[prefix] = s;
  } else {
    out[prefix] = j;
  }
}

std::string csv_cell(const ojson& v) {
  if (v.is_null()) return "";
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string r = "\"";
  for (char c : s) r += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return r + "\"";
}

// One note naming the registered source tags (S-SILY, N-06 ...) the tables cite, and the command
// that expands them; "" when they cite none.
std::string source_tags_hint(const std::vector<Table>& tables) {
  std::vector<std::string> tags;
  auto scan = [&](const std::string& text) {
    for (auto& t : tag_tokens(text))
      if (find_source(t) && std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
  };
  for (const auto& t : tables) {
    scan(t.title);
    for (const auto& row : t.rows)
      for (const auto& cell : row) scan(cell);
    for (const auto& n : t.notes) scan(n);
  }
  if (tags.empty()) return "";
  const size_t shown = std::min<size_t>(tags.size(), 4);
  std::string list;
  for (size_t i = 0; i < shown; ++i) list += (i ? ", " : "") + tags[i];
  if (tags.size() > shown) list += " and " + std::to_string(tags.size() - shown) + " more";
  return "source tags " + list + ": `mlcalc sources " + (tags.size() == 1 ? tags[0] : "TAG") +
         "` prints the full citation";
}

}  // namespace

ojson flatten(const ojson& j) {
  ojson out = ojson::object();
  flatten_into(j, "", out);
  return out;
}

std::string to_csv(const ojson& records) {
  std::vector<std::string> header;
  std::vector<ojson> flat;
  for (const auto& r : records) {
    flat.push_back(flatten(r));
    for (const auto& [k, v] : flat.back().items())
      if (std::find(header.begin(), header.end(), k) == header.end()) header.push_back(k);
  }
  std::string out;
  for (size_t c = 0; c < header.size(); ++c) out += (c ? "," : "") + header[c];
  out += "\n";
  for (const auto& r : flat) {
    for (size_t c = 0; c < header.size(); ++c)
      out += (c ? "," : "") + (r.contains(header[c]) ? csv_cell(r[header[c]]) : "");
    out += "\n";
  }
  return out;
}

std::string render(const Document& doc, Format f, const std::string& version, size_t width) {
  if (f == Format::json) {
    ojson env;
    env["mlcalc_version"] = version;
    env["command"] = doc.command;
    env["inputs"] = doc.inputs;
    env["result"] = doc.result;
    env["warnings"] = doc.warnings;
    return env.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  if (f == Format::csv) return to_csv(doc.records);
  if (doc.text) return *doc.text;
  if (doc.command == "sources" || doc.tables.empty()) return render(doc.tables, f, width);
  std::vector<Table> tables = doc.tables;
  if (std::string hint = source_tags_hint(tables); !hint.empty()) tables.back().notes.push_back(hint);
  return render(tables, f, width);
}

ojson deployment_json(const Deployment& d) {
  return {{"model", d.arch->id},
          {"gpu", d.gpu->id},
          {"tp", d.tp},
          {"pp", d.pp},
          {"ep", d.ep},
          {"num_gpus", d.num_gpus()},
          {"weights", d.weights.name()},
          {"experts", d.experts.name()},
          {"kv_dtype", d.kv.name()},
          {"state_dtype", d.state.name()},
          {"mode", d.mode == Mode::roofline ? "roofline" : "realistic"},
          {"dp", d.dp},
          {"dp_attention", d.dp_attention},
          {"interconnect", d.scale_up ? ojson(d.scale_up->id) : ojson(nullptr)},
          {"scale_out", d.scale_out ? ojson(d.scale_out->id) : ojson(nullptr)},
          {"scale_up_domain", d.scale_up_domain},
          {"allreduce", allreduce_algo_name(d.allreduce)},
          {"engine", d.engine},
          {"engine_source", engine_profile(d.engine, *d.gpu).source},
          {"max_num_batched_tokens", jcount(d.max_batched_tokens)},
          {"compute_dtype", std::string(compute_class_name(d.peak.used))},
          {"peak_flop_per_s", d.peak.flop_per_s},
          {"memory_bandwidth_bytes_per_s", d.gpu->memory_bw_bytes_per_s},
          {"efficiency",
           {{"memory_bandwidth", d.eff.memory_bw},
            {"matmul", d.eff.matmul},
            {"measured_collectives", d.eff.measured_comm},
            {"dequant", d.eff.dequant},
            {"step_overhead_s", d.eff.step_overhead_s},
            {"layer_overhead_s", d.eff.layer_overhead_s},
            {"seq_overhead_s", d.eff.seq_overhead_s},
            {"overhead_source", d.eff.overhead_source},
            {"small_gemm_rows", d.eff.small_gemm_rows},
            {"memory_source", d.eff.memory_source},
            {"matmul_source", d.eff.matmul_source}}},
          {"gpu_mem_util", d.gpu_mem_util},
          {"runtime_overhead_bytes", d.runtime_overhead_bytes}};
}

}  // namespace mlcalc
