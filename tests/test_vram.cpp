// vram: ZeRO model states (M-11), Korthikanti activations (M-60..M-71), DeepSpeed view
// (M-20..M-31), inference KV consistency, invariants, bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "cli_runner.hpp"
#include "inference.hpp"
#include "io/db.hpp"
#include "training_memory.hpp"

using namespace mlcalc;
static mlcalc::test::Run mlc(const std::string& a) {
  return mlcalc::test::mlcalc(a);
}

namespace {
double states_gb(double params, int n, int zero) {
  TrainSetup s;
  s.params = params;
  s.num_gpus = n;
  s.zero = zero;
  const TrainMemory m = training_memory(s);
  return (m.weights + m.gradients + m.optimizer) / 1e9;  // the ZeRO paper uses GB = 1e9
}
}  // namespace

TEST_CASE("ZeRO paper Table 1 (M-11): all 54 cells, K = 12, mixed-precision Adam") {
  // Per-device model-state memory in GB: Pos = 4P + 12P/N, Pos+g = 2P + 14P/N, Pos+g+p = 16P/N.
  // The paper truncates some large values (4187.5 -> 4187) and rounds others (41.25 -> 41.3):
  // allow one unit in the last printed digit.
  const int dp[] = {1, 4, 16, 64, 256, 1024};
  const double P[] = {7.5e9, 128e9, 1e12};
  const double table[6][9] = {
      {120, 120, 120, 2048, 2048, 2048, 16000, 16000, 16000}, {52.5, 41.3, 30, 896, 704, 512, 7000, 5500, 4000},
      {35.6, 21.6, 7.5, 608, 368, 128, 4750, 2875, 1000},     {31.4, 16.6, 1.88, 536, 284, 32, 4187, 2218, 250},
      {30.4, 15.4, 0.47, 518, 263, 8, 4046, 2054, 62.5},      {30.1, 15.1, 0.12, 513, 257, 2, 4011, 2013, 15.6},
  };
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 9; ++c) {
      const double published = table[r][c];
      const double got = states_gb(P[c / 3], dp[r], 1 + c % 3);
      // unit of the last printed digit
      double unit = 1;
      for (double x = published; std::fabs(x - std::round(x)) > 1e-9 && unit > 1e-3; x *= 10) unit /= 10;
      INFO("P=" << P[c / 3] << " N=" << dp[r] << " stage " << 1 + c % 3 << " got " << got << " published "
                << published);
      CHECK(std::fabs(got - published) <= unit + 1e-9);
    }
  // M-01..M-04: 7.5B on 64 GPUs: 120 / 31.4 / 16.6 / 1.88 GB for ZeRO 0/1/2/3.
  CHECK(states_gb(7.5e9, 64, 0) == doctest::Approx(120.0));
  CHECK(states_gb(7.5e9, 64, 3) == doctest::Approx(1.875));
}

namespace {
// GPT-style model of Korthikanti Table 3: MHA, plain 4h MLP, dropout, no FlashAttention.
Architecture gpt(int a, int h, int L) {
  Architecture x;
  x.id = "gpt";
  x.hidden = h;
  x.vocab = 51200;
  x.num_layers = L;
  x.attn.num_heads = x.attn.num_kv_heads = a;
  x.attn.head_dim = h / a;
  x.dense.intermediate = 4LL * h;
  x.dense.gated = false;
  x.groups = {LayerGroup{L, Mixer::attention, Window::full, 0, Ffn::dense}};
  return x;
}
double mib(const Architecture& x, int t, bool sp, Recompute r) {
  return layer_activation_bytes(x, x.groups[0], 2048, 1, t, sp, r, /*flash=*/false, /*dropout=*/true) / 1048576.0;
}
}  // namespace

