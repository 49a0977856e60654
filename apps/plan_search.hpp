// The candidate layouts and the query of `plan`, shared by the command and the bench.
#pragma once
#include <string>
#include <vector>

#include "cli.hpp"
#include "plan.hpp"

namespace mlcalc::cli {

/// What `plan` was asked (flags as typed).
struct PlanOptions {
  std::string model, gpus, weights, kv, engine, provider, pricing = "on-demand", disagg = "auto";
  std::vector<double> tp, pp, ep;
  double input = 1000, output = 500, cached = 0, rate = 0, tokens_per_day = 0, gpu_price = 0;
  double ttft = 0, tpot = 0, e2e = 0, max_gpus = 0, top = 10, explain = 0;
  int threads = 0;
  bool check = false, allow_long_context = false;
};

/// The query (rate from --request-rate or --tokens-per-day, SLOs, limits); throws Error on bad usage.
PlanQuery plan_query(const PlanOptions& o);
/// Every candidate layout with its price (GPUs x weights x KV x TP x PP x EP that the model allows);
/// warnings about the inputs go to ctx.
std::vector<PlanLayout> plan_layouts(Context& ctx, const PlanOptions& o);

}  // namespace mlcalc::cli
