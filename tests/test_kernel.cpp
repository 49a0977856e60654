// kernel: FLOPs and bytes of each kind by hand, the GEMM and copy rooflines against the measured
// MAMF and copy figures of hardware-db, sweeps, measured files (CSV, JSON) ranked, bad input.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "cli_runner.hpp"
#include "common.hpp"
#include "io/kernel_timings.hpp"
#include "kernel.hpp"

using namespace mlcalc;

namespace {

mlcalc::test::Run mlc(const std::string& a) {
  return mlcalc::test::mlcalc(a);
}

std::string write_temp(const std::string& name, const std::string& text) {
  static const std::string dir = [] {
    char t[] = "/tmp/mlcalc-kernel-XXXXXX";
    return std::string(::mkdtemp(t));
  }();
  const std::string p = dir + "/" + name;
  std::ofstream(p) << text;
  return p;
}

const DType kBf16{DType::Kind::bf16};

}  // namespace

TEST_CASE("kernel FLOPs and bytes by hand") {
  KernelShape g;
  g.m = 4096, g.n = 1024, g.k = 512;
  const KernelCost gc = kernel_cost(KernelKind::gemm, g, kBf16);
  CHECK(gc.flops == 2.0 * 4096 * 1024 * 512);
  CHECK(gc.bytes == 2.0 * (4096.0 * 512 + 512.0 * 1024 + 4096.0 * 1024));  // A + B + C, 2 bytes each
  g.batch = 3;
  CHECK(kernel_cost(KernelKind::gemm, g, kBf16).flops == 3 * gc.flops);

  // Attention, non-causal: 4 x seq x kv_seq x d per head (Dao et al. 2022 sec. 3.1).
  KernelShape a;
  a.batch = 2, a.heads = 16, a.kv_heads = 4, a.seq = 1024, a.head_dim = 64;
  const KernelCost ac = kernel_cost(KernelKind::attention, a, kBf16);
  CHECK(ac.flops == 4.0 * 2 * 16 * 1024 * 1024 * 64);
  // Q and O over 16 heads, K and V over 4: 2 x 64 x (2 x 16 x 1024 + 2 x 4 x 1024) x 2 bytes.
  CHECK(ac.bytes == 2.0 * 64 * (2 * 16 * 1024 + 2 * 4 * 1024) * 2);
  // Causal, queries = keys: 1024 x 1025 / 2 pairs instead of 1024^2.
  a.causal = true;
  CHECK(kernel_cost(KernelKind::attention, a, kBf16).flops == 4.0 * 2 * 16 * (1024.0 * 1025 / 2) * 64);
  // Causal chunk: 256 new queries after 768 cached keys: 256 x 768 + 256 x 257 / 2 pairs.
  a.seq = 256, a.kv_seq = 1024;
  CHECK(kernel_cost(KernelKind::attention, a, kBf16).flops == 4.0 * 2 * 16 * (256.0 * 768 + 256.0 * 257 / 2) * 64);

  KernelShape r;
  r.rows = 100, r.cols = 4096;
  CHECK(kernel_cost(KernelKind::rmsnorm, r, kBf16).bytes == (2.0 * 100 * 4096 + 4096) * 2);
  CHECK(kernel_cost(KernelKind::rmsnorm, r, kBf16).flops == 4.0 * 100 * 4096);
  CHECK(kernel_cost(KernelKind::layernorm, r, kBf16).bytes == (2.0 * 100 * 4096 + 2 * 4096) * 2);
  CHECK(kernel_cost(KernelKind::softmax, r, DType{DType::Kind::fp32}).bytes == 2.0 * 100 * 4096 * 4);
  CHECK_FALSE(kernel_cost(KernelKind::softmax, r, kBf16).tensor);

  KernelShape c;
  c.bytes = 1e9;
  CHECK(kernel_cost(KernelKind::copy, c, kBf16).bytes == 2e9);  // read + write

  // MoE: 1 token, top-2 of 8 experts touches 8 x (1 - (1 - 2/8)^1) = 2 experts.
  KernelShape e;
  e.experts = 8, e.tokens = 1, e.top_k = 2, e.n = 1000, e.k = 500;
  const KernelCost ec = kernel_cost(KernelKind::moe_gemm, e, kBf16);
  CHECK(ec.flops == 2.0 * 1 * 2 * 1000 * 500);
  CHECK(ec.bytes == doctest::Approx((2.0 * 1000 * 500 + 2 * (1000 + 500)) * 2));
}

