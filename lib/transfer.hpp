// Moving a prompt's KV cache (and recurrent state) between GPUs: bytes of a sequence, and the
// time over a link with the achieved bandwidth and per-operation overhead of RDMA transfer
// engines (Mooncake Transfer Engine, DLSlime). docs/model.md "KV transfer".
#pragma once
#include <string>

#include "hardware.hpp"
#include "model.hpp"

namespace mlcalc {

/// Fraction of the link's line rate a bulk GPU-to-GPU RDMA transfer reaches: 0.87, Mooncake
/// Transfer Engine moving a 40 GB payload at 87 GB/s over 4 x 200 Gb/s RoCE (kvcache-ai/Mooncake
/// README, Transfer Engine; the same engine reached 190 GB/s on 8 x 400 Gb/s, 0.475 of line rate,
/// which this constant overestimates: docs/model.md "KV transfer").
inline constexpr double kTransferBulkEfficiency = 0.87;
/// Overhead per RDMA operation (one KV block of one layer), 0.84 us: DLSlime on H800 with one
/// RoCE v2 400 Gb/s NIC, batches of 160 reads of 16 KiB at 12,815.6 MiB/s (JimyMa/DLSlime README,
/// "Benchmark"): 16 KiB / 12,815.6 MiB/s = 1.219 us per read, less 16 KiB at the bulk rate
/// (0.87 x 50 GB/s: 0.377 us). The 32 and 64 KiB reads (18,547.5 and 20,891.3 MiB/s) come out
/// 6% and 27% above measured with it (docs/model.md "KV transfer").
inline constexpr double kTransferOpOverheadS = 0.84e-6;

/// Bytes and operations of one sequence's cache.
struct KvPayload {
  double kv_bytes = 0;     ///< KV cache of `tokens` tokens (all KV layers)
  double state_bytes = 0;  ///< recurrent state (SSM / linear-attention layers), constant in tokens
  double bytes = 0;        ///< kv_bytes + state_bytes
  double ops = 0;          ///< RDMA operations: one per KV layer per block of `block_tokens`, one per state layer
};
/// The cache of one sequence of `tokens` tokens, moved in blocks of `block_tokens` per layer
/// (the engine's paged-KV block, vLLM 16).
KvPayload kv_payload(const Architecture& a, double tokens, const DType& kv, const DType& state, double block_tokens);

/// A transfer's time and achieved bandwidth.
struct TransferTime {
  double link_bytes_per_s = 0;      ///< line rate of the NICs used (bandwidth_gb_s x nics)
  double bulk_bytes_per_s = 0;      ///< kTransferBulkEfficiency x line rate
  double latency_s = 0;             ///< the link's per-message latency (once)
  double op_overhead_s = 0;         ///< ops x kTransferOpOverheadS / nics (operations spread over the NICs)
  double time_s = 0;                ///< latency + bytes / bulk rate + op overhead
  double achieved_bytes_per_s = 0;  ///< bytes / time
};
/// Time to move `bytes` in `ops` operations over `nics` NICs of `link` in parallel.
TransferTime transfer_time(const Interconnect& link, double bytes, double ops, double nics);

/// What `transfer` reports: one sequence's cache of `tokens` tokens over `nics` NICs of a link.
struct TransferReport {
  std::string model_id, model_name;
  double tokens = 0, nics = 1, block_tokens = 16;
  DType kv, state;
  const Interconnect* link = nullptr;
  KvPayload payload;
  TransferTime time;
};
TransferReport evaluate_transfer(const Architecture& a, double tokens, const DType& kv, const DType& state,
                                 const Interconnect& link, double nics, double block_tokens);

}  // namespace mlcalc
