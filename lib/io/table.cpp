#include "table.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace mlcalc {

std::string fmt_num(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  return fmt::format("{:.{}f}", v, decimals);
}

std::string fmt_count(double v) {
  if (!std::isfinite(v)) return "-";
  std::string s = fmt::format("{:.0f}", v);
  std::string out;
  const size_t start = (s[0] == '-') ? 1 : 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > start && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::string fmt_si(double v) {
  const double a = std::fabs(v);
  if (a >= 1e12) return fmt::format("{:.2f} T", v / 1e12);
  if (a >= 1e9) return fmt::format("{:.2f} B", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  if (a >= 1e3) return fmt::format("{:.2f} K", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string bar(double fraction, int width) {
  fraction = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
  const int eighths = static_cast<int>(std::lround(fraction * width * 8));
  static const char* parts[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  std::string s;
  for (int i = 0; i < eighths / 8; ++i) s += "█";
  s += parts[eighths % 8];
  return s;
}

size_t text_width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++w;
  return w;
}

std::string wrap(const std::string& text, size_t width, const std::string& first, const std::string& indent) {
  if (width == 0 || text_width(first) + text_width(text) <= width) return first + text + "\n";
  std::string out = first, line;
  size_t at = text_width(first);
  const size_t room0 = width > at + 20 ? width - at : 20;  // never narrower than 20 characters
  size_t room = room0;
  size_t p = 0;
  while (p < text.size()) {
    size_t q = text.find(' ', p);
    if (q == std::string::npos) q = text.size();
    const std::string word = text.substr(p, q - p);
    if (!line.empty() && text_width(line) + 1 + text_width(word) > room) {
      out += line + "\n" + indent;
      line.clear();
      room = width > text_width(indent) + 20 ? width - text_width(indent) : 20;
    }
    line += (line.empty() ? "" : " ") + word;
    p = q + 1;
  }
  return out + line + "\n";
}

namespace {

size_t width(const std::string& s) {
  return text_width(s);
}

std::string pad(const std::string& s, size_t w, bool left) {
  const size_t n = width(s);
  if (n >= w) return s;
  return left ? s + std::string(w - n, ' ') : std::string(w - n, ' ') + s;
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string r = "\"";
  for (char c : s) r += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return r + "\"";
}

// The columns of `t` that fit `max` characters: `wide` ones dropped right to left until it fits.
std::vector<size_t> fitting_columns(const Table& t, const std::vector<size_t>& w, size_t max) {
  std::vector<size_t> keep(w.size());
  for (size_t c = 0; c < w.size(); ++c) keep[c] = c;
  auto total = [&] {
    size_t s = 0;
    for (size_t i = 0; i < keep.size(); ++i) s += w[keep[i]] + (i ? 2 : 0);
    return s;
  };
  for (size_t c = w.size(); max > 0 && c-- > 0 && total() > max;)
    if (c < t.wide.size() && t.wide[c]) keep.erase(std::find(keep.begin(), keep.end(), c));
  return keep;
}

}  // namespace

std::string render(const std::vector<Table>& tables, Format f, size_t max_width) {
  std::string out;
  for (size_t ti = 0; ti < tables.size(); ++ti) {
    const Table& t = tables[ti];
    const size_t nc = t.columns.size();
    auto left = [&](size_t c) { return c < t.left_align.size() ? t.left_align[c] : c == 0; };
    if (f == Format::csv) {
      if (ti) out += "\n";
      for (size_t c = 0; c < nc; ++c) out += (c ? "," : "") + csv_cell(t.columns[c]);
      out += "\n";
      for (const auto& r : t.rows) {
        for (size_t c = 0; c < nc; ++c) out += (c ? "," : "") + csv_cell(c < r.size() ? r[c] : "");
        out += "\n";
      }
      continue;
    }
    if (ti) out += "\n";
    if (f == Format::md) {
      if (!t.title.empty()) out += "### " + t.title + "\n\n";
      out += "|";
      for (const auto& c : t.columns) out += " " + c + " |";
      out += "\n|";
      for (size_t c = 0; c < nc; ++c) out += left(c) ? "---|" : "---:|";
      out += "\n";
      for (const auto& r : t.rows) {
        out += "|";
        for (size_t c = 0; c < nc; ++c) out += " " + (c < r.size() ? r[c] : "") + " |";
        out += "\n";
      }
      if (!t.notes.empty()) out += "\n";
      for (const auto& n : t.notes) out += "- " + n + "\n";
      continue;
    }
    std::vector<size_t> w(nc, 0);
    for (size_t c = 0; c < nc; ++c) w[c] = width(t.columns[c]);
    for (const auto& r : t.rows)
      for (size_t c = 0; c < nc && c < r.size(); ++c) w[c] = std::max(w[c], width(r[c]));
    const std::vector<size_t> cols = fitting_columns(t, w, max_width);
    if (!t.title.empty()) out += t.title + "\n";
    std::string line;
    for (size_t i = 0; i < cols.size(); ++i)
      line += (i ? "  " : "") + pad(t.columns[cols[i]], w[cols[i]], left(cols[i]));
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
    size_t total = 0;
    for (size_t i = 0; i < cols.size(); ++i) total += w[cols[i]] + (i ? 2 : 0);
    for (size_t i = 0; i < total; ++i) out += "-";
    out += "\n";
    for (const auto& r : t.rows) {
      line.clear();
      for (size_t i = 0; i < cols.size(); ++i) {
        const size_t c = cols[i];
        line += (i ? "  " : "") + pad(c < r.size() ? r[c] : "", w[c], left(c));
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    for (const auto& n : t.notes) out += wrap(n, max_width, "note: ", "      ");
    if (cols.size() < nc) {
      std::string hidden;
      for (size_t c = 0, i = 0; c < nc; ++c) {
        if (i < cols.size() && cols[i] == c) {
          ++i;
          continue;
        }
        hidden += (hidden.empty() ? "" : ", ") + t.columns[c];
      }
      out += wrap(fmt::format("{} columns left out to fit {} characters: {} (--wide shows them)", nc - cols.size(),
                              max_width, hidden),
                  max_width, "note: ", "      ");
    }
  }
  return out;
}

}  // namespace mlcalc
