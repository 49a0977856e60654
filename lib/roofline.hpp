// Roofline of one kernel (Williams, Waterman, Patterson, CACM 52(4) 2009): a kernel moving
// `bytes` and doing `flops` takes max(bytes / bandwidth, flops / FLOP rate) and is bound by the
// larger term. Steps sum their kernels (kernels of a step run one after another).
#pragma once

namespace mlcalc {

struct KernelTime {
  double time_s = 0;
  bool memory_bound = true;
};

/// `bw_bytes_per_s` and `flop_per_s` are the achieved rates (peak x efficiency).
KernelTime kernel_time(double bytes, double flops, double bw_bytes_per_s, double flop_per_s);

/// Sum of kernels, split by what bounds each.
struct RooflineSum {
  double t_memory = 0, t_compute = 0;
  void add(const KernelTime& k) { (k.memory_bound ? t_memory : t_compute) += k.time_s; }
  double total() const { return t_memory + t_compute; }
};

}  // namespace mlcalc
