// The strict core both TOML readers share (databases in db.cpp, measurements in
// measurements.cpp): file:line:col locations, one table's keys remembered as they are read so
// that any other key is reported as unknown (with did-you-mean), and problems collected and
// thrown together (mold's Error(ctx) + checkpoint()); reading files, finding the .toml files of a
// directory, and parsing with a guard against nesting deep enough to overflow the parser.
#pragma once
#include <cstdio>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "../common.hpp"

namespace mlcalc {

/// "path:line:col" of a source region, or "path" when toml++ has no position.
inline std::string where(const std::string& path, const toml::source_region& r) {
  if (r.begin.line == 0) return path;
  return path + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

/// Throws one Error holding every problem (one line each), if there are any.
inline void check(const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string msg;
  for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "\n" : "") + problems[i];
  throw Error(msg);
}

/// The keys of one table: `get` marks a key used; `finish` reports the keys never read.
struct TomlKeys {
  const std::string& path;
  const toml::table& t;
  std::vector<std::string>& problems;
  std::string prefix;  ///< "offer[3]." / "case[3]." in messages
  std::set<std::string> used;

  TomlKeys(const std::string& path_, const toml::table& t_, std::vector<std::string>& problems_,
           std::string prefix_ = "")
      : path(path_), t(t_), problems(problems_), prefix(std::move(prefix_)) {}

  const toml::node* get(const char* k, bool required) {
    used.insert(k);
    const toml::node* n = t.get(k);
    if (!n && required) problems.push_back(where(path, t.source()) + ": missing required key '" + prefix + k + "'");
    return n;
  }
  void bad(const toml::node& n, const char* k, const std::string& what) {
    problems.push_back(where(path, n.source()) + ": '" + prefix + k + "' " + what);
  }
  /// A whole number in [lo, hi] (8 or 8.0; 0.5 is an error), through checked_count.
  std::optional<int64_t> count(const char* k, bool required, int64_t lo, int64_t hi) {
    const toml::node* n = get(k, required);
    if (!n) return std::nullopt;
    if (!n->is_number()) return bad(*n, k, "must be a whole number"), std::nullopt;
    try {
      return checked_count(*n->value<double>(), lo, hi, "");
    } catch (const Error& e) {
      return bad(*n, k, std::string(e.what()).substr(1)), std::nullopt;
    }
  }
  /// An ISO date YYYY-MM-DD ("yesterday" or 2025-13-01 is an error).
  std::string date(const char* k, bool required) {
    const toml::node* n = get(k, required);
    if (!n) return {};
    if (n->is_date()) {
      const toml::date d = n->as_date()->get();
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04u-%02u-%02u", unsigned(d.year), unsigned(d.month), unsigned(d.day));
      return buf;
    }
    const auto s = n->value<std::string>();
    if (!n->is_string() || !is_iso_date(*s)) return bad(*n, k, "must be a date YYYY-MM-DD"), std::string();
    return *s;
  }
  void finish() {
    const std::vector<std::string> known(used.begin(), used.end());
    for (auto&& [key, node] : t) {
      const std::string ks(key.str());
      if (!used.count(ks))
        problems.push_back(where(path, key.source()) + ": unknown key '" + prefix + ks + "'" + did_you_mean(ks, known));
    }
  }
};

/// The whole file; Error when it cannot be read.
std::string read_text_file(const std::string& path);
/// Every *.toml file under `dir` (recursively), sorted.
std::vector<std::string> toml_files_under(const std::string& dir);
/// Error "path:line: nested deeper than 256 levels" before a parser recurses that deep.
/// `toml`: TOML syntax ('...' strings, # comments, dotted header keys), else JSON.
void check_nesting(const std::string& text, const std::string& path, bool toml);
/// JSON text to a value after check_nesting; a syntax error is Error "file:line:col: invalid JSON:
/// ...", a number past double's range "file: invalid JSON: ..." (config.json, card inputs).
nlohmann::json parse_json_checked(const std::string& text, const std::string& file);
/// Parses TOML text; syntax errors become Error with file:line:col.
toml::table parse_toml(const std::string& text, const std::string& path);

}  // namespace mlcalc
