// Property tests: a seeded generator of random valid configurations (every command, every model
// and GPU, dtypes, layouts, workloads), run in process, checked for what must hold whatever the
// numbers: exit status 0, 1 or 3 only (2 would mean the generator wrote bad usage, 70 a crash);
// no NaN, inf, negative or null where a number is due; and invariants between runs:
//   roofline >= realistic (throughput, latency the other way);
//   more GPUs never more memory per GPU for the same layout (train: more data-parallel ranks,
//   from 2 up; inference: twice the TP);
//   more memory never fewer sequences (vram infer --gpu-mem-util);
//   fits agrees with the per-GPU total (vram infer and train);
//   train: realistic never faster than roofline, HFU at most 1, more data parallelism never more memory.
// MLCALC_PROPERTY_RUNS=N sets the number of configurations (default 3000),
// MLCALC_PROPERTY_SEED=S the seed (default 14), so a failure is replayed exactly.
#include <cmath>
#include <cstdlib>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cli_runner.hpp"

using nlohmann::json;

namespace {

mlcalc::test::Run mlcalc_run(const std::string& args) {
  return mlcalc::test::mlcalc(args);
}

std::vector<std::string> ids(const std::string& what) {
  std::vector<std::string> r;
  const json doc = mlcalc_run("list " + what + " --json").json();
  for (const auto& e : doc["result"]) r.push_back(e["id"].get<std::string>());
  return r;
}

long env_long(const char* name, long dflt) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : dflt;
}

// Keys whose value may be negative (a signed difference).
bool signed_key(const std::string& k) {
  return k.find("headroom") != std::string::npos;
}

// Every number in the document is finite and, unless signed, not negative. JSON has no NaN or
// inf (they print as null), so a non-finite figure shows up as a null in `due` (checked below).
void check_numbers(const json& j, const std::string& path, std::vector<std::string>& problems) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) check_numbers(it.value(), path + "." + it.key(), problems);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) check_numbers(j[i], path + "." + std::to_string(i), problems);
  } else if (j.is_number()) {
    const double v = j.get<double>();
    const std::string key = path.substr(path.rfind('.') + 1);
    if (!std::isfinite(v)) problems.push_back(path + " is not finite");
    if (v < 0 && !signed_key(key)) problems.push_back(fmt::format("{} is negative ({})", path, v));
  }
}

// A number that must be there: present, a number, finite.
void due(const json& j, const std::string& key, const std::string& where, std::vector<std::string>& problems) {
  if (!j.contains(key) || !j[key].is_number())
    problems.push_back(where + "." + key + " is " + (j.contains(key) ? j[key].dump() : "missing") +
                       ", a number is due");
}

struct Gen {
  std::mt19937_64 rng;
  std::vector<std::string> models, gpus;
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
  }
  int pow2(int max_log2) { return 1 << std::uniform_int_distribution<int>(0, max_log2)(rng); }
  bool coin(double p = 0.5) { return std::bernoulli_distribution(p)(rng); }
  long tokens() {
    static const std::vector<long> t = {1, 7, 128, 512, 1000, 2048, 4096, 8192, 32768};
    return pick(t);
  }
  std::string dtype() {
    static const std::vector<std::string> d = {"bf16", "fp16",     "fp8",   "fp8-block", "int8",
                                               "int4", "int4-g32", "mxfp4", "nvfp4",     "fp32"};
    return pick(d);
  }
  std::string kv_dtype() {
    static const std::vector<std::string> d = {"bf16", "fp16", "fp8", "fp32"};
    return pick(d);
  }
  // The deployment flags shared by throughput, vram infer and cost.
  std::string deployment(const std::string& m, const std::string& g, int tp) {
    std::string s = fmt::format("-m {} -g {} --tp {}", m, g, tp);
    if (coin(0.2)) s += fmt::format(" --pp {}", pow2(1));
    if (coin(0.2)) s += fmt::format(" --ep {}", pow2(3));
    if (coin(0.4)) s += " --weights " + dtype();
    if (coin(0.4)) s += " --kv-dtype " + kv_dtype();
    if (coin(0.3)) s += " --allow-long-context";
    return s;
  }
};

struct Outcome {
  int status;
  json doc;  ///< null unless status 0
};

long g_answered = 0, g_runs = 0;  // runs that gave an answer (exit 0 or 3), of all runs

