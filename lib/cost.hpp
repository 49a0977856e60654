// Cost arithmetic: self-hosted $ per token and per request at a utilization, API cost of a
// workload, break-even. Pure functions; prices come from the caller. ../shared/MODELING.md "Cost".
#pragma once
#include <optional>
#include <vector>

namespace mlcalc {

inline constexpr double kHoursPerMonth = 730.0;  ///< 8760 h / 12 (silybench-data cost.json, case C-06)

/// A workload: tokens per request.
struct Workload {
  double input = 0, output = 0;
};

/// Self-hosted serving economics of a fleet.
struct SelfHosted {
  double usd_per_hour = 0;            ///< all GPUs of the fleet
  double capacity_requests_per_s = 0; ///< at 100% utilization
  double utilization = 1;             ///< fraction of capacity used by traffic (0, 1]
  double prefill_share = 0;           ///< fraction of GPU time spent on prefill (input tokens)
  double fixed_usd_per_month = 0;     ///< staff, storage: paid whatever the traffic
};

struct CostResult {
  double usd_per_request = 0;
  double usd_per_1k_requests = 0;
  double usd_per_million_input_tokens = 0;   ///< prefill GPU time charged to input tokens
  double usd_per_million_output_tokens = 0;  ///< decode GPU time charged to output tokens
  double usd_per_million_tokens_blended = 0; ///< all cost over all tokens
  double fixed_usd_per_1k_requests = 0;      ///< the part of usd_per_1k_requests from fixed costs
  double requests_per_month = 0;
};

/// cost per request = ($/h + fixed/730) / (requests/s * 3600 * utilization)  (case C-06).
CostResult self_hosted_cost(const SelfHosted& s, const Workload& w);

/// API cost of one request: (input * $in + output * $out) / 1e6  (case C-07).
double api_usd_per_request(double usd_per_m_in, double usd_per_m_out, const Workload& w);

/// Break-even utilization: self-hosted cost at 100% over the API cost (cost scales as 1/u);
/// nullopt when it is above 1 (self-hosting never pays).
std::optional<double> breakeven_utilization(double self_usd_per_request_at_full, double api_usd_per_request);

/// Training or batch-job cost: GPU-hours x price (case C-01).
inline double gpu_hours_cost(double gpu_hours, double usd_per_gpu_hour) { return gpu_hours * usd_per_gpu_hour; }

}  // namespace mlcalc
