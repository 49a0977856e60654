#include "chart.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace mlcalc {

namespace {

// Okabe & Ito (2008) colour-blind-safe palette, readable on white and on dark backgrounds.
const char* const kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999", "#F0E442"};
constexpr int kPaletteSize = 8;

constexpr double kWidth = 780, kHeight = 470;
constexpr double kLeft = 84, kTop = 64, kRight = kWidth - 230, kBottom = kHeight - 58;

std::string esc(const std::string& s) {
  std::string r;
  for (char c : s) {
    switch (c) {
      case '&':
        r += "&amp;";
        break;
      case '<':
        r += "&lt;";
        break;
      case '>':
        r += "&gt;";
        break;
      case '"':
        r += "&quot;";
        break;
      default:
        r += c;
    }
  }
  return r;
}

std::string tick_text(double v) {
  const double a = std::fabs(v);
  if (a >= 1e6) return fmt::format("{:g}M", v / 1e6);
  if (a >= 1e4) return fmt::format("{:g}k", v / 1e3);
  return fmt::format("{:g}", v);
}

// Coordinates: number with two decimals (short, stable text).
std::string px(double v) {
  return fmt::format("{:.2f}", v);
}

struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  std::vector<double> ticks;
  // Screen position of `v` between `a` (at lo) and `b` (at hi).
  double map(double v, double a, double b) const {
    const double t = log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
    return a + t * (b - a);
  }
};

Axis make_axis(std::vector<double> values, bool log, bool from_zero) {
  Axis ax;
  ax.log = log;
  values.erase(
      std::remove_if(values.begin(), values.end(), [log](double v) { return !std::isfinite(v) || (log && v <= 0); }),
      values.end());
  if (values.empty()) values = {log ? 1.0 : 0.0, log ? 10.0 : 1.0};
  double lo = *std::min_element(values.begin(), values.end()), hi = *std::max_element(values.begin(), values.end());
  if (!log && from_zero) lo = std::min(lo, 0.0);
  if (hi <= lo) hi = log ? lo * 10 : lo + 1;
  ax.ticks = chart_ticks(lo, hi, log);
  ax.lo = std::min(lo, ax.ticks.front());
  ax.hi = std::max(hi, ax.ticks.back());
  return ax;
}

}  // namespace

