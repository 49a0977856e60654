#include "transfer.hpp"

#include <algorithm>
#include <cmath>

#include "common.hpp"

namespace mlcalc {

KvPayload kv_payload(const Architecture& a, double tokens, const DType& kv, const DType& state, double block_tokens) {
  KvPayload p;
  p.kv_bytes = kv_bytes_per_sequence(a, tokens, kv);
  p.state_bytes = state_bytes_per_sequence(a, state);
  p.bytes = p.kv_bytes + p.state_bytes;
  const int kvl = kv_layers(a);
  const int state_layers = p.state_bytes > 0 ? std::max(0, a.num_layers - kvl) : 0;
  p.ops = kvl * std::ceil(tokens / std::max(1.0, block_tokens) - 1e-9) + state_layers;
  return p;
}

TransferTime transfer_time(const Interconnect& link, double bytes, double ops, double nics) {
  TransferTime t;
  nics = std::max(1.0, nics);
  t.link_bytes_per_s = link.bandwidth_bytes_per_s * nics;
  t.bulk_bytes_per_s = kTransferBulkEfficiency * t.link_bytes_per_s;
  t.latency_s = link.latency_s;
  t.op_overhead_s = ops * kTransferOpOverheadS / nics;
  t.time_s = t.latency_s + (t.bulk_bytes_per_s > 0 ? bytes / t.bulk_bytes_per_s : 0) + t.op_overhead_s;
  t.achieved_bytes_per_s = t.time_s > 0 ? bytes / t.time_s : 0;
  return t;
}

TransferReport evaluate_transfer(const Architecture& a, double tokens, const DType& kv, const DType& state,
                                 const Interconnect& link, double nics, double block_tokens) {
  TransferReport r;
  r.model_id = a.id, r.model_name = a.name;
  r.tokens = tokens, r.nics = nics, r.block_tokens = block_tokens;
  r.kv = kv, r.state = state;
  r.link = &link;
  r.payload = kv_payload(a, tokens, kv, state, block_tokens);
  r.time = transfer_time(link, r.payload.bytes, r.payload.ops, nics);
  return r;
}

}  // namespace mlcalc
