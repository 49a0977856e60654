// mlcalc train (lib/training_time, lib/train): FLOP conventions and the pipeline bubble by hand
// arithmetic, published training runs in realistic and roofline mode, invariants, the JSON
// contract of the issue, and bad layouts.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace {

using mlcalc::test::Run;

nlohmann::json train(const std::string& args) {
  const Run r = mlcalc::test::mlcalc("train " + args + " --json");
  INFO("mlcalc train " << args << "\nstderr: " << r.err);
  REQUIRE(r.status == 0);
  return r.json()["result"];
}

/// A GPT-2-style config.json (MLP 4h, learned positions, tied embeddings), as Megatron's GPT and
/// MPT are shaped; returns its path.
std::string gpt_config(const std::string& name, int h, int L, int heads, int vocab, int seq) {
  const auto dir = std::filesystem::temp_directory_path() / ("mlcalc-test-train-" + name);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << "{\"model_type\": \"gpt2\", \"n_embd\": " << h << ", \"n_layer\": " << L
                                     << ", \"n_head\": " << heads << ", \"n_positions\": " << seq
                                     << ", \"vocab_size\": " << vocab << "}";
  return (dir / "config.json").string();
}

double rel(double got, double want) {
  return std::fabs(got / want - 1);
}

// One published run: flags, the measured quantity (JSON key) and value.
struct Published {
  const char* id;
  std::string args;
  const char* key;
  double measured;
};

std::vector<Published> published_runs() {
  const std::string g175 = gpt_config("gpt3-175b", 12288, 96, 96, 51200, 2048);
  const std::string g530 = gpt_config("mtnlg-530b", 20480, 105, 128, 51200, 2048);
  // Narayanan et al. 2021 (arXiv:2104.04473) Table 2, PTD-P rows: step time from the paper's TFLOP/s
  // per GPU and its Eq. 3 FLOPs per iteration 96 B s L h^2 (1 + s/6h + V/16Lh).
  auto eq3_step = [](double B, double L, double h, double tflops, double n) {
    const double s = 2048, V = 51200;
    return 96 * B * s * L * h * h * (1 + s / (6 * h) + V / (16 * L * h)) / (tflops * 1e12 * n);
  };
  std::vector<Published> v;
  const std::string a100 = " -g a100-sxm-80gb --seq 2048 --micro-batch 1 --recompute full --tp 8";
  v.push_back({"T-63 175B 384", "-m " + g175 + a100 + " --num-gpus 384 --pp 12 --global-batch 1536", "step_time_s",
               eq3_step(1536, 96, 12288, 153, 384)});
  v.push_back({"T-63 175B 1536", "-m " + g175 + a100 + " --num-gpus 1536 --pp 12 --global-batch 1536", "step_time_s",
               eq3_step(1536, 96, 12288, 141, 1536)});
  v.push_back({"T-63 530B 560", "-m " + g530 + a100 + " --num-gpus 560 --pp 35 --global-batch 2240", "step_time_s",
               eq3_step(2240, 105, 20480, 171, 560)});
  v.push_back({"T-63 530B 2240", "-m " + g530 + a100 + " --num-gpus 2240 --pp 35 --global-batch 2240", "step_time_s",
               eq3_step(2240, 105, 20480, 159, 2240)});
  // LLM Foundry MPT benchmarks on A100 (mosaicml/llm-foundry scripts/train/benchmarking/README.md):
  // tokens/s/GPU, FSDP FULL_SHARD, bf16, vocab 50368.
  const std::string mpt7 = gpt_config("mpt-7b", 4096, 32, 32, 50368, 2048);
  const std::string mpt70 = gpt_config("mpt-70b", 8192, 80, 64, 50368, 2048);
  const std::string mpt1 = gpt_config("mpt-1b", 2048, 24, 16, 50368, 2048);
  v.push_back({"T-87 MPT-7B",
               "-m " + mpt7 +
                   " -g a100-sxm-80gb --num-gpus 8 --seq 2048 --micro-batch 6 --global-batch 96 "
                   "--fsdp full",
               "tokens_per_s_per_gpu", 4641});
  v.push_back({"T-84 MPT-70B",
               "-m " + mpt70 +
                   " -g a100-sxm-80gb --num-gpus 64 --seq 2048 --micro-batch 8 "
                   "--global-batch 2048 --fsdp full --recompute full",
               "tokens_per_s_per_gpu", 410});
  v.push_back({"T-89 MPT-1B",
               "-m " + mpt1 +
                   " -g a100-sxm-80gb --num-gpus 8 --seq 2048 --micro-batch 14 --global-batch 448 "
                   "--fsdp full",
               "tokens_per_s_per_gpu", 20513});
  // NeMo Framework 24.12 performance summary, DGX-H100, FP8 (docs.nvidia.com/nemo-framework
  // performance summary): tokens/s/GPU.
  v.push_back({"R-22 Llama-2-70B",
               "-m llama-2-70b -g h100-sxm --num-gpus 64 --tp 4 --pp 4 --vp 20 --schedule interleaved "
               "--sequence-parallel --seq 4096 --global-batch 128 --precision fp8-mixed",
               "tokens_per_s_per_gpu", 1728});
  v.push_back({"R-24 Llama-3-70B",
               "-m llama-3.1-70b -g h100-sxm --num-gpus 64 --tp 4 --pp 4 --cp 2 --vp 5 --schedule "
               "interleaved --sequence-parallel --seq 8192 --global-batch 128 --precision fp8-mixed",
               "tokens_per_s_per_gpu", 1524});
  v.push_back({"R-20 GPT-3 175B",
               "-m " + g175 +
                   " -g h100-sxm --num-gpus 128 --tp 4 --pp 8 --vp 6 --schedule interleaved "
                   "--sequence-parallel --seq 2048 --global-batch 256 --precision fp8-mixed",
               "tokens_per_s_per_gpu", 716});
  return v;
}

}  // namespace

