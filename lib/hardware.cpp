#include "hardware.hpp"

namespace mlcalc {

namespace {
Peak slot(ComputeClass c) {
  switch (c) {
    case ComputeClass::fp32:
      return Peak::fp32;
    case ComputeClass::bf16:
      return Peak::bf16;
    case ComputeClass::fp8:
      return Peak::fp8;
    case ComputeClass::int8:
      return Peak::int8;
    case ComputeClass::fp4:
      return Peak::fp4;
  }
  return Peak::bf16;
}
}  // namespace

ResolvedPeak resolve_peak(const Gpu& gpu, ComputeClass want) {
  // Fallback chain: a format without tensor-core support is dequantized to bf16
  // (FP8 on Ampere, FP4 on Hopper: docs/model.md "Data types"); bf16 falls back to fp16, then fp32.
  ComputeClass c = want;
  for (int guard = 0; guard < 4; ++guard) {
    double p = gpu.peak(slot(c));
    if (c == ComputeClass::bf16 && p <= 0) p = gpu.peak(Peak::fp16);
    if (p > 0) return {c, p, c != want};
    c = (c == ComputeClass::bf16) ? ComputeClass::fp32 : ComputeClass::bf16;
  }
  return {ComputeClass::fp32, gpu.peak(Peak::fp32), want != ComputeClass::fp32};
}

double measured_matmul_fraction(const Gpu& gpu, ComputeClass c) {
  switch (c) {
    case ComputeClass::bf16:
      return gpu.eff_matmul_bf16;
    case ComputeClass::fp8:
      return gpu.eff_matmul_fp8;
    case ComputeClass::fp4:
      return gpu.eff_matmul_fp4;
    case ComputeClass::int8:
      return gpu.eff_matmul_int8;
    case ComputeClass::fp32:
      return 0;
  }
  return 0;
}

Interconnect with_nics_per_node(const Interconnect& l, int nics, int gpus_per_node) {
  Interconnect shared = l;
  const double share = double(nics) / gpus_per_node;
  shared.bandwidth_bytes_per_s *= share;
  shared.nccl_busbw_bytes_per_s *= share;
  shared.name += ", " + std::to_string(nics) + " NICs per node";
  shared.id += ":" + std::to_string(nics);
  return shared;
}

}  // namespace mlcalc
