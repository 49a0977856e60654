// plan and transfer: KV bytes by hand, the transfer model against its fitted measurements, the top
// plan confirmed by `throughput`, brute force over a small space, monotonicity, impossible loads.
#include <doctest/doctest.h>

#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "cli_runner.hpp"
#include "common.hpp"
#include "serving.hpp"
#include "transfer.hpp"

using namespace mlcalc;
static mlcalc::test::Run mlc(const std::string& a) {
  return mlcalc::test::mlcalc(a);
}

TEST_CASE("transfer: Llama-3.1-70B KV bytes by hand, time at least bytes / line rate") {
  // 80 layers x 8 KV heads x 128 head_dim x 2 (K, V) x 2 bytes (bf16) = 327,680 B per token.
  const auto r = mlc("transfer -m llama-3.1-70b --tokens 131072 --link roce-400g --json");
  REQUIRE(r.status == 0);
  const auto res = r.json()["result"];
  CHECK(res["kv_bytes"].get<double>() == 131072.0 * 327680.0);
  CHECK(res["state_bytes"].get<double>() == 0);
  // 80 layers x 131072 / 16 blocks of RDMA operations.
  CHECK(res["operations"].get<double>() == 80.0 * 131072 / 16);
  const double bytes = 131072.0 * 327680.0;
  const double t = res["time_s"].get<double>();
  CHECK(t >= bytes / 50e9);
  // By hand: latency + bytes / (0.87 x 50 GB/s) + ops x 0.84 us.
  CHECK(t == doctest::Approx(0.6e-6 + bytes / (0.87 * 50e9) + 80.0 * 131072 / 16 * 0.84e-6));
  // fp8 KV halves the bytes; two NICs halve the time's terms but the latency.
  const auto f = mlc("transfer -m llama-3.1-70b --tokens 131072 --link roce-400g --kv-dtype fp8 --json");
  REQUIRE(f.status == 0);
  CHECK(f.json()["result"]["kv_bytes"].get<double>() == bytes / 2);
  const auto n2 = mlc("transfer -m llama-3.1-70b --tokens 131072 --link roce-400g --nics 2 --json");
  CHECK(n2.json()["result"]["time_s"].get<double>() == doctest::Approx((t - 0.6e-6) / 2 + 0.6e-6));
  // Errors: unknown link (did-you-mean), missing tokens.
  const auto bad = mlc("transfer -m llama-3.1-70b --tokens 1024 --link roce-400");
  CHECK(bad.status == 1);
  CHECK(bad.err.find("roce-400g") != std::string::npos);
  CHECK(mlc("transfer -m llama-3.1-70b --link roce-400g").status == 2);
}

TEST_CASE("transfer model against the measurements it was fitted on") {
  Interconnect nic;
  nic.bandwidth_bytes_per_s = 25e9;  // 200 Gb/s
  // Mooncake Transfer Engine: 40 GB over 4 x 200 Gb/s RoCE at 87 GB/s (bulk: few large operations).
  const TransferTime m = transfer_time(nic, 40e9, 0, 4);
  CHECK(m.achieved_bytes_per_s == doctest::Approx(87e9).epsilon(0.01));
  // DLSlime, one RoCE v2 400 Gb/s NIC, 16 KiB reads: 12,815.6 MiB/s (fitted point, within 1%),
  // 32 KiB: 18,547.5 MiB/s and 64 KiB: 20,891.3 MiB/s (over-predicted by at most 30%).
  nic.bandwidth_bytes_per_s = 50e9;
  auto mib_s = [&](double block) { return transfer_time(nic, block * 1000, 1000, 1).achieved_bytes_per_s / kMiB; };
  CHECK(mib_s(16384) == doctest::Approx(12815.6).epsilon(0.01));
  CHECK(mib_s(32768) / 18547.5 == doctest::Approx(1.0).epsilon(0.15));
  CHECK(mib_s(65536) / 20891.3 == doctest::Approx(1.0).epsilon(0.30));
}

