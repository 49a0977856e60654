#include "common.hpp"

#include <algorithm>
#include <cctype>

namespace mlcalc {

std::string count_text(double v) {
  if (!(v == v) || v > 9e18 || v < -9e18) return "-";
  std::string s = std::to_string(static_cast<long long>(v < 0 ? v - 0.5 : v + 0.5)), out;
  const size_t start = s[0] == '-' ? 1 : 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > start && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

int edit_distance(std::string_view a, std::string_view b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

namespace {
// Separators carry little meaning in names ("llama3-8b" vs "llama-3.1-8b"): compare without them.
std::string squeeze(std::string_view s) {
  std::string r;
  for (char c : lower(s))
    if (c != '-' && c != '_' && c != '.' && c != ' ') r += c;
  return r;
}
}  // namespace

std::string closest(std::string_view name, const std::vector<std::string>& candidates) {
  const std::string n = squeeze(name);
  std::string best;
  int best_d = 1 << 30;
  for (const auto& c : candidates) {
    const std::string lc = squeeze(c);
    int d = edit_distance(n, lc);
    // A candidate that contains the name (or vice versa) is a strong hint: "llama-3.1-8" -> "llama-3.1-8b".
    if (!n.empty() && (lc.find(n) != std::string::npos || n.find(lc) != std::string::npos))
      d = std::min(d, 1 + static_cast<int>(std::max(lc.size(), n.size()) - std::min(lc.size(), n.size())) / 4);
    if (d < best_d) best_d = d, best = c;
  }
  // Accept up to a third of the name's length in edits (ninja's spellcheck uses a similar bound).
  const int limit = std::max<int>(2, static_cast<int>(n.size()) / 3);
  return best_d <= limit ? best : std::string();
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  const std::string c = closest(name, candidates);
  return c.empty() ? std::string() : "; did you mean '" + c + "'?";
}

}  // namespace mlcalc
