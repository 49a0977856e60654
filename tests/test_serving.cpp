// Serving engine model (lib/serving.hpp, lib/engine.hpp): the queueing and chunking formulas by
// hand arithmetic, and the closed/open-loop serving points through the real binary.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "cli_runner.hpp"
#include "common.hpp"
#include "engine.hpp"
#include "serving.hpp"

namespace {

using mlcalc::test::Run;
Run cli(const std::string& args) {
  return mlcalc::test::mlcalc(args);
}

nlohmann::json serving(const std::string& args) {
  const Run r = cli("throughput " + args + " --json");
  INFO("mlcalc throughput " << args << "\nstderr: " << r.err);
  REQUIRE(r.status == 0);
  return r.json()["result"]["serving"];
}

}  // namespace

TEST_CASE("serving: burst of prompts through a token budget (hand arithmetic)") {
  using mlcalc::mean_burst_steps;
  // 3 prompts of 200 tokens, 500 tokens per step: prompt k ends in step ceil(200k/500) = 1, 1, 2.
  CHECK(mean_burst_steps(3, 200, 500, true) == doctest::Approx(4.0 / 3));
  // 4 prompts of 300, 500 per step, chunked: ceil(300k/500) = 1, 2, 2, 3 -> 2.
  CHECK(mean_burst_steps(4, 300, 500, true) == doctest::Approx(2.0));
  // Whole prompts only: one 300-token prompt fits in 500, so steps 1, 2, 3, 4 -> 2.5.
  CHECK(mean_burst_steps(4, 300, 500, false) == doctest::Approx(2.5));
  // One prompt longer than the budget: 2000 tokens in 512-token chunks -> step ceil(3.9) = 4.
  CHECK(mean_burst_steps(1, 2000, 512, true) == doctest::Approx(4.0));
}

TEST_CASE("serving: M/D/1 waiting time (Pollaczek-Khinchine, hand arithmetic)") {
  using mlcalc::md1_wait_s;
  // 5 req/s, 0.1 s each: rho 0.5, W = 0.5 x 0.1 / (2 x 0.5) = 0.05 s.
  CHECK(md1_wait_s(5, 0.1) == doctest::Approx(0.05));
  // rho 0.9: W = 0.9 x 0.1 / 0.2 = 0.45 s.
  CHECK(md1_wait_s(9, 0.1) == doctest::Approx(0.45));
  CHECK(std::isinf(md1_wait_s(10, 0.1)));
}

TEST_CASE("engine profiles: sourced defaults depend on the GPU") {
  mlcalc::Gpu h100, a100, l4;
  h100.id = "h100-sxm", h100.memory_bytes = 80 * mlcalc::kGiB;
  a100.id = "a100-sxm-80gb", a100.memory_bytes = 80 * mlcalc::kGiB;
  l4.id = "l4", l4.memory_bytes = 24 * mlcalc::kGiB;
  // vLLM get_batch_defaults: >= 70 GiB and not A100 -> 8192 / 1024, else 2048 / 256.
  CHECK(mlcalc::engine_profile("vllm", h100).max_batched_tokens == 8192);
  CHECK(mlcalc::engine_profile("vllm", h100).max_batch == 1024);
  CHECK(mlcalc::engine_profile("vllm", a100).max_batched_tokens == 2048);
  CHECK(mlcalc::engine_profile("vllm", a100).max_batch == 256);
  // SGLang chunked_prefill_size: 2048 below 35 GiB, 8192 below 160 GiB.
  CHECK(mlcalc::engine_profile("sglang", l4).max_batched_tokens == 2048);
  CHECK(mlcalc::engine_profile("sglang", h100).max_batched_tokens == 8192);
  CHECK(mlcalc::engine_profile("trtllm", h100).max_batch == 2048);
  CHECK_FALSE(mlcalc::engine_profile("trtllm", h100).cuda_graphs);
  CHECK_FALSE(mlcalc::engine_profile("gpt-fast", h100).custom_allreduce);
  CHECK(mlcalc::engine_profile("llamacpp", h100).id == "llama.cpp");
  CHECK_THROWS_AS(mlcalc::engine_profile("vlm", h100), mlcalc::Error);
}

TEST_CASE("serving: one client is one prefill then batch-1 decode") {
  // At concurrency 1 the burst is one prompt: TTFT = the prefill step, TPOT = the batch-1 decode
  // step at the mean context of the static-batch row plus the online streaming cost of the one
  // sequence (vLLM profile: 50 us per sequence per step).
  const Run r =
      cli("throughput -m llama-3.1-8b -g h100-sxm --input 1000 --output 200 --batch 1 --concurrency 1 --json");
  REQUIRE(r.status == 0);
  const auto j = r.json()["result"];
  const auto& s = j["serving"];
  const auto& row = j["rows"][0];
  CHECK(s["ttft_s"].get<double>() == doctest::Approx(row["ttft_s"].get<double>()));
  CHECK(s["tpot_s"].get<double>() == doctest::Approx(row["tpot_s"].get<double>() + 50e-6));
  CHECK(s["e2e_s"].get<double>() == doctest::Approx(row["e2e_s"].get<double>() + 199 * 50e-6));
  CHECK(s["engine"] == "vllm");
  CHECK(r.json()["inputs"]["engine"] == "vllm");
}

