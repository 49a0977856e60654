#include "dtype.hpp"

#include <charconv>

#include "common.hpp"

namespace mlcalc {

double DType::bytes() const {
  switch (kind) {
    case Kind::fp32:
      return 4.0;
    case Kind::bf16:
    case Kind::fp16:
      return 2.0;
    case Kind::fp8:
      return 1.0;
    // DeepSeek-V3 FP8: one fp32 scale per 128x128 weight block (config weight_block_size).
    case Kind::fp8_block:
      return 1.0 + 4.0 / (128.0 * 128.0);
    // Per-channel scales of int8 weight-only quantization are h elements of an h*k
    // matrix: < 0.1% for h >= 2048, neglected.
    case Kind::int8:
      return 1.0;
    // int4 with one fp16 scale per group of g (GPTQ/AWQ/GGUF Q4_0): 0.5 + 2/g.
    case Kind::int4:
      return 0.5 + 2.0 / group_size;
    // OCP MX spec v1.0: MXFP4 = 32 fp4 elements share one 8-bit e8m0 scale.
    case Kind::mxfp4:
      return 0.5 + 1.0 / 32.0;
    // NVIDIA NVFP4: 16 fp4 elements share one fp8 e4m3 scale (per-tensor fp32 scale neglected).
    case Kind::nvfp4:
      return 0.5 + 1.0 / 16.0;
  }
  return 2.0;
}

std::string DType::name() const {
  switch (kind) {
    case Kind::fp32:
      return "fp32";
    case Kind::bf16:
      return "bf16";
    case Kind::fp16:
      return "fp16";
    case Kind::fp8:
      return "fp8";
    case Kind::fp8_block:
      return "fp8-block";
    case Kind::int8:
      return "int8";
    case Kind::int4:
      return group_size == 128 ? "int4" : "int4-g" + std::to_string(group_size);
    case Kind::mxfp4:
      return "mxfp4";
    case Kind::nvfp4:
      return "nvfp4";
  }
  return "bf16";
}

std::string_view compute_class_name(ComputeClass c) {
  switch (c) {
    case ComputeClass::fp32:
      return "fp32";
    case ComputeClass::bf16:
      return "bf16";
    case ComputeClass::fp8:
      return "fp8";
    case ComputeClass::int8:
      return "int8";
    case ComputeClass::fp4:
      return "fp4";
  }
  return "bf16";
}

ComputeClass preferred_compute(const DType& d) {
  using K = DType::Kind;
  switch (d.kind) {
    case K::fp32:
      return ComputeClass::fp32;
    case K::fp8:
    case K::fp8_block:
      return ComputeClass::fp8;
    case K::mxfp4:
    case K::nvfp4:
      return ComputeClass::fp4;
    default:
      return ComputeClass::bf16;
  }
}

const std::vector<std::string>& dtype_names() {
  static const std::vector<std::string> names = {"fp32", "bf16", "fp16",    "fp8",   "fp8-block",
                                                 "int8", "int4", "int4-gN", "mxfp4", "nvfp4"};
  return names;
}

DType parse_dtype(std::string_view s) {
  const std::string n = lower(s);
  using K = DType::Kind;
  if (n == "fp32" || n == "float32") return {K::fp32};
  if (n == "bf16" || n == "bfloat16") return {K::bf16};
  if (n == "fp16" || n == "float16") return {K::fp16};
  if (n == "fp8" || n == "fp8-e4m3" || n == "e4m3") return {K::fp8};
  if (n == "fp8-block") return {K::fp8_block};
  if (n == "int8") return {K::int8};
  if (n == "int4") return {K::int4, 128};
  if (n.rfind("int4-g", 0) == 0) {
    int g = 0;
    const char* b = n.data() + 6;
    const char* e = n.data() + n.size();
    auto [p, ec] = std::from_chars(b, e, g);
    if (ec != std::errc() || p != e || g < 8 || g > 4096)
      throw Error("unknown dtype '" + std::string(s) +
                  "'; int4-gN takes a group size N from 8 to 4096 (e.g. int4-g32)");
    return {K::int4, g};
  }
  if (n == "mxfp4") return {K::mxfp4};
  if (n == "nvfp4") return {K::nvfp4};
  throw Error("unknown dtype '" + std::string(s) + "'" + did_you_mean(n, dtype_names()) +
              " (known: fp32 bf16 fp16 fp8 fp8-block int8 int4 int4-gN mxfp4 nvfp4)");
}

}  // namespace mlcalc
