// cost and breakeven: self-hosted $ against API prices.
#include <fmt/format.h>

#include "common.hpp"
#include "report.hpp"

namespace mlcalc {

namespace {

ojson fleet_json(const Fleet& f) {
  return {{"num_gpus", f.num_gpus},
          {"replicas", f.replicas},
          {"usd_per_gpu_hour", f.query.usd_per_gpu_hour},
          {"usd_per_hour", f.query.usd_per_gpu_hour * f.num_gpus},
          {"price_source", f.query.price_source},
          {"output_tokens_per_s", f.output_tokens_per_s},
          {"throughput_source", f.throughput_source},
          {"prefill_share", f.prefill_share},
          {"concurrency_per_replica", jcount(f.serving.concurrency)}};
}

ojson fleet_inputs(const Fleet& f) {
  ojson in = deployment_json(f.dep);
  in["input_tokens"] = jcount(f.query.workload.input);
  in["output_tokens"] = jcount(f.query.workload.output);
  in["input"] = jcount(f.query.workload.input);  // the workload, under the names the flags have
  in["output"] = jcount(f.query.workload.output);
  in["num_gpus"] = f.num_gpus;
  in["fixed_monthly_usd"] = f.query.fixed_usd_per_month;
  return in;
}

}  // namespace

Document to_document(const CostReport& r) {
  const Fleet& f = r.fleet;
  const CostResult& c = r.cost;
  const Workload& w = f.query.workload;
  Document doc;
  doc.command = "cost";
  doc.warnings = r.warnings;
  ojson sh = fleet_json(f);
  sh["utilization"] = r.utilization;
  sh["utilization_source"] = r.utilization_source;
  sh["usd_per_million_output_tokens"] = c.usd_per_million_output_tokens;
  sh["usd_per_million_input_tokens"] = c.usd_per_million_input_tokens;
  sh["usd_per_million_tokens_blended"] = c.usd_per_million_tokens_blended;
  sh["usd_per_1k_requests"] = c.usd_per_1k_requests;
  sh["fixed_usd_per_1k_requests"] = c.fixed_usd_per_1k_requests;
  sh["requests_per_month"] = c.requests_per_month;
  sh["capacity_requests_per_day"] = r.capacity_requests_per_day;

  Table t;
  t.title =
      fmt::format("Self-hosted {} on {} x {} at ${:.2f}/GPU-h, {:.0f}% utilization, {} in / {} out tokens per request",
                  f.dep.arch->name, f.num_gpus, f.dep.gpu->id, f.query.usd_per_gpu_hour, r.utilization * 100,
                  fmt_count(w.input), fmt_count(w.output));
  t.columns = {"quantity", "value"};
  t.left_align = {true, true};
  t.rows = {{"output tokens/s (100% busy)", fmt_num(f.output_tokens_per_s, 1)},
            {"$ per million output tokens", fmt_num(c.usd_per_million_output_tokens, 4)},
            {"$ per million input tokens", fmt_num(c.usd_per_million_input_tokens, 4)},
            {"$ per 1k requests", fmt_num(c.usd_per_1k_requests, 4)},
            {"prefill share of GPU time", fmt_num(f.prefill_share * 100, 1) + "%"}};
  if (f.query.fixed_usd_per_month > 0)
    t.rows.push_back({"of which fixed costs ($ per 1k requests)", fmt_num(c.fixed_usd_per_1k_requests, 4)});
  t.notes.push_back("throughput: " + f.throughput_source);
  t.notes.push_back("price: " + f.query.price_source);

  ojson apis = ojson::array();
  Table a;
  a.title = "API offers for the same workload";
  a.columns = {"provider", "$/M in", "$/M out", "$ per 1k requests", "self-hosted / API", "as of"};
  a.wide = {false, true, true, false, false, true};
  for (const ApiComparison& x : r.apis) {
    const ApiOffer& off = x.offer;
    apis.push_back({{"provider", off.provider},
                    {"usd_per_million_input", off.usd_per_million_input},
                    {"usd_per_million_output", off.usd_per_million_output},
                    {"usd_per_1k_requests", x.usd_per_1k_requests},
                    {"ratio", x.ratio},
                    {"as_of", off.as_of},
                    {"notes", off.notes},
                    {"source", off.source}});
    a.rows.push_back({off.provider + (off.notes.empty() ? "" : " (" + off.notes.substr(0, 40) + ")"),
                      fmt_num(off.usd_per_million_input, 3), fmt_num(off.usd_per_million_output, 3),
                      fmt_num(x.usd_per_1k_requests, 4), fmt_num(x.ratio, 2) + "x", off.as_of});
  }
  if (apis.empty())
    t.notes.push_back("no API offers for " + f.dep.arch->id + " in the database (add your own with --db)");
  doc.tables = {t};
  if (!apis.empty()) doc.tables.push_back(a);
  doc.result = {{"self_hosted", sh}, {"api", apis}};
  if (apis.empty()) doc.result["note"] = "no API offers for this model in the database";
  ojson x = {{"record", "self_hosted"}};
  x.update(sh);
  doc.records.push_back(x);
  for (const auto& api : apis) {
    ojson y = {{"record", "api"}};
    y.update(api);
    doc.records.push_back(y);
  }
  doc.inputs = fleet_inputs(f);
  return doc;
}

Document to_document(const BreakevenReport& r) {
  const Fleet& f = r.fleet;
  const Workload& w = f.query.workload;
  Document doc;
  doc.command = "breakeven";
  ojson& res = doc.result;
  res["breakeven_utilization"] = jopt(r.utilization);
  res["breakeven_requests_per_day"] = jopt(r.requests_per_day);
  res["breakeven_tokens_per_month"] = jopt(r.tokens_per_month);
  res["self_hosted_usd_per_1k_requests_at_full_utilization"] = r.self_hosted_usd_per_1k_requests_at_full;
  res["api_usd_per_1k_requests"] = r.api_usd_per_1k_requests;
  res["api"] = {{"name", r.api.name},
                {"usd_per_million_input", r.api.usd_per_million_input},
                {"usd_per_million_output", r.api.usd_per_million_output}};
  res["self_hosted"] = fleet_json(f);
  ojson point = {{"record", "breakeven"}};
  point.update(res);
  doc.records.push_back(point);
  ojson curve = ojson::array();
  Table t;
  t.title =
      fmt::format("Break-even: {} on {} x {} at ${:.2f}/GPU-h vs {} (${}/M in, ${}/M out), {} in / {} out tokens",
                  f.dep.arch->name, f.num_gpus, f.dep.gpu->id, f.query.usd_per_gpu_hour, r.api.name,
                  r.api.usd_per_million_input, r.api.usd_per_million_output, fmt_count(w.input), fmt_count(w.output));
  t.columns = {"utilization", "self-hosted $/1k req", "API $/1k req", "cheaper"};
  for (const BreakevenPoint& p : r.curve) {
    ojson j = {{"utilization", p.utilization},
               {"self_hosted_usd_per_1k_requests", p.self_hosted_usd_per_1k_requests},
               {"api_usd_per_1k_requests", p.api_usd_per_1k_requests},
               {"cheaper", p.self_hosted_cheaper ? "self-hosted" : "api"}};
    curve.push_back(j);
    ojson rec = {{"record", "curve"}};
    rec.update(j);
    doc.records.push_back(rec);
    t.rows.push_back({fmt_num(p.utilization * 100, 0) + "%", fmt_num(p.self_hosted_usd_per_1k_requests, 4),
                      fmt_num(p.api_usd_per_1k_requests, 4), p.self_hosted_cheaper ? "self-hosted" : "API"});
  }
  res["curve"] = curve;
  t.notes.push_back(
      r.utilization ? fmt::format("break-even at {:.1f}% utilization = {:.0f} requests/day = {:.3g} tokens/month",
                                  *r.utilization * 100, *r.requests_per_day, *r.tokens_per_month)
                    : std::string("break-even: never (self-hosting costs more than the API even at 100% utilization)"));
  t.notes.push_back("throughput: " + f.throughput_source);
  t.notes.push_back("price: " + f.query.price_source);
  if (f.query.fixed_usd_per_month > 0)
    t.notes.push_back(fmt::format("includes fixed costs of ${:.0f}/month", f.query.fixed_usd_per_month));
  doc.tables = {t};
  doc.inputs = fleet_inputs(f);
  doc.chart = to_chart(r);
  return doc;
}

}  // namespace mlcalc
