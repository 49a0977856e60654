// Cost arithmetic: self-hosted $ per token and per request at a utilization, API cost of a
// workload, break-even, and the reports of `cost` and `breakeven`. Pure functions; prices come
// from the caller. docs/model.md "Cost".
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "inference.hpp"
#include "serving.hpp"
#include "prices.hpp"

namespace mlcalc {

inline constexpr double kHoursPerMonth = 730.0;  ///< 8760 h / 12 (silybench-data cost.json, case C-06)

/// A workload: tokens per request.
struct Workload {
  double input = 0, output = 0;
};

/// Self-hosted serving economics of a fleet.
struct SelfHosted {
  double usd_per_hour = 0;             ///< all GPUs of the fleet
  double capacity_requests_per_s = 0;  ///< at 100% utilization
  double utilization = 1;              ///< fraction of capacity used by traffic (0, 1]
  double prefill_share = 0;            ///< fraction of GPU time spent on prefill (input tokens)
  double fixed_usd_per_month = 0;      ///< staff, storage: paid whatever the traffic
};

struct CostResult {
  double usd_per_request = 0;
  double usd_per_1k_requests = 0;
  double usd_per_million_input_tokens = 0;    ///< prefill GPU time charged to input tokens
  double usd_per_million_output_tokens = 0;   ///< decode GPU time charged to output tokens
  double usd_per_million_tokens_blended = 0;  ///< all cost over all tokens
  double fixed_usd_per_1k_requests = 0;       ///< the part of usd_per_1k_requests from fixed costs
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
inline double gpu_hours_cost(double gpu_hours, double usd_per_gpu_hour) {
  return gpu_hours * usd_per_gpu_hour;
}

/// The cheapest offer of `provider` for `gpu` at `pricing`, or nullptr.
const GpuOffer* cheapest_offer(const std::vector<GpuOffer>& offers, const std::string& provider, const std::string& gpu,
                               const std::string& pricing);

/// A fleet of replicas of one deployment and what it costs per hour.
struct FleetQuery {
  int num_gpus = 0;  ///< GPUs in the fleet; 0 = one replica
  double usd_per_gpu_hour = 0;
  std::string price_source;
  Workload workload{1000, 500};
  double max_batch = -1, tpot_slo_s = 0, ttft_slo_s = 0;  ///< max_batch < 0 = the engine's
  double measured_tokens_per_s = 0;  ///< > 0: the user's measured output tokens/s of the whole fleet
  double fixed_usd_per_month = 0;
  bool allow_long_context = false;  ///< evaluate input + output beyond the model's max_position_embeddings
};

/// Throughput and price of the fleet at 100% utilization.
struct Fleet {
  Deployment dep;
  FleetQuery query;
  int replicas = 1, num_gpus = 1;
  double output_tokens_per_s = 0;  ///< whole fleet, at 100% utilization
  std::string throughput_source;
  double prefill_share = 0;  ///< fraction of GPU time spent on prompts
  Serving serving;           ///< one replica at steady state
};
/// Throws Error when num_gpus is not a multiple of a replica, or nothing can be served.
Fleet evaluate_fleet(const Deployment& d, const FleetQuery& q);
/// The fleet's economics at `utilization`.
SelfHosted self_hosted(const Fleet& f, double utilization);

/// One API offer against the self-hosted cost.
struct ApiComparison {
  ApiOffer offer;
  double usd_per_1k_requests = 0;
  double ratio = 0;  ///< self-hosted / API
};

/// What `cost` reports.
struct CostReport {
  Fleet fleet;
  double utilization = 1;
  std::string utilization_source;
  double capacity_requests_per_day = 0;
  CostResult cost;
  std::vector<ApiComparison> apis;  ///< offers for the same model
  std::vector<std::string> warnings;
};
/// `requests_per_day` > 0 sets the utilization (capped at 1, with a warning).
CostReport evaluate_cost(const Fleet& f, double utilization, double requests_per_day,
                         const std::vector<ApiOffer>& offers);

/// An API price to compare with.
struct ApiPrice {
  std::string name;
  double usd_per_million_input = 0, usd_per_million_output = 0;
};

/// One point of the break-even curve.
struct BreakevenPoint {
  double utilization = 0, self_hosted_usd_per_1k_requests = 0, api_usd_per_1k_requests = 0;
  bool self_hosted_cheaper = false;
};

/// What `breakeven` reports; the optionals are empty when self-hosting never pays.
struct BreakevenReport {
  Fleet fleet;
  ApiPrice api;
  std::optional<double> utilization, requests_per_day, tokens_per_month;
  double self_hosted_usd_per_1k_requests_at_full = 0, api_usd_per_1k_requests = 0;
  std::vector<BreakevenPoint> curve;  ///< 5%, 10%, ... 100%
  std::vector<ApiOffer> offers;       ///< other API offers for the model (drawn beside `api` in the chart)
};
BreakevenReport evaluate_breakeven(const Fleet& f, const ApiPrice& api);

}  // namespace mlcalc