Outcome run_json(const std::string& args, std::vector<std::string>& problems) {
  const auto r = mlcalc_run(args + " --json");
  ++g_runs;
  if (r.status == 0 || r.status == 3) ++g_answered;
  Outcome o{r.status, nullptr};
  if (r.status != 0 && r.status != 1 && r.status != 3) {
    problems.push_back(fmt::format("exit {} for `mlcalc {}`: {}", r.status, args, r.err.substr(0, 300)));
    return o;
  }
  if (r.status == 1 && r.err.rfind("mlcalc: error: ", 0) != 0)
    problems.push_back("exit 1 without a one-line error for `mlcalc " + args + "`: " + r.err.substr(0, 200));
  if (r.status != 1) {
    try {
      o.doc = r.json();
    } catch (const std::exception& e) {
      problems.push_back("`mlcalc " + args + "`: output is not JSON: " + e.what());
      return o;
    }
    std::vector<std::string> p;
    check_numbers(o.doc["result"], "result", p);
    for (const auto& x : p) problems.push_back("`mlcalc " + args + "`: " + x);
  }
  return o;
}

// One random configuration, with the invariants its command has.
void one_case(Gen& g, std::vector<std::string>& problems) {
  const std::string m = g.pick(g.models), gpu = g.pick(g.gpus);
  const int tp = g.pow2(3);
  const int kind = std::uniform_int_distribution<int>(0, 6)(g.rng);
  if (kind == 0) {  // describe
    const std::string a = fmt::format("describe {} --context {} --batch {}{}", m, g.tokens(), g.pow2(8),
                                      g.coin() ? " --kv-dtype " + g.kv_dtype() : "");
    const auto o = run_json(a, problems);
    if (o.status == 0)
      for (const char* k : {"params_total", "params_active", "weight_bytes", "kv_cache_bytes", "kv_bytes_per_token",
                            "state_bytes", "flops_per_token"})
        due(o.doc["result"], k, "describe", problems);
  } else if (kind == 1) {  // throughput: roofline >= realistic
    const std::string base =
        fmt::format("throughput {} --batch {} --input {} --output {}", g.deployment(m, gpu, tp),
                    g.coin() ? "1..64" : std::to_string(g.pow2(9)), g.tokens(), g.tokens() / 4 + 1);
    const auto real = run_json(base + " --mode realistic", problems);
    const auto roof = run_json(base + " --mode roofline", problems);
    if (real.status != roof.status) {
      problems.push_back(fmt::format("`{}`: exit {} realistic, {} roofline", base, real.status, roof.status));
      return;
    }
    if (real.status != 0) return;
    const json &rr = real.doc["result"]["rows"], &fr = roof.doc["result"]["rows"];
    for (size_t i = 0; i < rr.size() && i < fr.size(); ++i) {
      due(rr[i], "memory_bytes_per_gpu", "row", problems);
      if (!rr[i]["fits"].get<bool>() || !fr[i]["fits"].get<bool>()) continue;
      for (const char* k : {"ttft_s", "tpot_s", "e2e_s", "output_tokens_per_s"}) due(rr[i], k, base + " row", problems);
      if (!rr[i]["tpot_s"].is_number() || !fr[i]["tpot_s"].is_number()) continue;
      const double tol = 1 + 1e-9;
      if (fr[i]["output_tokens_per_s"].get<double>() > 0 &&
          fr[i]["output_tokens_per_s"].get<double>() * tol < rr[i]["output_tokens_per_s"].get<double>())
        problems.push_back(fmt::format("`{}` batch {}: roofline {} tok/s < realistic {}", base, rr[i]["batch"].dump(),
                                       fr[i]["output_tokens_per_s"].dump(), rr[i]["output_tokens_per_s"].dump()));
      for (const char* k : {"ttft_s", "tpot_s"})
        if (fr[i][k].get<double>() > rr[i][k].get<double>() * tol)
          problems.push_back(fmt::format("`{}` batch {}: roofline {} {} > realistic {}", base, rr[i]["batch"].dump(), k,
                                         fr[i][k].dump(), rr[i][k].dump()));
    }
  } else if (kind == 2) {  // throughput serving
    const std::string a = fmt::format("throughput {} --concurrency {} --input {} --output {}", g.deployment(m, gpu, tp),
                                      g.coin() ? "auto" : std::to_string(g.pow2(8)), g.tokens(), g.tokens() / 4 + 1);
    const auto o = run_json(a, problems);
    if (o.status == 0 && o.doc["result"].contains("serving")) {
      const json& s = o.doc["result"]["serving"];
      if (s["fits"].get<bool>())
        for (const char* k : {"concurrency", "max_batch", "output_tokens_per_s", "ttft_s", "tpot_s", "e2e_s"})
          due(s, k, a + " serving", problems);
    }
  } else if (kind == 3) {  // vram infer: fits = total <= usable; more memory never fewer sequences; more TP never more
    const std::string dep = g.deployment(m, gpu, tp);
    const std::string a = fmt::format("vram infer {} --context {} --batch {}", dep, g.tokens(), g.pow2(6));
    const double u1 = 0.5 + 0.05 * std::uniform_int_distribution<int>(0, 4)(g.rng);
    const auto o1 = run_json(a + fmt::format(" --gpu-mem-util {}", u1), problems);
    if (o1.status != 0) return;
    const json& r1 = o1.doc["result"];
    for (const char* k : {"max_batch", "usable_bytes", "kv_capacity_tokens"}) due(r1, k, a, problems);
    due(r1["per_gpu"], "total_bytes", a, problems);
    if (!r1["max_batch"].is_number() || !r1["per_gpu"]["total_bytes"].is_number()) return;
    if (r1["fits"].get<bool>() != (r1["per_gpu"]["total_bytes"].get<double>() <= r1["usable_bytes"].get<double>()))
      problems.push_back(fmt::format("`{}`: fits {} but total {} vs usable {}", a, r1["fits"].dump(),
                                     r1["per_gpu"]["total_bytes"].dump(), r1["usable_bytes"].dump()));
    const auto o2 = run_json(a + fmt::format(" --gpu-mem-util {}", u1 + 0.2), problems);
    if (o2.status == 0 && o2.doc["result"]["max_batch"].get<double>() < r1["max_batch"].get<double>())
      problems.push_back(fmt::format("`{}`: --gpu-mem-util {} holds {} sequences, {} holds {}", a, u1 + 0.2,
                                     o2.doc["result"]["max_batch"].dump(), u1, r1["max_batch"].dump()));
    // Twice the tensor parallelism, otherwise the same: never more memory per GPU.
    std::string a2 = a;
    a2.replace(a2.find(" --tp " + std::to_string(tp)), 6 + std::to_string(tp).size(),
               " --tp " + std::to_string(2 * tp));
    const auto o3 = run_json(a2 + fmt::format(" --gpu-mem-util {}", u1), problems);
    if (o3.status == 0 && o3.doc["result"]["per_gpu"]["total_bytes"].get<double>() >
                              r1["per_gpu"]["total_bytes"].get<double>() * (1 + 1e-12))
      problems.push_back(fmt::format("`{}`: tp {} takes {} B per GPU, tp {} takes {}", a, 2 * tp,
                                     o3.doc["result"]["per_gpu"]["total_bytes"].dump(), tp,
                                     r1["per_gpu"]["total_bytes"].dump()));
  } else if (kind == 4) {  // vram train: fits = total <= GPU memory; twice the GPUs (data parallel) never more
    static const std::vector<std::string> recompute = {"none", "selective", "full"},
                                          opt = {"adamw", "adam-8bit", "sgd"};
    const int zero = std::uniform_int_distribution<int>(0, 3)(g.rng);
    // Data parallel from 2 up: going from 1 to 2 ranks adds the gradient all-reduce buckets (a
    // layout change), so the same layout means at least two data-parallel ranks on both sides.
    const int n = tp * 2 * g.pow2(3);
    const std::string a =
        fmt::format("vram train -m {} -g {} --tp {} --zero {} --seq {} --micro-batch {} --recompute {} --optimizer {}",
                    m, gpu, tp, zero, g.tokens(), g.pow2(3), g.pick(recompute), g.pick(opt));
    const auto o1 = run_json(a + fmt::format(" --num-gpus {}", n), problems);
    if (o1.status != 0) return;
    const json& r1 = o1.doc["result"];
    due(r1["per_gpu"], "total_bytes", a, problems);
    if (r1["fits"].get<bool>() != (r1["per_gpu"]["total_bytes"].get<double>() <= r1["gpu_memory_bytes"].get<double>()))
      problems.push_back(fmt::format("`{}`: fits {} but total {} vs GPU {}", a, r1["fits"].dump(),
                                     r1["per_gpu"]["total_bytes"].dump(), r1["gpu_memory_bytes"].dump()));
    const auto o2 = run_json(a + fmt::format(" --num-gpus {}", 2 * n), problems);
    if (o2.status == 0 && o2.doc["result"]["per_gpu"]["total_bytes"].get<double>() >
                              r1["per_gpu"]["total_bytes"].get<double>() * (1 + 1e-12))
      problems.push_back(fmt::format("`{}`: {} GPUs take {} B per GPU, {} take {}", a, 2 * n,
                                     o2.doc["result"]["per_gpu"]["total_bytes"].dump(), n,
                                     r1["per_gpu"]["total_bytes"].dump()));
  } else if (kind == 6) {  // train: realistic <= roofline, HFU <= 1, more data parallelism never more memory per GPU
    static const std::vector<std::string> recompute = {"none", "selective", "op", "full"},
                                          precision = {"bf16-mixed", "fp8-mixed"};
    const int pp = g.pow2(2), dp = 2 * g.pow2(3), mb = g.pow2(2), micro = pp * g.pow2(3);
    const std::string a = fmt::format(
        "train -m {} -g {} --tp {} --pp {} --zero {} --seq {} --micro-batch {} --recompute {} --precision {}{}", m, gpu,
        tp, pp, std::uniform_int_distribution<int>(0, 3)(g.rng), 256 * g.pow2(5), mb, g.pick(recompute),
        g.pick(precision), tp > 1 && g.coin() ? " --sequence-parallel" : "");
    auto with = [&](int d) { return a + fmt::format(" --num-gpus {} --global-batch {}", tp * pp * d, d * mb * micro); };
    const auto o1 = run_json(with(dp), problems);
    if (o1.status != 0) return;
    const json& r1 = o1.doc["result"];
    for (const char* k : {"step_time_s", "tokens_per_s", "mfu", "hfu", "model_flops_per_token"})
      due(r1, k, a, problems);
    if (!r1["hfu"].is_number()) return;
    if (r1["hfu"].get<double>() > 1 + 1e-9)
      problems.push_back(fmt::format("`{}`: HFU {} above 1", with(dp), r1["hfu"].dump()));
    const auto roof = run_json(with(dp) + " --mode roofline", problems);
    if (roof.status == 0 &&
        roof.doc["result"]["tokens_per_s"].get<double>() < r1["tokens_per_s"].get<double>() * (1 - 1e-12))
      problems.push_back(fmt::format("`{}`: roofline {} tokens/s below realistic {}", with(dp),
                                     roof.doc["result"]["tokens_per_s"].dump(), r1["tokens_per_s"].dump()));
    const auto o2 = run_json(with(2 * dp), problems);
    if (o2.status == 0 && o2.doc["result"]["memory"]["per_gpu"]["total_bytes"].get<double>() >
                              r1["memory"]["per_gpu"]["total_bytes"].get<double>() * (1 + 1e-12))
      problems.push_back(fmt::format("`{}`: dp {} takes more memory per GPU than dp {}", a, 2 * dp, dp));
  } else {  // cost
    const std::string a = fmt::format("cost {} --gpu-price {} --input {} --output {} --utilization {}",
                                      g.deployment(m, gpu, tp), 0.5 + g.pow2(3), g.tokens(), g.tokens() / 4 + 1,
                                      0.1 * std::uniform_int_distribution<int>(1, 10)(g.rng));
    const auto o = run_json(a, problems);
    if (o.status == 0)
      for (const char* k : {"usd_per_million_output_tokens", "usd_per_hour", "output_tokens_per_s"})
        due(o.doc["result"]["self_hosted"], k, a, problems);
  }
}

}  // namespace

TEST_CASE("properties: random valid configurations keep every invariant") {
  const long runs = env_long("MLCALC_PROPERTY_RUNS", 3000);
  const auto seed = static_cast<uint64_t>(env_long("MLCALC_PROPERTY_SEED", 14));
  Gen g{std::mt19937_64(seed), ids("models"), ids("gpus")};
  REQUIRE(g.models.size() > 10);
  REQUIRE(g.gpus.size() > 10);
  std::vector<std::string> problems;
  for (long i = 0; i < runs && problems.size() < 20; ++i) one_case(g, problems);
  for (const auto& p : problems) FAIL_CHECK(p);
  CHECK(problems.empty());
  // Most valid configurations get an answer (the rest: layouts the model does not divide into,
  // contexts past the model's limit, weights that do not fit for cost): the invariants were exercised.
  CHECK(g_answered * 2 > g_runs);
  MESSAGE(fmt::format("{} random configurations (seed {}): {} runs, {} answered", runs, seed, g_runs, g_answered));
}
