#include "vram.hpp"

#include <cmath>

#include "common.hpp"

namespace mlcalc {

std::optional<double> longest_context(const Deployment& d, double batch) {
  const double free_bytes = kv_budget_bytes(d);
  auto fits = [&](double c) {
    return batch * (kv_bytes_per_gpu_per_seq(d, c, true) + state_bytes_per_gpu_per_seq(d)) <= free_bytes;
  };
  if (free_bytes <= 0 || !fits(1)) return 0.0;
  double lo = 1, hi = 1;
  while (hi < 1e12 && fits(hi)) hi *= 2;
  if (fits(hi)) return std::nullopt;  // only window layers: the KV stops growing
  while (hi - lo > 1) {
    const double mid = std::floor((lo + hi) / 2);
    (fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

InferMemoryReport evaluate_infer_memory(const Deployment& d, double batch, double context, bool allow_long_context) {
  InferMemoryReport r;
  r.dep = d;
  r.batch = batch;
  r.context = context;
  const Architecture& a = *d.arch;
  check_context(a, context, "context " + count_text(context), allow_long_context, r.warnings);
  r.memory = inference_memory(d, batch, context);
  r.usable_bytes = d.gpu->memory_bytes * d.gpu_mem_util;
  const double free_bytes = kv_budget_bytes(d);
  r.max_batch = max_sequences(d, context);
  r.max_context = longest_context(d, batch);
  // A model cannot attend past its trained positions: cap unless the user asks (docs/model.md "KV cache").
  if (!allow_long_context && a.max_context > 0 && (!r.max_context || *r.max_context > double(a.max_context))) {
    r.max_context = double(a.max_context);
    r.max_context_capped = true;
  }
  r.kv_bytes_per_token_per_gpu = kv_bytes_per_gpu_per_seq(d, 1, false);
  r.kv_capacity_tokens =
      free_bytes > 0 && r.kv_bytes_per_token_per_gpu > 0 ? std::floor(free_bytes / r.kv_bytes_per_token_per_gpu) : 0;
  return r;
}

TrainMemoryReport evaluate_train_memory(const TrainSetup& s, const TrainNames& names, const Gpu* gpu) {
  TrainMemoryReport r;
  r.setup = s;
  r.names = names;
  r.gpu = gpu;
  if (s.arch) check_context(*s.arch, s.seq, "seq " + count_text(s.seq), true, r.warnings);
  if (!s.arch)
    r.warnings.push_back("--params gives model states only: activations, logits and gather buffers are omitted");
  if (s.sequence_parallel && s.tp == 1) r.warnings.push_back("--sequence-parallel has no effect with tp 1");
  r.memory = training_memory(s);
  if (s.zero > 0 && r.memory.dp == 1)
    r.warnings.push_back("ZeRO with one data-parallel rank shards nothing: no saving");
  r.state = state_bytes(s.precision, s.optimizer);
  if (gpu) {
    r.fits = r.memory.total <= gpu->memory_bytes;
    r.headroom_bytes = gpu->memory_bytes - r.memory.total;
    if (s.arch) {
      const double m = max_micro_batch(s, gpu->memory_bytes);
      if (std::isfinite(m)) r.max_micro_batch = m;
    }
  }
  return r;
}

}  // namespace mlcalc
