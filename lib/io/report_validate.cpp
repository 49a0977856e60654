// validate: predicted against measured, per row and per group.
#include <fmt/format.h>

#include "common.hpp"
#include "report.hpp"

namespace mlcalc {

namespace {

ojson stats_json(const ValidationStats& s) {
  return {{"name", s.name},
          {"n", s.n},
          {"skipped", s.skipped},
          {"mean_abs_pct_error", jopt(s.mean_abs_pct_error)},
          {"median_ratio", jopt(s.median_ratio)},
          {"roofline_bound_fraction", jopt(s.roofline_bound_fraction)}};
}

std::string opt_num(const std::optional<double>& v, int decimals, double scale = 1) {
  return v ? fmt_num(*v * scale, decimals) : std::string("-");
}

// Measured and predicted values in the unit people read them in.
std::string human(const std::string& q, double v) {
  if (is_time_quantity(q))
    return v < 1e-3 ? fmt::format("{:.1f} us", v * 1e6)
           : v < 1  ? fmt::format("{:.2f} ms", v * 1e3)
                    : fmt::format("{:.3f} s", v);
  return fmt::format("{:.1f}", v);
}

}  // namespace

Document to_document(const ValidationReport& r, bool rows_table) {
  Document doc;
  doc.command = "validate";
  ojson rows = ojson::array(), groups = ojson::array();
  for (const auto& x : r.rows) {
    ojson j = {{"id", x.id},
               {"group", x.group},
               {"quantity", x.quantity},
               {"measured", x.measured},
               {"predicted", jopt(x.predicted)},
               {"ratio", jopt(x.ratio)},
               {"roofline", jopt(x.roofline)},
               {"roofline_holds", x.roofline_holds ? ojson(*x.roofline_holds) : ojson(nullptr)},
               {"engine", x.engine},
               {"config", x.config},
               {"skipped", x.skipped.empty() ? ojson(nullptr) : ojson(x.skipped)},
               {"source", x.source}};
    rows.push_back(j);
  }
  Table t;
  t.title = "Realistic mode against published measurements (validation/*.toml)";
  t.columns = {"group",  "quantity", "n", "mean abs error (%)", "median predicted/measured", "roofline holds (%)",
               "skipped"};
  t.left_align = {true, true};
  t.wide = {false, false, false, false, true, false, true};
  for (const auto& g : r.groups) {
    ojson gj = stats_json(g.stats);
    ojson qs = ojson::array();
    for (const auto& q : g.quantities) qs.push_back(stats_json(q));
    gj["quantities"] = qs;
    groups.push_back(gj);
    auto row = [&](const std::string& name, const std::string& quantity, const ValidationStats& s) {
      t.rows.push_back({name, quantity, std::to_string(s.n), opt_num(s.mean_abs_pct_error, 1),
                        opt_num(s.median_ratio, 3), opt_num(s.roofline_bound_fraction, 1, 100),
                        std::to_string(s.skipped)});
    };
    row(g.stats.name, "all", g.stats);
    for (const auto& q : g.quantities) row("", q.name, q);
  }
  t.notes.push_back(
      "error = |predicted / measured - 1|; roofline holds = the roofline (peak bandwidth and FLOP/s) is at least as "
      "fast as "
      "the measurement; skipped = configurations the model cannot express or that do not fit");
  doc.tables = {t};
  if (rows_table) {
    Table rt;
    rt.title = "Rows";
    rt.columns = {"id", "quantity", "measured", "predicted", "ratio", "roofline", "holds"};
    rt.left_align = {true, true};
    for (const auto& x : r.rows)
      rt.rows.push_back({x.id, x.quantity, human(x.quantity, x.measured),
                         x.predicted ? human(x.quantity, *x.predicted) : "-", opt_num(x.ratio, 3),
                         x.roofline ? human(x.quantity, *x.roofline) : "-",
                         x.roofline_holds ? (*x.roofline_holds ? "yes" : "NO") : "-"});
    doc.tables.push_back(rt);
  }
  doc.result = {{"rows", rows}, {"groups", groups}};
  doc.records = rows;
  return doc;
}

}  // namespace mlcalc
