// Kernel rooflines: the FLOPs and HBM bytes of one GPU kernel (GEMM, grouped MoE GEMM, fused
// attention, RMSNorm/LayerNorm/softmax, copy) and its time on a GPU, as a roofline (peaks) and
// with the measured fractions of hardware-db; measured timings are held against both
// (docs/model.md "Kernel rooflines").
#pragma once
#include <string>
#include <vector>

#include "dtype.hpp"
#include "hardware.hpp"

namespace mlcalc {

enum class KernelKind { gemm, moe_gemm, attention, rmsnorm, layernorm, softmax, copy };
const char* kernel_name(KernelKind k);
/// "gemm", "moe-gemm", ... (throws Error with did-you-mean on anything else).
KernelKind parse_kernel_kind(const std::string& s);

/// One shape; each kind reads its own fields (0 = not given).
struct KernelShape {
  double batch = 1;                           ///< gemm: batched GEMMs; attention: sequences
  double m = 0, n = 0, k = 0;                 ///< gemm: C[m,n] = A[m,k] B[k,n]; moe-gemm: n x k per expert
  double heads = 0, kv_heads = 0;             ///< attention: query and KV heads
  double seq = 0, kv_seq = 0;                 ///< attention: query tokens, key/value tokens (0 = seq)
  double head_dim = 0;                        ///< attention
  bool causal = false;                        ///< attention: causal mask
  double rows = 0, cols = 0;                  ///< rmsnorm/layernorm/softmax
  double bytes = 0;                           ///< copy: bytes copied
  double experts = 0, tokens = 0, top_k = 0;  ///< moe-gemm
};

/// FLOPs and HBM bytes of one kernel (the minimum traffic: each operand read once, the output
/// written once), and whether its FLOPs run on tensor cores.
struct KernelCost {
  double flops = 0, bytes = 0;
  bool tensor = true;  ///< false: vector units (norms, softmax, copy)
};
/// Throws Error for a shape that lacks a field its kind needs or whose counts overflow.
KernelCost kernel_cost(KernelKind kind, const KernelShape& s, const DType& dtype);

/// One kernel on one GPU.
struct KernelRow {
  KernelKind kind = KernelKind::gemm;
  KernelShape shape;
  DType dtype;
  KernelCost cost;
  double intensity = 0;        ///< FLOPs per byte
  double ridge_intensity = 0;  ///< peak FLOP/s / peak bytes/s for the dtype's units
  double peak_flop_per_s = 0, peak_bw = 0;
  std::string compute_used;  ///< the units that run it: "bf16", "fp8", ..., "fp32 vector"
  bool fell_back = false;    ///< the GPU lacks the dtype's tensor cores: runs at `compute_used`
  double roofline_time_s = 0, realistic_time_s = 0;
  bool compute_bound = false;                 ///< roofline bound
  double flop_fraction = 0, bw_fraction = 0;  ///< the measured fractions the realistic time uses
  std::string fraction_source;
};

/// Roofline and realistic time of `kind` at `shape` on `gpu`. `dtype` is the one that runs (the
/// caller resolves fallbacks); the peak is the dtype's tensor peak, or the FP32 vector peak for
/// kernels that do not use tensor cores.
KernelRow evaluate_kernel(const Gpu& gpu, KernelKind kind, const KernelShape& shape, const DType& dtype);

/// A measured timing of one implementation at one shape.
struct KernelTiming {
  KernelKind kind = KernelKind::gemm;
  std::string impl;
  KernelShape shape;
  DType dtype;
  double time_s = 0;
  std::string where;  ///< file:line
};

/// A timing held against the roofline of its shape.
struct MeasuredRow {
  KernelTiming timing;
  KernelRow model;
  double achieved_flop_per_s = 0, achieved_bytes_per_s = 0;
  double pct_of_roofline = 0;  ///< roofline time / measured time x 100
  bool fastest = false;        ///< fastest implementation at this shape and dtype
  bool below = false;          ///< under the --below threshold
};

/// What `kernel` reports: the queried shapes on a GPU, and the measured timings against them.
struct KernelReport {
  const Gpu* gpu = nullptr;
  KernelKind kind = KernelKind::gemm;
  DType dtype;
  std::vector<KernelRow> rows;
  std::vector<MeasuredRow> measured;
  double below_pct = 50;
  std::string measured_path;
  long measured_read = 0, measured_other = 0;  ///< rows in the file; rows of other kernels
  std::vector<std::string> warnings;
};

/// Whether two shapes of `kind` are the same (the fields the kind reads).
bool same_shape(KernelKind kind, const KernelShape& a, const KernelShape& b);
/// "m=4096 n=4096 k=4096" (the fields the kind reads).
std::string shape_text(KernelKind kind, const KernelShape& s);

/// Each timing against its roofline; marks the fastest per (shape, dtype) and those below
/// `below_pct` of roofline.
std::vector<MeasuredRow> hold_against_roofline(const Gpu& gpu, const std::vector<KernelTiming>& timings,
                                               double below_pct);

}  // namespace mlcalc
