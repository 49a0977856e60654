// What `throughput` reports: a static-batch sweep and, optionally, steady-state serving.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "inference.hpp"
#include "serving.hpp"

namespace mlcalc {

/// A throughput question about one deployment.
struct ThroughputQuery {
  std::vector<double> batches{1};         ///< static batch sizes to evaluate
  double input = 128, output = 1;         ///< tokens per request
  bool serve = false;                     ///< also evaluate serving (closed loop, or open loop with request_rate)
  double concurrency = 0;                 ///< closed loop: clients; 0 = auto (the most that fit and meet the SLOs)
  double request_rate = 0;                ///< open loop: Poisson arrivals per second (0 = closed loop)
  double max_batch = -1;                  ///< engine cap on running requests; < 0 = the engine's
  double tpot_slo_s = 0, ttft_slo_s = 0;  ///< 0 = no target
  bool explain = false;                   ///< keep per-step terms for the report
  bool allow_long_context = false;        ///< evaluate contexts beyond the model's max_position_embeddings
};

/// One row per batch, and the serving point when asked.
struct ThroughputReport {
  Deployment dep;
  ThroughputQuery query;
  std::vector<BatchRow> rows;
  std::optional<Serving> serving;
  ServingLoad load;     ///< the load the serving point was evaluated for
  bool all_fit = true;  ///< every row and the serving point fit in memory
  std::vector<std::string> warnings;
};
ThroughputReport evaluate_throughput(const Deployment& d, const ThroughputQuery& q);

}  // namespace mlcalc
