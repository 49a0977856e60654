// `mlcalc validate`: the shipped measurements hold the model to per-group error budgets, so a
// regression of the physics fails CI; and the arithmetic of a row and a group by hand.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "cli_runner.hpp"
#include "validate.hpp"

TEST_CASE("validate: a row's ratio and roofline direction, a group's figures (hand arithmetic)") {
  mlcalc::ValidationCase c;
  c.id = "X-1", c.group = "g";
  // A time: predicted 12 ms against 10 ms measured -> ratio 1.2; a roofline of 8 ms is faster: holds.
  const auto t = mlcalc::make_row(c, "tpot_s", 0.010, 0.012, 0.008);
  CHECK(*t.ratio == doctest::Approx(1.2));
  CHECK(*t.roofline_holds);
  // A rate: a roofline of 90 tok/s below the measured 100 does not bound it.
  const auto r = mlcalc::make_row(c, "output_tokens_per_s", 100, 80, 90);
  CHECK(*r.ratio == doctest::Approx(0.8));
  CHECK_FALSE(*r.roofline_holds);
  // Group: |1.2 - 1| and |0.8 - 1| -> mean 20%; median of {0.8, 1.2} = 1.0; roofline holds on 1 of 2.
  const auto g = mlcalc::summarize({t, r});
  REQUIRE(g.size() == 1);
  CHECK(g[0].stats.n == 2);
  CHECK(*g[0].stats.mean_abs_pct_error == doctest::Approx(20.0));
  CHECK(*g[0].stats.median_ratio == doctest::Approx(1.0));
  CHECK(*g[0].stats.roofline_bound_fraction == doctest::Approx(0.5));
  CHECK(g[0].quantities.size() == 2);
}

TEST_CASE("validate: every group within its error budget; the roofline bounds every measurement") {
  const auto run = mlcalc::test::mlcalc("validate --json");
  REQUIRE(run.status == 0);
  const auto j = run.json();
  const auto& rows = j["result"]["rows"];
  CHECK(rows.size() >= 2600);
  int predicted = 0;
  for (const auto& r : rows) {
    if (r["predicted"].is_null()) continue;
    ++predicted;
    INFO(r["id"].get<std::string>() << " " << r["quantity"].get<std::string>());
    CHECK(r["roofline_holds"].get<bool>());
  }
  CHECK(predicted >= 2600);  // nothing silently skipped
  // Budgets (mean |predicted / measured - 1| in %), per group and quantity. The targets:
  // batch-1 15; serving at fixed concurrency ITL 15, output tok/s 20, TTFT 35; collectives 30 per
  // point on N-20..N-25 (tests/test_collectives.cpp), 25 over all shipped collectives. The full
  // TensorRT-LLM perf-overview tables (MoE rows whose expert/attention parallelism the page does not
  // state) are held to 30; their Llama-3.1-8B rows (I-30) to 20 in tests/test_throughput.cpp.
  const std::map<std::string, double> group_budget = {
      {"batch-1", 15}, {"serving", 25}, {"collectives", 25}, {"max-throughput", 30}};
  const std::map<std::string, double> serving_budget = {{"tpot_s", 15}, {"output_tokens_per_s", 20}, {"ttft_s", 35}};
  for (const auto& g : j["result"]["groups"]) {
    const std::string name = g["name"];
    INFO("group " << name);
    REQUIRE(group_budget.count(name));
    REQUIRE(g["mean_abs_pct_error"].is_number());
    CHECK(g["mean_abs_pct_error"].get<double>() <= group_budget.at(name));
    if (name == "serving")
      for (const auto& q : g["quantities"]) {
        INFO("quantity " << q["name"].get<std::string>());
        CHECK(q["mean_abs_pct_error"].get<double>() <= serving_budget.at(q["name"].get<std::string>()));
      }
  }
}

TEST_CASE("validate: --group and --case filter; unknown names are usage errors with did-you-mean") {
  const auto one = mlcalc::test::mlcalc("validate --case I-01 --json");
  REQUIRE(one.status == 0);
  const auto rows = one.json()["result"]["rows"];
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["quantity"] == "tpot_s");
  // I-01: gpt-fast Llama-2-7B bf16 batch 1 on A100: 104.9 tok/s = 9.533 ms per token.
  CHECK(rows[0]["measured"].get<double>() == doctest::Approx(1 / 104.9));
  const auto bad = mlcalc::test::mlcalc("validate --group colectives");
  CHECK(bad.status == 2);
  CHECK(bad.err.find("did you mean 'collectives'") != std::string::npos);
  const auto csv = mlcalc::test::mlcalc("validate --group collectives --format csv");
  CHECK(csv.status == 0);
  CHECK(csv.out.rfind("id,group,quantity,measured,predicted,ratio,roofline,roofline_holds", 0) == 0);
}