TEST_CASE("serving: chunked burst with a 4096-token budget (hand arithmetic)") {
  // 8 clients, 2000-token prompts, 200 output, 4096 tokens per step.
  // In step (burst): 3.5 decodes on average while the burst is prefilled, so each step takes
  // 4096 - 3.5 = 4092.5 prompt tokens; 16,000 tokens need 4 steps; prompt k ends in step
  // ceil(2000k / 4092.5) = 1,1,2,2,3,3,4,4 -> mean 2.5 steps of TTFT; its decode window then holds
  // 4 - 2.5 = 1.5 chunk steps among 199.
  // Spread out: one prompt (2000 <= 4096 - 7) per step beside 7 decodes: TTFT one such step, and the
  // decode window holds the 7 other prompts' steps.
  // In-step share 1 - 2000 / (2 x 4089) = 0.75544.
  const auto s =
      serving("-m llama-3.1-8b -g h100-sxm --input 2000 --output 200 --concurrency 8 --max-num-batched-tokens 4096");
  CHECK(s["chunk_tokens"].get<double>() == doctest::Approx(4092.5));
  const double mixed = s["step"]["time_s"].get<double>(), dec = s["decode_step"]["time_s"].get<double>();
  const double alone = s["spread_step_time_s"].get<double>();
  const double f = 1 - 2000.0 / (2 * 4089);
  CHECK(mixed > alone);
  CHECK(alone > dec);
  CHECK(s["in_step_share"].get<double>() == doctest::Approx(f));
  const double tpot_burst = ((199 - 1.5) * dec + 1.5 * mixed) / 199, tpot_spread = ((199 - 7) * dec + 7 * alone) / 199;
  const double tpot = f * tpot_burst + (1 - f) * tpot_spread;
  CHECK(s["tpot_s"].get<double>() == doctest::Approx(tpot));
  // TTFT: the blend, but a cycle no shorter than the burst's (which packs the prompts tightest).
  const double blend = f * 2.5 * mixed + (1 - f) * alone;
  const double floor = 2.5 * mixed + 199 * tpot_burst - 199 * tpot;
  CHECK(s["ttft_s"].get<double>() == doctest::Approx(std::max(blend, floor)));
  // Closed loop, Little's law: 8 requests over their e2e time.
  CHECK(s["requests_per_s"].get<double>() == doctest::Approx(8 / s["e2e_s"].get<double>()));
  CHECK(s["output_tokens_per_s"].get<double>() == doctest::Approx(200 * 8 / s["e2e_s"].get<double>()));
  // A 1000-token budget leaves room 1000 - 7 = 993, under half a prompt: the clients spread out
  // (share 0) and a prompt takes ceil(2000 / 993) = 3 chunk steps.
  const auto small =
      serving("-m llama-3.1-8b -g h100-sxm --input 2000 --output 200 --concurrency 8 --max-num-batched-tokens 1000");
  CHECK(small["in_step_share"].get<double>() == 0);
  CHECK(small["ttft_s"].get<double>() == doctest::Approx(3 * small["spread_step_time_s"].get<double>()));
  // Many clients with short outputs: the 63 others' prompts outnumber a decode window's 19 steps, so
  // at least 1 - 19/63 of them wait and share steps: share >= 0.698 (room alone would give
  // 1 - 2000 / (2 x (8192 - 63)) = 0.877 here, the larger of the two).
  const auto many = serving("-m llama-3.1-8b -g h100-sxm --input 2000 --output 20 --concurrency 64");
  CHECK(many["in_step_share"].get<double>() == doctest::Approx(1 - 2000.0 / (2 * (8192 - 63))));
  const auto many2 = serving("-m llama-3.1-8b -g h100-sxm --input 2000 --output 5 --concurrency 64");
  CHECK(many2["in_step_share"].get<double>() == doctest::Approx(1 - 4.0 / 63));
}

