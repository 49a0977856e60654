// What `mlcalc train` answers: step time, MFU, time-to-train, GPU-hours and $ of a layout on one
// or more scale-out networks, or the fastest layouts that fit (--layout auto).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "training_time.hpp"
#include "vram.hpp"

namespace mlcalc {

struct TrainQuery {
  TrainJob job;
  TrainNames names;
  TrainCluster cluster;                         ///< scale_out is replaced by each of `scale_outs`
  std::vector<const Interconnect*> scale_outs;  ///< one result per link (at least one entry, may be nullptr)
  std::optional<double> tokens;                 ///< tokens to train on (time-to-train, GPU-hours, $)
  std::optional<double> steps;                  ///< or a number of optimizer steps
  std::optional<double> usd_per_gpu_hour;
  std::string price_source, flops_name = "palm", schedule_name = "1f1b";
  bool auto_layout = false;
  int top = 10;  ///< layouts listed by --layout auto
};

/// One layout on one network.
struct TrainResult {
  TrainJob job;  ///< the layout evaluated (the best one under --layout auto)
  const Interconnect* scale_out = nullptr;
  TrainStep step;
  TrainMemoryReport memory;
  std::optional<double> time_to_train_s, gpu_hours, cost_usd, steps;
};

/// One row of the --layout auto ranking.
struct LayoutRow {
  int tp = 1, pp = 1, cp = 1, ep = 1, vp = 1;
  double micro_batch = 1;
  bool sequence_parallel = false;
  double step_time_s = 0, mfu = 0, tokens_per_s_per_gpu = 0, memory_bytes = 0;
  bool fits = true;
  TrainBound bound = TrainBound::compute;
};

struct TrainReport {
  TrainQuery query;
  std::vector<TrainResult> results;  ///< one per scale-out link (the best layout under --layout auto)
  std::vector<LayoutRow> layouts;    ///< --layout auto: the fastest that fit, ranked
  long long layouts_evaluated = 0, layouts_fit = 0;
  std::vector<std::string> warnings;
};

/// Evaluates the query; throws Error on an impossible layout (or when no layout fits under auto).
TrainReport evaluate_train(const TrainQuery& q);

/// Every layout (TP, PP, CP, EP, VP, micro-batch) of `base` on `c`'s GPUs that is valid; calls `f`
/// with each job. TP stays inside the scale-up domain; PP up to 128 stages (uneven ones allowed).
void for_each_layout(const TrainJob& base, const TrainCluster& c, const std::function<void(const TrainJob&)>& f);

}  // namespace mlcalc
