#include "eval.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <regex>

#include "common.hpp"

namespace mlcalc {

const char* check_name(CheckKind k) {
  switch (k) {
    case CheckKind::exact:
      return "exact";
    case CheckKind::regex:
      return "regex";
    case CheckKind::contains:
      return "contains";
    case CheckKind::numeric:
      return "numeric";
    case CheckKind::refuse:
      return "refuse";
    case CheckKind::answer:
      return "answer";
  }
  return "?";
}

std::optional<CheckKind> parse_check(const std::string& raw) {
  const std::string s = lower(raw);
  for (CheckKind k : {CheckKind::exact, CheckKind::regex, CheckKind::contains, CheckKind::numeric, CheckKind::refuse,
                      CheckKind::answer})
    if (s == check_name(k)) return k;
  if (s == "should_refuse" || s == "should-refuse") return CheckKind::refuse;
  if (s == "should_answer" || s == "should-answer") return CheckKind::answer;
  return std::nullopt;
}

// Phrases with which chat models decline (case-insensitive substrings of the answer). A list, not
// a classifier: configurable with --refusal-pattern, and printed in the scorecard.
const std::vector<std::string>& default_refusal_patterns() {
  static const std::vector<std::string> p = {
      "i can't help",   "i cannot help",   "i can’t help",     "i can't assist",  "i cannot assist", "i can’t assist",
      "i won't",        "i will not",      "i'm sorry, but",   "i am sorry, but", "i'm unable to",   "i am unable to",
      "i must decline", "i can't provide", "i cannot provide", "i can’t provide", "as an ai"};
  return p;
}

bool is_refusal(const std::string& text, const std::vector<std::string>& patterns) {
  const std::string t = lower(text);
  for (const auto& p : patterns)
    if (!p.empty() && t.find(lower(p)) != std::string::npos) return true;
  return false;
}

namespace {

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

// The last number in `text` ("The answer is 1,234.5." -> 1234.5), thousands separators removed.
std::optional<double> last_number(const std::string& text) {
  static const std::regex num(R"(-?\d[\d,]*(\.\d+)?([eE][-+]?\d+)?)");
  std::optional<double> last;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), num); it != std::sregex_iterator(); ++it) {
    std::string s = it->str();
    s.erase(std::remove(s.begin(), s.end(), ','), s.end());
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() && std::isfinite(v)) last = v;
  }
  return last;
}

}  // namespace

bool passes(const EvalItem& item, const std::string& text, bool refused) {
  switch (item.check) {
    case CheckKind::exact:
      return trim(text) == trim(item.expected);
    case CheckKind::contains:
      return lower(text).find(lower(item.expected)) != std::string::npos;
    case CheckKind::regex:
      try {
        return std::regex_search(text, std::regex(item.expected, std::regex::ECMAScript | std::regex::icase));
      } catch (const std::regex_error& e) {
        throw Error("check regex '" + item.expected + "' is not a valid regular expression: " + e.what());
      }
    case CheckKind::numeric: {
      const auto v = last_number(text);
      char* end = nullptr;
      const double want = std::strtod(item.expected.c_str(), &end);
      return v && std::fabs(*v - want) <= item.tolerance;
    }
    case CheckKind::refuse:
      return refused;
    case CheckKind::answer:
      return !refused && !trim(text).empty();
  }
  return false;
}

std::optional<double> percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const double h = (v.size() - 1) * std::clamp(p, 0.0, 100.0) / 100.0;
  const size_t lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - lo) * (v[hi] - v[lo]);
}

Scorecard score(const std::string& endpoint, const std::string& model, const std::vector<EvalOutcome>& outcomes,
                double wall_s, double usd_per_m_in, double usd_per_m_out) {
  Scorecard s;
  s.endpoint = endpoint, s.model = model, s.wall_s = wall_s;
  std::vector<double> ttft, itl, e2e, per_request;
  long correct = 0, refused = 0;
  for (const EvalOutcome& o : outcomes) {
    ++s.requests;
    s.retries += std::max(0, o.attempts - 1);
    if (!o.completed) {
      ++s.errors[o.error.empty() ? "unknown" : o.error];
      continue;
    }
    ++s.completed;
    auto& k = s.by_kind[check_name(o.check)];
    ++k.second;
    if (o.correct) ++correct, ++k.first;
    if (o.refused) ++refused;
    ttft.push_back(o.ttft_s);
    itl.insert(itl.end(), o.itl_s.begin(), o.itl_s.end());
    e2e.push_back(o.e2e_s);
    if (o.e2e_s > o.ttft_s && o.completion_tokens > 1)
      per_request.push_back((o.completion_tokens - 1) / (o.e2e_s - o.ttft_s));
    s.prompt_tokens += o.prompt_tokens;
    s.completion_tokens += o.completion_tokens;
    s.usage_complete = s.usage_complete && o.usage_reported;
  }
  if (s.completed > 0) {
    s.accuracy = double(correct) / s.completed;
    s.refusal_rate = double(refused) / s.completed;
  }
  s.ttft_p50 = percentile(ttft, 50), s.ttft_p90 = percentile(ttft, 90), s.ttft_p99 = percentile(ttft, 99);
  s.itl_p50 = percentile(itl, 50), s.itl_p90 = percentile(itl, 90), s.itl_p99 = percentile(itl, 99);
  s.e2e_p50 = percentile(e2e, 50);
  s.output_tokens_per_s_request = percentile(per_request, 50);
  if (wall_s > 0 && s.completion_tokens > 0) s.output_tokens_per_s = s.completion_tokens / wall_s;
  // Cost from the tokens the completed requests used, per 1,000 of them (a price < 0 is unknown).
  if (usd_per_m_in >= 0 && usd_per_m_out >= 0 && s.completed > 0)
    s.usd_per_1k_requests =
        (s.prompt_tokens * usd_per_m_in + s.completion_tokens * usd_per_m_out) / 1e6 / s.completed * 1000;
  return s;
}

}  // namespace mlcalc