TEST_CASE("train: FLOP conventions reproduce the published arithmetic") {
  // Megatron convention, Korthikanti et al. 2022 Eq. 7: 72 B s L h^2 (1 + s/6h + V/12hL) per iteration
  // = per token 72 L h^2 + 12 L h s + 6 V h. GPT-3 175B: h 12288, L 96, V 51200, s 2048.
  const std::string g175 = gpt_config("gpt3-175b", 12288, 96, 96, 51200, 2048);
  const auto r = train("-m " + g175 +
                       " -g a100-sxm-80gb --num-gpus 1536 --tp 8 --pp 12 --seq 2048 --global-batch 1536 "
                       "--recompute full --flops megatron");
  const double h = 12288, L = 96, s = 2048, V = 51200;
  const double eq7 = 72 * L * h * h * (1 + s / (6 * h) + V / (12 * h * L));
  // Our per-layer count includes biases and norms (13h per layer): within 0.05%.
  CHECK(rel(r["model_flops_per_token"].get<double>(), eq7) < 5e-4);
  // HFU with full recompute is Narayanan et al. 2021 Eq. 3: 96 L h^2 (1 + s/6h + V/16Lh) per token.
  const double eq3 = 96 * L * h * h * (1 + s / (6 * h) + V / (16 * L * h));
  CHECK(rel(r["hardware_flops_per_token"].get<double>(), eq3) < 5e-4);
  CHECK(r["flops_convention"] == "megatron");

  // PaLM / LLM Foundry convention: 6N + 12 L d s. MPT-7B (T-87): N = 6,658,859,008 in the source;
  // our GPT-2-shaped config adds learned positions (2048 x 4096) and biases: within 0.2%.
  const std::string mpt7 = gpt_config("mpt-7b", 4096, 32, 32, 50368, 2048);
  const auto p =
      train("-m " + mpt7 + " -g a100-sxm-80gb --num-gpus 8 --seq 2048 --micro-batch 6 --global-batch 96 --fsdp full");
  const double foundry = 6 * 6658859008.0 + 12 * 32 * 4096 * 2048.0;
  CHECK(rel(p["model_flops_per_token"].get<double>(), foundry) < 2e-3);
  // The source's own MFU (64.23%) from its tokens/s: (6N + 12 L d s) x 4641 / 312e12, to 0.5 pp.
  CHECK(std::fabs(p["model_flops_per_token"].get<double>() * 4641 / 312e12 - 0.6423) < 0.005);
  // MFU is model FLOP/s over the dense bf16 peak; without recompute HFU = MFU.
  CHECK(p["mfu"].get<double>() ==
        doctest::Approx(p["model_flops_per_token"].get<double>() * p["tokens_per_s_per_gpu"].get<double>() / 312e12));
  CHECK(p["hfu"].get<double>() == doctest::Approx(p["mfu"].get<double>()));
}

