// Options shared by throughput, vram infer and cost: model + GPU + parallelism + dtypes,
// turned into a Deployment (with its warnings) in one place.
#pragma once
#include "cli.hpp"
#include "inference.hpp"
#include "serving.hpp"

namespace mlcalc {

struct DeploymentOptions {
  std::string model, gpu, interconnect, scale_out, allreduce;  ///< allreduce "" = the engine's
  double tp = 1, pp = 1, ep = 1, dp = 1;
  bool dp_attention = false;
  std::string weights, kv_dtype, state_dtype = "bf16", mode = "realistic";
  double mem_eff = 0, compute_eff = 0, gpu_mem_util = 0, block_size = 16, overhead_gib = 1.0;
  std::string engine;                 ///< --engine (default kDefaultEngine)
  double max_num_batched_tokens = 0;  ///< --max-num-batched-tokens (0 = the engine's)
};

/// Adds --model --gpu --tp --pp --ep --weights --kv-dtype --state-dtype --interconnect and,
/// when `perf`, --mode --mem-eff --compute-eff.
void add_deployment_options(CLI::App& app, DeploymentOptions& o, bool perf);

/// Resolves names, checks the parallelism, picks efficiencies; warnings go to ctx.
Deployment make_deployment(Context& ctx, const DeploymentOptions& o);

/// The serving load for `d` with its engine's scheduler defaults; max_batch < 0 = the engine's.
ServingLoad serving_load(const Deployment& d, double input, double output, double max_batch);

/// JSON of the deployment's inputs (resolved ids, dtypes, efficiencies and their sources).
ojson deployment_json(const Deployment& d, const DeploymentOptions& o);

}  // namespace mlcalc
