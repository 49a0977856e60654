#include "cost.hpp"

#include "common.hpp"

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

}  // namespace mlcalc
