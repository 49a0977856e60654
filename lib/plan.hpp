// Fleet sizing and deployment search: every candidate layout (GPU x weights x KV dtype x TP/PP/EP)
// is served by the same steady-state model as `throughput --concurrency auto` (serving.hpp), sized
// to a request rate under TTFT/TPOT/E2E targets, priced, and ranked by $ per hour; disaggregated
// plans pair a prefill pool and a decode pool of the same GPU and precision, each with its own
// layout, with the prompt's KV cache moved between them (transfer.hpp). docs/model.md "Plan".
#pragma once
#include <string>
#include <vector>

#include "inference.hpp"
#include "serving.hpp"
#include "transfer.hpp"

namespace mlcalc {

/// One layout of one GPU at a price: what the search evaluates.
struct PlanLayout {
  Deployment dep;
  double usd_per_gpu_hour = 0;
  std::string price_source;
  const Interconnect* kv_link = nullptr;  ///< link a disaggregated plan moves KV over (nullptr: none known)
};

enum class Disagg { off, on, automatic };

/// What is asked of the fleet.
struct PlanQuery {
  double input = 1000, output = 500;                     ///< tokens per request
  double cached_input_fraction = 0;                      ///< prompt tokens served from the prefix cache (skip prefill)
  double request_rate = 1;                               ///< requests per second the fleet must sustain
  double ttft_slo_s = 0, tpot_slo_s = 0, e2e_slo_s = 0;  ///< 0 = none
  Disagg disagg = Disagg::automatic;
  int max_gpus = 0;  ///< 0 = no limit
  int top = 10;      ///< configs reported
  int threads = 0;   ///< 0 = the machine's cores
};

/// Why a candidate was rejected.
enum class Reject { none, does_not_fit, misses_ttft, misses_tpot, misses_e2e, over_budget };
/// "does-not-fit" | "misses-ttft" | "misses-tpot" | "misses-e2e" | "over-budget".
const char* reject_name(Reject r);

/// One layout served on its own (aggregated) or as one pool of a disaggregated plan.
struct LayoutEval {
  Reject reject = Reject::none;
  std::string problem;      ///< why it was rejected (from the serving model)
  double miss_ratio = 0;    ///< achieved / target of what it misses (>= 1); memory: need / have
  Serving serving;          ///< aggregated: the `throughput --concurrency auto` point
  double capacity_rps = 0;  ///< requests/s one replica sustains
  // Disaggregated pools (filled when the layout fits):
  double prefill_service_s = 0;        ///< prefill GPU time per prompt (budget-sized batches)
  double prefill_step_s = 0;           ///< one prompt's own prefill (its step or steps)
  double decode_batch = 0;             ///< running sequences per decode replica (largest under the TPOT target)
  double decode_tpot_s = 0;            ///< decode step at that batch
  double decode_capacity_rps = 0;      ///< requests/s one decode replica sustains
  Limit decode_limit = Limit::memory;  ///< what set decode_batch: the TPOT target, KV memory or an engine cap
  double kv_transfer_s = 0;            ///< moving one prompt's KV from this layout's GPUs (as prefill)
};

/// A ranked plan.
struct PlanConfig {
  int layout = -1;         ///< index in the layouts (aggregated, or the prefill pool)
  int decode_layout = -1;  ///< disaggregated: the decode pool's layout
  bool disaggregated = false;
  int replicas = 0;  ///< aggregated replicas (disaggregated: prefill + decode replicas)
  int prefill_replicas = 0, decode_replicas = 0;
  int num_gpus = 0, prefill_gpus = 0, decode_gpus = 0;
  double kv_transfer_s = 0;
  double ttft_s = 0, tpot_s = 0, e2e_s = 0;
  double capacity_rps = 0;  ///< requests/s the whole fleet sustains
  double headroom_rps = 0;  ///< capacity - request rate
  double usd_per_hour = 0;
  double usd_per_million_output_tokens = 0, usd_per_million_input_tokens = 0;
  double output_tokens_per_s_per_user = 0;  ///< 1 / TPOT
  double output_tokens_per_s_per_gpu = 0;   ///< at the replica's capacity
  const char* limited_by = "";              ///< what bounds a replica: a serving limit's name (limit_name)
};

/// One point of a GPU's frontier.
struct ParetoPoint {
  double tokens_per_s_per_user = 0, tokens_per_s_per_gpu = 0;
  int config = -1;  ///< index in PlanReport::all
};
struct ParetoFront {
  std::string gpu;
  std::vector<ParetoPoint> points;  ///< fastest per user first; none dominated
};

struct RejectCounts {
  long does_not_fit = 0, misses_ttft = 0, misses_tpot = 0, misses_e2e = 0, over_budget = 0;
};

/// What `plan` reports.
struct PlanReport {
  PlanQuery query;
  std::vector<PlanLayout> layouts;
  std::vector<LayoutEval> evals;    ///< one per layout
  std::vector<PlanConfig> configs;  ///< ranked, cheapest first, at most query.top
  std::vector<PlanConfig> all;      ///< every feasible plan the frontier was built from (ranked)
  std::vector<ParetoFront> pareto;
  RejectCounts rejected;
  long candidates = 0;         ///< plans evaluated (aggregated layouts + prefill x decode pairs)
  long layouts_evaluated = 0;  ///< layouts through the serving model
  std::string problem;         ///< when nothing qualifies: why, with the closest candidate
  std::vector<std::string> warnings;
};

/// Evaluates every layout and pairing, ranks the feasible plans by $/hour (then $/M output
/// tokens). Never throws for an unservable workload: `configs` is empty and `problem` says why.
PlanReport evaluate_plan(const std::vector<PlanLayout>& layouts, const PlanQuery& q);

/// The serving load `plan` and `throughput --concurrency auto` share for a layout.
ServingLoad plan_load(const Deployment& d, const PlanQuery& q);

}  // namespace mlcalc