TEST_CASE("describe takes interconnect ids") {
  const auto r = mlc("describe roce-400g --json");
  REQUIRE(r.status == 0);
  const auto j = r.json()["result"];
  CHECK(j["kind"] == "scale-out");
  CHECK(j["bandwidth_bytes_per_s"].get<double>() == 50e9);
  CHECK(!j["sources"].empty());
  CHECK(mlc("describe roce-800g").status == 0);
  const auto bad = mlc("describe roce-40g");
  CHECK(bad.status == 1);
  CHECK(bad.err.find("did you mean") != std::string::npos);
}

namespace {

const char* kBase =
    "plan -m llama-3.1-70b --input 2048 --output 512 --ttft-slo 1s --tpot-slo 50ms --gpus h100-sxm,h200-sxm "
    "--gpu-price 2 --json";

nlohmann::json plan(const std::string& extra) {
  const auto r = mlc(std::string(kBase) + " " + extra);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  return r.json()["result"];
}

}  // namespace

TEST_CASE("plan: the top configuration is confirmed by throughput --concurrency auto") {
  const auto res = plan("--request-rate 20 --disagg off");
  const auto& cfgs = res["configs"];
  REQUIRE(!cfgs.empty());
  for (size_t i = 1; i < cfgs.size(); ++i)
    CHECK(cfgs[i - 1]["usd_per_hour"].get<double>() <= cfgs[i]["usd_per_hour"].get<double>());
  const auto top = cfgs[0];
  CHECK(top["ttft_s"].get<double>() <= 1.0);
  CHECK(top["tpot_s"].get<double>() <= 0.05);
  CHECK(top["capacity_requests_per_s"].get<double>() >= 20);
  CHECK(top["num_gpus"].get<int>() == top["replicas"].get<int>() * top["tp"].get<int>() * top["pp"].get<int>());
  CHECK(top["usd_per_hour"].get<double>() == doctest::Approx(2.0 * top["num_gpus"].get<int>()));
  const auto t = mlc(fmt::format(
      "throughput -m llama-3.1-70b -g {} --tp {} --pp {} --weights {} --kv-dtype {} --input 2048 --output 512 "
      "--concurrency auto --ttft-slo 1s --tpot-slo 50ms --json",
      top["gpu"].get<std::string>(), top["tp"].get<int>(), top["pp"].get<int>(), top["weights"].get<std::string>(),
      top["kv_dtype"].get<std::string>()));
  REQUIRE(t.status == 0);
  const auto s = t.json()["result"]["serving"];
  CHECK(s["requests_per_s"].get<double>() * top["replicas"].get<int>() >= 20);
  CHECK(s["ttft_s"].get<double>() == doctest::Approx(top["ttft_s"].get<double>()));
  CHECK(s["tpot_s"].get<double>() == doctest::Approx(top["tpot_s"].get<double>()));
  // Every candidate is counted once: feasible + rejected = candidates.
  const auto all = plan("--request-rate 20 --disagg off --top 100000");
  long rejected = 0;
  for (const auto& [k, v] : all["rejected"].items()) rejected += v.get<long>();
  CHECK(long(all["configs"].size()) + rejected == all["candidates"].get<long>());
}

TEST_CASE("plan: brute force over the same space finds nothing cheaper") {
  const auto res = plan("--request-rate 12 --disagg off --tp 1,2,4 --pp 1 --weights bf16,fp8 --kv-dtype bf16,fp8");
  REQUIRE(!res["configs"].empty());
  const double best = res["configs"][0]["usd_per_hour"].get<double>();
  double brute = std::numeric_limits<double>::infinity();
  for (const char* g : {"h100-sxm", "h200-sxm"})
    for (int tp : {1, 2, 4})
      for (const char* w : {"bf16", "fp8"})
        for (const char* kv : {"bf16", "fp8"}) {
          const auto t = mlc(fmt::format(
              "throughput -m llama-3.1-70b -g {} --tp {} --weights {} --kv-dtype {} --input 2048 --output 512 "
              "--concurrency auto --ttft-slo 1s --tpot-slo 50ms --json",
              g, tp, w, kv));
          if (t.status != 0) continue;  // SLOs unmet
          const auto s = t.json()["result"]["serving"];
          if (!s["fits"].get<bool>()) continue;
          const double rps = s["requests_per_s"].get<double>();
          const double usd = std::ceil(12 / rps - 1e-9) * tp * 2.0;
          brute = std::min(brute, usd);
        }
  CHECK(best == doctest::Approx(brute));
}

