#include "cost.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "common.hpp"
#include "serving.hpp"

namespace mlcalc {

CostResult self_hosted_cost(const SelfHosted& s, const Workload& w) {
  if (s.usd_per_hour <= 0 || s.capacity_requests_per_s <= 0 || s.utilization <= 0 || s.utilization > 1)
    throw Error("cost needs a positive price, a positive throughput and a utilization in (0, 1]");
  CostResult r;
  const double served_per_hour = s.capacity_requests_per_s * 3600.0 * s.utilization;
  r.requests_per_month = served_per_hour * kHoursPerMonth;
  const double gpu_per_request = s.usd_per_hour / served_per_hour;
  const double fixed_per_request = s.fixed_usd_per_month / r.requests_per_month;
  r.usd_per_request = gpu_per_request + fixed_per_request;
  r.usd_per_1k_requests = r.usd_per_request * 1000.0;
  r.fixed_usd_per_1k_requests = fixed_per_request * 1000.0;
  // Prefill and decode use GPU time differently: charge each phase's share to its tokens.
  r.usd_per_million_input_tokens = w.input > 0 ? r.usd_per_request * s.prefill_share / w.input * 1e6 : 0;
  r.usd_per_million_output_tokens = w.output > 0 ? r.usd_per_request * (1 - s.prefill_share) / w.output * 1e6 : 0;
  r.usd_per_million_tokens_blended = r.usd_per_request / (w.input + w.output) * 1e6;
  return r;
}

double api_usd_per_request(double usd_per_m_in, double usd_per_m_out, const Workload& w) {
  return (w.input * usd_per_m_in + w.output * usd_per_m_out) / 1e6;
}

std::optional<double> breakeven_utilization(double self_at_full, double api) {
  if (api <= 0) return std::nullopt;
  const double u = self_at_full / api;
  if (u > 1) return std::nullopt;
  return u;
}

const GpuOffer* cheapest_offer(const std::vector<GpuOffer>& offers, const std::string& provider, const std::string& gpu,
                               const std::string& pricing) {
  const GpuOffer* best = nullptr;
  for (const auto& o : offers)
    if (o.provider == provider && o.gpu == gpu && o.pricing == pricing &&
        (!best || o.usd_per_gpu_hour < best->usd_per_gpu_hour))
      best = &o;
  return best;
}

Fleet evaluate_fleet(const Deployment& d, const FleetQuery& q) {
  Fleet f;
  f.dep = d;
  f.query = q;
  f.num_gpus = q.num_gpus > 0 ? q.num_gpus : d.num_gpus();
  if (f.num_gpus % d.num_gpus() != 0)
    throw Error("num-gpus " + std::to_string(f.num_gpus) +
                " is not a multiple of tp x pp = " + std::to_string(d.num_gpus()) + " (one replica)");
  f.replicas = f.num_gpus / d.num_gpus();
  const Workload& w = q.workload;
  std::vector<std::string> long_context;  // with --allow-long-context: nothing more to say than throughput does
  check_context(*d.arch, w.input + w.output, "input + output = " + count_text(w.input + w.output) + " tokens",
                q.allow_long_context, long_context);
  ServingLoad load = serving_load(d, w.input, w.output, q.max_batch);
  load.tpot_slo_s = q.tpot_slo_s, load.ttft_slo_s = q.ttft_slo_s;
  f.serving = evaluate_serving(d, load);
  f.prefill_share =
      f.serving.prefill_share;  // share of GPU time in prefill chunks (docs/model.md "Serving engine model")
  if (q.measured_tokens_per_s > 0) {
    f.output_tokens_per_s = q.measured_tokens_per_s;
    f.throughput_source = "--tokens-per-s (measured, whole setup)";
    return f;
  }
  if (!f.serving.fits) throw Error("the model does not fit: " + f.serving.problem);
  if (!f.serving.feasible) throw Error(f.serving.problem);
  f.output_tokens_per_s = f.serving.output_tokens_per_s * f.replicas;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", f.serving.output_tokens_per_s);
  f.throughput_source = std::string("mlcalc throughput --concurrency auto (") +
                        (d.mode == Mode::roofline ? "roofline" : "realistic") +
                        " mode): " + count_text(f.serving.concurrency) + " requests in flight per replica, " + buf +
                        " output tok/s per replica x " + std::to_string(f.replicas) + " replicas";
  return f;
}

SelfHosted self_hosted(const Fleet& f, double utilization) {
  SelfHosted s;
  s.usd_per_hour = f.query.usd_per_gpu_hour * f.num_gpus;
  s.capacity_requests_per_s = f.output_tokens_per_s / f.query.workload.output;
  s.utilization = utilization;
  s.prefill_share = f.prefill_share;
  s.fixed_usd_per_month = f.query.fixed_usd_per_month;
  return s;
}

CostReport evaluate_cost(const Fleet& f, double utilization, double requests_per_day,
                         const std::vector<ApiOffer>& offers) {
  CostReport r;
  r.fleet = f;
  const Workload& w = f.query.workload;
  r.utilization = utilization;
  r.utilization_source = "--utilization";
  r.capacity_requests_per_day = f.output_tokens_per_s / w.output * 86400.0;
  if (requests_per_day > 0) {
    r.utilization = requests_per_day / r.capacity_requests_per_day;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.0f", r.capacity_requests_per_day);
    r.utilization_source =
        "--requests-per-day " + count_text(requests_per_day) + " of a capacity of " + buf + " requests/day";
    if (r.utilization > 1) {
      r.warnings.push_back(count_text(requests_per_day) + " requests/day exceed this setup's capacity of " + buf +
                           "/day: it needs about " + count_text(std::ceil(r.utilization) * f.num_gpus) +
                           " GPUs; cost shown at 100% utilization");
      r.utilization = 1;
    }
  }
  r.cost = self_hosted_cost(self_hosted(f, r.utilization), w);
  for (const auto& off : offers) {
    if (off.model != f.dep.arch->id) continue;
    ApiComparison c;
    c.offer = off;
    c.usd_per_1k_requests = api_usd_per_request(off.usd_per_million_input, off.usd_per_million_output, w) * 1000.0;
    c.ratio = r.cost.usd_per_1k_requests / c.usd_per_1k_requests;
    r.apis.push_back(c);
  }
  return r;
}

BreakevenReport evaluate_breakeven(const Fleet& f, const ApiPrice& api) {
  BreakevenReport r;
  r.fleet = f;
  r.api = api;
  const Workload& w = f.query.workload;
  const double api_req = api_usd_per_request(api.usd_per_million_input, api.usd_per_million_output, w);
  const CostResult full = self_hosted_cost(self_hosted(f, 1.0), w);
  const double capacity_rps = f.output_tokens_per_s / w.output;
  if (const auto be = breakeven_utilization(full.usd_per_request, api_req)) {
    r.utilization = *be;
    r.requests_per_day = *be * capacity_rps * 86400.0;
    r.tokens_per_month = *be * capacity_rps * 3600.0 * kHoursPerMonth * (w.input + w.output);
  }
  r.self_hosted_usd_per_1k_requests_at_full = full.usd_per_1k_requests;
  r.api_usd_per_1k_requests = api_req * 1000.0;
  for (int i = 1; i <= 20; ++i) {
    BreakevenPoint p;
    p.utilization = i * 0.05;
    p.self_hosted_usd_per_1k_requests = full.usd_per_1k_requests / p.utilization;  // cost scales as 1/utilization
    p.api_usd_per_1k_requests = r.api_usd_per_1k_requests;
    p.self_hosted_cheaper = p.self_hosted_usd_per_1k_requests < p.api_usd_per_1k_requests;
    r.curve.push_back(p);
  }
  return r;
}

}  // namespace mlcalc
