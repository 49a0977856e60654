#include "validate.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "collectives.hpp"
#include "common.hpp"
#include "serving.hpp"

namespace mlcalc {

bool is_time_quantity(const std::string& q) {
  return q.size() > 2 && q.compare(q.size() - 2, 2, "_s") == 0 && q.find("per_s") == std::string::npos;
}

std::optional<double> predict_inference(const Deployment& d, const ValidationCase& c, const std::string& q) {
  const double in = c.input_tokens, out = c.output_tokens;
  if (c.batch) {
    // A static batch: prefill all prompts, then decode (gpt-fast, FasterTransformer, benchmark_latency).
    const BatchRow r = evaluate_batch(d, *c.batch, in, out);
    if (q == "tpot_s") return r.tpot_s;
    if (q == "ttft_s" || q == "prefill_s") return r.ttft_s;
    if (q == "e2e_s") return r.e2e_s;
    if (q == "output_tokens_per_s") return r.output_tokens_per_s;
    return std::nullopt;
  }
  // Serving: C clients in a closed loop (genai-perf --concurrency), or the most the engine holds
  // ("max", offline throughput benchmarks), with the engine's scheduler defaults.
  // The roofline of a serving TTFT is the request's own prefill at peak: no engine returns a first
  // token sooner, whatever the queue (the scheduling model is not a bound).
  if (d.mode == Mode::roofline && q == "ttft_s") return prefill_step(d, 1, in).time;
  ServingLoad w = serving_load(d, in, out, -1);
  w.concurrency = c.concurrency_max ? 0 : *c.concurrency;
  const Serving s = evaluate_serving(d, w);
  if (!s.fits || !s.feasible) return std::nullopt;
  if (s.concurrency < 1) return std::nullopt;
  if (q == "tpot_s") return s.tpot_s;
  if (q == "ttft_s") return s.ttft_s;
  if (q == "e2e_s") return s.e2e_s;
  if (q == "output_tokens_per_s") return s.output_tokens_per_s;
  return std::nullopt;
}

std::optional<double> predict_collective(const Interconnect& link, const Interconnect* out, const ValidationCase& c,
                                         const std::string& q, bool ideal) {
  if (!c.collective || !c.ranks || !c.message_bytes) return std::nullopt;
  const int n = *c.ranks, nodes = c.nodes.value_or(1);
  const double bytes = *c.message_bytes;
  const std::string algo = c.algorithm.value_or("nccl");
  double t = 0, factor = 1;
  if (nodes > 1) {
    if (!out || n % nodes != 0) return std::nullopt;
    t = two_level(*c.collective, link, *out, n / nodes, nodes, bytes, ideal).time_s;
    factor = *c.collective == "allreduce" ? 2.0 * (n - 1) / n : double(n - 1) / n;
  } else if (*c.collective == "allreduce") {
    // vLLM's kernel is measured apart from the TensorRT-LLM/SGLang one; NCCL's symmetric-memory
    // kernels are one-shot peer-memory reductions like the custom ones (NCCL 2.27 release notes).
    const AllReduceAlgo a = algo == "custom-oneshot"                           ? AllReduceAlgo::vllm
                            : algo == "custom-trtllm" || algo == "nccl-symmem" ? AllReduceAlgo::custom
                                                                               : AllReduceAlgo::nccl;
    t = all_reduce(link, a, n, bytes, ideal).time_s;
    factor = 2.0 * (n - 1) / n;  // nccl-tests busbw = algbw x 2(n-1)/n (PERFORMANCE.md)
  } else if (*c.collective == "allgather") {
    t = all_gather(link, n, bytes, ideal).time_s;
    factor = double(n - 1) / n;
  } else if (*c.collective == "alltoall") {
    t = all_to_all(link, n, bytes, ideal).time_s;
    factor = double(n - 1) / n;
  } else if (*c.collective == "reducescatter") {
    t = reduce_scatter(link, n, bytes, ideal).time_s;
    factor = double(n - 1) / n;
  } else {
    return std::nullopt;
  }
  if (!(t > 0)) return std::nullopt;
  if (q == "time_s") return t;
  if (q == "bus_bandwidth_bytes_per_s") return bytes / t * factor;
  return std::nullopt;
}

ValidationRow make_row(const ValidationCase& c, const std::string& quantity, double measured,
                       std::optional<double> predicted, std::optional<double> roofline) {
  ValidationRow r;
  r.id = c.id;
  r.group = c.group;
  r.quantity = quantity;
  r.engine = c.engine;
  r.source = c.source;
  r.measured = measured;
  r.predicted = predicted;
  r.roofline = roofline;
  if (predicted && measured > 0) r.ratio = *predicted / measured;
  if (roofline)
    r.roofline_holds =
        is_time_quantity(quantity) ? *roofline <= measured * (1 + 1e-9) : *roofline >= measured * (1 - 1e-9);
  if (!predicted) r.skipped = "not expressible";
  return r;
}

namespace {

ValidationStats stats_of(const std::string& name, const std::vector<const ValidationRow*>& rows) {
  ValidationStats s;
  s.name = name;
  std::vector<double> ratios;
  double err = 0;
  int bound = 0, with_roof = 0;
  for (const ValidationRow* r : rows) {
    if (!r->ratio) {
      ++s.skipped;
      continue;
    }
    ratios.push_back(*r->ratio);
    err += std::fabs(*r->ratio - 1);
    if (r->roofline_holds) ++with_roof, bound += *r->roofline_holds;
  }
  s.n = static_cast<int>(ratios.size());
  if (s.n == 0) return s;
  std::sort(ratios.begin(), ratios.end());
  s.mean_abs_pct_error = 100.0 * err / s.n;
  s.median_ratio = s.n % 2 ? ratios[s.n / 2] : 0.5 * (ratios[s.n / 2 - 1] + ratios[s.n / 2]);
  if (with_roof > 0) s.roofline_bound_fraction = double(bound) / with_roof;
  return s;
}

}  // namespace

std::vector<ValidationGroup> summarize(const std::vector<ValidationRow>& rows) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const ValidationRow*>> by_group;
  for (const auto& r : rows) {
    if (!by_group.count(r.group)) order.push_back(r.group);
    by_group[r.group].push_back(&r);
  }
  std::vector<ValidationGroup> out;
  for (const auto& g : order) {
    ValidationGroup vg;
    vg.stats = stats_of(g, by_group[g]);
    std::vector<std::string> qs;
    std::map<std::string, std::vector<const ValidationRow*>> by_q;
    for (const ValidationRow* r : by_group[g]) {
      if (!by_q.count(r->quantity)) qs.push_back(r->quantity);
      by_q[r->quantity].push_back(r);
    }
    for (const auto& q : qs) vg.quantities.push_back(stats_of(q, by_q[q]));
    out.push_back(vg);
  }
  return out;
}

}  // namespace mlcalc
