#include "describe.hpp"

#include <string>

#include "common.hpp"

namespace mlcalc {

ModelSummary summarize_model(const Architecture& a, const DescribeQuery& q) {
  ModelSummary s;
  s.arch = &a;
  s.query = q;
  s.params = count_params(a);
  s.weights = q.weights ? *q.weights : a.weight_dtype;
  s.experts = q.weights ? *q.weights : a.expert_dtype;
  s.kv = q.kv;
  s.state = q.state;
  check_context(a, q.context, "context " + count_text(q.context), true, s.warnings);  // a description: warn only
  s.num_kv_layers = kv_layers(a);
  s.weight_bytes = weight_bytes(a, s.params, s.weights, s.experts);
  s.kv_cache_bytes = kv_bytes_per_sequence(a, q.context, q.kv) * q.batch;
  s.kv_bytes_per_token = s.kv_cache_bytes / (q.context * q.batch);
  s.kv_bytes_per_token_full_context = kv_bytes_per_sequence(a, 1, q.kv);
  s.state_bytes_per_sequence = state_bytes_per_sequence(a, q.state);
  s.state_bytes = s.state_bytes_per_sequence * q.batch;
  s.flops_per_token = decode_flops_per_token(a, s.params, q.context);
  s.attention_flops_per_token = decode_attention_flops(a, q.context);
  return s;
}

}  // namespace mlcalc
