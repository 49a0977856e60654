#include "roofline.hpp"

#include <algorithm>

namespace mlcalc {

KernelTime kernel_time(double bytes, double flops, double bw_bytes_per_s, double flop_per_s) {
  const double mem = bw_bytes_per_s > 0 ? bytes / bw_bytes_per_s : 0;
  const double cmp = flop_per_s > 0 ? flops / flop_per_s : 0;
  return {std::max(mem, cmp), mem >= cmp};
}

}  // namespace mlcalc