std::vector<double> chart_ticks(double lo, double hi, bool log) {
  std::vector<double> t;
  if (log) {
    const double a = std::floor(std::log10(lo)), b = std::ceil(std::log10(hi));
    const bool fine = b - a <= 2;
    for (double e = a; e <= b; ++e)
      for (double m : {1.0, 2.0, 5.0})
        if (m == 1.0 || fine) {
          const double v = m * std::pow(10.0, e);
          if (v <= std::pow(10.0, b) * 1.0000001) t.push_back(v);
        }
    return t;
  }
  const double raw = (hi - lo) / 5, mag = std::pow(10.0, std::floor(std::log10(raw))), norm = raw / mag;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  for (double v = std::floor(lo / step) * step; v <= std::ceil(hi / step) * step + step * 1e-9; v += step)
    t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

std::string render_svg(const Chart& c) {
  const bool bars = !c.stack.empty();
  std::vector<double> xs, ys;
  for (const auto& s : c.series) {
    xs.insert(xs.end(), s.x.begin(), s.x.end());
    ys.insert(ys.end(), s.y.begin(), s.y.end());
  }
  for (const auto& m : c.marks) xs.push_back(m.x), ys.push_back(m.y);
  for (const auto& r : c.rules) ys.push_back(r.y);
  double stacked = 0;
  for (const auto& g : c.stack) stacked += std::max(0.0, g.value);
  if (bars) ys.push_back(stacked);
  const Axis ax = make_axis(xs, c.log_x, true), ay = make_axis(ys, c.log_y, true);
  auto X = [&](double v) { return ax.map(v, kLeft, kRight); };
  auto Y = [&](double v) { return ay.map(v, kBottom, kTop); };

  std::string o;
  o += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
      kWidth, kHeight, kWidth, kHeight);
  o += "<title>" + esc(c.title) + "</title>\n";
  // Light by default; GitHub and browsers apply the dark palette when the reader prefers it.
  o += "<style>\n"
       ".bg{fill:#ffffff}.fg{fill:#1f2328}.muted{fill:#57606a}.axis{stroke:#57606a}.grid{stroke:#d8dee4}\n"
       "@media (prefers-color-scheme: dark){.bg{fill:#0d1117}.fg{fill:#e6edf3}.muted{fill:#9198a1}"
       ".axis{stroke:#9198a1}.grid{stroke:#30363d}}\n"
       "</style>\n";
  o += fmt::format("<rect class=\"bg\" x=\"0\" y=\"0\" width=\"{}\" height=\"{}\"/>\n", kWidth, kHeight);
  o += fmt::format("<text class=\"fg\" x=\"{}\" y=\"24\" font-size=\"15\" font-weight=\"bold\">{}</text>\n", kLeft,
                   esc(c.title));
  if (!c.subtitle.empty())
    o += fmt::format("<text class=\"muted\" x=\"{}\" y=\"44\" font-size=\"11\">{}</text>\n", kLeft, esc(c.subtitle));

  // Grid, ticks and axis titles.
  o += "<g id=\"y-axis\">\n";
  for (double t : ay.ticks) {
    const double y = Y(t);
    o += fmt::format("<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n", px(kLeft), px(y), px(kRight),
                     px(y));
    o += fmt::format("<text class=\"fg\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", px(kLeft - 6), px(y + 4),
                     tick_text(t));
  }
  o += fmt::format(
      "<text class=\"fg\" transform=\"translate(18 {}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n</g>\n",
      px((kTop + kBottom) / 2), esc(c.y_label));
  o += "<g id=\"x-axis\">\n";
  if (!bars) {
    for (double t : ax.ticks) {
      const double x = X(t);
      o += fmt::format("<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n", px(x), px(kTop), px(x),
                       px(kBottom));
      o += fmt::format("<text class=\"fg\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(x),
                       px(kBottom + 16), tick_text(t));
    }
  }
  o += fmt::format("<text class=\"fg\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px((kLeft + kRight) / 2),
                   px(kHeight - 16), esc(bars ? c.stack_label : c.x_label));
  o += fmt::format("<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n", px(kLeft), px(kBottom),
                   px(kRight), px(kBottom));
  o += fmt::format("<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n</g>\n", px(kLeft), px(kTop),
                   px(kLeft), px(kBottom));

  // Legend entries: swatch kind, colour, text.
  struct Entry {
    std::string kind, colour, text;
  };
  std::vector<Entry> legend;

  if (bars) {
    o += "<g id=\"stack\">\n";
    const double w = (kRight - kLeft) * 0.34, x0 = (kLeft + kRight) / 2 - w / 2;
    double base = 0;
    for (size_t i = 0; i < c.stack.size(); ++i) {
      const double v = std::max(0.0, c.stack[i].value);
      const std::string col = kPalette[i % kPaletteSize];
      const double y1 = Y(base + v), y0 = Y(base);
      o += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}: {:.2f}</title></rect>\n", px(x0),
          px(y1), px(w), px(std::max(0.0, y0 - y1)), col, esc(c.stack[i].name), v);
      base += v;
      legend.push_back({"box", col, fmt::format("{} {:.2f}", c.stack[i].name, v)});
    }
    std::reverse(legend.begin(), legend.end());  // top segment first, as drawn
    o += fmt::format("<text class=\"fg\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\">{:.2f}</text>\n",
                     px(x0 + w / 2), px(Y(base) - 6), base);
    o += "</g>\n";
  }

  for (size_t i = 0; i < c.series.size(); ++i) {
    const ChartSeries& s = c.series[i];
    const std::string col = kPalette[i % kPaletteSize];
    o += "<g class=\"series\" id=\"series-" + std::to_string(i) + "\">\n<title>" + esc(s.name) + "</title>\n";
    std::string pts;
    for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
      if (!std::isfinite(s.x[k]) || !std::isfinite(s.y[k]) || (c.log_x && s.x[k] <= 0) || (c.log_y && s.y[k] <= 0))
        continue;
      pts += (pts.empty() ? "" : " ") + px(X(s.x[k])) + "," + px(Y(s.y[k]));
    }
    o += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{} points=\"{}\"/>\n", col,
                     s.dashed ? " stroke-dasharray=\"6 4\"" : "", pts);
    for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
      if (!std::isfinite(s.x[k]) || !std::isfinite(s.y[k]) || (c.log_x && s.x[k] <= 0) || (c.log_y && s.y[k] <= 0))
        continue;
      o += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"/>\n", px(X(s.x[k])), px(Y(s.y[k])), col);
      if (k < s.labels.size() && !s.labels[k].empty())
        o += fmt::format("<text class=\"muted\" x=\"{}\" y=\"{}\" font-size=\"10\">{}</text>\n", px(X(s.x[k]) + 6),
                         px(Y(s.y[k]) - 6), esc(s.labels[k]));
    }
    o += "</g>\n";
    legend.push_back({s.dashed ? "dash" : "line", col, s.name});
  }

  for (size_t i = 0; i < c.rules.size(); ++i) {
    const ChartRule& r = c.rules[i];
    if (c.log_y && r.y <= 0) continue;
    const std::string col = bars ? "#D55E00" : kPalette[(c.series.size() + i) % kPaletteSize];
    const double y = Y(r.y);
    // With many rules the legend names them; a label on each line would overlap.
    const std::string text = c.rules.size() > 3 ? ""
                                                : fmt::format(
                                                      "<text class=\"fg\" x=\"{}\" y=\"{}\" text-anchor=\"end\" "
                                                      "font-size=\"11\">{}</text>",
                                                      px(kRight - 4), px(y - 5), esc(r.label));
    o += fmt::format(
        "<g class=\"rule\"><line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"1.5\" "
        "stroke-dasharray=\"6 4\"/>{}</g>\n",
        px(kLeft), px(y), px(kRight), px(y), col, text);
    legend.push_back({"dash", col, r.label});
  }

  for (const ChartMark& m : c.marks) {
    if ((c.log_x && m.x <= 0) || (c.log_y && m.y <= 0)) continue;
    const double x = X(m.x), y = Y(m.y);
    const bool right_half = x > (kLeft + kRight) / 2;  // label on the side with room
    o += fmt::format(
        "<g class=\"mark\"><path d=\"M{} {} l7 7 l-7 7 l-7 -7 z\" fill=\"#D55E00\" stroke=\"#ffffff\" "
        "stroke-width=\"1\"/>",
        px(x), px(y - 7));
    if (!m.label.empty())
      o += fmt::format("\n<text class=\"fg\" x=\"{}\" y=\"{}\" font-size=\"11\" font-weight=\"bold\"{}>{}</text>",
                       px(right_half ? x - 10 : x + 10), px(y - 9), right_half ? " text-anchor=\"end\"" : "",
                       esc(m.label));
    o += "</g>\n";
    if (!m.label.empty()) legend.push_back({"mark", "#D55E00", m.label});
  }

  // Legend to the right of the plot; long entries wrap at about 28 characters.
  o += "<g id=\"legend\">\n";
  double ly = kTop + 4;
  const double lx = kRight + 18;
  for (size_t i = 0; i < legend.size(); ++i) {
    const Entry& e = legend[i];
    if (ly > kHeight - 20) {  // no room left: say how many are not listed
      o += fmt::format("<text class=\"muted\" x=\"{}\" y=\"{}\" font-size=\"11\">+{} more</text>\n", px(lx), px(ly),
                       legend.size() - i);
      break;
    }
    if (e.kind == "box")
      o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"10\" fill=\"{}\"/>\n", px(lx), px(ly - 9),
                       e.colour);
    else if (e.kind == "mark")
      o += fmt::format("<path d=\"M{} {} l5 5 l-5 5 l-5 -5 z\" fill=\"{}\"/>\n", px(lx + 7), px(ly - 9), e.colour);
    else
      o += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", px(lx),
                       px(ly - 4), px(lx + 16), px(ly - 4), e.colour,
                       e.kind == "dash" ? " stroke-dasharray=\"4 3\"" : "");
    std::string rest = e.text;
    bool first = true;
    while (!rest.empty()) {
      size_t cut = rest.size();
      if (cut > 28) {
        cut = rest.rfind(' ', 28);
        if (cut == std::string::npos || cut == 0) cut = 28;
      }
      o += fmt::format("<text class=\"fg\" x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>\n", px(lx + 22), px(ly),
                       esc(rest.substr(0, cut)));
      rest = cut < rest.size() ? rest.substr(cut + (rest[cut] == ' ' ? 1 : 0)) : "";
      ly += 14;
      first = false;
    }
    (void)first;
    ly += 4;
  }
  o += "</g>\n</svg>\n";
  return o;
}

