// Data types of weights, KV caches and states: bytes per element including scales.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mlcalc {

/// Storage format of a tensor. Block-scaled formats carry their scale overhead.
struct DType {
  enum class Kind { fp32, bf16, fp16, fp8, fp8_block, int8, int4, mxfp4, nvfp4 };
  Kind kind = Kind::bf16;
  int group_size = 0;  ///< int4 quantization group (elements per fp16 scale)

  /// Bytes per element including scale overhead (docs/model.md "Data types").
  double bytes() const;
  /// Canonical name as typed on the command line (`int4-g32`, `fp8-block`).
  std::string name() const;
  bool operator==(const DType&) const = default;
};

/// Which tensor-core peak a matmul with these weights runs at.
enum class ComputeClass { fp32, bf16, fp8, int8, fp4 };
std::string_view compute_class_name(ComputeClass c);

/// Compute class a matmul with weights of `d` asks for. Weight-only integer
/// formats (int8, int4: gpt-fast, AWQ/GPTQ W4A16) dequantize to bf16 and compute there.
ComputeClass preferred_compute(const DType& d);

/// Parses `fp32 bf16 fp16 fp8 fp8-block int8 int4 int4-gN mxfp4 nvfp4` (case-insensitive);
/// throws Error with a did-you-mean on anything else.
DType parse_dtype(std::string_view s);

/// Every accepted dtype name (for help texts and did-you-mean).
const std::vector<std::string>& dtype_names();

}  // namespace mlcalc