TEST_CASE("train: training compute is 6ND (Chinchilla; Llama 3 405B on 15.6T tokens, T-04)") {
  // A generic dense 405B decoder (--params) on the Llama 3 layout.
  const auto r = train(
      "--params 405e9 -g h100-sxm --num-gpus 16384 --tp 8 --pp 16 --seq 8192 --global-batch 2048 "
      "--sequence-parallel --zero 1 --recompute full --tokens 15.6T --gpu-price 2");
  // Llama 3 paper: 3.8e25 FLOPs for 405B on 15.6T tokens; 6ND = 3.79e25. Our count adds attention
  // (12 L h s at 8k tokens: ~10% for this shape), so the 6N part is checked alone.
  const double total = r["model_flops_per_token"].get<double>() * 15.6e12;
  CHECK(total > 3.79e25 * 0.99);
  CHECK(total < 3.79e25 * 1.15);
  // time to train, GPU-hours and $: hand arithmetic from the result's own numbers.
  const double t = 15.6e12 / r["tokens_per_s"].get<double>();
  CHECK(r["time_to_train_s"].get<double>() == doctest::Approx(t));
  CHECK(r["gpu_hours"].get<double>() == doctest::Approx(t * 16384 / 3600));
  CHECK(r["cost_usd"].get<double>() == doctest::Approx(t * 16384 / 3600 * 2));
  // chinchilla = 20 tokens per parameter (Hoffmann et al. 2022).
  const auto c = train(
      "-m llama-3.1-8b -g h100-sxm --num-gpus 8 --seq 8192 --global-batch 64 --zero 1 --recompute full "
      "--tokens chinchilla");
  CHECK(c["time_to_train_s"].get<double>() * c["tokens_per_s"].get<double>() ==
        doctest::Approx(20 * 8.03e9).epsilon(0.01));
}

TEST_CASE("train: pipeline bubble (p-1)/m and interleaved (p-1)/(v m) (Narayanan et al. 2021, T-06)") {
  // 64 GPUs: tp 4, pp 4, dp 4; global batch 32 at micro-batch 1 -> m = 8 micro-batches.
  const std::string base =
      "-m llama-3.1-70b -g h100-sxm --num-gpus 64 --tp 4 --pp 4 --seq 4096 --global-batch 32 "
      "--sequence-parallel --zero 1 --recompute full";
  const auto a = train(base);
  CHECK(a["micro_batches"] == 8);
  CHECK(a["bubble_fraction"].get<double>() == doctest::Approx(3.0 / 8));
  const auto b = train(base + " --schedule interleaved --vp 4");
  CHECK(b["bubble_fraction"].get<double>() == doctest::Approx(3.0 / 32));
  // Interleaving shrinks the bubble, so the step.
  CHECK(b["breakdown"]["pp_bubble_s"].get<double>() < a["breakdown"]["pp_bubble_s"].get<double>());
  CHECK(b["step_time_s"].get<double>() < a["step_time_s"].get<double>());
  // Step = compute + exposed communication + bubble + optimizer.
  const auto& k = a["breakdown"];
  CHECK(a["step_time_s"].get<double>() ==
        doctest::Approx(k["compute_s"].get<double>() + k["exposed_comm_s"].get<double>() +
                        k["pp_bubble_s"].get<double>() + k["optimizer_s"].get<double>()));
}

TEST_CASE("train: published runs in realistic mode; roofline never below a measurement") {
  double sum = 0;
  int n = 0;
  for (const Published& p : published_runs()) {
    const auto r = train(p.args);
    const double got = r[p.key].get<double>();
    INFO(p.id << ": " << got << " vs " << p.measured);
    CHECK(rel(got, p.measured) < 0.20);
    sum += rel(got, p.measured), ++n;
    const auto roof = train(p.args + " --mode roofline");
    const double bound = roof[p.key].get<double>();
    // Roofline: faster than any measurement (shorter steps, more tokens/s).
    if (std::string(p.key) == "step_time_s")
      CHECK(bound < p.measured);
    else
      CHECK(bound > p.measured);
  }
  CHECK(sum / n < 0.10);
}

