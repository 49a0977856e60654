// cost and breakeven: C-07 API arithmetic, C-06 given a throughput, C-01 GPU-hours identity,
// invariants, bad input.
#include <doctest/doctest.h>

#include "cli_runner.hpp"
#include "cost.hpp"

using namespace mlcalc;
static mlcalc::test::Run mlc(const std::string& a) {
  return mlcalc::test::mlcalc(a);
}

TEST_CASE("C-07: API cost per 1k requests for Qwen3-8B at Fireworks and Alibaba") {
  // S-SILY api: Fireworks $0.20/$0.20, Alibaba $0.117/$0.455 per 1M tokens.
  struct W {
    double in, out, fireworks, alibaba;
  };
  const W ws[] = {{2048, 2048, 0.8192, 1.17146},
                  {128, 128, 0.0512, 0.073216},
                  {8192, 512, 1.7408, 1.191424},
                  {1024, 128, 0.2304, 0.178048},
                  {128, 1024, 0.2304, 0.480896}};
  for (const auto& w : ws) {
    CHECK(api_usd_per_request(0.20, 0.20, {w.in, w.out}) * 1000 == doctest::Approx(w.fireworks).epsilon(1e-9));
    CHECK(api_usd_per_request(0.117, 0.455, {w.in, w.out}) * 1000 ==
          doctest::Approx(w.alibaba).epsilon(1e-5) /* published to 5 decimals */);
  }
  // The same through the CLI, with the shipped price files (to the printed digits).
  const auto r = mlc("cost -m qwen3-8b -g h100-sxm --gpu-price 2 --input 2048 --output 2048 --json");
  REQUIRE(r.status == 0);
  int seen = 0;
  const auto j = r.json();  // keep the document alive while iterating
  for (const auto& a : j["result"]["api"]) {
    if (a["provider"] == "fireworks") {
      CHECK(a["usd_per_1k_requests"].get<double>() == doctest::Approx(0.8192));
      ++seen;
    }
    if (a["provider"] == "alibaba") {
      CHECK(a["usd_per_1k_requests"].get<double>() == doctest::Approx(1.17146));
      ++seen;
    }
  }
  CHECK(seen == 2);
}

TEST_CASE("C-06 arithmetic given a throughput, and C-01 as GPU-hours x price") {
  // C-06: $/1M output = $/h / (output tok/s * 3600) * 1e6. At $2.69/h and 1000 tok/s, 100% busy:
  // 2.69 / 3.6e6 * 1e6 = $0.74722 per million output tokens (all GPU time on output: prefill share 0).
  const auto r =
      mlc("cost -m qwen3-8b -g h100-sxm --gpu-price 2.69 --tokens-per-s 1000 --input 1 --output 1000 --json");
  REQUIRE(r.status == 0);
  const auto sh = r.json()["result"]["self_hosted"];
  const double share = sh["prefill_share"].get<double>();
  CHECK(sh["usd_per_million_output_tokens"].get<double>() == doctest::Approx(2.69 / 3.6e6 * 1e6 * (1 - share)));
  // $/1k requests = $/h / (req/s * 3600) * 1000 with req/s = 1000/1000 = 1: 2.69/3600*1000 = 0.74722.
  CHECK(sh["usd_per_1k_requests"].get<double>() == doctest::Approx(2.69 / 3600 * 1000));
  // C-01: DeepSeek-V3: (2664K + 119K + 5K) H800 GPU-hours at $2 = $5.576M.
  CHECK(gpu_hours_cost(2664e3 + 119e3 + 5e3, 2.0) == doctest::Approx(5.576e6));
}

TEST_CASE("cost invariants: linear in price, inverse in utilization; breakeven identity") {
  auto cost = [](const std::string& extra) {
    const auto r = mlc("cost -m llama-3.1-8b -g h100-sxm --input 1000 --output 500 --json " + extra);
    REQUIRE(r.status == 0);
    return r.json()["result"]["self_hosted"]["usd_per_1k_requests"].get<double>();
  };
  const double base = cost("--gpu-price 2");
  CHECK(cost("--gpu-price 4") == doctest::Approx(2 * base));
  CHECK(cost("--gpu-price 2 --utilization 0.25") == doctest::Approx(4 * base));
  const auto b =
      mlc("breakeven -m llama-3.1-8b -g h100-sxm --gpu-price 2 --input 1000 --output 500 --api-price 0.20/0.60 --json");
  REQUIRE(b.status == 0);
  const auto res = b.json()["result"];
  const double api = (1000 * 0.20 + 500 * 0.60) / 1e6 * 1000;  // $0.5 per 1k requests
  CHECK(res["api_usd_per_1k_requests"].get<double>() == doctest::Approx(api));
  if (!res["breakeven_utilization"].is_null())
    CHECK(res["breakeven_utilization"].get<double>() * api == doctest::Approx(base));
  CHECK(res["curve"].size() == 20);
  // A tiny API price: self-hosting never pays -> null, not a number above 1.
  const auto never = mlc("breakeven -m llama-3.1-8b -g h100-sxm --gpu-price 50 --api-price 0.0001/0.0001 --json");
  REQUIRE(never.status == 0);
  CHECK(never.json()["result"]["breakeven_utilization"].is_null());
}

TEST_CASE("cost bad input") {
  CHECK(mlc("cost -m llama-3.1-8b -g h100-sxm --gpu-price 0").status == 2);
  CHECK(mlc("cost -m llama-3.1-8b -g h100-sxm --gpu-price -1").status == 2);
  CHECK(mlc("cost -m llama-3.1-8b -g h100-sxm --gpu-price 2 --utilization 1.5").status == 2);
  CHECK(mlc("cost -m llama-3.1-8b -g h100-sxm --gpu-price 2 --utilization 0").status == 2);
  const auto p = mlc("cost -m llama-3.1-8b -g h100-sxm --provider runpdo");
  CHECK(p.status == 1);
  CHECK(p.err.find("did you mean 'runpod'") != std::string::npos);
  // No API offers: a clear note, the self-hosted side still computed.
  const auto n = mlc("cost -m nemotron-h-8b -g h100-sxm --gpu-price 2 --json");
  REQUIRE(n.status == 0);
  CHECK(n.json()["result"]["api"].empty());
  CHECK(n.json()["result"]["self_hosted"]["usd_per_1k_requests"].get<double>() > 0);
  CHECK(n.json()["result"]["note"].get<std::string>().find("no API offers") != std::string::npos);
}
