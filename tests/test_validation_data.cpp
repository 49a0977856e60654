// The shipped validation data (validation/*.toml, embedded): every file loads, ids are unique,
// every model and GPU it names is in the database, spot values match their primary sources,
// and malformed files are rejected with file:line:col.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "common.hpp"
#include "io/db.hpp"
#include "io/measurements.hpp"

using namespace mlcalc;

namespace {

const std::string kBad = std::string(MLCALC_TEST_DATA) + "/validation-bad/";

std::string error_of(const std::string& path, bool embedded = false) {
  try {
    load_validation_cases({path}, embedded);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const ValidationCase& by_id(const std::vector<ValidationCase>& cases, const std::string& id) {
  for (const auto& c : cases)
    if (c.id == id) return c;
  FAIL("no case " << id);
  throw Error("unreachable");
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("validation: every shipped file loads, with provenance and unique ids") {
  const auto cases = load_validation_cases();
  std::set<std::string> ids, files;
  size_t rows = 0;
  std::map<std::string, size_t> per_group;
  for (const auto& c : cases) {
    CHECK_MESSAGE(ids.insert(c.id).second, "duplicate id " << c.id);
    files.insert(c.file);
    CHECK_FALSE(c.source.empty());
    CHECK(c.as_of.size() == 10);
    CHECK_FALSE(c.measured.empty());
    rows += c.measured.size();
    ++per_group[c.group];
    if (c.group == "collectives") {
      CHECK(c.collective.has_value());
      CHECK(c.ranks.value_or(0) >= 2);
      CHECK(c.message_bytes.value_or(0) > 0);
    } else {
      CHECK((c.batch.has_value() + c.concurrency.has_value() + c.concurrency_max) == 1);
    }
  }
  // nim-llama3.toml alone: 715 configurations x 3 quantities.
  CHECK(rows >= 2145);
  CHECK(files.count("validation/nim-llama3.toml") == 1);
  CHECK(files.count("validation/gpt-fast.toml") == 1);
  CHECK(per_group["batch-1"] >= 8 + 2 + 72);  // gpt-fast, FasterTransformer, NIM concurrency 1
  CHECK(per_group["max-throughput"] >= 20);   // I-30 alone has 2 GPUs x 10 length pairs
}

TEST_CASE("validation: every model, GPU and dtype named is in the database") {
  Database db;
  for (const auto& c : load_validation_cases()) {
    CAPTURE(c.id);
    CHECK_NOTHROW(db.gpu(c.gpu));
    if (c.group != "collectives") CHECK_NOTHROW(db.model(c.model));
  }
}

TEST_CASE("validation: spot values against their sources") {
  const auto cases = load_validation_cases();
  // I-01, gpt-fast README @32971d31: Llama-2-7B bf16, 104.9 tokens/s at batch 1 -> 1/104.9 = 9.533 ms.
  const auto& i01 = by_id(cases, "I-01");
  CHECK(i01.model == "llama-2-7b");
  CHECK(i01.gpu == "a100-sxm-80gb");
  CHECK(i01.batch == 1.0);
  CHECK(i01.input_tokens == 5);
  CHECK(i01.get("tpot_s").value() == doctest::Approx(0.009533).epsilon(1e-4));
  // I-05: Llama-2-70B int4 g32, 25.25 tokens/s -> 39.60 ms.
  CHECK(by_id(cases, "I-05").weights == "int4-g32");
  CHECK(by_id(cases, "I-05").get("tpot_s").value() == doctest::Approx(1 / 25.25).epsilon(1e-5));
  // I-20, FasterTransformer 13B TP1 (llm-analysis examples/fastertransformer/README.md): prefill
  // 63.17 ms, decode 22.0 ms/token, total 283.6 ms; 63.17 + 10 x 22.0 = 283.17 ms, within 0.2% of the total.
  const auto& i20 = by_id(cases, "I-20");
  CHECK(i20.get("prefill_s").value() == doctest::Approx(0.06317));
  CHECK(i20.get("e2e_s").value() == doctest::Approx(0.2836));
  CHECK(i20.get("prefill_s").value() + i20.output_tokens * i20.get("tpot_s").value() ==
        doctest::Approx(i20.get("e2e_s").value()).epsilon(0.002));
  CHECK(by_id(cases, "I-21").tp == 2);
  // I-30, TensorRT-LLM perf-overview @00f37686: Llama 3.1 8B FP8, H200 TP1, 128/128: 27,911 tokens/s.
  const auto& i30 = by_id(cases, "I-30-h200-sxm-128-128");
  CHECK(i30.concurrency_max);
  CHECK(i30.kv_dtype == "fp8");
  CHECK(i30.gpu_mem_util == 0.95);
  CHECK(i30.get("output_tokens_per_s") == 27911.0);
  // S-26, NIM CSV (wbing520/ai-performance-engineering@0e25b2e2 nim.csv): Llama-3-8B H100 TP1 fp8,
  // 200/1000, concurrency 1: ITL 5.208 ms, TTFT 9.77 ms, 191.8 tokens/s (one run). Closed loop at
  // concurrency 1: 1000 / (0.00977 + 999 x 0.005208) = 1000 / 5.2126 s = 191.8 tokens/s.
  const auto& s26 = by_id(cases, "NIM-llama3-8b-h100-sxm-tp1-fp8-200-1000-c1");
  CHECK(s26.group == "batch-1");
  CHECK(s26.concurrency == 1.0);
  CHECK(s26.model == "llama-3.1-8b");
  CHECK(s26.get("tpot_s").value() == doctest::Approx(0.005208).epsilon(1e-3));
  CHECK(s26.get("ttft_s").value() == doctest::Approx(0.00977).epsilon(1e-3));
  const double e2e = s26.get("ttft_s").value() + (s26.output_tokens - 1) * s26.get("tpot_s").value();
  CHECK(s26.output_tokens / e2e == doctest::Approx(s26.get("output_tokens_per_s").value()).epsilon(0.005));
  // S-20, NIM CSV: Llama-3-70B H100 TP8 fp8, 200/1000, concurrency 250: ITL 28.485 ms, 8410.2 tokens/s.
  const auto& s20 = by_id(cases, "NIM-llama3-70b-h100-sxm-tp8-fp8-200-1000-c250");
  CHECK(s20.group == "serving");
  CHECK(s20.tp == 8);
  CHECK(s20.get("tpot_s").value() == doctest::Approx(0.028485).epsilon(1e-3));
  CHECK(s20.get("output_tokens_per_s").value() == doctest::Approx(8410.2).epsilon(1e-4));
}

TEST_CASE("validation: malformed files are rejected with file:line:col") {
  const std::string e = error_of(kBad + "bad-case.toml");
  CAPTURE(e);
  CHECK(contains(e, "bad-case.toml:13:9: 'case[BAD-01].input' must be a positive number"));
  CHECK(contains(e, "bad-case.toml:16:14: unknown quantity 'tpop_s'"));
  CHECK(contains(e, "did you mean 'tpot_s'"));
  CHECK(contains(e, "bad-case.toml:17:1: unknown key 'case[BAD-01].colour'"));

  const std::string w = error_of(kBad + "wrong-type.toml");
  CAPTURE(w);
  CHECK(contains(w, "wrong-type.toml:10:6: 'case[BAD-02].tp' must be a whole number"));
  CHECK(contains(w, "missing required key 'as_of'"));
  CHECK(contains(w, "'case[BAD-02].measured.time_s' must be a positive number, not 0"));

  const std::string x = error_of(kBad + "inconsistent.toml");
  CAPTURE(x);
  CHECK(contains(x, "inconsistent.toml:3:9: 'as_of' must be a date YYYY-MM-DD"));
  CHECK(contains(x, "inconsistent.toml:8:9: 'case[BAD-03].group' 'offline' is not one of"));
  CHECK(contains(x, "inconsistent.toml:12:11: 'case[BAD-03].weights' unknown dtype 'fp7'"));
  CHECK(contains(x, "inconsistent.toml:16:15: 'case[BAD-03].concurrency' \"max\" belongs to group max-throughput"));
  CHECK(contains(x, "inconsistent.toml:6:1: case 'BAD-03' needs exactly one of batch and concurrency"));
  CHECK(contains(x, "inconsistent.toml:17:16: 'case[BAD-03].gpu_mem_util' must be at most 1"));

  // The id I-01 is shipped already.
  const std::string d = error_of(kBad + "duplicate-id.toml", true);
  CAPTURE(d);
  CHECK(contains(d, "duplicate-id.toml:6:1: duplicate case id 'I-01' (first in validation/gpt-fast.toml:"));
  CHECK(error_of(kBad + "duplicate-id.toml", false).empty());

  CHECK(contains(error_of(kBad + "no-such-file.toml"), "does not exist"));
}