ojson render_vega(const Chart& c) {
  ojson spec;
  spec["$schema"] = "https://vega.github.io/schema/vega-lite/v5.json";
  spec["title"] = {{"text", c.title}, {"subtitle", c.subtitle}};
  spec["width"] = 560;
  spec["height"] = 360;
  auto axis = [](const std::string& field, const std::string& title, bool log) {
    ojson a = {{"field", field}, {"type", "quantitative"}, {"title", title}};
    if (log) a["scale"] = {{"type", "log"}};
    return a;
  };
  ojson layers = ojson::array();
  if (!c.stack.empty()) {
    ojson values = ojson::array();
    for (size_t i = 0; i < c.stack.size(); ++i)
      values.push_back(
          {{"bar", c.stack_label}, {"segment", c.stack[i].name}, {"value", c.stack[i].value}, {"order", i}});
    layers.push_back(
        {{"data", {{"values", values}}},
         {"mark", "bar"},
         {"encoding",
          {{"x", {{"field", "bar"}, {"type", "nominal"}, {"title", nullptr}}},
           {"y", {{"field", "value"}, {"type", "quantitative"}, {"title", c.y_label}, {"stack", "zero"}}},
           {"color", {{"field", "segment"}, {"type", "nominal"}, {"sort", nullptr}, {"title", nullptr}}},
           {"order", {{"field", "order"}, {"type", "ordinal"}}},
           {"tooltip", ojson::array({{{"field", "segment"}}, {{"field", "value"}, {"format", ".2f"}}})}}}});
  } else if (!c.series.empty()) {
    ojson values = ojson::array();
    for (const auto& s : c.series)
      for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k)
        values.push_back({{"series", s.name},
                          {"x", s.x[k]},
                          {"y", s.y[k]},
                          {"label", k < s.labels.size() ? s.labels[k] : std::string()}});
    layers.push_back(
        {{"data", {{"values", values}}},
         {"mark", {{"type", "line"}, {"point", true}}},
         {"encoding",
          {{"x", axis("x", c.x_label, c.log_x)},
           {"y", axis("y", c.y_label, c.log_y)},
           {"color", {{"field", "series"}, {"type", "nominal"}, {"title", nullptr}}},
           {"tooltip",
            ojson::array({{{"field", "series"}}, {{"field", "label"}}, {{"field", "x"}}, {{"field", "y"}}})}}}});
  }
  if (!c.rules.empty()) {
    ojson values = ojson::array();
    for (const auto& r : c.rules) values.push_back({{"label", r.label}, {"y", r.y}});
    layers.push_back({{"data", {{"values", values}}},
                      {"mark", {{"type", "rule"}, {"strokeDash", {6, 4}}}},
                      {"encoding", {{"y", axis("y", c.y_label, c.log_y)}, {"tooltip", {{"field", "label"}}}}}});
  }
  if (!c.marks.empty()) {
    ojson values = ojson::array();
    for (const auto& m : c.marks) values.push_back({{"label", m.label}, {"x", m.x}, {"y", m.y}});
    const ojson enc = {{"x", axis("x", c.x_label, c.log_x)}, {"y", axis("y", c.y_label, c.log_y)}};
    layers.push_back({{"data", {{"values", values}}},
                      {"mark", {{"type", "point"}, {"shape", "diamond"}, {"size", 140}, {"filled", true}}},
                      {"encoding", enc}});
    ojson text_enc = enc;
    text_enc["text"] = {{"field", "label"}};
    layers.push_back({{"data", {{"values", values}}},
                      {"mark", {{"type", "text"}, {"align", "left"}, {"dx", 9}, {"dy", -9}}},
                      {"encoding", text_enc}});
  }
  spec["layer"] = layers;
  return spec;
}

}  // namespace mlcalc
