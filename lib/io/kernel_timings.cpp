#include "kernel_timings.hpp"

#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

#include "../common.hpp"
#include "toml_keys.hpp"

namespace mlcalc {

namespace {

// The schema: identity, shape fields (those each kernel reads), the time in one unit, and
// free-text columns that are kept out of the calculation on purpose.
const std::vector<std::string> kShapeFields = {"batch", "m",       "n",        "k",      "heads", "kv_heads",
                                               "seq",   "kv_seq",  "head_dim", "causal", "rows",  "cols",
                                               "bytes", "experts", "tokens",   "top_k"};
const std::vector<std::pair<std::string, double>> kTimeColumns = {
    {"time_s", 1}, {"time_ms", 1e-3}, {"time_us", 1e-6}, {"time_ns", 1e-9}};
const std::vector<std::string> kTextFields = {"device", "notes", "source", "provider"};

std::vector<std::string> allowed_columns() {
  std::vector<std::string> a = {"kernel", "impl", "dtype", "time", "unit"};
  a.insert(a.end(), kShapeFields.begin(), kShapeFields.end());
  for (const auto& [c, _] : kTimeColumns) a.push_back(c);
  a.insert(a.end(), kTextFields.begin(), kTextFields.end());
  return a;
}

double unit_scale(const std::string& u, const std::string& where) {
  const std::string l = lower(u);
  if (l == "s") return 1;
  if (l == "ms") return 1e-3;
  if (l == "us" || l == "µs") return 1e-6;
  if (l == "ns") return 1e-9;
  throw Error(where + ": unknown time unit '" + u + "' (s, ms, us or ns)");
}

// One row as column -> text, turned into a timing (or nullopt for another kernel).
std::optional<KernelTiming> to_timing(const std::map<std::string, std::string>& row, const std::string& where,
                                      KernelKind want) {
  auto get = [&](const std::string& c) {
    auto it = row.find(c);
    return it == row.end() ? std::string() : it->second;
  };
  for (const char* c : {"kernel", "impl", "dtype"})
    if (get(c).empty()) throw Error(fmt::format("{}: '{}' is empty", where, c));
  KernelTiming t;
  try {
    t.kind = parse_kernel_kind(get("kernel"));
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
  if (t.kind != want) return std::nullopt;
  t.impl = get("impl");
  try {
    t.dtype = parse_dtype(get("dtype"));
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
  t.where = where;
  auto number = [&](const std::string& col, const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !std::isfinite(v) || text.find_first_of("xX") != std::string::npos)
      throw Error(fmt::format("{}: {} '{}' is not a number", where, col, text));
    return v;
  };
  for (const std::string& f : kShapeFields) {
    const std::string v = get(f);
    if (v.empty()) continue;
    if (f == "causal") {
      const std::string l = lower(v);
      if (l == "true" || l == "1" || l == "yes")
        t.shape.causal = true;
      else if (l != "false" && l != "0" && l != "no")
        throw Error(fmt::format("{}: causal '{}' is not true or false", where, v));
      continue;
    }
    t.shape.*(f == "batch"      ? &KernelShape::batch
              : f == "m"        ? &KernelShape::m
              : f == "n"        ? &KernelShape::n
              : f == "k"        ? &KernelShape::k
              : f == "heads"    ? &KernelShape::heads
              : f == "kv_heads" ? &KernelShape::kv_heads
              : f == "seq"      ? &KernelShape::seq
              : f == "kv_seq"   ? &KernelShape::kv_seq
              : f == "head_dim" ? &KernelShape::head_dim
              : f == "rows"     ? &KernelShape::rows
              : f == "cols"     ? &KernelShape::cols
              : f == "bytes"    ? &KernelShape::bytes
              : f == "experts"  ? &KernelShape::experts
              : f == "tokens"   ? &KernelShape::tokens
                                : &KernelShape::top_k) =
        static_cast<double>(checked_count(number(f, v), 1, int64_t(1) << 62, where + ": " + f));
  }
  // The time: exactly one of time_s/ms/us/ns, or `time` with a `unit`.
  int given = 0;
  for (const auto& [c, scale] : kTimeColumns)
    if (!get(c).empty()) t.time_s = number(c, get(c)) * scale, ++given;
  if (!get("time").empty()) {
    if (get("unit").empty()) throw Error(where + ": 'time' needs a 'unit' column (s, ms, us or ns)");
    t.time_s = number("time", get("time")) * unit_scale(get("unit"), where), ++given;
  }
  if (given == 0) throw Error(where + ": no time (give time_s, time_ms, time_us, time_ns, or time with unit)");
  if (given > 1) throw Error(where + ": more than one time column is filled");
  if (!(t.time_s > 0) || t.time_s < 1e-12 || t.time_s > 1e6)
    throw Error(fmt::format("{}: time must be > 1 ps and < 1e6 s, got {} s", where, number_text(t.time_s)));
  // The shape must be one the kernel can be costed at (fields it needs, sane products).
  try {
    kernel_cost(t.kind, t.shape, t.dtype);
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
  return t;
}

void check_columns(const std::vector<std::string>& cols, const std::string& where) {
  const std::vector<std::string> ok = allowed_columns();
  for (const auto& c : cols)
    if (std::find(ok.begin(), ok.end(), c) == ok.end())
      throw Error(where + ": unknown column '" + c + "'" + did_you_mean(c, ok) +
                  " (the schema: README \"Measured timings\")");
  for (const char* c : {"kernel", "impl", "dtype"})
    if (std::find(cols.begin(), cols.end(), c) == cols.end())
      throw Error(where + ": missing column '" + std::string(c) + "'");
  bool time = std::find(cols.begin(), cols.end(), "time") != cols.end();
  for (const auto& [c, _] : kTimeColumns) time = time || std::find(cols.begin(), cols.end(), c) != cols.end();
  if (!time) throw Error(where + ": missing a time column (time_s, time_ms, time_us, time_ns, or time with unit)");
}

// RFC 4180 fields of one line (quotes, doubled quotes inside them).
std::vector<std::string> csv_fields(const std::string& line, const std::string& where) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
        cur += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        cur += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur), cur.clear();
    } else {
      cur += c;
    }
  }
  if (quoted) throw Error(where + ": unterminated quote");
  out.push_back(cur);
  for (auto& f : out) {
    while (!f.empty() && (f.back() == ' ' || f.back() == '\r')) f.pop_back();
    while (!f.empty() && f.front() == ' ') f.erase(f.begin());
  }
  return out;
}

}  // namespace

