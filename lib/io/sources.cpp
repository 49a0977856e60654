#include "sources.hpp"

#include <algorithm>
#include <cctype>
#include <toml++/toml.h>

#include "../common.hpp"
#include "embedded.hpp"
#include "toml_keys.hpp"

namespace mlcalc {

namespace {

bool upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}
bool word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

// Upper case, surrounding blanks and a trailing '$' dropped: the form tags are compared in.
std::string normal(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (!s.empty() && s.back() == '$') s.remove_suffix(1);
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

// "N-06" -> ('N', 6); anything else -> ('\0', -1).
std::pair<char, int> case_tag(std::string_view t) {
  if (t.size() == 4 && upper(t[0]) && t[1] == '-' && digit(t[2]) && digit(t[3]))
    return {t[0], (t[2] - '0') * 10 + (t[3] - '0')};
  return {'\0', -1};
}

// A range key "I-01..I-08" -> its prefix and bounds; ('\0', -1, -1) when `key` is not one.
struct Range {
  char prefix = '\0';
  int lo = -1, hi = -1;
};
Range range_of(std::string_view key) {
  const size_t dots = key.find("..");
  if (dots == std::string_view::npos) return {};
  const auto [a, lo] = case_tag(key.substr(0, dots));
  const auto [b, hi] = case_tag(key.substr(dots + 2));
  if (!a || a != b || lo >= hi) return {};
  return {a, lo, hi};
}

bool named(std::string_view tag) {
  return tag.size() > 2 && tag[0] == 'S' && tag[1] == '-' && upper(tag[2]);
}

// Named sources first (in key order), then case tags by prefix letter and first number.
bool before(const SourceEntry& x, const SourceEntry& y) {
  const bool nx = named(x.tag), ny = named(y.tag);
  if (nx != ny) return nx;
  return x.tag < y.tag;
}

std::string text_of(TomlKeys& k, const char* key, bool required) {
  const toml::node* n = k.get(key, required);
  if (!n) return {};
  if (!n->is_string()) return k.bad(*n, key, "must be a string"), std::string();
  std::string s = *n->value<std::string>();
  if (s.empty()) k.bad(*n, key, "must not be empty");
  return s;
}

}  // namespace

std::vector<std::string> tag_tokens(std::string_view text) {
  std::vector<std::string> out;
  auto add = [&](std::string t) {
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
  };
  for (size_t i = 0; i + 3 <= text.size(); ++i) {
    if (!upper(text[i]) || text[i + 1] != '-' || (i > 0 && word(text[i - 1]))) continue;
    if (digit(text[i + 2]) && i + 3 < text.size() && digit(text[i + 3]) &&
        (i + 4 == text.size() || !digit(text[i + 4]))) {
      add(std::string(text.substr(i, 4)));
    } else if (text[i] == 'S' && upper(text[i + 2])) {
      size_t j = i + 3;
      while (j < text.size() && std::isalnum(static_cast<unsigned char>(text[j]))) ++j;
      if (j < text.size() && text[j] == '$') ++j;
      add(std::string(text.substr(i, j - i)));
    }
  }
  return out;
}

std::vector<SourceEntry> parse_source_registry(const std::string& text, const std::string& path) {
  const toml::table t = parse_toml(text, path);
  std::vector<std::string> problems;
  std::vector<SourceEntry> r;
  for (auto&& [key, node] : t) {
    const std::string tag(key.str());
    const auto* tbl = node.as_table();
    if (!tbl) {
      problems.push_back(where(path, key.source()) + ": '" + tag + "' must be a table [" + tag + "]");
      continue;
    }
    const bool shaped = tag_tokens(tag) == std::vector<std::string>{tag} || range_of(tag).prefix;
    if (!shaped)
      problems.push_back(where(path, key.source()) + ": '" + tag +
                         "' is not a tag (a named source like S-SILY, a case like N-08, or a range of one prefix like "
                         "N-04..N-07)");
    TomlKeys k(path, *tbl, problems, tag + ".");
    SourceEntry e;
    e.tag = tag;
    e.citation = text_of(k, "citation", true);
    e.url = text_of(k, "url", false);
    e.checked = k.date("checked", true);
    e.used_for = text_of(k, "used_for", true);
    k.finish();
    r.push_back(std::move(e));
  }
  // Two entries answering one tag (a range over an explicit tag, overlapping ranges).
  for (size_t i = 0; i < r.size(); ++i)
    for (size_t j = i + 1; j < r.size(); ++j) {
      const Range a = range_of(r[i].tag), b = range_of(r[j].tag);
      const auto [pa, na] = case_tag(r[i].tag);
      const auto [pb, nb] = case_tag(r[j].tag);
      const char xa = a.prefix ? a.prefix : pa, xb = b.prefix ? b.prefix : pb;
      const int la = a.prefix ? a.lo : na, ha = a.prefix ? a.hi : na;
      const int lb = b.prefix ? b.lo : nb, hb = b.prefix ? b.hi : nb;
      if (xa && xa == xb && la <= hb && lb <= ha)
        problems.push_back(path + ": '" + r[i].tag + "' and '" + r[j].tag + "' overlap");
    }
  check(problems);
  std::sort(r.begin(), r.end(), before);
  return r;
}

const std::vector<SourceEntry>& source_registry() {
  static const std::vector<SourceEntry> r = [] {
    for (size_t i = 0; i < kEmbeddedSourcesCount; ++i)
      if (std::string_view(kEmbeddedSources[i].path) == "docs/sources.toml")
        return parse_source_registry(kEmbeddedSources[i].text, kEmbeddedSources[i].path);
    throw Error("docs/sources.toml is not embedded in this build");
  }();
  return r;
}

const SourceEntry* find_source(std::string_view tag, const std::vector<SourceEntry>& registry) {
  const std::string q = normal(tag);
  if (q.empty()) return nullptr;
  const auto [p, n] = case_tag(q);
  for (const auto& e : registry) {
    if (normal(e.tag) == q) return &e;
    if (const Range r = range_of(e.tag); p && r.prefix == p && r.lo <= n && n <= r.hi) return &e;
  }
  if (q.find('-') == std::string::npos)
    for (const auto& e : registry)
      if (named(e.tag) && normal(e.tag) == "S-" + q) return &e;
  return nullptr;
}

const SourceEntry& source(std::string_view tag, const std::vector<SourceEntry>& registry) {
  if (const SourceEntry* e = find_source(tag, registry)) return *e;
  std::vector<std::string> names;  // every tag a range covers, so the suggestion is one to type
  for (const auto& e : registry) {
    if (const Range r = range_of(e.tag); r.prefix) {
      for (int n = r.lo; n <= r.hi; ++n)
        names.push_back(std::string(1, r.prefix) + (n < 10 ? "-0" : "-") + std::to_string(n));
    } else {
      names.push_back(e.tag);
    }
  }
  throw Error("unknown source tag '" + std::string(tag) + "'" + did_you_mean(normal(tag), names) +
              " (see `mlcalc sources`)");
}

}  // namespace mlcalc
