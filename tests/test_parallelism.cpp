// Parallelism plans (lib/parallelism): validate() returns problems instead of throwing.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "io/db.hpp"
#include "parallelism.hpp"

using namespace mlcalc;

namespace {
bool has(const std::vector<std::string>& v, const std::string& what) {
  for (const auto& s : v)
    if (s.find(what) != std::string::npos) return true;
  return false;
}
ParallelPlan plan(int tp, int pp, int dp, int ep, bool dpa = false) {
  ParallelPlan p;
  p.tp = tp, p.pp = pp, p.dp = dp, p.ep = ep, p.dp_attention = dpa;
  return p;
}
}  // namespace

TEST_CASE("parallelism: plan-only checks") {
  CHECK(validate(nullptr, plan(8, 2, 1, 1)).empty());
  CHECK(plan(8, 2, 4, 1).gpus() == 64);
  CHECK(has(validate(nullptr, plan(0, 1, 1, 1)), "at least 1"));
  ParallelPlan p = plan(4, 2, 1, 1);
  p.num_gpus = 16;  // 4 x 2 = 8
  CHECK(has(validate(nullptr, p), "num_gpus 16 is not tp x pp x dp x cp = 8"));
  // EP 16 with tp 8, dp 2: divides the 16 GPUs of a stage (wide EP across DP ranks).
  CHECK(validate(nullptr, plan(8, 1, 2, 16)).empty());
  // EP 3 divides neither tp 8 nor 8 x 2 = 16.
  CHECK(has(validate(nullptr, plan(8, 1, 2, 3)), "ep 3 divides neither tp 8 nor the 16 GPUs"));
}

TEST_CASE("parallelism: checks against models") {
  Database db;
  const Architecture& dense = db.model("llama-3.1-8b").arch;  // 32 heads, 8 KV heads, 32 layers
  const Architecture& moe = db.model("deepseek-v3").arch;     // 256 routed experts, 128 MLA heads
  CHECK(validate(&dense, plan(8, 1, 1, 1)).empty());
  CHECK(has(validate(&dense, plan(3, 1, 1, 1)), "does not divide the 32 attention heads"));
  CHECK(has(validate(&dense, plan(1, 33, 1, 1)), "exceeds the 32 layers"));
  CHECK(has(validate(&dense, plan(2, 1, 1, 2)), "no experts"));
  CHECK(has(validate(&dense, plan(8, 1, 1, 1, true)), "dense model"));
  // DeepSeek-style: TP 8 with attention data-parallel, EP 32 across 4 DP ranks of 8.
  CHECK(validate(&moe, plan(8, 1, 4, 32, true)).empty());
  CHECK(has(validate(&moe, plan(8, 1, 1, 3)), "does not divide the 256 experts"));
  CHECK(has(validate(&moe, plan(8, 1, 1, 16)), "ep 16 divides neither tp 8 nor the 8 GPUs"));
}

TEST_CASE("parallelism: mixer parameters") {
  Database db;
  // Llama-3.1-8B: hidden 4096, 32 heads x 128, 8 KV heads: q 4096 x 4096 + k,v 2 x 4096 x 1024 +
  // o 4096 x 4096 = 16,777,216 + 8,388,608 + 16,777,216 = 41,943,040.
  CHECK(mixer_params_per_layer(db.model("llama-3.1-8b").arch, Mixer::attention) == 41943040.0);
  // DeepSeek-V3 MLA (config.json): hidden 7168, 128 heads, q_lora 1536, kv_lora 512, nope 128,
  // rope 64, v 128: q 7168 x 1536 + 1536 x 128 x 192 = 11,010,048 + 37,748,736; kv_a 7168 x 576 =
  // 4,128,768; kv_b 512 x 128 x 256 = 16,777,216; o 128 x 128 x 7168 = 117,440,512 -> 187,105,280.
  CHECK(mixer_params_per_layer(db.model("deepseek-v3").arch, Mixer::mla) == 187105280.0);
  CHECK(mixer_params_per_layer(db.model("llama-3.1-8b").arch, Mixer::none) == 0);
}
