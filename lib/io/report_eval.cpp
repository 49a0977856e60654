// eval: one scorecard per endpoint, side by side, with mlcalc's prediction where asked.
#include <algorithm>
#include <fmt/format.h>
#include <set>

#include "common.hpp"
#include "report.hpp"

namespace mlcalc {

namespace {

ojson opt(const std::optional<double>& v) {
  return v ? ojson(*v) : ojson(nullptr);
}

std::string ms(const std::optional<double>& v) {
  return v ? fmt_num(*v * 1e3, 1) : std::string("-");
}

std::string pct(const std::optional<double>& v) {
  return v ? fmt_num(*v * 100, 1) + "%" : std::string("-");
}

}  // namespace

Document to_document(const EvalReport& r) {
  Document doc;
  doc.command = "eval";
  doc.warnings = r.warnings;
  doc.inputs = {{"suite", r.suite},
                {"suite_items", r.suite_items},
                {"concurrency", r.concurrency},
                {"refusal_patterns", r.refusal_patterns},
                {"out", r.out_path.empty() ? ojson(nullptr) : ojson(r.out_path)}};
  ojson eps = ojson::array();
  Table t;
  t.title = fmt::format("Scorecard: suite {} ({} items), concurrency {}; measured on the live endpoints", r.suite,
                        r.suite_items, fmt_count(r.concurrency));
  t.columns = {"quantity"};
  t.left_align = {true};
  std::vector<std::vector<std::string>> rows = {{"model"},
                                                {"requests (completed / sent)"},
                                                {"accuracy"},
                                                {"refusal rate"},
                                                {"TTFT p50 / p90 / p99 (ms)"},
                                                {"ITL p50 / p90 / p99 (ms)"},
                                                {"output tok/s per request (median)"},
                                                {"output tok/s aggregate"},
                                                {"retries"},
                                                {"errors"},
                                                {"$ per 1k requests"}};
  std::set<std::string> kinds;
  for (const auto& s : r.endpoints)
    for (const auto& [k, _] : s.by_kind) kinds.insert(k);
  for (const auto& k : kinds) rows.push_back({"  accuracy: " + k});
  const bool any_pred =
      std::any_of(r.predicted.begin(), r.predicted.end(), [](const auto& p) { return p.has_value(); });
  if (any_pred) {
    rows.push_back({"predicted TTFT (ms)"});
    rows.push_back({"predicted TPOT (ms)"});
  }
  for (size_t i = 0; i < r.endpoints.size(); ++i) {
    const Scorecard& s = r.endpoints[i];
    ojson errors = ojson::object();
    std::string err_text;
    for (const auto& [k, n] : s.errors)
      errors[k] = n, err_text += (err_text.empty() ? "" : ", ") + fmt::format("{} {}", k, n);
    ojson by_kind = ojson::object();
    for (const auto& [k, cn] : s.by_kind)
      by_kind[k] = cn.second > 0 ? ojson(double(cn.first) / cn.second) : ojson(nullptr);
    ojson e = {{"endpoint", s.endpoint},
               {"model", s.model},
               {"requests", s.requests},
               {"completed", s.completed},
               {"accuracy", opt(s.accuracy)},
               {"accuracy_by_kind", by_kind},
               {"refusal_rate", opt(s.refusal_rate)},
               {"ttft_p50_s", opt(s.ttft_p50)},
               {"ttft_p90_s", opt(s.ttft_p90)},
               {"ttft_p99_s", opt(s.ttft_p99)},
               {"itl_p50_s", opt(s.itl_p50)},
               {"itl_p90_s", opt(s.itl_p90)},
               {"itl_p99_s", opt(s.itl_p99)},
               {"e2e_p50_s", opt(s.e2e_p50)},
               {"output_tokens_per_s", opt(s.output_tokens_per_s)},
               {"output_tokens_per_s_per_request", opt(s.output_tokens_per_s_request)},
               {"prompt_tokens", s.prompt_tokens},
               {"completion_tokens", s.completion_tokens},
               {"usage_reported", s.usage_complete},
               {"retries", s.retries},
               {"errors", errors},
               {"usd_per_1k_requests", opt(s.usd_per_1k_requests)},
               {"wall_s", s.wall_s},
               {"interrupted", s.interrupted}};
    const auto& p = i < r.predicted.size() ? r.predicted[i] : std::nullopt;
    if (p)
      e["predicted"] = {{"model", p->model},
                        {"gpu", p->gpu},
                        {"tp", p->tp},
                        {"engine", p->engine},
                        {"concurrency", p->concurrency},
                        {"input_tokens", p->input},
                        {"output_tokens", p->output},
                        {"ttft_s", p->ttft_s},
                        {"tpot_s", p->tpot_s},
                        {"fits", p->fits}};
    eps.push_back(e);
    t.columns.push_back(s.endpoint);
    t.left_align.push_back(false);
    size_t k = 0;
    rows[k++].push_back(s.model);
    rows[k++].push_back(fmt::format("{} / {}", s.completed, s.requests));
    rows[k++].push_back(pct(s.accuracy));
    rows[k++].push_back(pct(s.refusal_rate));
    rows[k++].push_back(ms(s.ttft_p50) + " / " + ms(s.ttft_p90) + " / " + ms(s.ttft_p99));
    rows[k++].push_back(ms(s.itl_p50) + " / " + ms(s.itl_p90) + " / " + ms(s.itl_p99));
    rows[k++].push_back(s.output_tokens_per_s_request ? fmt_num(*s.output_tokens_per_s_request, 1) : "-");
    rows[k++].push_back(s.output_tokens_per_s ? fmt_num(*s.output_tokens_per_s, 1) : "-");
    rows[k++].push_back(std::to_string(s.retries));
    rows[k++].push_back(err_text.empty() ? "none" : err_text);
    rows[k++].push_back(s.usd_per_1k_requests ? fmt_num(*s.usd_per_1k_requests, 4) : "unknown (no price)");
    for (const auto& kind : kinds) {
      auto it = s.by_kind.find(kind);
      rows[k++].push_back(it == s.by_kind.end() || it->second.second == 0
                              ? "-"
                              : fmt::format("{:.0f}% ({}/{})", 100.0 * it->second.first / it->second.second,
                                            it->second.first, it->second.second));
    }
    if (any_pred) {
      rows[k++].push_back(p ? fmt_num(p->ttft_s * 1e3, 1) : "-");
      rows[k++].push_back(p ? fmt_num(p->tpot_s * 1e3, 1) : "-");
    }
  }
  t.rows = rows;
  t.notes.push_back(
      "TTFT: request sent to the first content token; ITL: gaps between streamed content chunks; "
      "percentiles by linear interpolation (numpy's default)");
  if (any_pred)
    t.notes.push_back(
        "predicted: mlcalc throughput (realistic, closed loop at the same concurrency and the measured "
        "mean prompt and completion tokens) for the --predict deployment: an estimate to hold the "
        "measurement against");
  doc.tables = {t};
  doc.result = {{"endpoints", eps}};
  doc.records = eps;
  return doc;
}

}  // namespace mlcalc