TEST_CASE("train: DualPipe (DeepSeek-V3) bubble and overlap") {
  // DeepSeek-V3 sec. 3.2.1 / Table 2: bubble (p/2 - 1)(F&B + B - 3W) = (p/2 - 1) 2F with B = 2F, W = F,
  // i.e. (p/2 - 1) 2/3 micro-batch slots of 3F: p = 16, m = 120 -> 14/3/120.
  const std::string job =
      "-m deepseek-v3 -g h800 --num-gpus 2048 --pp 16 --ep 64 --seq 4096 --global-batch 15360 "
      "--zero 1 --precision fp8-mixed";
  const auto d = train(job + " --schedule dualpipe");
  CHECK(d["bubble_fraction"].get<double>() == doctest::Approx(14.0 / 3 / 120));
  const auto f = train(job);
  CHECK(f["bubble_fraction"].get<double>() == doctest::Approx(15.0 / 120));
  // The all-to-all runs under the other micro-batch's compute: less exposed, a shorter step.
  CHECK(d["breakdown"]["ep_comm_s"].get<double>() < f["breakdown"]["ep_comm_s"].get<double>());
  CHECK(d["step_time_s"].get<double>() < f["step_time_s"].get<double>());
  // Two copies of the parameters (DeepSeek-V3 sec. 3.2.1).
  CHECK(d["memory"]["per_gpu"]["weights_bytes"].get<double>() ==
        doctest::Approx(2 * f["memory"]["per_gpu"]["weights_bytes"].get<double>()));
  // T-22: DeepSeek-V3 pre-training, 180K H800-hours per trillion tokens = 1,543 tokens/s/GPU.
  CHECK(rel(d["tokens_per_s_per_gpu"].get<double>(), 1e12 / 180e3 / 3600) < 0.2);
  const Run odd = mlcalc::test::mlcalc(
      "train -m deepseek-v3 -g h800 --num-gpus 1920 --pp 15 --ep 64 --seq 4096 "
      "--global-batch 15360 --zero 1 --schedule dualpipe");
  CHECK(odd.status == 1);
  CHECK(odd.err.find("even --pp") != std::string::npos);
}

TEST_CASE("train: invariants") {
  // More GPUs (more data parallelism) never raise per-GPU memory for the same layout.
  const std::string m =
      "-m llama-3.1-70b -g h100-sxm --tp 8 --pp 4 --seq 4096 --micro-batch 1 --sequence-parallel "
      "--zero 1 --recompute selective";
  double last = 1e300;
  for (int n : {32, 64, 128, 256}) {
    const auto r = train(m + " --num-gpus " + std::to_string(n) + " --global-batch " + std::to_string(n * 2));
    const double bytes = r["memory"]["per_gpu"]["total_bytes"].get<double>();
    CHECK(bytes <= last);
    last = bytes;
  }
  // InfiniBand never slower than RoCE at the same bandwidth; a slower network never speeds a step up.
  const auto r = train(
      "-m llama-3.1-70b -g h100-sxm --num-gpus 128 --tp 8 --pp 2 --seq 8192 --global-batch 128 "
      "--sequence-parallel --zero 1 --recompute selective --scale-out ib-ndr,roce-400g,ib-hdr");
  const auto& by = r["by_scale_out"];
  REQUIRE(by.size() == 3);
  CHECK(by[0]["scale_out"] == "ib-ndr");
  CHECK(by[0]["step_time_s"].get<double>() <= by[1]["step_time_s"].get<double>());
  CHECK(by[0]["step_time_s"].get<double>() <= by[2]["step_time_s"].get<double>());
  CHECK(by[0]["breakdown"]["dp_comm_s"].get<double>() < by[2]["breakdown"]["dp_comm_s"].get<double>());
  // Two NICs per node instead of eight: a quarter of the per-GPU bandwidth, named LINK:K.
  const auto two = train(
      "-m llama-3.1-70b -g h100-sxm --num-gpus 128 --tp 8 --pp 2 --seq 8192 --global-batch 128 "
      "--sequence-parallel --zero 1 --recompute selective --scale-out ib-ndr:2");
  CHECK(two["scale_out"] == "ib-ndr:2");
  CHECK(two["breakdown"]["dp_comm_s"].get<double>() > 2 * by[0]["breakdown"]["dp_comm_s"].get<double>());
  // Realistic is never faster than roofline.
  const std::string job = "-m llama-3.1-8b -g h100-sxm --num-gpus 16 --seq 8192 --global-batch 64 --zero 1";
  CHECK(train(job)["tokens_per_s"].get<double>() < train(job + " --mode roofline")["tokens_per_s"].get<double>());
}