TEST_CASE("serving: requests beyond the KV capacity or max batch wait for a slot") {
  // Cap by --max-batch 8 and compare 20 clients with 8.
  const std::string base = "-m llama-3.1-8b -g h100-sxm --input 500 --output 300 --max-batch 8";
  const auto eight = serving(base + " --concurrency 8");
  const auto twenty = serving(base + " --concurrency 20");
  CHECK(twenty["running"].get<double>() == 8);
  CHECK(twenty["limited_by"] == "max-batch");
  // Same slots, same throughput; the 12 extra clients only wait: e2e = 20 / (8 / cycle).
  CHECK(twenty["output_tokens_per_s"].get<double>() == doctest::Approx(eight["output_tokens_per_s"].get<double>()));
  CHECK(twenty["tpot_s"].get<double>() == doctest::Approx(eight["tpot_s"].get<double>()));
  CHECK(twenty["e2e_s"].get<double>() == doctest::Approx(eight["e2e_s"].get<double>() * 20 / 8));
  CHECK(twenty["queue_s"].get<double>() ==
        doctest::Approx(twenty["e2e_s"].get<double>() - eight["e2e_s"].get<double>()));
  CHECK(twenty["ttft_s"].get<double>() ==
        doctest::Approx(eight["ttft_s"].get<double>() + twenty["queue_s"].get<double>()));
  // The KV-memory bound works the same way: 70B TP4 bf16 with 32k-token requests (~2.6 GB of KV
  // per request per GPU, ~35 GB of weights per GPU: a dozen or so fit).
  const auto kv = serving("-m llama-3.1-70b -g h100-sxm --tp 4 --input 30000 --output 2000 --concurrency 500");
  const double mem = kv["max_concurrency_memory"].get<double>();
  CHECK(mem >= 1);
  CHECK(mem < 500);
  CHECK(kv["running"].get<double>() == mem);
  CHECK(kv["limited_by"] == "memory");
  CHECK(kv["queue_s"].get<double>() > 0);
}

TEST_CASE("serving: open loop at a request rate") {
  const std::string base = "-m llama-3.1-8b -g h100-sxm --input 1000 --output 200";
  const auto slow = serving(base + " --request-rate 1");
  const auto fast = serving(base + " --request-rate 10");
  // Under capacity the replica serves what arrives: output = rate x output tokens.
  CHECK(slow["requests_per_s"].get<double>() == doctest::Approx(1));
  CHECK(fast["output_tokens_per_s"].get<double>() == doctest::Approx(2000));
  CHECK(fast["ttft_s"].get<double>() > slow["ttft_s"].get<double>());
  CHECK(fast["tpot_s"].get<double>() > slow["tpot_s"].get<double>());
  // Little's law: requests in the system = rate x e2e.
  CHECK(fast["concurrency"].get<double>() == doctest::Approx(10 * fast["e2e_s"].get<double>()));
  // TTFT = half a step + M/D/1 wait + the own prompt's chunk steps (1000 tokens fit one chunk; at
  // 10 req/s fewer than one prompt arrives per ~13 ms step, so a chunk step carries one prompt).
  const double step = fast["step"]["time_s"].get<double>();
  CHECK(fast["chunk_tokens"].get<double>() == 1000);
  const double wait = fast["prefill_wait_s"].get<double>();
  CHECK(wait > 0);
  CHECK(wait < mlcalc::md1_wait_s(10, step));  // the prefill server batches up to the budget
  CHECK(fast["ttft_s"].get<double>() == doctest::Approx(0.5 * fast["tpot_s"].get<double>() + wait + step));
  const double cap = fast["max_request_rate"].get<double>();
  CHECK(cap > 10);
  // Beyond capacity: a clear error naming the sustainable rate.
  const Run over = cli("throughput " + base + " --request-rate " + std::to_string(int(cap * 2)));
  CHECK(over.status == 1);
  CHECK(over.err.find("exceeds") != std::string::npos);
  CHECK(cli("throughput " + base + " --request-rate 2 --concurrency 4").status == 2);
}

TEST_CASE("serving: a replica that does not fit claims no latency and names the fix") {
  // Llama-3.3-70B bf16: 131 GiB of weights on one 80 GiB H100.
  const Run r = cli("throughput -m llama-3.3-70b -g h100-sxm --concurrency auto --json");
  REQUIRE(r.status == 0);
  const auto s = r.json()["result"]["serving"];
  CHECK(s["fits"] == false);
  CHECK(s["tpot_s"].is_null());
  CHECK(s["ttft_s"].is_null());
  CHECK(s["output_tokens_per_s"].is_null());
  CHECK(s["problem"].get<std::string>().find("--tp 2") != std::string::npos);
  CHECK(r.err.find("--tp 2") != std::string::npos);
  CHECK(cli("throughput -m llama-3.3-70b -g h100-sxm --concurrency auto --check").status == 3);
  const Run c = cli("cost -m llama-3.3-70b -g h100-sxm --gpu-price 2");
  CHECK(c.status == 1);
  CHECK(c.err.find("--tp 2") != std::string::npos);
  // A TPOT target no concurrency meets is an error, not a zero-throughput point.
  const Run slo = cli("cost -m llama-3.1-70b -g h100-sxm --tp 4 --gpu-price 2 --tpot-slo 1ms");
  CHECK(slo.status == 1);
  CHECK(slo.err.find("TPOT") != std::string::npos);
}
