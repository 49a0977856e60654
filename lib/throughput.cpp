#include "throughput.hpp"

#include "common.hpp"

namespace mlcalc {

ThroughputReport evaluate_throughput(const Deployment& d, const ThroughputQuery& q) {
  ThroughputReport r;
  r.dep = d;
  r.query = q;
  const Architecture& a = *d.arch;
  if (a.max_context > 0 && q.input + q.output > double(a.max_context) && !q.allow_long_context)
    throw Error("input + output = " + count_text(q.input + q.output) + " tokens is beyond the model's max_position_embeddings " +
                count_text(double(a.max_context)) + "; shorten the request or pass --allow-long-context");
  if (a.max_context > 0 && q.input + q.output > double(a.max_context))
    r.warnings.push_back("input + output = " + count_text(q.input + q.output) +
                         " tokens is beyond the model's max_position_embeddings " + count_text(double(a.max_context)));
  for (double b : q.batches) {
    r.rows.push_back(evaluate_batch(d, b, q.input, q.output));
    r.all_fit &= r.rows.back().memory.fits;
  }
  if (q.serve) {
    const Serving s = evaluate_serving(d, q.input, q.output, q.concurrency, q.max_batch, q.tpot_slo_s, q.ttft_slo_s);
    if (s.concurrency < 1) {
      r.all_fit = false;
      r.warnings.push_back(s.max_concurrency_memory < 1 ? "no request fits in the KV memory left after the weights"
                                                         : "no concurrency meets the latency targets");
    }
    if (q.concurrency > s.max_concurrency_memory)
      r.warnings.push_back("concurrency " + count_text(q.concurrency) + " exceeds the " +
                           count_text(s.max_concurrency_memory) + " requests the KV memory holds");
    r.serving = s;
  }
  return r;
}

}  // namespace mlcalc
