// Tests of `mlcalc throughput` (decode, prefill, serving), run through the real binary.
//
// Measured values are copied with their case ID and source tag; the sources are:
//   S-GF  pytorch-labs/gpt-fast README.md @32971d3129541c5bfb4f715abc33d1c5f408d204
//   S-FT  cli99/llm-analysis examples/fastertransformer/README.md @d841e40a (kipply's
//         "Transformer Inference Arithmetic" FasterTransformer measurements)
//   S-TRT NVIDIA/TensorRT-LLM docs/source/performance/perf-overview.md @00f37686aa854010d68bcbd0f4ab000221541ca6
// Physics: docs/model.md "Inference time". A roofline is an upper bound: it must never
// be slower than a measurement; the realistic estimate must land within a stated band.
#include <doctest/doctest.h>

#include <cmath>
#include <regex>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace {

using mlcalc::test::Run;
// `mlcalc` alone would be ambiguous with namespace mlcalc at global scope.
Run mlc(const std::string& args) {
  return mlcalc::test::mlcalc(args);
}
using nlohmann::json;

// Runs `mlcalc throughput ARGS --json`, requires exit 0, returns the parsed document.
json throughput(const std::string& args) {
  const Run r = mlc("throughput " + args + " --json");
  INFO("mlcalc throughput " << args << "\nstderr: " << r.err);
  REQUIRE(r.status == 0);
  json j;
  REQUIRE_NOTHROW(j = r.json());
  REQUIRE(j.contains("result"));
  return j;
}

double ratio(double predicted, double measured) {
  return predicted / measured;
}

// Every number anywhere under `j` is finite, and nothing under it is null (nlohmann writes NaN/inf as
// null), except inside a record that says `"fits": false`, whose figures are null by design.
void require_all_finite(const json& j, const std::string& path = "result", bool null_ok = false) {
  if (j.is_number()) {
    INFO(path << " = " << j.dump());
    CHECK(std::isfinite(j.get<double>()));
  } else if (j.is_null()) {
    if (!null_ok) FAIL_CHECK(path << " is null (NaN or inf written as null?)");
  } else if (j.is_object()) {
    const bool unfit = null_ok || (j.contains("fits") && j["fits"].is_boolean() && !j["fits"].get<bool>());
    // Keys that are null by design when they do not apply (open-loop only, or no problem).
    for (auto it = j.begin(); it != j.end(); ++it)
      require_all_finite(
          it.value(), path + "." + it.key(),
          unfit || it.key() == "problem" || it.key() == "request_rate" || it.key() == "max_request_rate");
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) require_all_finite(j[i], path + "[" + std::to_string(i) + "]", null_ok);
  }
}

