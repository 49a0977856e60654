// Data types: bytes per element (with scale overhead), parsing, names, and the compute-peak
// fallback. Values: docs/model.md "Data types" (copied here; no file is read at run time).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common.hpp"
#include "dtype.hpp"
#include "hardware.hpp"

using mlcalc::ComputeClass;
using mlcalc::DType;
using mlcalc::parse_dtype;

namespace {

double bytes_of(const char* name) {
  return parse_dtype(name).bytes();
}

std::string error_of(const char* name) {
  try {
    parse_dtype(name);
  } catch (const mlcalc::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("dtype: bytes per element of the plain formats") {
  // docs/model.md "Data types": fp32 4, bf16/fp16 2, fp8 1, int8 1.
  CHECK(bytes_of("fp32") == 4.0);
  CHECK(bytes_of("bf16") == 2.0);
  CHECK(bytes_of("fp16") == 2.0);
  CHECK(bytes_of("fp8") == 1.0);
  CHECK(bytes_of("int8") == 1.0);
}

TEST_CASE("dtype: block-scaled fp8 carries one fp32 scale per 128x128 block") {
  // deepseek-ai/DeepSeek-V3 README_WEIGHTS.md "FP8 Weight Documentation" (docs/model.md "Data types"): fp8 1 B + one
  // fp32 (4 B) scale per 128x128 = 16384 elements. 1 + 4/16384 = 1.000244140625 (exact in binary).
  CHECK(bytes_of("fp8-block") == doctest::Approx(1.0 + 4.0 / 16384.0).epsilon(1e-12));
  CHECK(bytes_of("fp8-block") == doctest::Approx(1.000244140625).epsilon(1e-12));
}

TEST_CASE("dtype: int4 with fp16 group scales is 0.5 + 2/g bytes") {
  // docs/model.md "Data types" (GPTQ arXiv:2210.17323 / AWQ arXiv:2306.00978 group scales): int4 with group size g ->
  // 0.5 + 2/g (one fp16 scale per group). Default group 128: 0.5 + 2/128 = 0.515625.
  CHECK(bytes_of("int4") == doctest::Approx(0.5 + 2.0 / 128.0).epsilon(1e-12));
  CHECK(bytes_of("int4") == doctest::Approx(0.515625).epsilon(1e-12));
  // int4-g32 (gpt-fast int4 g32, I-03, pytorch-labs/gpt-fast README.md @32971d3): 0.5 + 2/32 = 0.5625.
  CHECK(bytes_of("int4-g32") == doctest::Approx(0.5625).epsilon(1e-12));
  // int4-g64: 0.5 + 2/64 = 0.53125.
  CHECK(bytes_of("int4-g64") == doctest::Approx(0.53125).epsilon(1e-12));
  // Explicit g128 is the default: same bytes.
  CHECK(bytes_of("int4-g128") == doctest::Approx(0.515625).epsilon(1e-12));
}

TEST_CASE("dtype: microscaling fp4 formats") {
  // OCP Microscaling Formats (MX) Specification v1.0, concrete-formats table (docs/model.md "Data types"): MXFP4 0.5 +
  // 1/32 (one e8m0 byte per 32) = 0.53125.
  CHECK(bytes_of("mxfp4") == doctest::Approx(0.53125).epsilon(1e-12));
  // NVFP4 0.5 + 1/16 (one fp8 scale per 16) = 0.5625 (per-tensor fp32 scale neglected).
  CHECK(bytes_of("nvfp4") == doctest::Approx(0.5625).epsilon(1e-12));
}

TEST_CASE("dtype: parsing is case-insensitive and accepts the long torch names") {
  CHECK(parse_dtype("BF16") == DType{DType::Kind::bf16});
  CHECK(parse_dtype("bfloat16") == DType{DType::Kind::bf16});
  CHECK(parse_dtype("float16") == DType{DType::Kind::fp16});
  CHECK(parse_dtype("float32") == DType{DType::Kind::fp32});
  CHECK(parse_dtype("FP8-Block") == DType{DType::Kind::fp8_block});
  CHECK(parse_dtype("int4").group_size == 128);
  CHECK(parse_dtype("INT4-G32").group_size == 32);
}

TEST_CASE("dtype: unknown names throw mlcalc::Error with a did-you-mean") {
  CHECK_THROWS_AS(parse_dtype("bf61"), mlcalc::Error);
  const std::string msg = error_of("bf61");
  INFO("message: " << msg);
  CHECK(msg.find("unknown dtype 'bf61'") != std::string::npos);
  CHECK(msg.find("did you mean 'bf16'") != std::string::npos);
  // Errors are input errors (exit 1), one line.
  try {
    parse_dtype("int5");
    FAIL("int5 parsed");
  } catch (const mlcalc::Error& e) {
    CHECK(e.kind == mlcalc::ErrorKind::input);
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
  CHECK_THROWS_AS(parse_dtype(""), mlcalc::Error);
}

TEST_CASE("dtype: int4 group sizes outside 8..4096 and malformed groups are rejected") {
  for (const char* bad : {"int4-g0", "int4-g", "int4-g7", "int4-g4097", "int4-gx", "int4-g32x", "int4-g-32"}) {
    INFO("dtype " << bad);
    CHECK_THROWS_AS(parse_dtype(bad), mlcalc::Error);
  }
  CHECK(error_of("int4-g0").find("unknown dtype 'int4-g0'") != std::string::npos);
  // The bounds themselves are accepted.
  CHECK(parse_dtype("int4-g8").group_size == 8);
  CHECK(parse_dtype("int4-g4096").group_size == 4096);
}

TEST_CASE("dtype: canonical names round-trip") {
  for (const char* n :
       {"fp32", "bf16", "fp16", "fp8", "fp8-block", "int8", "int4", "int4-g32", "int4-g64", "mxfp4", "nvfp4"}) {
    INFO("dtype " << n);
    CHECK(parse_dtype(n).name() == n);
    CHECK(parse_dtype(parse_dtype(n).name()) == parse_dtype(n));
  }
  // int4 with the default group 128 prints as plain "int4".
  CHECK(parse_dtype("int4-g128").name() == "int4");
  // Aliases print canonically.
  CHECK(parse_dtype("bfloat16").name() == "bf16");
  CHECK(parse_dtype("e4m3").name() == "fp8");
}

TEST_CASE("dtype: preferred compute class") {
  // docs/model.md "Data types" / dtype.hpp: weight-only int8/int4 dequantize to bf16.
  CHECK(mlcalc::preferred_compute(parse_dtype("fp32")) == ComputeClass::fp32);
  CHECK(mlcalc::preferred_compute(parse_dtype("bf16")) == ComputeClass::bf16);
  CHECK(mlcalc::preferred_compute(parse_dtype("fp8")) == ComputeClass::fp8);
  CHECK(mlcalc::preferred_compute(parse_dtype("fp8-block")) == ComputeClass::fp8);
  CHECK(mlcalc::preferred_compute(parse_dtype("int8")) == ComputeClass::bf16);
  CHECK(mlcalc::preferred_compute(parse_dtype("int4")) == ComputeClass::bf16);
  CHECK(mlcalc::preferred_compute(parse_dtype("mxfp4")) == ComputeClass::fp4);
  CHECK(mlcalc::preferred_compute(parse_dtype("nvfp4")) == ComputeClass::fp4);
}

namespace {
mlcalc::Gpu gpu_with(std::initializer_list<std::pair<mlcalc::Peak, double>> peaks) {
  mlcalc::Gpu g;
  g.id = "test-gpu";
  for (auto [p, v] : peaks) g.peak_flop_per_s[static_cast<size_t>(p)] = v;
  return g;
}
}  // namespace

TEST_CASE("resolve_peak: a GPU without fp8 runs fp8 at the bf16 peak and says so") {
  using mlcalc::Peak;
  // An A100-like GPU: bf16 312 TFLOP/s dense, no fp8/fp4 tensor cores (docs/model.md "Data types":
  // "FP8 weights on an A100 run at BF16 peak").
  const mlcalc::Gpu a100 = gpu_with({{Peak::fp32, 19.5e12}, {Peak::bf16, 312e12}, {Peak::fp16, 312e12}});
  auto r = mlcalc::resolve_peak(a100, ComputeClass::fp8);
  CHECK(r.used == ComputeClass::bf16);
  CHECK(r.flop_per_s == doctest::Approx(312e12).epsilon(1e-12));
  CHECK(r.fell_back);
  // FP4 on a GPU without fp4 (Hopper) likewise falls back to bf16.
  r = mlcalc::resolve_peak(a100, ComputeClass::fp4);
  CHECK(r.used == ComputeClass::bf16);
  CHECK(r.flop_per_s == doctest::Approx(312e12).epsilon(1e-12));
  CHECK(r.fell_back);
  // bf16 itself does not fall back.
  r = mlcalc::resolve_peak(a100, ComputeClass::bf16);
  CHECK(r.used == ComputeClass::bf16);
  CHECK_FALSE(r.fell_back);
}

TEST_CASE("resolve_peak: a GPU with fp8 uses it") {
  using mlcalc::Peak;
  // H100 SXM dense peaks: bf16 989, fp8 1979 TFLOP/s (docs/model.md "Units"; hardware-db/gpus/h100-sxm.toml sources).
  const mlcalc::Gpu h100 = gpu_with({{Peak::bf16, 989e12}, {Peak::fp16, 989e12}, {Peak::fp8, 1979e12}});
  auto r = mlcalc::resolve_peak(h100, ComputeClass::fp8);
  CHECK(r.used == ComputeClass::fp8);
  CHECK(r.flop_per_s == doctest::Approx(1979e12).epsilon(1e-12));
  CHECK_FALSE(r.fell_back);
  // fp4 on Hopper: bf16 989 with the fallback flagged.
  r = mlcalc::resolve_peak(h100, ComputeClass::fp4);
  CHECK(r.used == ComputeClass::bf16);
  CHECK(r.flop_per_s == doctest::Approx(989e12).epsilon(1e-12));
  CHECK(r.fell_back);
}

TEST_CASE("resolve_peak: bf16 on a GPU that only lists fp16 uses the fp16 peak") {
  using mlcalc::Peak;
  // hardware-db README: peak_tflops needs bf16 (or fp16); the fp16 rate stands in for bf16.
  const mlcalc::Gpu g = gpu_with({{Peak::fp32, 10e12}, {Peak::fp16, 100e12}});
  auto r = mlcalc::resolve_peak(g, ComputeClass::bf16);
  CHECK(r.flop_per_s == doctest::Approx(100e12).epsilon(1e-12));
  CHECK_FALSE(r.fell_back);
  // fp8 on it: falls back to the (fp16-backed) bf16 slot.
  r = mlcalc::resolve_peak(g, ComputeClass::fp8);
  CHECK(r.used == ComputeClass::bf16);
  CHECK(r.flop_per_s == doctest::Approx(100e12).epsilon(1e-12));
  CHECK(r.fell_back);
}
