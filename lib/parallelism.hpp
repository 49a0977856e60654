// A parallelism plan (TP, PP, DP, CP, EP, attention data parallelism) and its checks against a
// model, shared by inference (now) and training (later). docs/model.md "Parallelism".
#pragma once
#include <string>
#include <vector>

#include "model.hpp"

namespace mlcalc {

struct ParallelPlan {
  int num_gpus = 0;  ///< 0 = tp * pp * dp * cp
  int tp = 1, pp = 1, dp = 1, cp = 1, ep = 1;
  /// Attention data-parallel across the TP group (SGLang --enable-dp-attention): each TP rank
  /// runs attention for its own sequences with all heads; the FFN/MoE stays TP/EP-sharded.
  bool dp_attention = false;

  int gpus() const { return num_gpus > 0 ? num_gpus : tp * pp * dp * cp; }
};

/// Problems of `plan` for model `a` (empty = valid): degrees below 1, a GPU count that is not
/// tp*pp*dp*cp, TP that does not divide the heads / KV heads / FFN, PP beyond the layers, EP on a
/// dense model or not dividing the experts, EP that divides neither TP nor the GPU count
/// (EP may span TP x DP: wide EP across data-parallel attention ranks), dp-attention on a
/// dense model. `a` may be null (plan-only checks).
std::vector<std::string> validate(const Architecture* a, const ParallelPlan& plan);

/// Parameters of one layer's mixer (attention or MLA projections; 0 for other mixers), elements.
double mixer_params_per_layer(const Architecture& a, Mixer m);

}  // namespace mlcalc