TEST_CASE("plan: more load never costs less; a tighter TPOT target never lowers the cost per token") {
  double last_usd = 0, last_gpus = 0;
  for (double rate : {1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0}) {
    const auto top = plan(fmt::format("--request-rate {}", rate))["configs"][0];
    CHECK(top["usd_per_hour"].get<double>() >= last_usd);
    CHECK(top["num_gpus"].get<double>() >= last_gpus);
    last_usd = top["usd_per_hour"].get<double>(), last_gpus = top["num_gpus"].get<double>();
  }
  double last = 0;
  for (const char* tpot : {"200ms", "100ms", "50ms", "30ms", "20ms"}) {
    const auto r = mlc(fmt::format(
        "plan -m llama-3.1-70b --input 2048 --output 512 --gpus h100-sxm,h200-sxm --gpu-price 2 --request-rate 10 "
        "--tpot-slo {} --json",
        tpot));
    if (r.status != 0) break;  // nothing meets it any more
    const double usd = r.json()["result"]["configs"][0]["usd_per_hour"].get<double>();
    CHECK(usd >= last);
    last = usd;
  }
  CHECK(last > 0);
}

TEST_CASE("plan: disaggregated pools") {
  const auto res = plan("--request-rate 20 --disagg on");
  REQUIRE(!res["configs"].empty());
  for (const auto& c : res["configs"]) {
    CHECK(c["disaggregated"].get<bool>());
    CHECK(c["prefill_gpus"].get<int>() + c["decode_gpus"].get<int>() == c["num_gpus"].get<int>());
    CHECK(c["kv_transfer_s"].get<double>() > 0);
    CHECK(c["ttft_s"].get<double>() >= c["kv_transfer_s"].get<double>());
    CHECK(c["ttft_s"].get<double>() <= 1.0);
    CHECK(c["tpot_s"].get<double>() <= 0.05);
    CHECK(c["capacity_requests_per_s"].get<double>() >= 20);
  }
  // auto holds both kinds, so it is never dearer than either alone.
  const double a = plan("--request-rate 20")["configs"][0]["usd_per_hour"].get<double>();
  const double off = plan("--request-rate 20 --disagg off")["configs"][0]["usd_per_hour"].get<double>();
  const double on = res["configs"][0]["usd_per_hour"].get<double>();
  CHECK(a == doctest::Approx(std::min(on, off)));
}

TEST_CASE("plan: the frontier per GPU has no dominated point") {
  const auto res = plan("--request-rate 5");
  REQUIRE(!res["pareto"].empty());
  for (const auto& f : res["pareto"]) {
    const auto& p = f["points"];
    for (size_t i = 1; i < p.size(); ++i) {
      CHECK(p[i]["output_tokens_per_s_per_user"].get<double>() <
            p[i - 1]["output_tokens_per_s_per_user"].get<double>());
      CHECK(p[i]["output_tokens_per_s_per_gpu"].get<double>() > p[i - 1]["output_tokens_per_s_per_gpu"].get<double>());
    }
  }
}

