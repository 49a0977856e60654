// Accelerators and interconnects, in SI units (converted from hardware-db at load).
#pragma once
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "dtype.hpp"

namespace mlcalc {

/// Peak-FLOP/s slots of an accelerator; all DENSE (no 2:4 sparsity).
enum class Peak { fp64, fp32, tf32, bf16, fp16, fp8, int8, fp6, fp4, count };
inline constexpr std::array<const char*, 9> kPeakNames = {"fp64", "fp32", "tf32", "bf16", "fp16",
                                                          "fp8",  "int8", "fp6",  "fp4"};

/// A link technology: NVLink generation, PCIe, InfiniBand, ...
struct Interconnect {
  std::string id;                    ///< database id ("nvlink4")
  std::string name;                  ///< human name
  std::string kind;                  ///< scale-up | scale-out | host
  double bandwidth_bytes_per_s = 0;  ///< per GPU, one direction
  double latency_s = 0;              ///< per-message latency used in collective models
  int domain_size = 0;               ///< GPUs in one domain (0 = not stated)
  /// Measured collective constants (0 = not measured; see collectives.cpp for the fallbacks).
  double nccl_latency_s = 0;               ///< NCCL all-reduce latency per call, small message
  double nccl_hop_latency_s = 0;           ///< extra NCCL latency per ring step / tree level
  double nccl_busbw_bytes_per_s = 0;       ///< NCCL bus bandwidth (busbw) for inference-size messages
  double custom_ar_latency_s = 0;          ///< custom (one-/two-shot) all-reduce latency per call (0: no such kernel)
  double custom_ar_peer_latency_s = 0;     ///< extra custom all-reduce latency per peer rank
  double custom_ar_busbw_bytes_per_s = 0;  ///< custom all-reduce bus bandwidth
  /// vLLM's custom all-reduce kernel where measured apart (0: use the custom_ar_* constants).
  double vllm_ar_latency_s = 0, vllm_ar_peer_latency_s = 0, vllm_ar_busbw_bytes_per_s = 0;
  double nvls_latency_s = 0, nvls_busbw_bytes_per_s = 0;  ///< NVLink SHARP all-reduce (0: the switch has none)
  std::string collectives_source;                         ///< measurements the constants were fitted on
  std::string as_of;                                      ///< date of the newest source
  std::vector<std::string> sources, notes;
};

/// One accelerator model.
struct Gpu {
  std::string id, name, vendor;
  std::vector<std::string> aliases;
  double memory_bytes = 0;                                                 ///< capacity the driver exposes
  double memory_bw_bytes_per_s = 0;                                        ///< peak memory bandwidth
  double tdp_w = 0;                                                        ///< board power (0 = not published)
  std::array<double, static_cast<size_t>(Peak::count)> peak_flop_per_s{};  ///< 0 = absent
  std::string scale_up_id, host_link_id;                                   ///< interconnect ids ("" = none)
  std::string scale_out_id;  ///< default network per GPU across scale-up domains ("" = none)
  int scale_up_domain = 0;   ///< GPUs per scale-up domain (0 = not stated)
  /// Achievable fractions measured on this GPU (0 = no measurement, use defaults).
  double eff_memory_bw = 0, eff_matmul_bf16 = 0, eff_matmul_fp8 = 0, eff_matmul_fp4 = 0, eff_matmul_int8 = 0;
  std::string eff_source;  ///< where the fractions come from
  /// On-chip SRAM per SM: the most shared memory one SM can be given, and the combined L1/shared
  /// array it is carved from (bytes; 0 = not stated). FlashAttention's M (Dao et al. 2022, Thm. 2).
  double smem_per_sm_bytes = 0, l1_smem_per_sm_bytes = 0;
  std::string smem_source;  ///< where the SRAM figures come from
  std::string as_of, launch;
  std::vector<std::string> sources, notes;

  double peak(Peak p) const { return peak_flop_per_s[static_cast<size_t>(p)]; }
};

/// The peak a matmul of compute class `want` runs at on `gpu`, falling back to the next
/// supported tensor-core type (docs/model.md "Data types": FP8 on A100 runs at BF16, FP4 on Hopper at BF16).
struct ResolvedPeak {
  ComputeClass used;  ///< class actually used
  double flop_per_s;  ///< its dense peak
  bool fell_back;     ///< true when `used` differs from the requested class
};
ResolvedPeak resolve_peak(const Gpu& gpu, ComputeClass want);

/// Network `l` (bandwidths per GPU, one NIC each) when a node of `gpus_per_node` GPUs has only
/// `nics` of its NICs: each GPU gets nics/gpus_per_node of the bandwidth and bus bandwidth; the
/// id becomes `ID:nics` (docs/model.md "Training time").
Interconnect with_nics_per_node(const Interconnect& l, int nics, int gpus_per_node);

/// Measured large-GEMM fraction of the `c` peak on `gpu` (0 = no measurement).
double measured_matmul_fraction(const Gpu& gpu, ComputeClass c);

}  // namespace mlcalc