TEST_CASE("Korthikanti Table 2 per-layer activations (M-60..M-65) for the Table 3 models (M-71)") {
  // M-71: s = 2048, b = 1, t = 8, MiB: no-par, TP, TP+SP, TP+sel, TP+SP+sel, full.
  struct Row {
    int a, h, L;
    double v[6];
  };
  const Row rows[] = {{64, 6144, 48, {1688.0, 316.0, 211.0, 156.0, 51.0, 24.0}},
                      {96, 12288, 96, {2736.0, 552.0, 342.0, 312.0, 102.0, 48.0}},
                      {128, 20480, 105, {3920.0, 840.0, 490.0, 520.0, 170.0, 80.0}},
                      {160, 25600, 128, {4900.0, 1050.0, 612.5, 650.0, 212.5, 100.0}}};
  for (const auto& r : rows) {
    const Architecture x = gpt(r.a, r.h, r.L);
    INFO("h = " << r.h);
    CHECK(mib(x, 1, false, Recompute::none) == doctest::Approx(r.v[0]));       // sbh(34 + 5as/h)
    CHECK(mib(x, 8, false, Recompute::none) == doctest::Approx(r.v[1]));       // sbh(10 + 24/t + 5as/(ht))
    CHECK(mib(x, 8, true, Recompute::none) == doctest::Approx(r.v[2]));        // sbh(34/t + 5as/(ht))
    CHECK(mib(x, 8, false, Recompute::selective) == doctest::Approx(r.v[3]));  // sbh(10 + 24/t)
    CHECK(mib(x, 8, true, Recompute::selective) == doctest::Approx(r.v[4]));   // 34 sbh / t
    CHECK(mib(x, 8, false, Recompute::full) == doctest::Approx(r.v[5]));       // 2 sbh
  }
  // M-66: 5as/h = 80 for GPT-3 (a 96, s 2048, h 12288): the scores are 80/114 of no-par.
  const Architecture g3 = gpt(96, 12288, 96);
  CHECK(mib(g3, 1, false, Recompute::none) - mib(g3, 1, false, Recompute::selective) ==
        doctest::Approx(2048.0 * 12288 * 80 / 1048576.0));
}

TEST_CASE("DeepSpeed estimator view (M-20..M-31, t5-3b: P = 2851e6, largest layer 32e6, 8 GPUs)") {
  const double P = 2851e6, L = 32e6, GiB = 1073741824.0;
  auto ds = [&](int zero, bool oo, bool op, bool zi, bool old = false) {
    return deepspeed_estimate(P, L, 8, 1, zero, oo, op, zi, old);
  };
  // M-22 (cold): offload optimizer: 127.45 / 5.31 GB.
  CHECK(ds(2, true, false, true).cpu_bytes / GiB == doctest::Approx(127.45).epsilon(1e-3));
  CHECK(ds(2, true, false, true).gpu_bytes / GiB == doctest::Approx(5.31).epsilon(1e-3));
  // M-23: the docs' 15.93 GB is the pre-2024-06 formula 4P + int(16P/N); the current one gives 11.28.
  CHECK(ds(2, false, false, true, true).gpu_bytes / GiB == doctest::Approx(15.93).epsilon(1e-3));
  CHECK(ds(2, false, false, true).gpu_bytes / GiB == doctest::Approx(11.28).epsilon(1e-3));
  // M-30: six ZeRO-3 rows: cpu 71.69 / 127.45 / 63.72 / 127.45 / 1.43 / 127.45; gpu 0.12 / 0.12 / 0.78 / 0.78 / 6.09
  // / 6.09.
  const double cpu[] = {71.69, 127.45, 63.72, 127.45, 1.43, 127.45}, gpu[] = {0.12, 0.12, 0.78, 0.78, 6.09, 6.09};
  const bool oo[] = {true, true, true, true, false, false}, op[] = {true, true, false, false, false, false};
  const bool zi[] = {true, false, true, false, true, false};
  for (int i = 0; i < 6; ++i) {
    const auto e = ds(3, oo[i], op[i], zi[i]);
    INFO("row " << i);
    CHECK(std::fabs(e.cpu_bytes / GiB - cpu[i]) < 0.006);
    CHECK(std::fabs(e.gpu_bytes / GiB - gpu[i]) < 0.006);
  }
  // M-31: t5-large, 4 GPUs: largest layer 4 x 32.90M = 125 MiB; no offload 4L + 18P/N = 3291 MiB.
  const auto t5l = deepspeed_estimate(737.67e6, 32.90e6, 4, 1, 3, false, false, true, false);
  CHECK(t5l.gpu_bytes / 1048576.0 == doctest::Approx(3291).epsilon(1e-3));
  // The CLI view prints the same.
  const auto r =
      mlc("vram train --params 2851e6 --num-gpus 8 --zero 3 --formula deepspeed --largest-layer 32e6 --offload "
          "optimizer --json");
  REQUIRE(r.status == 0);
  CHECK(r.json()["result"]["per_gpu"]["total_bytes"].get<double>() / GiB == doctest::Approx(0.78).epsilon(0.01));
}

