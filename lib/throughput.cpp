#include "throughput.hpp"

#include "common.hpp"

namespace mlcalc {

ThroughputReport evaluate_throughput(const Deployment& d, const ThroughputQuery& q) {
  ThroughputReport r;
  r.dep = d;
  r.query = q;
  check_context(*d.arch, q.input + q.output, "input + output = " + count_text(q.input + q.output) + " tokens",
                q.allow_long_context, r.warnings);
  for (double b : q.batches) {
    r.rows.push_back(evaluate_batch(d, b, q.input, q.output));
    r.all_fit &= r.rows.back().memory.fits;
  }
  if (q.serve) {
    ServingLoad w = serving_load(d, q.input, q.output, q.max_batch);
    w.concurrency = q.concurrency;
    w.request_rate = q.request_rate;
    w.tpot_slo_s = q.tpot_slo_s, w.ttft_slo_s = q.ttft_slo_s;
    const Serving s = evaluate_serving(d, w);
    if (!s.fits) {
      r.all_fit = false;
      r.warnings.push_back("does not fit: " + s.problem);
    } else if (!s.feasible) {
      throw Error(s.problem);
    }
    if (s.fits && w.concurrency > s.max_concurrency_memory)
      r.warnings.push_back("concurrency " + count_text(w.concurrency) + " exceeds the " +
                           count_text(s.max_concurrency_memory) +
                           " requests the KV memory holds: the rest wait for a slot (in TTFT)");
    r.serving = s;
    r.load = w;
  }
  return r;
}

}  // namespace mlcalc
