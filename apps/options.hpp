// Option groups shared by commands (deployment, workload + SLOs, training layout), typed at
// parse time: counts, durations, dtypes and enums are checked by CLI11 callbacks and
// validators while parsing, so a command's run() sees only valid, typed values.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "common.hpp"
#include "inference.hpp"
#include "serving.hpp"
#include "training_memory.hpp"
#include "vram.hpp"

namespace mlcalc::cli {

/// A whole, positive count (tokens, batch, GPUs) written 131072, 128k or 1e6; rejects 0,
/// negatives, fractions, NaN and values above 10^15.
double parse_count(const std::string& s, const std::string& flag);
/// A whole number in [lo, hi], decimal (no hex), through checked_count; the range is in the error.
int64_t parse_int(const std::string& s, const std::string& flag, int64_t lo, int64_t hi);
/// The items of a comma-separated list, empty ones included ("a,,b" -> a, "", b).
std::vector<std::string> split_commas(const std::string& s);
/// `1,8,64`, `1..256` (powers of two) or a mix.
std::vector<double> parse_count_list(const std::string& s, const std::string& flag);
/// A duration with a unit: 50ms, 2s, 300us, 1min.
double parse_duration_s(const std::string& s, const std::string& flag);
/// Days between an ISO date (YYYY-MM-DD) and now; -1 when it does not parse.
int age_days(const std::string& iso);

/// A count (parse_count) at most `max`.
CLI::Option* add_count(CLI::App& app, const std::string& name, double& target, const std::string& desc,
                       double max = 1e15);
CLI::Option* add_count_list(CLI::App& app, const std::string& name, std::vector<double>& target,
                            const std::string& desc);
CLI::Option* add_duration(CLI::App& app, const std::string& name, double& target_s, const std::string& desc);
/// A finite real in (lo, hi].
CLI::Option* add_real(CLI::App& app, const std::string& name, double& target, const std::string& desc, double lo,
                      double hi);
/// A whole number in [lo, hi].
CLI::Option* add_int(CLI::App& app, const std::string& name, int& target, const std::string& desc, int lo, int hi);
CLI::Option* add_dtype(CLI::App& app, const std::string& name, std::optional<DType>& target, const std::string& desc);

/// One of a fixed set of words, with did-you-mean on a typo.
template <class E>
CLI::Option* add_choice(CLI::App& app, const std::string& name, E& target, std::vector<std::pair<std::string, E>> table,
                        const std::string& desc) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, table, name](const std::string& v) {
            std::vector<std::string> names;
            for (const auto& [k, e] : table) {
              if (v == k) {
                target = e;
                return;
              }
              names.push_back(k);
            }
            std::string list;
            for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
            throw CLI::ValidationError(name, "'" + v + "' is not one of " + list + did_you_mean(v, names));
          },
          desc)
      ->type_name("WORD");
}

/// Warns when a dated fact (a price) is over 180 days old.
void warn_if_old(Context& ctx, const std::string& what, const std::string& as_of);

/// A GPU-hour price and where it came from.
struct GpuPrice {
  double usd_per_gpu_hour = 0;
  std::string source;
};
/// --gpu-price, or the cheapest `pricing` offer of `provider` for `gpu_id` (did-you-mean on the
/// provider, the list of what it offers when it has none); usage error when neither is given.
GpuPrice resolve_gpu_price(Context& ctx, double gpu_price, const std::string& provider, std::string pricing,
                           const std::string& gpu_id);

/// Model + GPU + parallelism + dtypes + efficiencies: what throughput, vram infer and cost share.
struct DeploymentOptions {
  std::string model, gpu, interconnect, scale_out, allreduce;  ///< allreduce "" = the engine's
  std::string engine;                                          ///< --engine (default kDefaultEngine)
  double max_num_batched_tokens = 0;                           ///< --max-num-batched-tokens (0 = the engine's)
  int tp = 1, pp = 1, ep = 1, dp = 1;
  bool dp_attention = false;
  std::optional<DType> weights, kv_dtype;
  std::optional<DType> state_dtype = DType{DType::Kind::bf16};
  Mode mode = Mode::realistic;
  double mem_eff = 0, compute_eff = 0, gpu_mem_util = 0, block_size = 16,
         overhead_gib = 1.0;  ///< gpu_mem_util 0 = the engine's
};
/// Adds --model --gpu --tp --pp --ep --weights --kv-dtype --state-dtype --interconnect
/// --gpu-mem-util --overhead-gib and, when `perf`, --mode --mem-eff --compute-eff.
void add_deployment_options(CLI::App& app, DeploymentOptions& o, bool perf);
/// Resolves names, checks the parallelism, picks efficiencies; warnings go to ctx.
Deployment make_deployment(Context& ctx, const DeploymentOptions& o);

/// The one workload default of throughput, cost, breakeven and vram infer: a chat turn of
/// 1024 prompt tokens and 256 generated ones (stated in every output's inputs).
constexpr double kDefaultInput = 1024, kDefaultOutput = 256;

/// Tokens per request, the engine's batch cap and latency targets.
struct WorkloadOptions {
  double input = kDefaultInput, output = kDefaultOutput, max_batch = -1;  ///< max_batch < 0 = the engine's
  double tpot_slo_s = 0, ttft_slo_s = 0;                                  ///< 0 = none
};
void add_workload_options(CLI::App& app, WorkloadOptions& o);

/// The training layout and recipe: what `vram train` (and training-time commands) share.
struct TrainLayoutOptions {
  double num_gpus = 1, shard_group = 0, micro_batch = 1, seq = 2048, overhead_gib = 1.5;
  int tp = 1, pp = 1, cp = 1, ep = 1, zero = 0;
  std::optional<int> fsdp_zero;  ///< --fsdp, as a ZeRO stage
  TrainNames names;
  Recompute recompute = Recompute::none;
  Optimizer optimizer = Optimizer::adamw;
  Precision precision = Precision::bf16_mixed;
  Offload offload = Offload::none;
  bool flash_attn = true, sp = false;
};
/// Adds --num-gpus --tp --pp --cp --ep --zero --fsdp --shard-group --micro-batch --seq --recompute
/// --optimizer --precision --offload --flash-attn --sequence-parallel --overhead-gib.
void add_train_layout_options(CLI::App& app, TrainLayoutOptions& t);
/// Usage checks across the layout's options (--fsdp hybrid needs --shard-group; --num-gpus at most 1e7).
void check_train_layout(const TrainLayoutOptions& t);
/// Copies the layout and recipe into `s` (GPU counts, degrees, ZeRO stage, batch, recompute, dtypes).
void apply_train_layout(const TrainLayoutOptions& t, TrainSetup& s);

}  // namespace mlcalc::cli
