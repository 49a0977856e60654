// mlcalc_bench: wall time of real CLI queries (start-up included) and in-process sweep speed.
// Reports figures; asserts nothing (timings never go into tests).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <vector>

#include "inference.hpp"
#include "io/db.hpp"
#include "train.hpp"
#include "plan_search.hpp"

extern char** environ;
using namespace mlcalc;
using clk = std::chrono::steady_clock;

static double median_ms(const std::string& bin, const std::vector<std::string>& args, int runs) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    std::vector<char*> argv{const_cast<char*>(bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
    const auto t0 = clk::now();
    pid_t pid;
    if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ) != 0) return -1;
    int st;
    waitpid(pid, &st, 0);
    t.push_back(std::chrono::duration<double, std::milli>(clk::now() - t0).count());
    posix_spawn_file_actions_destroy(&fa);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

int main(int argc, char** argv) {
  const std::string bin = argc > 1 ? argv[1] : "./build/mlcalc";
  const int runs = 51;
  struct Q {
    const char* what;
    std::vector<std::string> args;
  };
  const std::vector<Q> queries = {
      {"describe llama-3.1-8b --json", {"describe", "llama-3.1-8b", "--json"}},
      {"throughput 9-row batch sweep",
       {"throughput", "-m", "llama-3.1-70b", "-g", "h100-sxm", "--tp", "4", "--batch", "1..256", "--json"}},
      {"throughput --concurrency auto --tpot-slo 50ms",
       {"throughput", "-m", "llama-3.1-70b", "-g", "h100-sxm", "--tp", "4", "--concurrency", "auto", "--tpot-slo",
        "50ms", "--json"}},
      {"vram train (ZeRO-3, max micro-batch)",
       {"vram", "train", "-m", "llama-3.1-70b", "-g", "h100-sxm", "--num-gpus", "64", "--zero", "3", "--seq", "8192",
        "--json"}},
      {"vram infer (max batch, max context)",
       {"vram", "infer", "-m", "gpt-oss-120b", "-g", "h200-sxm", "--context", "32768", "--json"}},
      {"cost --provider runpod", {"cost", "-m", "qwen3-8b", "-g", "h100-sxm", "--provider", "runpod", "--json"}},
      {"breakeven --api fireworks",
       {"breakeven", "-m", "qwen3-8b", "-g", "h100-sxm", "--gpu-price", "2.69", "--api", "fireworks", "--json"}},
      {"throughput 9-row sweep --format csv",
       {"throughput", "-m", "llama-3.1-70b", "-g", "h100-sxm", "--tp", "4", "--batch", "1..256", "--format", "csv"}},
      {"validate (every shipped measurement) --json", {"validate", "--json"}},
      {"train llama-3.1-70b tp8 pp4, 2 networks",
       {"train",
        "-m",
        "llama-3.1-70b",
        "-g",
        "h100-sxm",
        "--num-gpus",
        "1024",
        "--tp",
        "8",
        "--pp",
        "4",
        "--seq",
        "8192",
        "--global-batch",
        "512",
        "--zero",
        "1",
        "--scale-out",
        "ib-ndr,roce-400g",
        "--json"}},
      {"train --layout auto 405B on 16,384 GPUs",
       {"train", "-m", "llama-3.1-405b", "-g", "h100-sxm", "--num-gpus", "16384", "--seq", "8192", "--global-batch",
        "2048", "--zero", "1", "--recompute", "selective", "--layout", "auto", "--json"}},
      {"plan 70B, every priced GPU, 20 req/s, SLOs --json",
       {"plan", "-m", "llama-3.3-70b", "--request-rate", "20", "--input", "2048", "--output", "512", "--ttft-slo", "1s",
        "--tpot-slo", "50ms", "--json"}},
  };
  std::printf("CLI queries, median of %d runs, wall time including process start-up:\n", runs);
  for (const auto& q : queries) std::printf("  %-48s %8.2f ms\n", q.what, median_ms(bin, q.args, runs));

  // In-process sweep: (model, gpu, tp, batch) decode-step evaluations on one core.
  Database db;
  const std::vector<std::string> models = {"llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b",
                                           "deepseek-v3",  "gpt-oss-120b",  "jamba-1.5-mini"};
  const std::vector<std::string> gpus = {"h100-sxm", "h200-sxm", "b200", "mi300x", "a100-sxm-80gb"};
  std::vector<Deployment> deps;
  for (const auto& m : models)
    for (const auto& g : gpus)
      for (int tp : {1, 2, 4, 8}) {
        const ModelEntry& me = db.model(m);
        try {
          check_parallelism(me.arch, tp, 1, 1);
        } catch (...) {
          continue;
        }
        Deployment d;
        d.arch = &me.arch;
        d.params = count_params(me.arch);
        d.gpu = &db.gpu(g);
        d.tp = tp;
        d.weights = me.arch.weight_dtype;
        d.experts = me.arch.expert_dtype;
        d.peak = resolve_peak(*d.gpu, preferred_compute(d.weights));
        d.eff = default_efficiency(Mode::realistic, *d.gpu, d.weights, d.peak.used);
        if (tp > 1 && !d.gpu->scale_up_id.empty()) d.scale_up = &db.interconnect(d.gpu->scale_up_id);
        deps.push_back(d);
      }
  const long n = 1000000;
  double sink = 0;
  const auto t0 = clk::now();
  for (long i = 0; i < n; ++i) {
    const Deployment& d = deps[i % deps.size()];
    const double batch = double(1 + (i / deps.size()) % 512);
    sink += forward_step(d, batch, 4096).time;
  }
  const double s = std::chrono::duration<double>(clk::now() - t0).count();
  std::printf(
      "in-process: %ld (model, gpu, tp, batch) decode-step evaluations in %.3f s = %.2f million/s on one core "
      "(checksum %.3g)\n",
      n, s, n / s / 1e6, sink);

  // In-process --layout auto search: layouts (memory + step time each) per second on one core.
  TrainQuery q;
  const ModelEntry& big = db.model("llama-3.1-405b");
  set_architecture(q.job.setup, big.arch);
  q.job.setup.num_gpus = 16384;
  q.job.setup.seq = 8192;
  q.job.setup.zero = 1;
  q.job.setup.recompute = Recompute::selective;
  q.job.global_batch = 2048;
  q.names.model_id = big.id;
  q.cluster.gpu = &db.gpu("h100-sxm");
  q.cluster.scale_up = &db.interconnect("nvlink4");
  q.cluster.scale_out = &db.interconnect("ib-ndr");
  q.auto_layout = true;
  long train_layouts = 0;
  const auto t1 = clk::now();
  for (int i = 0; i < 20; ++i) train_layouts += evaluate_train(q).layouts_evaluated;
  const double s1 = std::chrono::duration<double>(clk::now() - t1).count();
  std::printf(
      "in-process: train --layout auto, 405B on 16,384 GPUs: %ld layouts in %.3f s = %.0f layouts/s on one core\n",
      train_layouts, s1, train_layouts / s1);
  // In-process plan search: the default 70B plan's candidates (every priced GPU, weights x KV x TP x
  // PP, aggregated and disaggregated), evaluated on one thread and on every core.
  cli::Context ctx;
  cli::PlanOptions po;
  po.model = "llama-3.3-70b", po.rate = 20, po.input = 2048, po.output = 512, po.ttft = 1, po.tpot = 0.05;
  const std::vector<PlanLayout> layouts = cli::plan_layouts(ctx, po);
  for (int threads : {1, 0}) {
    po.threads = threads;
    const PlanQuery pq = cli::plan_query(po);
    long candidates = 0, evaluated = 0;
    int reps = 0;
    const auto p0 = clk::now();
    const std::clock_t c0 = std::clock();
    double secs = 0;
    while (secs < 2.0) {
      const PlanReport r = evaluate_plan(layouts, pq);
      candidates += r.candidates, evaluated += r.layouts_evaluated, ++reps;
      secs = std::chrono::duration<double>(clk::now() - p0).count();
    }
    const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;  // all threads of the process
    std::printf(
        "in-process plan (%s): %d searches of %ld candidates (%zu layouts through the serving model) in %.3f s wall = "
        "%.2f million candidates/s, %.0f thousand layouts/s, %.1f ms per search (%.2f million candidates per CPU "
        "second)\n",
        threads == 1 ? "1 thread" : "every core", reps, candidates / reps, layouts.size(), secs,
        candidates / secs / 1e6, evaluated / secs / 1e3, secs / reps * 1e3, candidates / cpu / 1e6);
  }
  return 0;
}