// No "nan" / "inf" word in text output (table or JSON, stdout or stderr).
bool has_nan_or_inf(const std::string& s) {
  static const std::regex re(R"(\b-?(nan|inf|infinity)\b)", std::regex::icase);
  return std::regex_search(s, re);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 1. gpt-fast, batch 1, prompt 5 tokens, 200 generated, one A100-80GB (S-GF, cases I-01..I-08).
//
// The gpt-fast A100s were power-capped at 330 W and the README puts their empirical peak
// bandwidth at ~1700 GB/s, not the 2039 GB/s datasheet figure. So the realistic run passes
// --mem-eff 0.834 (= 1.7 / 2.039): the bandwidth those GPUs could actually reach. The roofline
// keeps the datasheet 2.039 TB/s (it must stay an upper bound).
//
// Hand check, I-01 (Llama-2-7B bf16): 6,738,415,616 params, minus the 32000 x 4096 = 131,072,000
// embedding table (a gather, not streamed) = 6,607,343,616 x 2 B = 13.215 GB of weights; KV at the
// mean context 5 + 200/2 = 105 tokens: 32 layers x 2 x 32 heads x 128 x 2 B = 524,288 B/token x 105
// = 0.055 GB. Roofline: 13.270 GB / 2.039 TB/s = 6.51 ms -> 153.7 tok/s (>= 104.9 measured).
// Realistic: 13.270 / (2.039 x 0.834) = 7.80 ms + 0.3 ms step overhead = 8.10 ms -> 123.4 tok/s,
// +17.6 % over the measured 104.9.
//
// The int8 / int4 "dequant" bandwidth factors in lib/inference.cpp (1069.20/1397.31 and
// 862.69/1397.31) were fitted on I-02 / I-03 (Llama-2-7B); I-04..I-08 (other models) are the
// out-of-sample checks of those factors.
TEST_CASE("throughput: gpt-fast batch-1 decode on A100-80GB (I-01..I-08)") {
  struct Case {
    const char* id;
    const char* model;
    const char* weights;
    double tok_s;  // measured tokens/s/user
  };
  const std::vector<Case> cases = {
      {"I-01", "llama-2-7b", "bf16", 104.9},       // S-GF: Llama-2-7B bf16, 1397.31 GB/s achieved
      {"I-02", "llama-2-7b", "int8", 155.58},      // S-GF: int8, 1069.20 GB/s (dequant factor fitted here)
      {"I-03", "llama-2-7b", "int4-g32", 196.80},  // S-GF: int4 g32, 862.69 GB/s (dequant factor fitted here)
      {"I-04", "llama-2-70b", "int8", 19.13},      // S-GF: TP1, int8 weights ~69 GB fit in 80 GB
      {"I-05", "llama-2-70b", "int4-g32", 25.25},  // S-GF: TP1
      {"I-06", "llama-3.1-8b", "bf16", 93.89},     // S-GF: 1410.76 GB/s
      {"I-07", "llama-3.1-8b", "int8", 137.64},    // S-GF
      {"I-08", "llama-3.1-70b", "int8", 18.04},    // S-GF: TP1
  };
  for (const auto& c : cases) {
    CAPTURE(c.id);
    CAPTURE(c.model);
    CAPTURE(c.weights);
    const std::string base =
        std::string("-m ") + c.model + " -g a100-sxm-80gb --input 5 --output 200 --weights " + c.weights;
    const json roof = throughput(base + " --mode roofline");
    const json real = throughput(base + " --mem-eff 0.834");
    REQUIRE(roof["result"]["mode"] == "roofline");
    REQUIRE(real["result"]["mode"] == "realistic");
    const json& rr = roof["result"]["rows"][0];
    const json& re = real["result"]["rows"][0];
    const double roof_tps = rr["tokens_per_s_per_user"].get<double>();
    const double real_tps = re["tokens_per_s_per_user"].get<double>();
    CAPTURE(roof_tps);
    CAPTURE(real_tps);
    CAPTURE(c.tok_s);
    // Roofline: an upper bound on the measurement.
    CHECK(roof_tps >= c.tok_s);
    CHECK(roof_tps >= real_tps);
    // Realistic: within 20 % for bf16 (plain bandwidth), 40 % for weight-only int8/int4
    // (the dequant factor is a single fit on one model).
    const double band = std::string(c.weights) == "bf16" ? 0.20 : 0.40;
    CHECK(std::abs(ratio(real_tps, c.tok_s) - 1.0) <= band);
    // Every case ran on one 80 GB GPU, so the weights must fit (I-04: 69 GB of int8 weights).
    CHECK(re["fits"].get<bool>());
    // Batch-1 decode streams weights: memory-bound.
    CHECK(rr["bound"] == "memory");
  }
}

// ---------------------------------------------------------------------------------------------
// 2. TensorRT-LLM Llama-3.1-8B FP8 max-throughput table (S-TRT, case I-30).
// trtllm-bench throughput, TP1, ModelOpt FP8 checkpoint, FP8 KV, kv_cache_free_gpu_mem_fraction
// 0.95 (hence --gpu-mem-util 0.95), infinite request rate: a steady state with as many requests
// in flight as fit, which is what --concurrency auto models. Metric: total output tokens/s.
//
// Hand check of the roofline, H100 128/128: 256 requests in flight (the default --max-batch),
// each step decodes 256 tokens and prefills 256 x 128/128 = 256 prompt tokens: 512 GEMM rows x
// 2 x ~7.5e9 matmul params = 7.7 TFLOP / 1979 TFLOP/s = 3.9 ms (compute-bound; the 7.5 GB of fp8
// weights take only 2.2 ms) -> ~256 / 4.9 ms = ~52,700 tok/s >= 28,312 measured.
TEST_CASE("throughput: TensorRT-LLM Llama-3.1-8B FP8 serving on H100/H200 (I-30)") {
  struct Pair {
    int isl, osl;
    double h200, h100;  // measured output tokens/s (S-TRT perf-overview.md @00f37686, I-30)
  };
  const std::vector<Pair> pairs = {
      {128, 128, 27911, 28312},   {128, 2048, 26221, 22714},  {128, 4096, 18027, 14325}, {500, 2000, 20770, 17660},
      {1000, 1000, 17744, 15220}, {1000, 2000, 16828, 13899}, {2048, 128, 3538, 3450},   {2048, 2048, 12194, 9305},
      {5000, 500, 3902, 3459},    {20000, 2000, 1804, 1351},
  };
  for (const char* gpu : {"h200-sxm", "h100-sxm"}) {
    for (const auto& p : pairs) {
      const double measured = std::string(gpu) == "h200-sxm" ? p.h200 : p.h100;
      CAPTURE(gpu);
      CAPTURE(p.isl);
      CAPTURE(p.osl);
      CAPTURE(measured);
      const std::string base = std::string("-m llama-3.1-8b -g ") + gpu + " --weights fp8 --kv-dtype fp8 --input " +
                               std::to_string(p.isl) + " --output " + std::to_string(p.osl) +
                               " --concurrency auto --gpu-mem-util 0.95";
      const json roof = throughput(base + " --mode roofline");
      const json real = throughput(base);
      const json& sr = roof["result"]["serving"];
      const json& se = real["result"]["serving"];
      const double roof_tps = sr["output_tokens_per_s"].get<double>();
      const double real_tps = se["output_tokens_per_s"].get<double>();
      CAPTURE(roof_tps);
      CAPTURE(real_tps);
      CAPTURE(se["concurrency"].get<double>());
      CHECK(se["concurrency"].get<double>() >= 1);
      CHECK(roof_tps >= measured);
      CHECK(roof_tps >= real_tps);
      CHECK(std::abs(ratio(real_tps, measured) - 1.0) <= 0.35);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 3. FasterTransformer GPT-style 13B on A100-40GB, fp16, context 512, batch 1, 10 generated
// tokens (S-FT, cases I-20 TP1 and I-21 TP2). opt-13b has the same shape as llm-analysis'
// test-13b config: hidden 5120, 40 layers, 40 heads, ffn 20480.
//
// Hand check of the TP1 roofline decode: 12.85e9 params, ~12.6e9 of them streamed per token (the
// token/position embedding tables are gathers) x 2 B = 25.2 GB / 1.555 TB/s = 16.2 ms, plus KV at
// context 517 (40 x 2 x 5120 x 2 B = 819,200 B/token x 517 = 0.42 GB -> 0.27 ms) = 16.5 ms <= 22.0
// measured. llm-analysis' "ideal" prediction was 17.07 ms (TP1) / 9.35 ms (TP2).
TEST_CASE("throughput: FasterTransformer 13B on A100-40GB (I-20, I-21)") {
  struct Case {
    const char* id;
    int tp;
    double tpot_s, ttft_s;  // measured decode ms/token and prefill ms (S-FT)
  };
  const std::vector<Case> cases = {
      {"I-20", 1, 22.0e-3, 63.17e-3},  // S-FT: TP1, prefill 63.17 ms, decode 22.0 ms/token
      {"I-21", 2, 13.5e-3, 45.45e-3},  // S-FT: TP2, prefill 45.45 ms, decode 13.5 ms/token
  };
  for (const auto& c : cases) {
    CAPTURE(c.id);
    const std::string base =
        "-m opt-13b -g a100-sxm-40gb --weights fp16 --input 512 --output 10 --tp " + std::to_string(c.tp);
    const json roof = throughput(base + " --mode roofline");
    const json real = throughput(base);
    const json& rr = roof["result"]["rows"][0];
    const json& re = real["result"]["rows"][0];
    const double roof_tpot = rr["tpot_s"].get<double>(), roof_ttft = rr["ttft_s"].get<double>();
    const double real_tpot = re["tpot_s"].get<double>(), real_ttft = re["ttft_s"].get<double>();
    CAPTURE(roof_tpot);
    CAPTURE(roof_ttft);
    CAPTURE(real_tpot);
    CAPTURE(real_ttft);
    // Roofline times are lower bounds.
    CHECK(roof_tpot <= c.tpot_s);
    CHECK(roof_ttft <= c.ttft_s);
    CHECK(roof_tpot <= real_tpot);
    CHECK(roof_ttft <= real_ttft);
    // Realistic decode (weight streaming, the part the efficiencies model best) within 25 %;
    // prefill (small GEMMs, launch-heavy FT kernels of 2022) within 40 %.
    CHECK(std::abs(ratio(real_tpot, c.tpot_s) - 1.0) <= 0.25);
    CHECK(std::abs(ratio(real_ttft, c.ttft_s) - 1.0) <= 0.40);
    CHECK(re["fits"].get<bool>());  // 25.7 GB of fp16 weights on a 40 GB GPU
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Invariants over a batch sweep 1..512 (powers of two): 1, 2, 4, ..., 512 = 10 rows.
TEST_CASE("throughput: roofline bounds realistic and grows with batch") {
  struct Case {
    const char* args;
  };
  const std::vector<Case> cases = {
      {"-m llama-3.1-70b -g h100-sxm --tp 4"},   // dense GQA
      {"-m mixtral-8x7b -g h100-sxm --tp 2"},    // MoE, 8 experts top-2
      {"-m deepseek-v3 -g h200-sxm --tp 8"},     // MLA + 256 experts, fp8 checkpoint
      {"-m gpt-oss-120b -g h100-sxm"},           // MXFP4 experts, sliding window layers
      {"-m jamba-1.5-mini -g h100-sxm --tp 2"},  // Mamba + attention hybrid, MoE
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    const std::string base = std::string(c.args) + " --batch 1..512 --input 1000 --output 500";
    const json roof = throughput(base + " --mode roofline");
    const json real = throughput(base);
    const json& rr = roof["result"]["rows"];
    const json& re = real["result"]["rows"];
    REQUIRE(rr.size() == 10);
    REQUIRE(re.size() == 10);
    require_all_finite(roof["result"]);
    require_all_finite(real["result"]);
    double prev = 0;
    for (size_t i = 0; i < rr.size(); ++i) {
      const double b = rr[i]["batch"].get<double>();
      CAPTURE(b);
      CHECK(b == std::pow(2.0, double(i)));
      CHECK(re[i]["batch"].get<double>() == b);
      CHECK(rr[i]["output_tokens_per_s"].get<double>() >= re[i]["output_tokens_per_s"].get<double>());
      CHECK(rr[i]["decode_tokens_per_s"].get<double>() >= re[i]["decode_tokens_per_s"].get<double>());
      CHECK(rr[i]["ttft_s"].get<double>() <= re[i]["ttft_s"].get<double>());
      CHECK(rr[i]["tpot_s"].get<double>() <= re[i]["tpot_s"].get<double>());
      // More batch never lowers the roofline throughput.
      const double tps = rr[i]["output_tokens_per_s"].get<double>();
      CHECK(tps >= prev);
      prev = tps;
      // Same memory model in both modes.
      CHECK(rr[i]["weight_bytes_per_gpu"].get<double>() ==
            doctest::Approx(re[i]["weight_bytes_per_gpu"].get<double>()));
    }
  }
}

// TP2 holds at most what TP1 holds per GPU: weights split in half, KV heads split (8 KV heads, so
// 4 per rank). Llama-3.1-8B bf16: 8,030,261,248 params x 2 B = 16.06 GB (TP1) -> 8.03 GB (TP2).
TEST_CASE("throughput: tensor parallel splits weights and KV per GPU") {
  for (const char* model : {"llama-3.1-70b", "llama-3.1-8b"}) {
    CAPTURE(model);
    const std::string base = std::string("-m ") + model + " -g h100-sxm --batch 1,64 --input 1000 --output 500";
    const json t1 = throughput(base + " --tp 1");
    const json t2 = throughput(base + " --tp 2");
    for (size_t i = 0; i < 2; ++i) {
      const json& a = t1["result"]["rows"][i];
      const json& b = t2["result"]["rows"][i];
      CAPTURE(a["batch"].get<double>());
      const double w1 = a["weight_bytes_per_gpu"].get<double>(), w2 = b["weight_bytes_per_gpu"].get<double>();
      const double k1 = a["kv_cache_bytes_per_gpu"].get<double>(), k2 = b["kv_cache_bytes_per_gpu"].get<double>();
      CHECK(w2 <= w1);
      CHECK(k2 <= k1);
      CHECK(w2 + k2 <= w1 + k1);
      // Both models have 8 KV heads: TP2 halves weights and KV exactly.
      CHECK(w2 == doctest::Approx(w1 / 2).epsilon(1e-9));
      CHECK(k2 == doctest::Approx(k1 / 2).epsilon(1e-9));
    }
    if (std::string(model) == "llama-3.1-8b") {
      // Check value (describe llama-3.1-8b): Llama-3.1-8B has 8,030,261,248 params; bf16 = 2 B each.
      CHECK(t1["result"]["rows"][0]["weight_bytes_per_gpu"].get<double>() == doctest::Approx(8030261248.0 * 2));
      CHECK(t2["result"]["rows"][0]["weight_bytes_per_gpu"].get<double>() == doctest::Approx(8030261248.0));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 5. MoE expert reads (docs/model.md "Mixture of experts"): a decode step reads the non-expert weights
// plus, per MoE layer, the expected distinct experts touched, E (1 - (1 - k/E)^B) with uniform
// routing. Mixtral-8x7B: E = 8, k = 2, 32 MoE layers, bf16.
//   B = 1:  8 (1 - 0.75)      = 2 experts per layer (= the top-2 active ones)
//   B = 64: 8 (1 - 0.75^64)   = 8 (1 - 1.0e-8) = 7.99999992, i.e. all 8.
// From `describe mixtral-8x7b`: params_total 46,702,792,704; params_routed_experts
// 45,097,156,608 -> one expert of one layer = 45,097,156,608 / (32 x 8) = 176,160,768
// (= 3 x 4096 x 14336); non-expert = 1,605,636,096, of which the 131,072,000 embedding table is a
// gather (B rows read, not the table) -> 1,474,564,096 streamed.
//   B = 1:  (1,474,564,096 + 32 x 2 x 176,160,768) x 2 B = 25,497,706,496 B ~ 25.5 GB
//   B = 64: (1,474,564,096 + 32 x 8 x 176,160,768) x 2 B = 93,143,441,408 B ~ 93.1 GB
TEST_CASE("throughput: MoE decode reads touched experts only (mixtral-8x7b)") {
  const Run d = mlc("describe mixtral-8x7b --json");
  REQUIRE(d.status == 0);
  const json m = d.json()["result"];
  const double total = m["params_total"].get<double>();
  const double routed = m["params_routed_experts"].get<double>();
  const double embedding = m["params_embedding"].get<double>();
  const double layers = m["num_moe_layers"].get<double>();
  const double E = m["moe"]["num_experts"].get<double>();
  const double k = m["moe"]["experts_per_token"].get<double>();
  // The describe values used in the hand arithmetic above.
  CHECK(total == 46702792704.0);
  CHECK(routed == 45097156608.0);
  CHECK(embedding == 131072000.0);
  CHECK(layers == 32);
  CHECK(E == 8);
  CHECK(k == 2);
  const double one_expert = routed / (layers * E);
  CHECK(one_expert == 3.0 * 4096 * 14336);

  const json j =
      throughput("-m mixtral-8x7b -g h100-sxm --mode roofline --batch 1,64 --input 128 --output 128 --explain");
  const json& rows = j["result"]["rows"];
  REQUIRE(rows.size() == 2);
  REQUIRE(rows[0].contains("decode"));
  const double w1 = rows[0]["decode"]["weight_bytes"].get<double>();
  const double w64 = rows[1]["decode"]["weight_bytes"].get<double>();
  CAPTURE(w1);
  CAPTURE(w64);

  const double non_expert = total - routed - embedding;          // 1,474,564,096 streamed params
  const double touched1 = E * (1 - std::pow(1 - k / E, 1.0));    // 2
  const double touched64 = E * (1 - std::pow(1 - k / E, 64.0));  // 7.99999992
  CHECK(touched1 == doctest::Approx(2.0));
  CHECK(touched64 == doctest::Approx(8.0).epsilon(1e-6));
  const double expect1 = (non_expert + layers * touched1 * one_expert) * 2;    // 25,497,706,496
  const double expect64 = (non_expert + layers * touched64 * one_expert) * 2;  // ~93,143,441,408
  CHECK(expect1 == doctest::Approx(25497706496.0));
  CHECK(w1 == doctest::Approx(expect1).epsilon(0.005));
  CHECK(w64 == doctest::Approx(expect64).epsilon(0.005));
  // The two naive answers (docs/model.md "Mixture of experts"): active-only is right at B=1 only ...
  CHECK(w1 == doctest::Approx((non_expert + routed * k / E) * 2).epsilon(0.005));
  // ... and total-only is right at B=64 only: batch 64 reads ~all 46.7e9 params (minus the embedding).
  CHECK(w64 == doctest::Approx((total - embedding) * 2).epsilon(0.005));
  CHECK(w64 / w1 == doctest::Approx(93143441408.0 / 25497706496.0).epsilon(0.005));  // ~3.65x
}

// ---------------------------------------------------------------------------------------------
// 6. Bad input: exit status and message. Exit codes: 1 = error, 2 = usage, 3 = --check failed.
TEST_CASE("throughput: bad input is refused with a clear message") {
  const std::string l8 = "throughput -m llama-3.1-8b -g h100-sxm ";
  std::vector<Run> all;
  auto run = [&](const std::string& args) {
    Run r = mlc(args);
    all.push_back(r);
    return r;
  };

  SUBCASE("tp 3 does not divide 32 heads") {
    const Run r = run(l8 + "--tp 3");
    CHECK(r.status == 1);
    CHECK(r.err.find("tp 3") != std::string::npos);
  }
  SUBCASE("tp 16: divides 32 heads, multiple of 8 KV heads (replicated)") {
    const Run r = run(l8 + "--tp 16 --json");
    CHECK(r.status == 0);
    if (r.status == 0) CHECK(r.json()["inputs"]["tp"] == 16);
  }
  SUBCASE("ep on a dense model") {
    const Run r = run(l8 + "--ep 2");
    CHECK(r.status == 1);
    CHECK(r.err.find("no experts") != std::string::npos);
  }
  SUBCASE("batch 0") {
    const Run r = run(l8 + "--batch 0");
    CHECK(r.status == 2);
    CHECK(r.err.find("--batch") != std::string::npos);
  }
  SUBCASE("output 0") {
    const Run r = run(l8 + "--output 0");
    CHECK(r.status == 2);
    CHECK(r.err.find("--output") != std::string::npos);
  }
  SUBCASE("input beyond max_position_embeddings is an error, a warning with --allow-long-context") {
    // Llama-3.1-8B max_position_embeddings 131072; 200000 + 1 tokens is beyond it.
    const Run e = run(l8 + "--input 200000 --json");
    CHECK(e.status == 1);
    CHECK(e.err.find("--allow-long-context") != std::string::npos);
    const Run r = run(l8 + "--input 200000 --allow-long-context --json");
    CHECK(r.status == 0);
    CHECK(r.err.find("max_position_embeddings") != std::string::npos);
    if (r.status == 0) {
      const json j = r.json();
      bool warned = false;
      for (const auto& w : j["warnings"])
        warned |= w.get<std::string>().find("max_position_embeddings") != std::string::npos;
      CHECK(warned);
    }
  }
  SUBCASE("unknown weight dtype") {
    const Run r = run(l8 + "--weights fp7");
    CHECK(r.status != 0);
    CHECK(r.err.find("unknown dtype") != std::string::npos);
  }
  SUBCASE("SLO without a unit") {
    const Run r = run(l8 + "--concurrency auto --tpot-slo 50");
    CHECK(r.status == 2);
    CHECK(r.err.find("--tpot-slo") != std::string::npos);
  }
  SUBCASE("--check: 405B bf16 does not fit on one H100") {
    // 405.9e9 params x 2 B = 812 GB >> 80 GiB.
    const Run r = run("throughput -m llama-3.1-405b -g h100-sxm --weights bf16 --check");
    CHECK(r.status == 3);
    const Run j = run("throughput -m llama-3.1-405b -g h100-sxm --weights bf16 --check --json");
    CHECK(j.status == 3);
    if (!j.out.empty()) CHECK(j.json()["result"]["rows"][0]["fits"] == false);
  }
  SUBCASE("--check passes when it fits") {
    const Run r = run(l8 + "--check");
    CHECK(r.status == 0);
  }
  SUBCASE("fp8 weights on A100 fall back to the bf16 peak with a warning") {
    const Run r = run("throughput -m llama-3.1-8b -g a100-sxm-80gb --weights fp8 --json");
    CHECK(r.status == 0);
    CHECK(r.err.find("no fp8 tensor cores") != std::string::npos);
    if (r.status == 0) {
      const json j = r.json();
      CHECK(j["inputs"]["compute_dtype"] == "bf16");
      CHECK(j["inputs"]["peak_flop_per_s"].get<double>() == doctest::Approx(312e12));
    }
  }
  SUBCASE("degenerate but valid inputs stay finite") {
    // Nothing fits (405B bf16, one H100): the rows stay finite, the serving point claims no
    // latency (null) and names the fix; an impossible SLO is an error; output 1 stays finite.
    {
      const Run r = run("throughput -m llama-3.1-405b -g h100-sxm --weights bf16 --concurrency auto --json");
      CHECK(r.status == 0);
      if (r.status == 0) {
        require_all_finite(r.json()["result"]["rows"]);
        CHECK(r.json()["result"]["serving"]["fits"] == false);
        CHECK(r.json()["result"]["serving"]["tpot_s"].is_null());
      }
    }
    for (const std::string slo : {"--tpot-slo 1us", "--ttft-slo 1us"}) {
      const Run r = run("throughput -m llama-3.1-8b -g h100-sxm --concurrency auto " + slo);
      CHECK(r.status == 1);
      CHECK(r.err.find("no concurrency meets") != std::string::npos);
    }
    for (const std::string args :
         {"throughput -m llama-3.1-8b -g h100-sxm --input 1 --output 1 --batch 1..4 --concurrency 3 --json",
          "throughput -m jamba-1.5-mini -g h100-sxm --tp 2 --concurrency auto --input 1 --output 1 --json",
          "throughput -m gpt-oss-120b -g h100-sxm --pp 4 --batch 1..8 --concurrency auto --mode roofline --json",
          "throughput -m deepseek-v3 -g h200-sxm --tp 8 --ep 8 --batch 1,3 --concurrency auto --explain --json"}) {
      CAPTURE(args);
      const Run r = run(args);
      CHECK(r.status == 0);
      if (r.status == 0) require_all_finite(r.json()["result"]);
    }
    // Table output of the same kind of cases.
    run("throughput -m llama-3.1-405b -g h100-sxm --weights bf16 --concurrency auto --explain");
    run("throughput -m llama-3.1-8b -g h100-sxm --concurrency auto --tpot-slo 1us --explain");
  }

  // No output ever contains "nan" or "inf".
  for (const auto& r : all) {
    CHECK_FALSE(has_nan_or_inf(r.out));
    CHECK_FALSE(has_nan_or_inf(r.err));
  }
}

// ---------------------------------------------------------------------------------------------
// 7. Serving with a TPOT target: Llama-3.1-70B bf16, TP4 on H100, 1000 in / 500 out.
// Each iteration decodes C tokens and prefills C x 1000/500 = 2C prompt tokens, so TPOT grows with
// C; the realistic batch-1 TPOT is already ~19.6 ms (141 GB / 4 GPUs = 35 GB per GPU / (3.35 TB/s
// x 0.90) = 11.7 ms + 0.3 ms overhead + 160 TP all-reduces x ~48 us latency), so a 20 ms target
// admits only a handful of requests. With a 10 s target the bound is memory or --max-batch.
TEST_CASE("throughput: serving concurrency under a TPOT SLO") {
  const std::string base = "-m llama-3.1-70b -g h100-sxm --tp 4 --input 1000 --output 500 --concurrency auto";
  const json tight = throughput(base + " --tpot-slo 20ms");
  const json& s = tight["result"]["serving"];
  const double c = s["concurrency"].get<double>();
  CAPTURE(c);
  CAPTURE(s["tpot_s"].get<double>());
  CHECK(s["tpot_s"].get<double>() <= 0.020);
  CHECK(c >= 1);
  CHECK(s["limited_by"] == "tpot-slo");
  CHECK(c < s["max_concurrency_memory"].get<double>());
  CHECK(tight["inputs"]["tpot_slo_s"].get<double>() == doctest::Approx(0.020));
  // The chosen concurrency is the largest meeting the target: one more request misses it.
  const json more = throughput("-m llama-3.1-70b -g h100-sxm --tp 4 --input 1000 --output 500 --concurrency " +
                               std::to_string(int(c) + 1));
  CHECK(more["result"]["serving"]["tpot_s"].get<double>() > 0.020);
  CHECK(more["result"]["serving"]["limited_by"] == "fixed");

  // A huge target: concurrency is the memory / max-batch bound (default --max-batch: the engine's,
  // vLLM max_num_seqs 1024 on an H100).
  const json loose = throughput(base + " --tpot-slo 10s");
  const json& l = loose["result"]["serving"];
  const double mem = l["max_concurrency_memory"].get<double>();
  CAPTURE(mem);
  CHECK(mem >= 1);
  CHECK(l["max_batch"].get<double>() == 1024);
  CHECK(l["concurrency"].get<double>() == std::min(mem, 1024.0));
  CHECK((l["limited_by"] == "memory" || l["limited_by"] == "max-batch"));
  CHECK(l["output_tokens_per_s"].get<double>() > s["output_tokens_per_s"].get<double>());
  // Without the engine cap the memory bound is reached exactly.
  const json uncapped = throughput(base + " --tpot-slo 10s --max-batch 1000000");
  CHECK(uncapped["result"]["serving"]["concurrency"].get<double>() == mem);
  CHECK(uncapped["result"]["serving"]["limited_by"] == "memory");
  // No SLO at all gives the same point as the 10 s one.
  const json none = throughput(base);
  CHECK(none["result"]["serving"]["concurrency"].get<double>() == l["concurrency"].get<double>());
}

// ---------------------------------------------------------------------------------------------
// Tensor-parallel decode and topology (issue "Fidelity"). TP all-reduces use the measured
// custom kernel (hardware-db nvlink4 [collectives], cases N-21/N-25 in tests/test_collectives.cpp).
// Hand check, Llama-3.1-70B TP8 batch 1: each all-reduce carries 1 x 8192 x 2 B = 16,384 B;
// custom one-shot = 3.3 + 7 x 0.25 + 7 x 16384 B / 70 GB/s = 5.05 + 1.638 = 6.688 us; 80 layers x
// 2 all-reduces = 160 x 6.688 us = 1.0702 ms per step (the former 2(t-1) x 8 us model: 17.9 ms).
TEST_CASE("throughput: TP decode, all-reduce kinds and links") {
  const std::string base = "-m llama-3.1-70b -g h100-sxm --batch 1 --input 2048 --output 128 --weights fp8 --explain";
  const json t4 = throughput(base + " --tp 4");
  const json t8 = throughput(base + " --tp 8");
  const json& r8 = t8["result"]["rows"][0];
  CHECK(r8["allreduce"] == "custom one-shot");
  CHECK(r8["decode"]["comm_time_s"].get<double>() == doctest::Approx(160 * (5.05e-6 + 7 * 16384 / 70e9)).epsilon(1e-6));
  // TP8 batch-1 decode is faster than TP4 (NIM S-20 vs S-22: 12.44 vs 14.32 ms ITL).
  CHECK(r8["tpot_s"].get<double>() < t4["result"]["rows"][0]["tpot_s"].get<double>());
  // A plain NCCL call is slower and says so.
  const json n8 = throughput(base + " --tp 8 --allreduce nccl");
  CHECK(n8["result"]["rows"][0]["allreduce"].get<std::string>().rfind("nccl", 0) == 0);
  CHECK(n8["result"]["rows"][0]["tpot_s"].get<double>() > r8["tpot_s"].get<double>());
  // InfiniBand as the TP link is slower than NVLink, not faster.
  const json ib = throughput(base + " --tp 8 --interconnect ib-ndr");
  CHECK(ib["result"]["rows"][0]["tpot_s"].get<double>() > r8["tpot_s"].get<double>());
  // Roofline: links at peak, no latency: still an upper bound on speed.
  const json rf = throughput(base + " --tp 8 --mode roofline");
  CHECK(rf["result"]["rows"][0]["tpot_s"].get<double>() < r8["tpot_s"].get<double>());
}

// Pipeline parallel, roofline (no overheads): Llama-3.1-70B, 80 layers, PP 2 at batch 1 is one
// micro-batch crossing both stages: the PP1 step plus one hand-off of 8192 x 2 B over NVLink at
// 450 GB/s (ideal send/recv: 16,384 / 450e9 = 36.4 ns). At batch 2, two micro-batches fill the
// two stages: no bubble with balanced stages (40 + 40 layers; the LM head makes the last one the
// slowest, so a small bubble appears on the first).
TEST_CASE("throughput: pipeline stages, hand-offs and bubble") {
  const std::string base =
      "-m llama-3.1-70b -g h100-sxm --input 128 --output 2 --mode roofline --explain --weights fp8 ";
  const json p1 = throughput(base + "--batch 1 --tp 4");
  const json p2 = throughput(base + "--batch 1,2 --tp 4 --pp 2");
  const double t1 = p1["result"]["rows"][0]["tpot_s"].get<double>();
  const json& b1 = p2["result"]["rows"][0];
  CHECK(b1["tpot_s"].get<double>() == doctest::Approx(t1 + 16384 / 450e9).epsilon(1e-9));
  CHECK(b1["decode"]["micro_batches"] == 1);
  const json& b2 = p2["result"]["rows"][1];
  CHECK(b2["decode"]["micro_batches"] == 2);
  CHECK(b2["decode"]["bubble_time_s"].get<double>() >= 0);
  // 405B fp8 over two 8-GPU nodes: PP hand-off crosses the scale-out network (ib-ndr by default).
  const json x =
      throughput("-m llama-3.1-405b -g h100-sxm --tp 8 --pp 2 --weights fp8 --batch 1 --input 128 --output 2");
  CHECK(x["inputs"]["scale_out"] == "ib-ndr");
}

TEST_CASE("throughput: attention data parallelism and wide EP") {
  // DeepSeek-V3 MLA: the latent KV is replicated on every TP rank, unless attention is
  // data-parallel, where each rank holds its own sequences' KV: 1/8 at TP 8.
  const std::string base = "-m deepseek-v3 -g h200-sxm --tp 8 --batch 64 --input 1000 --output 1000 ";
  const json a = throughput(base);
  const json b = throughput(base + "--dp-attention --ep 8");
  const double ka = a["result"]["rows"][0]["kv_cache_bytes_per_gpu"].get<double>();
  const double kb = b["result"]["rows"][0]["kv_cache_bytes_per_gpu"].get<double>();
  CHECK(kb == doctest::Approx(ka / 8).epsilon(1e-9));
  // Wide EP: EP 16 across 2 DP ranks of TP 8 holds 256/16 = 16 experts per GPU: half the expert
  // bytes of EP 8.
  const json w = throughput(base + "--dp-attention --ep 16 --dp 2");
  CHECK(w["result"]["rows"][0]["weight_bytes_per_gpu"].get<double>() <
        b["result"]["rows"][0]["weight_bytes_per_gpu"].get<double>());
}

TEST_CASE("throughput: topology and parallelism errors") {
  Run r = mlc("throughput -m llama-3.1-70b -g h100-sxm --tp 8 --scale-out nvlink4");
  CHECK(r.status == 2);
  CHECK(r.err.find("not a network") != std::string::npos);
  r = mlc("throughput -m llama-3.1-8b -g h100-sxm --tp 2 --dp-attention");
  CHECK(r.status == 1);
  CHECK(r.err.find("dense model") != std::string::npos);
  r = mlc("throughput -m mixtral-8x7b -g h100-sxm --tp 2 --ep 4");
  CHECK(r.status == 1);
  CHECK(r.err.find("divides neither") != std::string::npos);
  r = mlc("throughput -m llama-3.1-8b -g h100-sxm --allreduce fastest");
  CHECK(r.status == 2);
  CHECK(r.err.find("unknown all-reduce") != std::string::npos);
}
