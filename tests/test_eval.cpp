// eval's pure part: checks, refusals, percentiles, the scorecard arithmetic, the suite reader.
// The network end to end is tests/eval_e2e.py (a real server on 127.0.0.1).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "common.hpp"
#include "eval.hpp"
#include "io/eval_client.hpp"

using namespace mlcalc;

TEST_CASE("eval checks: exact, contains, regex, numeric, refuse, answer") {
  EvalItem it;
  it.check = CheckKind::exact, it.expected = "OK";
  CHECK(passes(it, "  OK\n", false));
  CHECK_FALSE(passes(it, "ok", false));
  it.check = CheckKind::contains, it.expected = "canberra";
  CHECK(passes(it, "The capital is Canberra.", false));
  it.check = CheckKind::regex, it.expected = R"(\{\s*"answer"\s*:\s*4\s*\})";
  CHECK(passes(it, "```json\n{\"answer\": 4}\n```", false));
  it.check = CheckKind::numeric, it.expected = "1234.5", it.tolerance = 0.01;
  CHECK(passes(it, "It is 1,234.5 in total.", false));  // the last number, separators dropped
  CHECK_FALSE(passes(it, "1234.6", false));
  CHECK_FALSE(passes(it, "no number", false));
  it.check = CheckKind::refuse;
  CHECK(passes(it, "", true));
  it.check = CheckKind::answer;
  CHECK_FALSE(passes(it, "I'm sorry, but I can't help with that.", true));
  CHECK(is_refusal("I'm sorry, but I can't help with that.", default_refusal_patterns()));
  CHECK_FALSE(is_refusal("Use kill -9 PID.", default_refusal_patterns()));
  CHECK(parse_check("should_refuse") == CheckKind::refuse);
  CHECK_FALSE(parse_check("vibes"));
}

TEST_CASE("percentiles interpolate linearly between order statistics (numpy's default)") {
  // numpy.percentile([1, 2, 3, 4], 90) = 3.7; 50 -> 2.5; 99 -> 3.97.
  CHECK(*percentile({4, 1, 3, 2}, 50) == doctest::Approx(2.5));
  CHECK(*percentile({4, 1, 3, 2}, 90) == doctest::Approx(3.7));
  CHECK(*percentile({4, 1, 3, 2}, 99) == doctest::Approx(3.97));
  CHECK(*percentile({5}, 99) == 5);
  CHECK_FALSE(percentile({}, 50));
}

TEST_CASE("scorecard arithmetic by hand") {
  std::vector<EvalOutcome> o(4);
  for (int i = 0; i < 3; ++i) {
    o[i].completed = true, o[i].attempts = 1 + i;  // 0 + 1 + 2 retries
    o[i].ttft_s = 0.1 * (i + 1), o[i].e2e_s = 1.1 * (i + 1), o[i].itl_s = {0.01, 0.02};
    o[i].prompt_tokens = 100, o[i].completion_tokens = 51, o[i].usage_reported = true;
    o[i].check = i == 2 ? CheckKind::refuse : CheckKind::exact;
    o[i].correct = i != 1, o[i].refused = i == 2;
  }
  o[3].error = "http_500", o[3].attempts = 4;
  const Scorecard s = score("e", "m", o, 10.0, 1.0, 2.0);
  CHECK(s.requests == 4);
  CHECK(s.completed == 3);
  CHECK(s.retries == 0 + 1 + 2 + 3);
  CHECK(*s.accuracy == doctest::Approx(2.0 / 3));
  CHECK(*s.refusal_rate == doctest::Approx(1.0 / 3));
  CHECK(s.by_kind.at("exact") == std::pair<long, long>{1, 2});
  CHECK(s.errors.at("http_500") == 1);
  CHECK(*s.ttft_p50 == doctest::Approx(0.2));
  CHECK(*s.itl_p50 == doctest::Approx(0.015));
  // 153 completion tokens over 10 s of wall time.
  CHECK(*s.output_tokens_per_s == doctest::Approx(15.3));
  // Per request: 50 tokens after the first over e2e - TTFT = 1.0, 2.0, 3.0 s -> median 25 tok/s.
  CHECK(*s.output_tokens_per_s_request == doctest::Approx(25));
  // (300 x $1 + 153 x $2) / 1e6 over 3 requests, per 1,000.
  CHECK(*s.usd_per_1k_requests == doctest::Approx((300.0 + 306.0) / 1e6 / 3 * 1000));
  CHECK_FALSE(score("e", "m", o, 10.0, -1, -1).usd_per_1k_requests);  // no price: unknown, not 0
}

TEST_CASE("the default suite is the shipped examples/eval-suite.jsonl, and parses") {
  std::ifstream f(std::string(MLCALC_SOURCE_DIR) + "/examples/eval-suite.jsonl");
  std::stringstream ss;
  ss << f.rdbuf();
  CHECK(ss.str() == default_suite_text());
  const Suite s = parse_suite("default", default_suite_text(), true);
  CHECK(s.items.size() == 16);
  int refuse = 0;
  for (const auto& i : s.items) refuse += i.check == CheckKind::refuse;
  CHECK(refuse == 2);
}

TEST_CASE("suite lines: errors name file:line; non-strict skips and lists them") {
  const std::string text =
      "{\"id\":\"a\",\"prompt\":\"x\",\"check\":\"answer\"}\n"
      "oops\n"
      "{\"id\":\"a\",\"prompt\":\"x\",\"check\":\"answer\"}\n"
      "{\"id\":\"c\",\"prompt\":\"x\",\"check\":\"regex\",\"expected\":\"(\"}\n"
      "{\"id\":\"d\",\"prompt\":\"x\",\"check\":\"numeric\",\"expected\":\"many\"}\n"
      "{\"id\":\"e\",\"check\":\"answer\"}\n";
  CHECK_THROWS_WITH_AS(parse_suite("s.jsonl", text, true), "s.jsonl:2: not a JSON object", Error);
  const Suite s = parse_suite("s.jsonl", text, false);
  CHECK(s.items.size() == 1);
  REQUIRE(s.skipped.size() == 5);
  CHECK(s.skipped[1].find("s.jsonl:3: duplicate id 'a'") == 0);
  CHECK(s.skipped[2].find("s.jsonl:4: 'expected' is not a valid regular expression") == 0);
  CHECK(s.skipped[3].find("numeric 'expected' must be a number") != std::string::npos);
  CHECK(s.skipped[4].find("needs 'prompt'") != std::string::npos);
  CHECK_THROWS_AS(parse_suite("e.jsonl", "\n\n", false), Error);
}
