// Charts of the typed results (--plot FILE.svg, --format vega): the curves the commands already
// compute, converted to display units here and nowhere else.
#include <fmt/format.h>

#include "common.hpp"
#include "report.hpp"

namespace mlcalc {

Chart to_chart(const ThroughputReport& rep) {
  const Deployment& d = rep.dep;
  Chart c;
  c.title =
      fmt::format("{} on {} x {}: speed per user against throughput per GPU", d.arch->name, d.num_gpus(), d.gpu->id);
  c.subtitle = fmt::format("tp {}, pp {}, weights {}, KV {}, {} in / {} out tokens, {}, engine {}", d.tp, d.pp,
                           d.weights.name(), d.kv.name(), fmt_count(rep.query.input), fmt_count(rep.query.output),
                           d.mode == Mode::roofline ? "roofline" : "realistic", d.engine);
  c.x_label = "output tokens/s per GPU";
  c.y_label = "output tokens/s per user (1 / TPOT)";
  c.log_x = c.log_y = rep.rows.size() > 2;  // a sweep spans decades
  ChartSeries fit{"static batch (fits in memory)", {}, {}, {}, false};
  ChartSeries over{"static batch (KV exceeds memory)", {}, {}, {}, true};
  for (const BatchRow& r : rep.rows) {
    const InferenceMemory& m = r.memory;
    if (m.weights + m.activations + m.other > m.capacity * d.gpu_mem_util) continue;  // nothing runs
    ChartSeries& s = m.fits ? fit : over;
    s.x.push_back(r.output_tokens_per_s_per_gpu);
    s.y.push_back(r.tokens_per_s_per_user);
    s.labels.push_back("b=" + fmt_count(r.batch));
  }
  // Join the overflow line to the last row that fits, so the sweep reads as one curve.
  if (!fit.x.empty() && !over.x.empty()) {
    over.x.insert(over.x.begin(), fit.x.back());
    over.y.insert(over.y.begin(), fit.y.back());
    over.labels.insert(over.labels.begin(), "");
  }
  if (!fit.x.empty()) c.series.push_back(fit);
  if (!over.x.empty()) c.series.push_back(over);
  if (rep.serving && rep.serving->fits && rep.serving->feasible && rep.serving->tpot_s > 0) {
    const Serving& s = *rep.serving;
    c.marks.push_back({fmt::format("serving point: {} requests in flight", fmt_count(s.concurrency)),
                       s.output_tokens_per_s / d.num_gpus(), 1.0 / s.tpot_s});
  }
  return c;
}

Chart to_chart(const BreakevenReport& r) {
  const Fleet& f = r.fleet;
  const Workload& w = f.query.workload;
  // $ per 1k requests -> $ per million tokens (input + output): x 1000 / (input + output).
  const double per_m = 1000.0 / (w.input + w.output);
  Chart c;
  c.title = fmt::format("Break-even: {} on {} x {} at ${:.2f}/GPU-hour", f.dep.arch->name, f.num_gpus, f.dep.gpu->id,
                        f.query.usd_per_gpu_hour);
  c.subtitle = fmt::format("{} in / {} out tokens per request; self-hosted cost falls as 1 / utilization",
                           fmt_count(w.input), fmt_count(w.output));
  c.x_label = "utilization (% of capacity)";
  c.y_label = "$ per million tokens (input + output)";
  c.log_y = true;
  ChartSeries self{"self-hosted", {}, {}, {}, false};
  for (const BreakevenPoint& p : r.curve) {
    self.x.push_back(p.utilization * 100);
    self.y.push_back(p.self_hosted_usd_per_1k_requests * per_m);
  }
  c.series.push_back(self);
  const double full = r.self_hosted_usd_per_1k_requests_at_full * per_m;
  // Each offer is a line; where the self-hosted curve (full / u) crosses it is its break-even point.
  // The offer asked about gets a labelled point; the others carry their break-even in the legend.
  auto add_api = [&](const std::string& name, double usd_per_1k, bool primary) {
    const double y = usd_per_1k * per_m;
    const bool crosses = y > 0 && full <= y;
    c.rules.push_back({fmt::format("{} ${:.3g}/M{}", name, y,
                                   crosses ? fmt::format(": break-even {:.1f}%", 100 * full / y) : ": never"),
                       y});
    if (crosses)
      c.marks.push_back(
          {primary ? fmt::format("break-even {:.1f}% vs {}", 100 * full / y, name) : std::string(), 100 * full / y, y});
  };
  add_api(r.api.name, r.api_usd_per_1k_requests, true);
  for (const ApiOffer& o : r.offers) {
    const double per_1k =
        (w.input * o.usd_per_million_input + w.output * o.usd_per_million_output) / 1e6 * 1000.0;  // case C-07
    add_api(o.provider, per_1k, false);
  }
  return c;
}

Chart to_chart(const TrainMemoryReport& r) {
  const TrainMemory& m = r.memory;
  Chart c;
  c.title = fmt::format("Training memory per GPU: {}{}", r.names.model_id, r.gpu ? " on " + r.gpu->id : "");
  c.subtitle = fmt::format("{}{} GPU(s), tp {}, pp {}, ZeRO-{}, micro-batch {}, seq {}, recompute {}",
                           r.setup.lora_rank > 0 ? fmt::format("{} rank {}, ", r.setup.qlora ? "QLoRA" : "LoRA",
                                                               fmt_count(r.setup.lora_rank))
                                                 : std::string(),
                           r.setup.num_gpus, r.setup.tp, r.setup.pp, r.setup.zero, fmt_count(r.setup.micro_batch),
                           fmt_count(r.setup.seq), r.names.recompute);
  c.y_label = "GiB per GPU";
  c.stack_label = "per-GPU breakdown";
  c.stack = {{"weights", m.weights / kGiB},
             {"gradients", m.gradients / kGiB},
             {"optimizer states", m.optimizer / kGiB},
             {"activations", m.activations / kGiB},
             {"logits + loss", m.logits / kGiB},
             {"sharding buffers", m.buffers / kGiB},
             {"CUDA context + allocator", m.overhead / kGiB}};
  if (r.setup.lora_rank > 0) {
    c.stack[0] = {r.setup.qlora ? "frozen base (NF4)" : "frozen base", m.frozen_weights / kGiB};
    c.stack.insert(c.stack.begin() + 1, {"LoRA adapters", (m.weights - m.frozen_weights) / kGiB});
  }
  if (r.gpu)
    c.rules.push_back(
        {fmt::format("{} memory {:.1f} GiB", r.gpu->id, r.gpu->memory_bytes / kGiB), r.gpu->memory_bytes / kGiB});
  return c;
}

Chart to_chart(const InferMemoryReport& r) {
  const Deployment& d = r.dep;
  const InferenceMemory& m = r.memory;
  Chart c;
  c.title = fmt::format("Inference memory per GPU: {} on {} x {}", d.arch->name, d.num_gpus(), d.gpu->id);
  c.subtitle = fmt::format("tp {}, pp {}, weights {}, KV {}, batch {} x context {}", d.tp, d.pp, d.weights.name(),
                           d.kv.name(), fmt_count(r.batch), fmt_count(r.context));
  c.y_label = "GiB per GPU";
  c.stack_label = "per-GPU breakdown";
  c.stack = {{"weights", m.weights / kGiB},
             {"KV cache", m.kv / kGiB},
             {"recurrent state", m.state / kGiB},
             {"activation workspace", m.activations / kGiB},
             {"runtime overhead", m.other / kGiB}};
  c.rules.push_back({fmt::format("{} memory {:.1f} GiB", d.gpu->id, m.capacity / kGiB), m.capacity / kGiB});
  c.rules.push_back({fmt::format("usable at --gpu-mem-util {:.2f}", d.gpu_mem_util), r.usable_bytes / kGiB});
  return c;
}

}  // namespace mlcalc