TEST_CASE("train: the JSON contract of the issue") {
  const auto r = train(
      "-m llama-3.1-70b -g h100-sxm --num-gpus 64 --tp 8 --pp 2 --seq 4096 --global-batch 64 "
      "--sequence-parallel --zero 1 --recompute selective --tokens 300B --provider lambda");
  for (const char* k :
       {"step_time_s", "tokens_per_step", "tokens_per_s", "tokens_per_s_per_gpu", "model_flops_per_token", "mfu", "hfu",
        "model_tflops_per_gpu", "breakdown", "memory", "time_to_train_s", "gpu_hours", "cost_usd", "scale_out"})
    CHECK_MESSAGE(r.contains(k), k);
  for (const char* k : {"compute_s", "tp_comm_s", "cp_comm_s", "ep_comm_s", "pp_bubble_s", "pp_comm_s", "dp_comm_s",
                        "exposed_comm_s", "optimizer_s"})
    CHECK_MESSAGE(r["breakdown"].contains(k), k);
  CHECK(r["memory"]["fits"].is_boolean());
  CHECK(r["cost_usd"].get<double>() > 0);
  CHECK(r["tokens_per_step"] == 64 * 4096);
  // --layout auto ranks layouts that fit, fastest first, each with its memory.
  const auto a = train("-m llama-3.1-8b -g h100-sxm --num-gpus 16 --seq 8192 --global-batch 64 --zero 1 --layout auto");
  REQUIRE(a["layouts"].size() > 1);
  for (size_t i = 1; i < a["layouts"].size(); ++i)
    CHECK(a["layouts"][i - 1]["step_time_s"].get<double>() <= a["layouts"][i]["step_time_s"].get<double>());
  CHECK(a["layouts"][0]["fits"] == true);
  CHECK(a["step_time_s"].get<double>() == doctest::Approx(a["layouts"][0]["step_time_s"].get<double>()));
  // MoE: expert parallelism adds the all-to-all.
  const auto moe = train("-m qwen3-30b-a3b -g h100-sxm --num-gpus 16 --ep 8 --seq 4096 --global-batch 64 --zero 1");
  CHECK(moe["breakdown"]["ep_comm_s"].get<double>() > 0);
  // CSV is flat numbers with the keys as columns.
  const Run csv = mlcalc::test::mlcalc(
      "train -m llama-3.1-8b -g h100-sxm --num-gpus 8 --seq 8192 --global-batch 64 "
      "--zero 1 --format csv");
  CHECK(csv.status == 0);
  CHECK(csv.out.find("breakdown.compute_s") != std::string::npos);
}

TEST_CASE("train: bad layouts are one-line errors") {
  struct Bad {
    const char* args;
    int status;
    const char* words;
  };
  const std::string m = "-m llama-3.1-70b -g h100-sxm --seq 4096 ";
  const Bad cases[] = {
      {"--num-gpus 64 --tp 8 --pp 3 --global-batch 64", 1, "does not divide --num-gpus"},
      {"--num-gpus 48 --tp 6 --global-batch 48", 1, "does not divide"},  // 64 heads / 6
      {"--num-gpus 64 --tp 8 --global-batch 100", 1, "not a multiple of micro-batch x dp"},
      {"--num-gpus 64 --tp 8 --pp 2 --vp 2 --global-batch 64", 2, "--schedule interleaved"},
      {"--num-gpus 48 --tp 8 --cp 3 --global-batch 48", 1, "not divisible by 2 x cp"},
      {"--num-gpus 64 --tp 8 --global-batch 64 --scale-out ib-ndrr", 1, "did you mean"},
      {"--num-gpus 64 --tp 8 --global-batch 64 --tokens lots", 2, "not a token count"},
      {"--num-gpus 64 --tp 8 --global-batch 64 --scale-out nvlink4", 1, "give a network"},
      {"--num-gpus 64 --tp 8 --global-batch 64 --ep 2", 1, "mixture-of-experts"},
      {"--num-gpus 64 --tp 8 --global-batch 64 --tokens 1T --steps 10", 2, "not both"},
      {"--num-gpus 64 --tp 8 --schedule interleaved --global-batch 64", 1, "--pp 2 or more"},
      {"--num-gpus 64 --tp 8 --global-batch 64 --scale-out ib-ndr:0", 2, "NICs per node"},
      {"--num-gpus 64 --tp 8 --global-batch 64 --scale-out ,", 2, "empty network name"},
  };
  for (const Bad& b : cases) {
    const Run r = mlcalc::test::mlcalc("train " + m + b.args);
    INFO(b.args << "\nstderr: " << r.err);
    CHECK(r.status == b.status);
    CHECK(r.err.find(b.words) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') <= 2);
  }
  // Missing --global-batch, and --check exits 3 when the layout does not fit.
  CHECK(mlcalc::test::mlcalc("train " + m + "--num-gpus 8").status == 2);
  CHECK(mlcalc::test::mlcalc("train " + m + "--num-gpus 8 --tp 8 --global-batch 8 --check").status == 3);
}
