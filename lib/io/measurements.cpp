#include "measurements.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "../common.hpp"
#include "../dtype.hpp"
#include "embedded.hpp"
#include "toml_keys.hpp"

namespace fs = std::filesystem;

namespace mlcalc {

namespace {

const std::vector<std::string> kGroups = {"batch-1", "serving", "max-throughput", "collectives"};
const std::vector<std::string> kInferenceQuantities = {"tpot_s", "ttft_s", "e2e_s", "output_tokens_per_s", "prefill_s"};
const std::vector<std::string> kCollectiveQuantities = {"time_s", "bus_bandwidth_bytes_per_s"};
const std::vector<std::string> kCollectives = {"allreduce", "allgather", "alltoall", "reducescatter"};

bool in(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string join(const std::vector<std::string>& v) {
  std::string r;
  for (const auto& s : v) r += (r.empty() ? "" : " ") + s;
  return r;
}

/// Reads the keys of one table; every key not read is reported as unknown by finish().
struct Reader : TomlKeys {
  using TomlKeys::TomlKeys;

  void problem(const toml::node& n, const std::string& what) {
    problems.push_back(where(path, n.source()) + ": " + what);
  }

  std::optional<std::string> str(const char* k, bool required) {
    const toml::node* n = get(k, required);
    if (!n) return std::nullopt;
    if (!n->is_string()) return bad(*n, k, "must be a string"), std::nullopt;
    std::string s = *n->value<std::string>();
    if (s.empty()) return bad(*n, k, "must not be empty"), std::nullopt;
    return s;
  }
  std::optional<double> positive(const char* k, bool required) {
    const toml::node* n = get(k, required);
    if (!n) return std::nullopt;
    return positive_value(*n, k);
  }
  std::optional<double> positive_value(const toml::node& n, const char* k) {
    if (!n.is_number()) return bad(n, k, "must be a number"), std::nullopt;
    const double v = *n.value<double>();
    if (!std::isfinite(v) || v <= 0) {
      std::ostringstream os;
      os << "must be a positive number, not " << v;
      return bad(n, k, os.str()), std::nullopt;
    }
    return v;
  }
  std::optional<int> count(const char* k, bool required) {
    const auto v = TomlKeys::count(k, required, 1, 1000000);
    return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
  }
  std::optional<bool> flag(const char* k) {
    const toml::node* n = get(k, false);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) return bad(*n, k, "must be true or false"), std::nullopt;
    return *n->value<bool>();
  }
};

void check_dtype(Reader& r, const char* k, const std::optional<std::string>& name) {
  if (!name) return;
  try {
    parse_dtype(*name);
  } catch (const Error& e) {
    r.bad(*r.t.get(k), k, e.what());
  }
}

void read_inference(Reader& r, ValidationCase& c) {
  c.model = r.str("model", true).value_or("");
  c.weights = r.str("weights", true).value_or("");
  check_dtype(r, "weights", c.weights.empty() ? std::nullopt : std::optional<std::string>(c.weights));
  c.kv_dtype = r.str("kv_dtype", false);
  check_dtype(r, "kv_dtype", c.kv_dtype);
  c.input_tokens = r.positive("input", true).value_or(0);
  c.output_tokens = r.positive("output", true).value_or(0);
  c.batch = r.positive("batch", false);
  if (const toml::node* n = r.get("concurrency", false)) {
    if (n->is_string()) {
      if (*n->value<std::string>() != "max")
        r.bad(*n, "concurrency", "must be a positive number or \"max\"");
      else if (c.group != "max-throughput")
        r.bad(*n, "concurrency", "\"max\" belongs to group max-throughput");
      else
        c.concurrency_max = true;
    } else {
      c.concurrency = r.positive_value(*n, "concurrency");
    }
  }
  const bool has_batch = r.t.get("batch"), has_conc = r.t.get("concurrency");
  if (has_batch == has_conc)
    r.problems.push_back(where(r.path, r.t.source()) + ": case '" + c.id +
                         "' needs exactly one of batch and concurrency");
  c.gpu_mem_util = r.positive("gpu_mem_util", false);
  if (c.gpu_mem_util && *c.gpu_mem_util > 1) r.bad(*r.t.get("gpu_mem_util"), "gpu_mem_util", "must be at most 1");
}

void read_collective(Reader& r, ValidationCase& c) {
  c.collective = r.str("collective", true);
  if (c.collective && !in(kCollectives, *c.collective))
    r.bad(*r.t.get("collective"), "collective", "'" + *c.collective + "' is not one of: " + join(kCollectives));
  c.algorithm = r.str("algorithm", true);
  c.ranks = r.count("ranks", true);
  c.nodes = r.count("nodes", false);
  c.message_bytes = r.positive("bytes", true);
  c.cuda_graph = r.flag("cuda_graph");
}

ValidationCase read_case(const std::string& path, const toml::table& t, int index, std::vector<std::string>& problems) {
  Reader r{path, t, problems, "case[" + std::to_string(index) + "]."};
  ValidationCase c;
  c.file = path;
  c.line = static_cast<int>(t.source().begin.line);
  c.id = r.str("id", true).value_or("");
  if (!c.id.empty()) r.prefix = "case[" + c.id + "].";
  c.group = r.str("group", true).value_or("");
  if (!c.group.empty() && !in(kGroups, c.group))
    r.bad(*t.get("group"), "group", "'" + c.group + "' is not one of: " + join(kGroups));
  c.engine = r.str("engine", true).value_or("");
  c.gpu = r.str("gpu", true).value_or("");
  c.tp = r.count("tp", false).value_or(1);
  c.pp = r.count("pp", false).value_or(1);
  c.ep = r.count("ep", false).value_or(1);
  const bool collective = c.group == "collectives";
  if (collective)
    read_collective(r, c);
  else
    read_inference(r, c);
  const auto& quantities = collective ? kCollectiveQuantities : kInferenceQuantities;
  if (const toml::node* m = r.get("measured", true)) {
    if (const auto* mt = m->as_table(); !mt) {
      r.bad(*m, "measured", "must be a table such as { tpot_s = 0.01 }");
    } else if (mt->empty()) {
      r.bad(*m, "measured", "needs at least one quantity: " + join(quantities));
    } else {
      for (auto&& [key, node] : *mt) {
        const std::string q(key.str());
        if (!in(quantities, q)) {
          problems.push_back(where(path, key.source()) + ": unknown quantity '" + q + "' in " + r.prefix + "measured" +
                             did_you_mean(q, quantities) + " (known for this group: " + join(quantities) + ")");
          continue;
        }
        const std::string k = "measured." + q;
        if (auto v = r.positive_value(node, k.c_str())) c.measured.emplace_back(q, *v);
      }
    }
  }
  c.note = r.str("note", false);
  r.finish();
  return c;
}

}  // namespace

std::vector<ValidationCase> parse_validation_file(const std::string& path, const std::string& text) {
  const toml::table t = parse_toml(text, path);
  std::vector<std::string> problems;
  Reader r{path, t, problems};
  const std::string source = r.str("source", true).value_or("");
  const std::string as_of = r.str("as_of", true).value_or("");
  static const std::regex kDate(R"(\d{4}-\d{2}-\d{2})");
  if (!as_of.empty() && !(std::regex_match(as_of, kDate) && is_iso_date(as_of)))
    r.bad(*t.get("as_of"), "as_of", "must be a date YYYY-MM-DD");
  const std::string notes = r.str("notes", true).value_or("");
  std::vector<ValidationCase> cases;
  if (const toml::node* n = r.get("case", true)) {
    const auto* arr = n->as_array();
    if (!arr || arr->empty()) {
      r.bad(*n, "case", "must be a non-empty array of tables ([[case]])");
    } else {
      int i = 0;
      for (const auto& e : *arr) {
        if (const auto* et = e.as_table())
          cases.push_back(read_case(path, *et, i, problems));
        else
          problems.push_back(where(path, e.source()) + ": each [[case]] must be a table");
        ++i;
      }
    }
  }
  r.finish();
  check(problems);
  for (auto& c : cases) c.source = source, c.as_of = as_of, c.notes = notes;
  return cases;
}

namespace {}  // namespace

std::vector<ValidationCase> load_validation_cases(const std::vector<std::string>& extra_paths, bool embedded) {
  std::vector<std::pair<std::string, std::string>> files;  // path, text
  if (embedded)
    for (size_t i = 0; i < kEmbeddedValidationCount; ++i)
      files.emplace_back(kEmbeddedValidation[i].path, kEmbeddedValidation[i].text);
  for (const auto& p : extra_paths) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      files.emplace_back(p, read_text_file(p));
      continue;
    }
    if (!fs::is_directory(p, ec)) throw Error("validation path '" + p + "' does not exist");
    for (const auto& f : toml_files_under(p)) files.emplace_back(f, read_text_file(f));
  }
  std::vector<ValidationCase> all;
  std::map<std::string, const ValidationCase*> first;  // id -> where it was first seen
  for (const auto& [path, text] : files) {
    auto cases = parse_validation_file(path, text);
    all.insert(all.end(), cases.begin(), cases.end());
  }
  std::vector<std::string> problems;
  for (const auto& c : all) {
    auto [it, fresh] = first.emplace(c.id, &c);
    if (!fresh)
      problems.push_back(c.file + ":" + std::to_string(c.line) + ":1: duplicate case id '" + c.id + "' (first in " +
                         it->second->file + ":" + std::to_string(it->second->line) + ")");
  }
  check(problems);
  return all;
}

}  // namespace mlcalc
