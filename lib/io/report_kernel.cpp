// kernel: rooflines of kernel shapes on a GPU, and measured timings held against them.
#include <algorithm>
#include <fmt/format.h>

#include "common.hpp"
#include "report.hpp"

namespace mlcalc {

namespace {

// The shape fields the kind reads, as JSON.
ojson shape_json(KernelKind kind, const KernelShape& s) {
  switch (kind) {
    case KernelKind::gemm:
      return {{"batch", jcount(s.batch)}, {"m", jcount(s.m)}, {"n", jcount(s.n)}, {"k", jcount(s.k)}};
    case KernelKind::moe_gemm:
      return {{"experts", jcount(s.experts)},
              {"tokens", jcount(s.tokens)},
              {"top_k", jcount(s.top_k)},
              {"n", jcount(s.n)},
              {"k", jcount(s.k)}};
    case KernelKind::attention:
      return {{"batch", jcount(s.batch)},
              {"heads", jcount(s.heads)},
              {"kv_heads", jcount(s.kv_heads > 0 ? s.kv_heads : s.heads)},
              {"seq", jcount(s.seq)},
              {"kv_seq", jcount(s.kv_seq > 0 ? s.kv_seq : s.seq)},
              {"head_dim", jcount(s.head_dim)},
              {"causal", s.causal}};
    case KernelKind::rmsnorm:
    case KernelKind::layernorm:
    case KernelKind::softmax:
      return {{"rows", jcount(s.rows)}, {"cols", jcount(s.cols)}};
    case KernelKind::copy:
      return {{"bytes", jcount(s.bytes)}};
  }
  return ojson::object();
}

std::string us(double s) {
  return s < 1e-3 ? fmt_num(s * 1e6, 2) : fmt_num(s * 1e6, 0);
}

}  // namespace

Document to_document(const KernelReport& r) {
  Document doc;
  doc.command = "kernel";
  doc.warnings = r.warnings;
  const Gpu& g = *r.gpu;
  doc.inputs = {{"kernel", kernel_name(r.kind)},
                {"gpu", g.id},
                {"dtype", r.dtype.name()},
                {"measured", r.measured_path.empty() ? ojson(nullptr) : ojson(r.measured_path)},
                {"below_pct", r.below_pct}};
  ojson rows = ojson::array();
  Table t;
  t.title = fmt::format(
      "{} on {} ({}): roofline = max(bytes / {:.2f} TB/s, FLOPs / peak), an upper bound; realistic "
      "= the measured fractions",
      kernel_name(r.kind), g.id, r.dtype.name(), g.memory_bw_bytes_per_s / 1e12);
  t.columns = {"shape",          "GFLOP",          "MB",          "FLOP/B", "ridge", "roofline (us)",
               "realistic (us)", "TFLOP/s (real)", "GB/s (real)", "bound"};
  t.left_align = {true};
  t.wide = {false, true, true, false, true, false, false, true, true, false};
  for (const KernelRow& k : r.rows) {
    ojson j = {{"kernel", kernel_name(k.kind)}};
    j.update(shape_json(k.kind, k.shape));
    const double tflops = k.cost.flops / k.realistic_time_s / 1e12, gbs = k.cost.bytes / k.realistic_time_s / 1e9;
    j.update(ojson{{"dtype", k.dtype.name()},
                   {"compute", k.compute_used},
                   {"flops", k.cost.flops},
                   {"bytes", k.cost.bytes},
                   {"intensity", k.intensity},
                   {"ridge_intensity", k.ridge_intensity},
                   {"roofline_time_s", k.roofline_time_s},
                   {"realistic_time_s", k.realistic_time_s},
                   {"bound", k.compute_bound ? "compute" : "memory"},
                   {"achievable_tflops", tflops},
                   {"achievable_gb_s", gbs},
                   {"peak_tflops", k.peak_flop_per_s / 1e12},
                   {"peak_gb_s", k.peak_bw / 1e9},
                   {"flop_fraction", k.flop_fraction},
                   {"bandwidth_fraction", k.bw_fraction}});
    rows.push_back(j);
    t.rows.push_back({shape_text(k.kind, k.shape), fmt_num(k.cost.flops / 1e9, 3), fmt_num(k.cost.bytes / 1e6, 2),
                      fmt_num(k.intensity, 1), fmt_num(k.ridge_intensity, 0), us(k.roofline_time_s),
                      us(k.realistic_time_s), fmt_num(tflops, 1), fmt_num(gbs, 0),
                      k.compute_bound ? "compute" : "memory"});
  }
  if (!r.rows.empty()) {
    const KernelRow& k = r.rows.front();
    t.notes.push_back(
        fmt::format("peak {:.0f} TFLOP/s ({}), {:.2f} TB/s; realistic: FLOPs at {:.2f} ({}), bytes at "
                    "{:.2f} of the bandwidth (hardware-db {} [efficiency]); docs/model.md \"Kernel "
                    "rooflines\"",
                    k.peak_flop_per_s / 1e12, k.compute_used, g.memory_bw_bytes_per_s / 1e12, k.flop_fraction,
                    k.fraction_source, k.bw_fraction, g.id));
  }
  doc.tables.push_back(t);
  doc.records = rows;

  ojson measured = ojson::array();
  if (!r.measured_path.empty()) {
    Table m;
    m.title = fmt::format("Measured ({}: {} rows read, {} of {}, {} of other kernels skipped), against the roofline",
                          r.measured_path, r.measured_read, r.measured.size(), kernel_name(r.kind), r.measured_other);
    m.columns = {"shape", "dtype", "impl", "time (us)", "TFLOP/s", "GB/s", "% of roofline", ""};
    m.left_align = {true, true, true, false, false, false, false, true};
    for (const MeasuredRow& x : r.measured) {
      ojson j = {{"kernel", kernel_name(x.timing.kind)}, {"impl", x.timing.impl}};
      j.update(shape_json(x.timing.kind, x.timing.shape));
      j.update(ojson{{"dtype", x.timing.dtype.name()},
                     {"time_s", x.timing.time_s},
                     {"achieved_tflops", x.achieved_flop_per_s / 1e12},
                     {"achieved_gb_s", x.achieved_bytes_per_s / 1e9},
                     {"pct_of_roofline", x.pct_of_roofline},
                     {"roofline_time_s", x.model.roofline_time_s},
                     {"realistic_time_s", x.model.realistic_time_s},
                     {"fastest", x.fastest},
                     {"below_threshold", x.below},
                     {"where", x.timing.where}});
      measured.push_back(j);
      std::string flag = x.fastest ? "fastest" : "";
      if (x.below) flag += std::string(flag.empty() ? "" : ", ") + fmt::format("below {:.0f}%", r.below_pct);
      if (x.pct_of_roofline > 100) flag += std::string(flag.empty() ? "" : ", ") + "FASTER THAN THE ROOFLINE";
      m.rows.push_back({shape_text(x.timing.kind, x.timing.shape), x.timing.dtype.name(), x.timing.impl,
                        us(x.timing.time_s), fmt_num(x.achieved_flop_per_s / 1e12, 1),
                        fmt_num(x.achieved_bytes_per_s / 1e9, 0), fmt_num(x.pct_of_roofline, 1), flag});
    }
    m.notes.push_back(
        "% of roofline = roofline time / measured time: 100% is the hardware's peak; a measured time is "
        "never below the roofline unless the peaks or the shape are wrong");
    doc.tables.push_back(m);
  }
  doc.result = {{"rows", rows}, {"measured", measured}};
  doc.chart = to_chart(r);
  return doc;
}

// Log-log roofline: FLOP/s against arithmetic intensity, the peak and realistic ceilings, the
// queried shapes at their realistic rate, and each implementation's measured points.
Chart to_chart(const KernelReport& r) {
  Chart c;
  const Gpu& g = *r.gpu;
  c.title = fmt::format("{} roofline on {} ({})", kernel_name(r.kind), g.id, r.dtype.name());
  c.subtitle = "log-log; the solid ceiling is the peak (an upper bound), the dashed one the measured fractions";
  c.x_label = "arithmetic intensity (FLOP/byte)";
  c.y_label = "TFLOP/s";
  c.log_x = c.log_y = true;
  const KernelRow* ref = !r.rows.empty() ? &r.rows.front() : !r.measured.empty() ? &r.measured.front().model : nullptr;
  if (!ref || !(ref->peak_flop_per_s > 0)) return c;
  double lo = ref->ridge_intensity / 64, hi = ref->ridge_intensity * 16;
  auto widen = [&](double i) {
    if (i > 0) lo = std::min(lo, i / 2), hi = std::max(hi, i * 2);
  };
  for (const auto& k : r.rows) widen(k.intensity);
  for (const auto& m : r.measured) widen(m.model.intensity);
  const double peak = ref->peak_flop_per_s / 1e12, bw = ref->peak_bw / 1e12;  // TFLOP/s, TB/s
  const double rpeak = peak * ref->flop_fraction, rbw = bw * ref->bw_fraction;
  c.series.push_back({"roofline (peak)", {lo, peak / bw, hi}, {bw * lo, peak, peak}, {}, false});
  c.series.push_back({"realistic ceiling", {lo, rpeak / rbw, hi}, {rbw * lo, rpeak, rpeak}, {}, true});
  ChartSeries shapes{"shapes (realistic)", {}, {}, {}, false};
  for (const auto& k : r.rows)
    if (k.intensity > 0) {
      shapes.x.push_back(k.intensity);
      shapes.y.push_back(k.cost.flops / k.realistic_time_s / 1e12);
      shapes.labels.push_back(r.rows.size() <= 8 ? shape_text(k.kind, k.shape) : "");
    }
  if (!shapes.x.empty()) c.series.push_back(shapes);
  std::vector<std::string> impls;
  for (const auto& m : r.measured)
    if (std::find(impls.begin(), impls.end(), m.timing.impl) == impls.end()) impls.push_back(m.timing.impl);
  for (const auto& impl : impls) {
    std::vector<std::pair<double, double>> pts;
    for (const auto& m : r.measured)
      if (m.timing.impl == impl && m.model.intensity > 0)
        pts.push_back({m.model.intensity, m.achieved_flop_per_s / 1e12});
    std::sort(pts.begin(), pts.end());
    ChartSeries s{"measured: " + impl, {}, {}, {}, false};
    for (const auto& [x, y] : pts) s.x.push_back(x), s.y.push_back(y);
    if (!s.x.empty()) c.series.push_back(s);
  }
  return c;
}

}  // namespace mlcalc