TEST_CASE("vram train invariants: sums, ZeRO-3 scaling, recompute ordering") {
  for (const char* model : {"llama-3.1-70b", "mixtral-8x7b", "qwen3-30b-a3b", "jamba-1.5-mini"}) {
    INFO(model);
    double prev = 1e30;
    for (int n : {8, 16, 64, 256}) {
      const auto r = mlc(std::string("vram train -m ") + model + " -g h100-sxm --num-gpus " + std::to_string(n) +
                         " --zero 3 --seq 4096 --json");
      REQUIRE(r.status == 0);
      const auto p = r.json()["result"]["per_gpu"];
      const double sum = p["weights_bytes"].get<double>() + p["gradients_bytes"].get<double>() +
                         p["optimizer_bytes"].get<double>() + p["activations_bytes"].get<double>() +
                         p["logits_bytes"].get<double>() + p["other_bytes"].get<double>();
      CHECK(sum == doctest::Approx(p["total_bytes"].get<double>()));
      CHECK(p["total_bytes"].get<double>() <= prev);  // never grows with more data-parallel GPUs
      prev = p["total_bytes"].get<double>();
    }
    double act[3];
    const char* rc[] = {"full", "selective", "none"};
    for (int i = 0; i < 3; ++i) {
      const auto r =
          mlc(std::string("vram train -m ") + model +
              " --num-gpus 8 --tp 2 --zero 1 --seq 8192 --flash-attn false --recompute " + rc[i] + " --json");
      REQUIRE(r.status == 0);
      act[i] = r.json()["result"]["per_gpu"]["activations_bytes"].get<double>();
    }
    CHECK(act[0] <= act[1]);
    CHECK(act[1] <= act[2]);
  }
  // max_micro_batch really is the largest that fits.
  const auto r = mlc("vram train -m llama-3.1-8b -g h100-sxm --num-gpus 8 --zero 3 --seq 8192 --json");
  const double mb = r.json()["result"]["max_micro_batch"].get<double>();
  REQUIRE(mb >= 1);
  const std::string base =
      "vram train -m llama-3.1-8b -g h100-sxm --num-gpus 8 --zero 3 --seq 8192 --check --micro-batch ";
  CHECK(mlc(base + std::to_string(int(mb))).status == 0);
  CHECK(mlc(base + std::to_string(int(mb) + 1)).status == 3);
}

TEST_CASE("vram infer: KV consistent with describe; max_batch never exceeds the memory left") {
  Database db;
  for (const auto& id : db.ids(EntryKind::model)) {
    const auto d = mlc("describe " + id + " --context 8192 --batch 2 --json");
    const auto v = mlc("vram infer -m " + id + " -g b300 --context 8192 --batch 2 --block-size 16 --json");
    INFO(id << " " << v.err);
    REQUIRE(d.status == 0);
    if (v.status != 0) continue;  // tp-1 limits do not apply to describe
    // 8192 is a multiple of the block size, so paged KV equals the model's KV.
    CHECK(v.json()["result"]["per_gpu"]["kv_cache_bytes"].get<double>() ==
          doctest::Approx(d.json()["result"]["kv_cache_bytes"].get<double>()));
    const auto res = v.json()["result"];
    const auto p = res["per_gpu"];
    const double left = res["usable_bytes"].get<double>() - p["weights_bytes"].get<double>() -
                        p["activations_bytes"].get<double>() - p["other_bytes"].get<double>();
    const double per_seq = (p["kv_cache_bytes"].get<double>() + p["state_bytes"].get<double>()) / 2.0;
    CHECK(res["max_batch"].get<double>() * per_seq <= std::max(0.0, left) + 1);
  }
}

TEST_CASE("vram bad input") {
  CHECK(mlc("vram train -m llama-3.1-8b --num-gpus 0").status == 2);
  const auto r1 = mlc("vram train -m llama-3.1-8b --num-gpus 12 --tp 8");
  CHECK(r1.status == 1);
  CHECK(r1.err.find("does not divide num-gpus") != std::string::npos);
  const auto r2 = mlc("vram train -m llama-3.1-8b --num-gpus 1 --zero 3 --json");
  CHECK(r2.status == 0);  // allowed, no saving
  CHECK(r2.err.find("shards nothing") != std::string::npos);
  CHECK(mlc("vram train -m llama-3.1-8b --micro-batch 0").status == 2);
  const auto r3 = mlc("vram train -m llama-3.1-8b --num-gpus 8 --offload optimizer");
  CHECK(r3.status == 1);
  CHECK(r3.err.find("ZeRO") != std::string::npos);
  CHECK(mlc("vram train -m llama-3.1-8b --optimizer adamm").err.find("did you mean 'adam") != std::string::npos);
  CHECK(mlc("vram infer -m llama-3.1-405b -g l4 --check").status == 3);
  const auto r4 = mlc("vram infer -m llama-3.1-8b -g h100-sxm --context 1e30");
  CHECK(r4.status == 2);
  CHECK(r4.out.find("nan") == std::string::npos);
}
