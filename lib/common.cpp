#include "common.hpp"

#include <algorithm>
#include <cctype>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>

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

std::string number_text(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e16) {
    std::snprintf(buf, sizeof buf, "%.0f", v);  // whole numbers in full: 4294967300, not 4.2949673e+09
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  // Shortest text that reads back the same value (5e-324, 0.5, 1e+20 rather than 17 digits).
  for (int prec = 1; prec < 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) return buf;
  }
  return s;
}

int64_t checked_count(double v, int64_t lo, int64_t hi, std::string_view what) {
  // Compare as doubles before any cast: a cast of a value outside int64 (or int) is undefined.
  if (!std::isfinite(v) || v != std::floor(v) || v < double(lo) || v > double(hi))
    throw Error(std::string(what) + " must be a whole number from " + count_text(double(lo)) + " to " +
                count_text(double(hi)) + ", got " + number_text(v));
  return static_cast<int64_t>(v);
}

double checked_real(double v, double lo, double hi, std::string_view what) {
  if (!std::isfinite(v) || v <= lo || v > hi || (v != 0 && std::fabs(v) < DBL_MIN))
    throw Error(std::string(what) + " must be > " + number_text(lo) + " and <= " + number_text(hi) + ", got " +
                number_text(v) + (v != 0 && std::fabs(v) < DBL_MIN ? " (subnormal)" : ""));
  return v;
}

bool is_iso_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  const int y = std::stoi(std::string(s.substr(0, 4))), m = std::stoi(std::string(s.substr(5, 2))),
            d = std::stoi(std::string(s.substr(8, 2)));
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
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
