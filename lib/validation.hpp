// One published measurement with the configuration it was measured under (validation/*.toml,
// schema in validation/README.md). Pure data: lib/io/measurements.hpp reads it.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlcalc {

struct ValidationCase {
  // Provenance: the file it was read from (with the line of its [[case]]) and that file's keys.
  std::string file;
  int line = 0;
  std::string source, as_of, notes;

  std::string id;      ///< unique over all files ("I-01", "NIM-...")
  std::string group;   ///< batch-1 | serving | max-throughput | collectives
  std::string engine;  ///< gpt-fast, fastertransformer, trtllm, vllm, sglang, nccl, custom-ar, ...
  std::string gpu;     ///< mlcalc gpu id
  int tp = 1, pp = 1, ep = 1;

  // Inference cases (empty / unset for collectives).
  std::string model;    ///< mlcalc model id
  std::string weights;  ///< mlcalc dtype name
  std::optional<std::string> kv_dtype;
  double input_tokens = 0, output_tokens = 0;  ///< TOML `input`, `output`
  std::optional<double> batch;                 ///< static batch size
  std::optional<double> concurrency;           ///< closed-loop concurrency
  bool concurrency_max = false;                ///< concurrency = "max" (offline max-throughput)
  std::optional<double> gpu_mem_util;          ///< fraction of free GPU memory given to the KV cache

  // Collective cases (group "collectives").
  std::optional<std::string> collective;  ///< allreduce | allgather | alltoall | reducescatter
  std::optional<std::string> algorithm;   ///< nccl, custom-oneshot, custom-twoshot, nvls, ...
  std::optional<int> ranks, nodes;
  std::optional<double> message_bytes;  ///< TOML `bytes`
  std::optional<bool> cuda_graph;

  /// Measured quantities in SI, in file order: tpot_s, ttft_s, e2e_s, output_tokens_per_s,
  /// prefill_s; collectives: time_s, bus_bandwidth_bytes_per_s.
  std::vector<std::pair<std::string, double>> measured;
  std::optional<std::string> note;

  /// The measured value named `quantity`, if this case has one.
  std::optional<double> get(const std::string& quantity) const {
    for (const auto& [k, v] : measured)
      if (k == quantity) return v;
    return std::nullopt;
  }
};

}  // namespace mlcalc
