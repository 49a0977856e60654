// Reads measured kernel timings (`mlcalc kernel --measured FILE`): CSV or JSON, one row per
// (kernel, impl, shape, dtype, time), the schema in the README ("Measured timings"). Strict:
// unknown columns, units or kernels, missing fields and duplicate rows are errors naming
// file:line; rows of another kernel than the one asked about are counted, not silently dropped.
#pragma once
#include <string>
#include <vector>

#include "../kernel.hpp"

namespace mlcalc {

struct TimingFile {
  std::vector<KernelTiming> rows;  ///< the rows of the kernel asked about
  long read = 0;                   ///< data rows in the file
  long other_kernels = 0;          ///< rows of other kernels (not used)
};

/// Parses `text` (from `path`: JSON when it starts with '[' or '{', else CSV) and keeps the rows
/// of `kind`.
TimingFile parse_kernel_timings(const std::string& path, const std::string& text, KernelKind kind);
/// Reads and parses the file at `path`.
TimingFile read_kernel_timings(const std::string& path, KernelKind kind);

}  // namespace mlcalc