TEST_CASE("plan: prefix-cache hits never cost more; tokens per day = requests x tokens") {
  const double none = plan("--request-rate 20")["configs"][0]["usd_per_hour"].get<double>();
  const double half = plan("--request-rate 20 --cached-input-fraction 0.5")["configs"][0]["usd_per_hour"].get<double>();
  CHECK(half <= none);
  // 20 req/s x 2560 tokens x 86400 s.
  const auto a = plan("--request-rate 20 --disagg off")["configs"][0];
  const auto b = plan(fmt::format("--tokens-per-day {} --disagg off", 20.0 * 2560 * 86400))["configs"][0];
  CHECK(a["usd_per_hour"] == b["usd_per_hour"]);
}

TEST_CASE("plan: an impossible load says why (exit 1); --check exits 3 with the report") {
  const auto r = mlc("plan -m kimi-k2 --gpus l4 --max-gpus 1 --request-rate 10 --input 1024 --output 256");
  CHECK(r.status == 1);
  CHECK(r.err.find("no candidate serves") != std::string::npos);
  CHECK(r.err.find("closest") != std::string::npos);
  const auto c =
      mlc("plan -m kimi-k2 --gpus l4 --max-gpus 1 --request-rate 10 --input 1024 --output 256 --check --json");
  CHECK(c.status == 3);
  const auto res = c.json()["result"];
  CHECK(res["configs"].empty());
  CHECK(res["rejected"]["does_not_fit"].get<long>() > 0);
  // Over budget: fits, but needs more GPUs than allowed.
  const auto o =
      mlc("plan -m llama-3.1-8b --gpus h100-sxm --gpu-price 2 --request-rate 500 --max-gpus 1 --check --json");
  CHECK(o.status == 3);
  CHECK(o.json()["result"]["rejected"]["over_budget"].get<long>() > 0);
  // Usage errors.
  CHECK(mlc("plan -m llama-3.1-8b --gpus h100-sxm --gpu-price 2").status == 2);  // no load
  CHECK(mlc("plan -m llama-3.1-8b --gpus h100-sxm --gpu-price 2 --request-rate 1 --disagg maybe").status == 2);
  CHECK(mlc("plan -m llama-3.1-8b --gpus h100-sxm --gpu-price 2 --request-rate 1 --weights fp7").status == 2);
  CHECK(mlc("plan -m llama-3.1-8b --gpus h100-sxm --gpu-price 2 --request-rate 1 --explain 999").status == 2);
  CHECK(mlc("plan -m llama-3.1-8b --gpus h100-sxmm --gpu-price 2 --request-rate 1").status == 1);
}

TEST_CASE("plan --explain and the table") {
  const auto r = mlc(std::string(kBase) + " --request-rate 5 --explain 1");
  REQUIRE(r.status == 0);
  const auto ex = r.json()["result"]["explain"];
  CHECK(ex["rank"] == 1);
  CHECK(ex["config"] == r.json()["result"]["configs"][0]);
  const auto t =
      mlc("plan -m llama-3.1-70b --input 2048 --output 512 --ttft-slo 1s --tpot-slo 50ms --gpus h100-sxm --gpu-price 2 "
          "--request-rate 5 --explain 1");
  REQUIRE(t.status == 0);
  CHECK(t.out.find("Configuration 1") != std::string::npos);
  CHECK(t.out.find("Frontier per GPU") != std::string::npos);
}

TEST_CASE("mean_burst_steps: the closed form agrees with the sum it replaces") {
  // (1/n) sum_{k=1..n} ceil(k input / chunk), whole-token prompts, whole and half-token chunks.
  for (double n : {1.0, 2.0, 7.0, 64.0, 255.0, 1583.0})
    for (double input : {1.0, 100.0, 2048.0, 7000.0})
      for (double chunk : {1.0, 512.0, 8191.5, 8192.0, 8064.5}) {
        double sum = 0;
        for (int k = 1; k <= int(n); ++k) sum += std::ceil(k * input / chunk - 1e-9);
        CHECK(mean_burst_steps(n, input, chunk, true) == doctest::Approx(sum / n).epsilon(1e-12));
      }
}
