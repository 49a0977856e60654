// plan and transfer: ranked fleets, the per-GPU frontier, rejected counts; KV bytes over a link.
#include <fmt/format.h>

#include "common.hpp"
#include "report.hpp"

namespace mlcalc {

namespace {

std::string ms(double s) {
  return fmt_num(s * 1e3, s < 0.01 ? 2 : 1);
}

const char* disagg_name(Disagg d) {
  return d == Disagg::on ? "on" : d == Disagg::off ? "off" : "auto";
}

ojson slo(double s) {
  return s > 0 ? ojson(s) : ojson(nullptr);
}

ojson config_json(const PlanReport& r, const PlanConfig& c) {
  const PlanLayout& L = r.layouts[c.layout];
  const Deployment& d = L.dep;
  ojson j = {{"gpu", d.gpu->id},
             {"weights", d.weights.name()},
             {"kv_dtype", d.kv.name()},
             {"tp", d.tp},
             {"pp", d.pp},
             {"ep", d.ep},
             {"dp_attention", d.dp_attention},
             {"replicas", c.replicas},
             {"num_gpus", c.num_gpus},
             {"disaggregated", c.disaggregated}};
  if (c.disaggregated) {
    const Deployment& dd = r.layouts[c.decode_layout].dep;
    j["prefill_gpus"] = c.prefill_gpus;
    j["decode_gpus"] = c.decode_gpus;
    j["prefill_replicas"] = c.prefill_replicas;
    j["decode_replicas"] = c.decode_replicas;
    j["decode_layout"] = {{"tp", dd.tp}, {"pp", dd.pp}, {"ep", dd.ep}};
    j["kv_transfer_s"] = c.kv_transfer_s;
    j["kv_link"] = L.kv_link ? ojson(L.kv_link->id) : ojson(nullptr);
  } else {
    j["prefill_gpus"] = nullptr;
    j["decode_gpus"] = nullptr;
    j["prefill_replicas"] = nullptr;
    j["decode_replicas"] = nullptr;
    j["decode_layout"] = nullptr;
    j["kv_transfer_s"] = nullptr;
    j["kv_link"] = nullptr;
    j["concurrency_per_replica"] = jcount(r.evals[c.layout].serving.concurrency);
  }
  j["ttft_s"] = c.ttft_s;
  j["tpot_s"] = c.tpot_s;
  j["e2e_s"] = c.e2e_s;
  j["capacity_requests_per_s"] = c.capacity_rps;
  j["headroom_requests_per_s"] = c.headroom_rps;
  j["usd_per_gpu_hour"] = L.usd_per_gpu_hour;
  j["usd_per_hour"] = c.usd_per_hour;
  j["usd_per_million_output_tokens"] = c.usd_per_million_output_tokens;
  j["usd_per_million_input_tokens"] = c.usd_per_million_input_tokens;
  j["output_tokens_per_s_per_user"] = c.output_tokens_per_s_per_user;
  j["output_tokens_per_s_per_gpu"] = c.output_tokens_per_s_per_gpu;
  j["limited_by"] = c.limited_by;
  j["engine"] = d.engine;
  j["price_source"] = L.price_source;
  return j;
}

std::string layout_cell(const PlanReport& r, const PlanConfig& c) {
  const Deployment& d = r.layouts[c.layout].dep;
  auto one = [](const Deployment& x) {
    std::string s = fmt::format("TP{}", x.tp);
    if (x.pp > 1) s += fmt::format(" PP{}", x.pp);
    if (x.ep > 1) s += fmt::format(" EP{}", x.ep);
    return s;
  };
  if (!c.disaggregated) return one(d);
  return fmt::format("P {} x{} / D {} x{}", one(d), c.prefill_replicas, one(r.layouts[c.decode_layout].dep),
                     c.decode_replicas);
}

// The full evaluation of one configuration: its serving point (aggregated) or its two pools.
Table explain_table(const PlanReport& r, const PlanConfig& c, int rank, ojson& out) {
  const PlanLayout& L = r.layouts[c.layout];
  const LayoutEval& e = r.evals[c.layout];
  Table t;
  t.title = fmt::format("Configuration {}: {} {} weights, {} KV, {}", rank, L.dep.gpu->id, L.dep.weights.name(),
                        L.dep.kv.name(), layout_cell(r, c));
  t.columns = {"quantity", "value"};
  t.left_align = {true, true};
  auto row = [&](const std::string& k, const std::string& v) { t.rows.push_back({k, v}); };
  out = ojson::object();
  out["rank"] = rank;
  out["inputs"] = deployment_json(L.dep);
  if (!c.disaggregated) {
    const Serving& s = e.serving;
    out["serving"] = {{"concurrency", jcount(s.concurrency)},
                      {"running", jcount(s.running)},
                      {"max_concurrency_memory", jcount(s.max_concurrency_memory)},
                      {"limited_by", limit_name(s.limited_by)},
                      {"requests_per_s", s.requests_per_s},
                      {"output_tokens_per_s", s.output_tokens_per_s},
                      {"ttft_s", s.ttft_s},
                      {"tpot_s", s.tpot_s},
                      {"e2e_s", s.e2e_s},
                      {"queue_s", s.queue_s},
                      {"prefill_wait_s", s.prefill_wait_s},
                      {"chunk_tokens", s.chunk_tokens},
                      {"prefill_share", s.prefill_share},
                      {"decode_step_s", s.decode.time},
                      {"chunk_step_s", s.step.time},
                      {"decode_bound", bound_name(s.decode.bound)},
                      {"allreduce", s.decode.allreduce}};
    row("per replica: concurrency (closed loop, auto)", fmt_count(s.concurrency));
    row("KV memory holds (requests)", fmt_count(s.max_concurrency_memory));
    row("concurrency limited by", limit_name(s.limited_by));
    row("requests/s per replica", fmt_num(s.requests_per_s, 3));
    row("output tokens/s per replica", fmt_num(s.output_tokens_per_s, 1));
    row("decode step (ms)",
        ms(s.decode.time) + " (" + bound_name(s.decode.bound) + "-bound, " + s.decode.allreduce + ")");
    row("step with a prompt chunk (ms)", ms(s.step.time) + " (" + fmt_count(s.chunk_tokens) + " prompt tokens)");
    row("TTFT (ms)",
        ms(s.ttft_s) + " (queue " + ms(s.queue_s) + ", behind other prompts " + ms(s.prefill_wait_s) + ")");
    row("TPOT (ms)", ms(s.tpot_s));
    row("prefill share of GPU time", fmt_num(s.prefill_share * 100, 1) + "%");
    t.notes.push_back("the same evaluation as `mlcalc throughput -m " + L.dep.arch->id + " -g " + L.dep.gpu->id +
                      fmt::format(" --tp {} --pp {} --ep {} --weights {} --kv-dtype {}", L.dep.tp, L.dep.pp, L.dep.ep,
                                  L.dep.weights.name(), L.dep.kv.name()) +
                      fmt::format(" --input {} --output {}", r.query.input, r.query.output) +
                      " --concurrency auto` with the same SLOs");
  } else {
    const LayoutEval& de = r.evals[c.decode_layout];
    const Deployment& dd = r.layouts[c.decode_layout].dep;
    out["prefill"] = {{"tp", L.dep.tp},
                      {"pp", L.dep.pp},
                      {"replicas", c.prefill_replicas},
                      {"service_s_per_prompt", e.prefill_service_s},
                      {"own_prefill_s", e.prefill_step_s},
                      {"utilization", r.query.request_rate * e.prefill_service_s / c.prefill_replicas},
                      {"kv_transfer_s", e.kv_transfer_s},
                      {"kv_link", L.kv_link ? ojson(L.kv_link->id) : ojson(nullptr)}};
    out["decode"] = {{"tp", dd.tp},
                     {"pp", dd.pp},
                     {"replicas", c.decode_replicas},
                     {"batch", jcount(de.decode_batch)},
                     {"tpot_s", de.decode_tpot_s},
                     {"requests_per_s_per_replica", de.decode_capacity_rps}};
    row("prefill pool", fmt::format("{} replicas of TP{} PP{}", c.prefill_replicas, L.dep.tp, L.dep.pp));
    row("prefill GPU time per prompt (ms)", ms(e.prefill_service_s));
    row("own prefill (ms)", ms(e.prefill_step_s));
    row("prefill utilization", fmt_num(r.query.request_rate * e.prefill_service_s / c.prefill_replicas * 100, 1) + "%");
    row("KV transfer (ms)", ms(e.kv_transfer_s) + (L.kv_link ? " over " + L.kv_link->id : ""));
    row("decode pool", fmt::format("{} replicas of TP{} PP{}", c.decode_replicas, dd.tp, dd.pp));
    row("decode batch per replica", fmt_count(de.decode_batch));
    row("decode step = TPOT (ms)", ms(de.decode_tpot_s));
    row("requests/s per decode replica", fmt_num(de.decode_capacity_rps, 3));
    row("TTFT (ms)", ms(c.ttft_s) + " (M/D/1 wait + own prefill + KV transfer)");
  }
  out["config"] = config_json(r, c);
  return t;
}

}  // namespace

// The per-GPU Pareto fronts (speed per user against throughput per GPU, the plan's two axes of
// cost and experience) with the cheapest plan marked. Here rather than in report_chart.cpp: the
// points are labelled with the plan's layout cell.
Chart to_chart(const PlanReport& r) {
  Chart c;
  const PlanQuery& q = r.query;
  const std::string model = r.layouts.empty() ? "" : r.layouts.front().dep.arch->name;
  c.title = fmt::format("{}: Pareto fronts per GPU", model);
  c.subtitle = fmt::format("{} in / {} out tokens at {} requests/s; every plan meets the SLOs; realistic estimate",
                           fmt_count(q.input), fmt_count(q.output), fmt_num(q.request_rate, 2));
  c.x_label = "output tokens/s per GPU";
  c.y_label = "output tokens/s per user (1 / TPOT)";
  double lo = 0, hi = 0;
  for (const ParetoFront& f : r.pareto) {
    ChartSeries s{f.gpu, {}, {}, {}, false};
    for (const ParetoPoint& p : f.points) {
      if (!(p.tokens_per_s_per_gpu > 0 && p.tokens_per_s_per_user > 0)) continue;
      s.x.push_back(p.tokens_per_s_per_gpu);
      s.y.push_back(p.tokens_per_s_per_user);
      s.labels.push_back(p.config >= 0 ? layout_cell(r, r.all[p.config]) : "");
      lo = lo > 0 ? std::min(lo, p.tokens_per_s_per_gpu) : p.tokens_per_s_per_gpu;
      hi = std::max(hi, p.tokens_per_s_per_gpu);
    }
    if (!s.x.empty()) c.series.push_back(s);
  }
  c.log_x = c.log_y = hi > 20 * lo;  // fronts of different GPUs span decades
  size_t points = 0;
  for (const auto& s : c.series) points += s.x.size();
  if (points > 24)  // past two dozen, layout labels overprint each other: the table has them
    for (auto& s : c.series) s.labels.assign(s.x.size(), "");
  if (!r.configs.empty()) {
    const PlanConfig& best = r.configs.front();
    if (best.output_tokens_per_s_per_gpu > 0 && best.output_tokens_per_s_per_user > 0)
      c.marks.push_back({fmt::format("cheapest: {} {} (${:.2f}/h)", r.layouts[best.layout].dep.gpu->id,
                                     layout_cell(r, best), best.usd_per_hour),
                         best.output_tokens_per_s_per_gpu, best.output_tokens_per_s_per_user});
  }
  return c;
}

Document to_document(const PlanReport& r, int explain) {
  const PlanQuery& q = r.query;
  Document doc;
  doc.command = "plan";
  doc.warnings = r.warnings;
  const std::string model = r.layouts.empty() ? "" : r.layouts.front().dep.arch->id;
  doc.inputs = {{"model", model},
                {"request_rate", q.request_rate},
                {"input_tokens", jcount(q.input)},
                {"output_tokens", jcount(q.output)},
                {"cached_input_fraction", q.cached_input_fraction},
                {"ttft_slo_s", slo(q.ttft_slo_s)},
                {"tpot_slo_s", slo(q.tpot_slo_s)},
                {"e2e_slo_s", slo(q.e2e_slo_s)},
                {"disagg", disagg_name(q.disagg)},
                {"max_gpus", q.max_gpus > 0 ? ojson(q.max_gpus) : ojson(nullptr)},
                {"engine", r.layouts.empty() ? ojson(nullptr) : ojson(r.layouts.front().dep.engine)}};

  Table t;
  t.title = fmt::format("Plans for {} at {:.4g} requests/s, {} in / {} out tokens{}{}, cheapest first", model,
                        q.request_rate, fmt_count(q.input), fmt_count(q.output),
                        q.ttft_slo_s > 0 ? ", TTFT <= " + ms(q.ttft_slo_s) + " ms" : "",
                        q.tpot_slo_s > 0 ? ", TPOT <= " + ms(q.tpot_slo_s) + " ms" : "");
  t.columns = {"#",         "GPU",       "weights",  "KV",     "layout",  "GPUs",   "KV xfer (ms)", "TTFT (ms)",
               "TPOT (ms)", "req/s cap", "headroom", "$/hour", "$/M out", "$/M in", "limited by"};
  t.left_align = {false, true, true, true, true, false, false, false, false, false, false, false, false, false, true};
  ojson configs = ojson::array();
  int rank = 0;
  for (const PlanConfig& c : r.configs) {
    ++rank;
    const Deployment& d = r.layouts[c.layout].dep;
    ojson j = config_json(r, c);
    configs.push_back(j);
    ojson rec = {{"record", "config"}, {"rank", rank}};
    rec.update(j);
    doc.records.push_back(rec);
    t.rows.push_back({std::to_string(rank), d.gpu->id, d.weights.name(), d.kv.name(), layout_cell(r, c),
                      c.disaggregated ? fmt::format("{} ({}+{})", c.num_gpus, c.prefill_gpus, c.decode_gpus)
                                      : fmt::format("{} ({}x{})", c.num_gpus, c.replicas, d.num_gpus()),
                      c.disaggregated ? ms(c.kv_transfer_s) : "-", ms(c.ttft_s), ms(c.tpot_s),
                      fmt_num(c.capacity_rps, 2), fmt_num(c.headroom_rps, 2), fmt_num(c.usd_per_hour, 2),
                      fmt_num(c.usd_per_million_output_tokens, 3), fmt_num(c.usd_per_million_input_tokens, 3),
                      c.limited_by});
  }
  ojson rejected = {{"does_not_fit", r.rejected.does_not_fit},
                    {"misses_ttft", r.rejected.misses_ttft},
                    {"misses_tpot", r.rejected.misses_tpot},
                    {"misses_e2e", r.rejected.misses_e2e},
                    {"over_budget", r.rejected.over_budget}};
  t.notes.push_back(fmt::format(
      "{} candidates ({} layouts through the serving model); rejected: {} do not fit, {} miss TTFT, {} miss TPOT, {} "
      "miss E2E, {} over budget",
      r.candidates, r.layouts_evaluated, r.rejected.does_not_fit, r.rejected.misses_ttft, r.rejected.misses_tpot,
      r.rejected.misses_e2e, r.rejected.over_budget));
  t.notes.push_back(
      "aggregated: each replica is `throughput --concurrency auto` with the same SLOs; disaggregated: P = prefill "
      "pool, D = decode pool, TTFT = queue + prefill + KV transfer (docs/model.md \"Plan\")");
  if (!r.configs.empty()) t.notes.push_back("price: " + r.layouts[r.configs.front().layout].price_source);
  if (!r.problem.empty()) t.notes.push_back(r.problem);

  ojson pareto = ojson::array();
  Table p;
  p.title = "Frontier per GPU: output tokens/s per user against per GPU (none better on both)";
  p.columns = {"GPU", "tok/s/user", "tok/s/GPU", "weights", "KV", "layout", "$/hour"};
  p.left_align = {true, false, false, true, true, true, false};
  for (const ParetoFront& f : r.pareto) {
    ojson pts = ojson::array();
    for (const ParetoPoint& pt : f.points) {
      const PlanConfig& c = r.all[pt.config];
      const Deployment& d = r.layouts[c.layout].dep;
      pts.push_back({{"output_tokens_per_s_per_user", pt.tokens_per_s_per_user},
                     {"output_tokens_per_s_per_gpu", pt.tokens_per_s_per_gpu},
                     {"weights", d.weights.name()},
                     {"kv_dtype", d.kv.name()},
                     {"tp", d.tp},
                     {"pp", d.pp},
                     {"ep", d.ep},
                     {"disaggregated", c.disaggregated},
                     {"usd_per_hour", c.usd_per_hour}});
      p.rows.push_back({f.gpu, fmt_num(pt.tokens_per_s_per_user, 1), fmt_num(pt.tokens_per_s_per_gpu, 1),
                        d.weights.name(), d.kv.name(), layout_cell(r, c), fmt_num(c.usd_per_hour, 2)});
    }
    pareto.push_back({{"gpu", f.gpu}, {"points", pts}});
  }

  doc.result = {{"configs", configs},
                {"pareto", pareto},
                {"rejected", rejected},
                {"candidates", r.candidates},
                {"layouts_evaluated", r.layouts_evaluated},
                {"problem", r.problem.empty() ? ojson(nullptr) : ojson(r.problem)}};
  doc.tables = {t};
  if (explain > 0 && explain <= int(r.configs.size())) {
    ojson ex;
    doc.tables.push_back(explain_table(r, r.configs[explain - 1], explain, ex));
    doc.result["explain"] = ex;
  }
  if (!p.rows.empty()) doc.tables.push_back(p);
  doc.chart = to_chart(r);
  return doc;
}

Document to_document(const TransferReport& r) {
  Document doc;
  doc.command = "transfer";
  const Interconnect& l = *r.link;
  doc.inputs = {{"model", r.model_id},
                {"tokens", jcount(r.tokens)},
                {"kv_dtype", r.kv.name()},
                {"state_dtype", r.state.name()},
                {"link", l.id},
                {"nics", jcount(r.nics)},
                {"block_tokens", jcount(r.block_tokens)}};
  const TransferTime& t = r.time;
  doc.result = {{"kv_bytes", jcount(r.payload.kv_bytes)},
                {"state_bytes", jcount(r.payload.state_bytes)},
                {"bytes", jcount(r.payload.bytes)},
                {"kv_bytes_per_token", r.tokens > 0 ? r.payload.kv_bytes / r.tokens : 0.0},
                {"operations", jcount(r.payload.ops)},
                {"link_bytes_per_s", t.link_bytes_per_s},
                {"bulk_bytes_per_s", t.bulk_bytes_per_s},
                {"bulk_efficiency", kTransferBulkEfficiency},
                {"latency_s", t.latency_s},
                {"op_overhead_s", t.op_overhead_s},
                {"op_overhead_s_each", kTransferOpOverheadS},
                {"time_s", t.time_s},
                {"achieved_bytes_per_s", t.achieved_bytes_per_s}};
  ojson rec = doc.result;
  doc.records.push_back(rec);
  Table tb;
  tb.title = fmt::format("{} KV cache of {} tokens ({} KV) over {} x {}", r.model_name, fmt_count(r.tokens),
                         r.kv.name(), fmt_count(r.nics), l.id);
  tb.columns = {"quantity", "value"};
  tb.left_align = {true, true};
  tb.rows = {{"KV bytes", fmt_count(r.payload.kv_bytes) + fmt::format(" ({:.2f} GiB)", r.payload.kv_bytes / kGiB)},
             {"KV bytes per token", fmt_count(r.tokens > 0 ? r.payload.kv_bytes / r.tokens : 0)},
             {"recurrent state bytes", fmt_count(r.payload.state_bytes)},
             {"RDMA operations (layer x block)", fmt_count(r.payload.ops)},
             {"line rate (GB/s)", fmt_num(t.link_bytes_per_s / kGB, 1)},
             {"bulk rate (GB/s)", fmt_num(t.bulk_bytes_per_s / kGB, 1)},
             {"per-operation overhead (ms)", fmt_num(t.op_overhead_s * 1e3, 3)},
             {"time (ms)", fmt_num(t.time_s * 1e3, 3)},
             {"achieved (GB/s)", fmt_num(t.achieved_bytes_per_s / kGB, 1)}};
  tb.notes.push_back(fmt::format(
      "bulk rate = {:.2f} x line rate (Mooncake Transfer Engine, 87 GB/s on 4 x 200 Gb/s RoCE); {:.2f} us per "
      "operation (DLSlime, 16 KiB RDMA reads on one RoCE v2 NIC); docs/model.md \"KV transfer\"",
      kTransferBulkEfficiency, kTransferOpOverheadS * 1e6));
  doc.tables = {tb};
  return doc;
}

}  // namespace mlcalc