TimingFile parse_kernel_timings(const std::string& path, const std::string& text, KernelKind kind) {
  TimingFile out;
  std::vector<std::pair<std::map<std::string, std::string>, std::string>> rows;  // row, where
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) throw Error(path + ": empty file");
  if (text[first] == '[' || text[first] == '{') {
    check_nesting(text, path, false);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(path + ": not valid JSON (" + std::string(e.what()) + ")");
    }
    if (j.is_object() && j.contains("rows")) j = j["rows"];
    if (!j.is_array()) throw Error(path + ": expected an array of rows (or {\"rows\": [...]})");
    std::vector<std::string> cols_seen;
    for (size_t i = 0; i < j.size(); ++i) {
      const std::string where = fmt::format("{}: row {}", path, i + 1);
      if (!j[i].is_object()) throw Error(where + ": not an object");
      std::map<std::string, std::string> row;
      std::vector<std::string> cols;
      for (const auto& [key, v] : j[i].items()) {
        cols.push_back(key);
        if (v.is_string())
          row[key] = v.get<std::string>();
        else if (v.is_boolean())
          row[key] = v.get<bool>() ? "true" : "false";
        else if (v.is_number())
          row[key] = fmt::format("{}", v.get<double>());
        else if (!v.is_null())
          throw Error(where + ": '" + key + "' must be a string, number or boolean");
      }
      check_columns(cols, where);
      rows.push_back({row, where});
    }
  } else {
    std::vector<std::string> header;
    size_t p = 0, line_no = 0;
    while (p <= text.size()) {
      size_t q = text.find('\n', p);
      if (q == std::string::npos) q = text.size();
      const std::string line = text.substr(p, q - p);
      ++line_no;
      p = q + 1;
      const std::string where = fmt::format("{}:{}", path, line_no);
      if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') {
        if (q == text.size()) break;
        continue;
      }
      std::vector<std::string> f = csv_fields(line, where);
      if (header.empty()) {
        for (auto& c : f) c = lower(c);
        check_columns(f, where);
        header = f;
      } else {
        if (f.size() != header.size())
          throw Error(fmt::format("{}: {} fields, the header has {}", where, f.size(), header.size()));
        std::map<std::string, std::string> row;
        for (size_t i = 0; i < f.size(); ++i) row[header[i]] = f[i];
        rows.push_back({row, where});
      }
      if (q == text.size()) break;
    }
    if (header.empty()) throw Error(path + ": no header line");
  }
  for (const auto& [row, where] : rows) {
    ++out.read;
    std::optional<KernelTiming> t = to_timing(row, where, kind);
    if (!t) {
      ++out.other_kernels;
      continue;
    }
    for (const KernelTiming& o : out.rows)
      if (o.impl == t->impl && o.dtype == t->dtype && same_shape(kind, o.shape, t->shape))
        throw Error(fmt::format("{}: duplicate of {} ({} {} {} {}): one time per implementation and shape", where,
                                o.where, kernel_name(kind), t->impl, shape_text(kind, t->shape), t->dtype.name()));
    out.rows.push_back(*t);
  }
  return out;
}

TimingFile read_kernel_timings(const std::string& path, KernelKind kind) {
  return parse_kernel_timings(path, read_text_file(path), kind);
}

}  // namespace mlcalc
