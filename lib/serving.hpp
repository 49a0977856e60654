// Serving one model replica with an engine's scheduler: chunked prefill under a token budget per
// step, closed-loop fixed concurrency (genai-perf, benchmark_serving --max-concurrency) and
// open-loop Poisson arrivals (--request-rate), the KV-capacity and max-batch caps, and latency SLOs.
// Formulas and sources: docs/model.md "Serving engine model".
#pragma once
#include <string>

#include "engine.hpp"
#include "inference.hpp"

namespace mlcalc {

/// What is asked of the replica.
struct ServingLoad {
  double input = 0, output = 1;  ///< prompt and generated tokens per request
  double cached_input = 0;       ///< prompt tokens per request found in the prefix cache (not prefilled)
  double concurrency = 0;        ///< closed loop: clients, each sending its next request when the last ends; 0 = auto
  double request_rate = 0;       ///< open loop: Poisson arrivals per second (0 = closed loop)
  double max_batch = 256;        ///< engine cap on running sequences (max_num_seqs); 0 = none
  double max_batched_tokens = 8192;       ///< engine token budget per step (decode + prefill tokens)
  bool chunked_prefill = true;            ///< prompts split across steps (else whole prompts per step)
  double first_token_steps = 0;           ///< decode steps before the first token reaches the client (engine)
  double tpot_slo_s = 0, ttft_slo_s = 0;  ///< 0 = none
  double stream_seq_overhead_s = 0;       ///< online (clients, rate): host time per streamed sequence per step
};

/// What bounds the serving point: a fixed concurrency, KV memory, the engine's max batch or
/// token budget, a latency target, or the sustainable request rate.
enum class Limit { fixed, memory, max_batch, token_budget, tpot_slo, ttft_slo, rate };
/// "fixed" | "memory" | "max-batch" | "token-budget" | "tpot-slo" | "ttft-slo" | "rate".
inline const char* limit_name(Limit l) {
  switch (l) {
    case Limit::memory:
      return "memory";
    case Limit::max_batch:
      return "max-batch";
    case Limit::token_budget:
      return "token-budget";
    case Limit::tpot_slo:
      return "tpot-slo";
    case Limit::ttft_slo:
      return "ttft-slo";
    case Limit::rate:
      return "rate";
    case Limit::fixed:
      break;
  }
  return "fixed";
}

/// Steady state of the replica. When `fits` is false (weights or one request do not fit) or
/// `feasible` is false (rate beyond capacity, SLOs unmet), the latency and throughput fields are 0
/// and mean nothing: reports print them as null and show `problem`.
struct Serving {
  std::string engine;                 ///< engine id the scheduler defaults came from
  bool fits = true;                   ///< weights + workspace + one request's KV fit
  bool feasible = true;               ///< the workload can be served (rate, SLOs)
  std::string problem;                ///< why not, naming a fix ("try --tp 2 or --weights fp8")
  double concurrency = 0;             ///< requests in the system (closed loop: clients)
  double running = 0;                 ///< requests holding a KV slot (decoding or prefilling)
  double max_concurrency_memory = 0;  ///< KV-memory bound on running requests
  double output_tokens_per_s = 0, total_tokens_per_s = 0, requests_per_s = 0;
  double ttft_s = 0, tpot_s = 0, e2e_s = 0;
  double queue_s = 0;                  ///< part of TTFT spent waiting for a slot (beyond the KV/max-batch cap)
  double prefill_wait_s = 0;           ///< part of TTFT spent behind other prompts
  double chunk_tokens = 0;             ///< prompt tokens in a step that carries prefill
  double mixed_step_fraction = 0;      ///< share of a request's decode steps that also carry prefill
  double prefill_tokens_per_step = 0;  ///< prompt tokens per step, averaged over all steps
  double prefill_share = 0;            ///< share of GPU time spent on prefill
  double max_request_rate = 0;         ///< open loop: the largest sustainable rate (req/s)
  double in_step_share = 1;            ///< closed loop: share of clients in step (burst) vs spread out
  double spread_step_s = 0;         ///< closed loop: a step with one client's prompt chunk beside the others' decodes
  Limit limited_by = Limit::fixed;  ///< what bounds the concurrency (or rate)
  Step step;                        ///< a step carrying a prefill chunk
  Step decode;                      ///< a decode-only step at the running batch
};

/// The serving load for `d` with its engine's scheduler defaults (max batch, token budget,
/// chunked prefill, streaming cost); `max_batch` < 0 = the engine's.
ServingLoad serving_load(const Deployment& d, double input, double output, double max_batch);

/// Steady state for `w` (closed loop at w.concurrency, auto when 0; open loop when w.request_rate > 0).
Serving evaluate_serving(const Deployment& d, const ServingLoad& w);

/// Mean number of steps until the k-th prompt of a burst of n equal prompts of `input` tokens has its
/// last token prefilled, k = 1..n, when each step takes `chunk` prompt tokens in arrival order
/// (whole prompts only when !chunked): (1/n) sum_k ceil(k input / chunk).
double mean_burst_steps(double n, double input, double chunk, bool chunked);

/// Mean wait in queue of an M/D/1 server (Poisson arrivals, deterministic service `service_s`,
/// utilisation rho = rate x service): rho service / (2 (1 - rho)); infinity when rho >= 1.
double md1_wait_s(double rate_per_s, double service_s);

/// Why the replica does not fit and what would (e.g. "try --tp 2 or --weights fp8"); "" when it fits.
std::string fit_problem(const Deployment& d, double context);

}  // namespace mlcalc