TEST_CASE("GEMM and copy rooflines against hardware-db's measured MAMF and copy rates (H100 SXM)") {
  // 8192^3 bf16: roofline 2 x 8192^3 / 989e12 s (compute-bound); realistic at the MAMF rate,
  // 794.5 TFLOP/s (stas00/ml-engineering MAMF table, hardware-db h100-sxm [efficiency]).
  const auto r = mlc("kernel gemm --m 8192 --n 8192 --k 8192 --dtype bf16 --gpu h100-sxm --json");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto row = r.json()["result"]["rows"][0];
  CHECK(row["roofline_time_s"].get<double>() == doctest::Approx(2.0 * std::pow(8192.0, 3) / 989e12));
  CHECK(row["bound"] == "compute");
  CHECK(row["achievable_tflops"].get<double>() == doctest::Approx(794.5).epsilon(0.01));
  CHECK(row["realistic_time_s"].get<double>() > row["roofline_time_s"].get<double>());
  CHECK(row["ridge_intensity"].get<double>() == doctest::Approx(989e12 / 3.35e12));
  // A 1 GiB device-to-device copy: about 3.0 TB/s of HBM traffic (2 x bytes) on a 3.35 TB/s part.
  const auto c = mlc("kernel copy --bytes 1073741824 --gpu h100-sxm --json");
  REQUIRE(c.status == 0);
  const auto cr = c.json()["result"]["rows"][0];
  CHECK(cr["bound"] == "memory");
  CHECK(cr["achievable_gb_s"].get<double>() == doctest::Approx(3015).epsilon(0.01));
  CHECK(cr["roofline_time_s"].get<double>() == doctest::Approx(2.0 * 1073741824 / 3.35e12));
}

TEST_CASE("kernel sweeps: ranges double, lists combine, the ridge point splits the bounds") {
  const auto r = mlc("kernel gemm --m 1..4096 --n 4096 --k 4096 -g h100-sxm --json");
  REQUIRE(r.status == 0);
  const auto rows = r.json()["result"]["rows"];
  REQUIRE(rows.size() == 13);  // 1, 2, 4, ..., 4096
  // Skinny GEMMs (decode) are memory-bound, square ones compute-bound; intensity grows with m.
  CHECK(rows[0]["bound"] == "memory");
  CHECK(rows[12]["bound"] == "compute");
  for (size_t i = 1; i < rows.size(); ++i)
    CHECK(rows[i]["intensity"].get<double>() > rows[i - 1]["intensity"].get<double>());
  for (const auto& x : rows)
    CHECK((x["intensity"].get<double>() < x["ridge_intensity"].get<double>()) == (x["bound"] == "memory"));
  CHECK(mlc("kernel gemm --m 1024,2048 --n 512,1024 --k 64 -g h100-sxm --json").json()["result"]["rows"].size() == 4);
}

TEST_CASE("kernel --measured: three implementations ranked, % of roofline, CSV and JSON alike") {
  const std::string csv = write_temp("m.csv",
                                     "kernel,impl,m,n,k,dtype,time_us\n"
                                     "gemm,torch,4096,4096,4096,bf16,190\n"
                                     "gemm,triton,4096,4096,4096,bf16,175\n"
                                     "gemm,cuda,4096,4096,4096,bf16,210\n"
                                     "softmax,torch,,,,bf16,12\n");
  const auto r = mlc("kernel gemm --m 4096 --n 4096 --k 4096 --gpu h100-sxm --measured " + csv + " --json");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto ms = r.json()["result"]["measured"];
  REQUIRE(ms.size() == 3);
  int fastest = 0;
  for (const auto& m : ms) {
    if (m["fastest"].get<bool>()) {
      ++fastest;
      CHECK(m["impl"] == "triton");
    }
    // roofline 2 x 4096^3 / 989e12 = 138.97 us; torch 190 us -> 73.1%.
    const double roof = 2.0 * std::pow(4096.0, 3) / 989e12;
    CHECK(m["pct_of_roofline"].get<double>() == doctest::Approx(100 * roof / m["time_s"].get<double>()));
    CHECK(m["achieved_tflops"].get<double>() ==
          doctest::Approx(2.0 * std::pow(4096.0, 3) / m["time_s"].get<double>() / 1e12));
  }
  CHECK(fastest == 1);
  // The softmax row is of another kernel: counted, said, not silently dropped.
  bool said = false;
  const auto rj = r.json();
  for (const auto& w : rj["warnings"]) said = said || w.get<std::string>().find("1 of 4 rows") != std::string::npos;
  CHECK(said);
  // The same rows as JSON, times in ms, without shape flags: every measured shape is a row.
  const std::string json =
      write_temp("m.json",
                 R"([{"kernel":"gemm","impl":"torch","m":4096,"n":4096,"k":4096,"dtype":"bf16","time_ms":0.19},
{"kernel":"gemm","impl":"triton","m":4096,"n":4096,"k":4096,"dtype":"bf16","time_ms":0.175}])");
  const auto j = mlc("kernel gemm -g h100-sxm --measured " + json + " --json");
  REQUIRE_MESSAGE(j.status == 0, j.err);
  CHECK(j.json()["result"]["rows"].size() == 1);
  CHECK(j.json()["result"]["measured"][1]["fastest"].get<bool>());
  // --below flags the slow ones; an SVG roofline has the measured series.
  const std::string svg = write_temp("k.svg", "");
  const auto b = mlc("kernel gemm -g h100-sxm --measured " + csv + " --below 70 --svg " + svg + " --json");
  REQUIRE(b.status == 0);
  int below = 0;
  const auto bj = b.json();
  for (const auto& m : bj["result"]["measured"]) below += m["below_threshold"].get<bool>();
  CHECK(below == 1);  // cuda at 66%
  std::ifstream f(svg);
  const std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  CHECK(s.find("measured: triton") != std::string::npos);
  CHECK(s.find("roofline (peak)") != std::string::npos);
}

TEST_CASE("kernel bad input: shapes, kinds, dtypes, measured files") {
  struct Case {
    std::string args;
    int status;
    std::string words;
  };
  const std::vector<Case> cases = {
      {"kernel gemm --m 0 --n 1 --k 1 -g h100-sxm", 2, "--m"},
      {"kernel gemm --m -4 --n 1 --k 1 -g h100-sxm", 2, "--m"},
      {"kernel gemm --n 1 --k 1 -g h100-sxm", 2, "needs --m"},
      {"kernel gemm --m 4000000000 --n 4000000000 --k 4000000000 -g h100-sxm", 1, "exceeds 2^63"},
      {"kernel gem --m 1 -g h100-sxm", 2, "did you mean 'gemm'"},
      {"kernel gemm --m 1 --n 1 --k 1 -g h100-sxn", 1, "did you mean"},
      {"kernel gemm --m 1 --n 1 --k 1 -g h100-sxm --dtype int4", 2, "weight-only"},
      {"kernel gemm --m 1 --n 1 --k 1 -g h100-sxm --dtype fp9", 2, "fp9"},
      {"kernel attention --heads 32 --kv-heads 5 --seq 16 --head-dim 64 -g h100-sxm", 2, "multiple of --kv-heads"},
      {"kernel attention --heads 32 --seq 16 --kv-seq 8 --head-dim 64 --causal -g h100-sxm", 2, "--kv-seq"},
      {"kernel gemm --m 1 --n 1 --k 1 --causal -g h100-sxm", 2, "--causal applies to attention"},
      {"kernel moe-gemm --experts 8 --tokens 4 --top-k 9 --n 8 --k 8 -g h100-sxm", 2, "exceeds --experts"},
      {"kernel gemm --m 1..100000 --n 1..100000 --k 1..100000 --batch 1..100000 -g h100-sxm", 2, "at most 100,000"},
  };
  for (const auto& c : cases) {
    const auto r = mlc(c.args);
    INFO(c.args, " -> ", r.err);
    CHECK(r.status == c.status);
    CHECK(lower(r.err).find(lower(c.words)) != std::string::npos);
  }
  const std::vector<std::pair<std::string, std::string>> files = {
      {"kernel,impl,m,n,k,time_us\ngemm,a,1,1,1,5\n", "missing column 'dtype'"},
      {"kernel,impl,m,n,k,dtype\ngemm,a,1,1,1,bf16\n", "missing a time column"},
      {"kernel,impl,m,n,k,dtype,time_min\ngemm,a,1,1,1,bf16,5\n", "unknown column 'time_min'"},
      {"kernel,impl,m,n,k,dtype,time,unit\ngemm,a,1,1,1,bf16,5,fortnights\n", ":2: unknown time unit"},
      {"kernel,impl,m,n,k,dtype,time_us\ngemm,a,1,1,1,bf16,5\ngemm,a,1,1,1,bf16,6\n", ":3: duplicate of"},
      {"kernel,impl,m,n,k,dtype,time_us\ngemm,a,1,1,1,bf16,-5\n", ":2: time must be"},
      {"kernel,impl,m,n,k,dtype,time_us\ngemm,a,1,1,1,bf16,abc\n", "is not a number"},
      {"kernel,impl,m,n,k,dtype,time_us\ngemm,a,1,1\n", ":2: 4 fields, the header has 7"},
      {"kernel,impl,m,n,k,dtype,time_us\ngemm,a,0x10,1,1,bf16,5\n", "not a number"},
      {"kernel,impl,n,k,dtype,time_us\ngemm,a,1,1,bf16,5\n", "needs --m"},
      {"[{\"kernel\":\"gemm\"}", "not valid JSON"},
      {"", "empty file"},
  };
  int i = 0;
  for (const auto& file : files) {
    const std::string& text = file.first;
    const std::string& words = file.second;
    const std::string p = write_temp("bad" + std::to_string(i++) + ".csv", text);
    const auto r = mlc("kernel gemm -g h100-sxm --measured " + p);
    INFO(text, " -> ", r.err);
    CHECK(r.status == 1);
    CHECK(r.err.find(words) != std::string::npos);
  }
  const auto missing = mlc("kernel gemm -g h100-sxm --measured /nonexistent/x.csv");
  CHECK(missing.status == 1);
  // A dtype the GPU lacks falls back with a warning, as throughput does.
  const auto fb = mlc("kernel gemm --m 4096 --n 4096 --k 4096 --dtype fp8 -g a100-sxm-80gb --json");
  REQUIRE(fb.status == 0);
  CHECK(fb.json()["result"]["rows"][0]["compute"] == "bf16");
  CHECK(fb.json()["warnings"][0].get<std::string>().find("no fp8 tensor cores") != std::string::npos);
}
