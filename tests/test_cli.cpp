// Golden CLI tests: run the real mlcalc binary (MLCALC_BIN) and check exit status, the JSON
// envelope and values, and error lines. Expected values are copied here with their sources.
#include <unistd.h>

#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "cli_runner.hpp"

using mlcalc::test::Run;

namespace {

const std::string kData = MLCALC_TEST_DATA;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string lowercase(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "nan" / "inf" as a word, as printf and fmt print them (so "InfiniBand", "Infinity Fabric",
// "inference", "info" do not count).
bool has_nan_or_inf(const std::string& s) {
  static const std::regex re(R"((^|[^a-z])(nan|inf)([^a-z]|$))");
  return std::regex_search(lowercase(s), re);
}

int count_of(const std::string& s, const std::string& part) {
  int n = 0;
  for (size_t p = s.find(part); p != std::string::npos; p = s.find(part, p + 1)) ++n;
  return n;
}

// Runs and checks the output is free of nan/inf.
Run run(const std::string& args, const std::string& env = "") {
  Run r = mlcalc::test::mlcalc(args, env);
  INFO("mlcalc " << args << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK_FALSE(has_nan_or_inf(r.out));
  CHECK_FALSE(has_nan_or_inf(r.err));
  return r;
}

nlohmann::json json_of(const Run& r) {
  try {
    return r.json();
  } catch (const std::exception& e) {
    FAIL_CHECK("output is not JSON: " << e.what() << "\n" << r.out);
    return nlohmann::json::object();
  }
}

}  // namespace

TEST_CASE("cli: describe MODEL --json has the envelope and result keys") {
  const Run r = run("describe llama-3.1-8b --json");
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  const auto j = json_of(r);
  for (const char* k : {"mlcalc_version", "command", "inputs", "result", "warnings"}) {
    INFO("envelope key " << k);
    CHECK(j.contains(k));
  }
  CHECK(j["command"] == "describe");
  CHECK(j["warnings"].is_array());
  const auto& res = j["result"];
  for (const char* k : {"params_total", "params_active", "params_embedding", "num_layers", "weight_bytes",
                        "kv_cache_bytes", "kv_bytes_per_token", "state_bytes", "flops_per_token"}) {
    INFO("result key " << k);
    CHECK(res.contains(k));
  }
  // Check value (docs/model.md "Parameters"): 8,030,261,248 parameters; 32 layers.
  CHECK(res["params_total"].get<double>() == 8030261248.0);
  CHECK(res["num_layers"].get<int>() == 32);
  // Embedding 128256 * 4096 = 525,336,576.
  CHECK(res["params_embedding"].get<double>() == 525336576.0);
  // bf16 weights: 2 * 8,030,261,248 = 16,060,522,496 B.
  CHECK(res["weight_bytes"].get<double>() == 16060522496.0);
  // Default context 1: decode FLOPs 2*(8,030,261,248 - 525,336,576) + 4*1*32*128*32
  // = 15,009,849,344 + 524,288 = 15,010,373,632 (see test_model.cpp).
  CHECK(res["flops_per_token"].get<double>() == doctest::Approx(15010373632.0).epsilon(1e-9));
  CHECK(res["state_bytes"].get<double>() == 0.0);
}

TEST_CASE("cli: describe llama-3.1-8b KV cache at 8192 x 4, bf16 and fp8") {
  // M-82 (stas00/ml-engineering inference/README.md @744d01e): 131,072 B/token (bf16). 131072 * 8192 * 4 =
  // 4,294,967,296 B.
  Run r = run("describe llama-3.1-8b --context 8192 --batch 4 --json");
  REQUIRE(r.status == 0);
  auto j = json_of(r);
  CHECK(j["inputs"]["context_tokens"].get<double>() == 8192.0);
  CHECK(j["inputs"]["batch"].get<double>() == 4.0);
  CHECK(j["result"]["kv_cache_bytes"].get<double>() == doctest::Approx(131072.0 * 8192 * 4).epsilon(1e-9));
  CHECK(j["result"]["kv_bytes_per_token"].get<double>() == doctest::Approx(131072.0).epsilon(1e-9));
  CHECK(j["result"]["kv_dtype"] == "bf16");
  // fp8 KV (1 B): half, 2,147,483,648 B.
  r = run("describe llama-3.1-8b --context 8192 --batch 4 --kv-dtype fp8 --json");
  REQUIRE(r.status == 0);
  j = json_of(r);
  CHECK(j["result"]["kv_cache_bytes"].get<double>() == doctest::Approx(131072.0 * 8192 * 4 / 2).epsilon(1e-9));
  CHECK(j["result"]["kv_dtype"] == "fp8");
}

TEST_CASE("cli: --context accepts k suffixes (128k = 131072)") {
  const Run r = run("describe llama-3.1-8b --context 128k --json");
  REQUIRE(r.status == 0);
  const auto j = json_of(r);
  CHECK(j["inputs"]["context_tokens"].get<double>() == 131072.0);
  // 131,072 tokens * 131,072 B = 17,179,869,184 B.
  CHECK(j["result"]["kv_cache_bytes"].get<double>() == doctest::Approx(17179869184.0).epsilon(1e-9));
}

TEST_CASE("cli: describe GPU --json") {
  const Run r = run("describe h100-sxm --json");
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  const auto j = json_of(r);
  const auto& res = j["result"];
  REQUIRE(res.contains("memory_bytes"));
  // hardware-db README example: memory_gib = 80 -> 80 * 2^30 = 85,899,345,920 B.
  CHECK(res["memory_bytes"].get<double>() == doctest::Approx(85899345920.0).epsilon(1e-9));
  // docs/model.md "Units": H100 SXM BF16 dense = 989 TFLOP/s, FP8 dense = 1979
  // (https://www.nvidia.com/en-us/data-center/h100/, sparse figures halved).
  CHECK(res["peak_flop_per_s"]["bf16"].get<double>() == doctest::Approx(989e12).epsilon(1e-9));
  CHECK(res["peak_flop_per_s"]["fp8"].get<double>() == doctest::Approx(1979e12).epsilon(1e-9));
}

TEST_CASE("cli: describe checkpoint dtypes of deepseek-v3 and gpt-oss-120b") {
  // docs/model.md "Data types": DeepSeek-V3 FP8 (128x128 blocks); gpt-oss MXFP4 experts, BF16 rest.
  Run r = run("describe deepseek-v3 --json");
  REQUIRE(r.status == 0);
  auto j = json_of(r);
  CHECK(j["result"]["weights_dtype"] == "fp8-block");
  // Every weight in fp8-block: bytes = params_total * (1 + 4/16384).
  CHECK(j["result"]["weight_bytes"].get<double>() ==
        doctest::Approx(j["result"]["params_total"].get<double>() * (1.0 + 4.0 / 16384.0)).epsilon(1e-9));
  // M-83 (ISCA'25 arXiv:2505.09343 Table 1): 70,272 B/token of MLA cache (bf16).
  CHECK(j["result"]["kv_bytes_per_token"].get<double>() == doctest::Approx(70272.0).epsilon(1e-9));
  r = run("describe gpt-oss-120b --json");
  REQUIRE(r.status == 0);
  j = json_of(r);
  CHECK(j["result"]["experts_dtype"] == "mxfp4");
  CHECK(j["result"]["weights_dtype"] == "bf16");
  // --weights overrides both.
  r = run("describe gpt-oss-120b --weights fp8 --json");
  REQUIRE(r.status == 0);
  j = json_of(r);
  CHECK(j["result"]["experts_dtype"] == "fp8");
  CHECK(j["result"]["weight_bytes"].get<double>() ==
        doctest::Approx(j["result"]["params_total"].get<double>()).epsilon(1e-9));
}

TEST_CASE("cli: list commands in every format") {
  for (const char* what : {"gpus", "models", "interconnects", "prices --model qwen3-8b"}) {
    for (const char* fmt : {"", "--format table", "--format csv", "--format md", "--format json", "--json"}) {
      const std::string args = std::string(fmt) + " list " + what;
      INFO("mlcalc " << args);
      const Run r = run(args);
      INFO("stderr: " << r.err);
      CHECK(r.status == 0);
      CHECK_FALSE(r.out.empty());
      if (contains(fmt, "json")) {
        const auto j = json_of(r);
        CHECK(j["command"] == "list");
      }
    }
  }
}

TEST_CASE("cli: list prices --model qwen3-8b lists only that model's API offers") {
  const Run r = run("list prices --model qwen3-8b --json");
  REQUIRE(r.status == 0);
  const auto j = json_of(r);
  CHECK(j["result"]["gpu_prices"].empty());
  CHECK_FALSE(j["result"]["api_prices"].empty());
  for (const auto& o : j["result"]["api_prices"]) CHECK(o["model"] == "qwen3-8b");
}

TEST_CASE("cli: list models JSON includes llama-3.1-8b with its parameter count") {
  const Run r = run("list models --json");
  REQUIRE(r.status == 0);
  const auto j = json_of(r);
  bool found = false;
  for (const auto& m : j["result"])
    if (m["id"] == "llama-3.1-8b") {
      found = true;
      CHECK(m["params_total"].get<double>() == 8030261248.0);
    }
  CHECK(found);
}

TEST_CASE("cli: unknown model: exit 1, one error line with a did-you-mean") {
  const Run r = run("describe llama-3.1-8bb");
  INFO("stderr: " << r.err);
  CHECK(r.status == 1);
  CHECK(r.err.rfind("mlcalc: error:", 0) == 0);
  CHECK(contains(r.err, "did you mean"));
  CHECK(contains(r.err, "llama-3.1-8b"));
  CHECK(r.out.empty());
}

TEST_CASE("cli: bad --context values are usage errors (exit 2)") {
  for (const char* v : {"0", "-5", "abc", "1.5", "''"}) {
    const std::string args = std::string("describe llama-3.1-8b --context ") + v;
    const Run r = run(args);
    INFO("mlcalc " << args << "\nstderr: " << r.err);
    CHECK(r.status == 2);
    CHECK(r.err.rfind("mlcalc: error:", 0) == 0);
    CHECK(count_of(r.err, "mlcalc: error:") == 1);
    CHECK(r.out.empty());
  }
}

TEST_CASE("cli: a huge --context is an error, not a crash or nan") {
  for (const char* v : {"1e30", "1e400", "inf", "nan"}) {
    const std::string args = std::string("describe llama-3.1-8b --context ") + v;
    const Run r = mlcalc::test::mlcalc(args);
    INFO("mlcalc " << args << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.status != 0);
    CHECK(r.status != -1);  // not killed by a signal
    CHECK(r.status != 70);  // not an internal error
    CHECK(contains(r.err, "mlcalc: error:"));
    CHECK_FALSE(has_nan_or_inf(r.out));
  }
}

TEST_CASE("cli: unknown dtype") {
  for (const char* flag : {"--weights int5", "--kv-dtype int5"}) {
    const std::string args = std::string("describe llama-3.1-8b ") + flag;
    const Run r = run(args);
    INFO("mlcalc " << args << "\nstderr: " << r.err);
    CHECK((r.status == 1 || r.status == 2));
    CHECK(r.err.rfind("mlcalc: error:", 0) == 0);
    CHECK(contains(r.err, "unknown dtype"));
  }
}

TEST_CASE("cli: malformed database file names file:line:col") {
  const Run r = run("--db '" + kData + "/bad_toml' describe broken");
  INFO("stderr: " << r.err);
  CHECK(r.status == 1);
  CHECK(r.err.rfind("mlcalc: error:", 0) == 0);
  CHECK(contains(r.err, "broken.toml:"));
  CHECK(std::regex_search(r.err, std::regex(R"(broken\.toml:6:[0-9]+:)")));
}

TEST_CASE("cli: describe a config.json directory by path") {
  // tests/data/tiny-llama: 2,742,528 parameters (hand count in test_db.cpp).
  const Run r = run("describe '" + kData + "/tiny-llama' --json");
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  const auto j = json_of(r);
  CHECK(j["result"]["params_total"].get<double>() == 2742528.0);
  // Also the file path itself, table output.
  const Run t = run("describe '" + kData + "/tiny-llama/config.json'");
  CHECK(t.status == 0);
  CHECK_FALSE(t.out.empty());
}

TEST_CASE("cli: MLCALC_DB works like --db") {
  // Override entry: tests/data/override/models/llama-3.1-8b.toml, name "Llama-3.1-8B (user override)".
  Run r = run("describe llama-3.1-8b --json", "MLCALC_DB='" + kData + "/override'");
  INFO("stderr: " << r.err);
  REQUIRE(r.status == 0);
  CHECK(json_of(r)["result"]["name"] == "Llama-3.1-8B (user override)");
  r = run("--db '" + kData + "/override' describe llama-3.1-8b --json");
  REQUIRE(r.status == 0);
  CHECK(json_of(r)["result"]["name"] == "Llama-3.1-8B (user override)");
  // Without either: the shipped name.
  r = run("describe llama-3.1-8b --json");
  REQUIRE(r.status == 0);
  CHECK(json_of(r)["result"]["name"] == "Llama-3.1-8B");
  // The malformed fixture through MLCALC_DB fails the same way as through --db.
  r = run("describe broken", "MLCALC_DB='" + kData + "/bad_toml'");
  CHECK(r.status == 1);
  CHECK(contains(r.err, "broken.toml:"));
}

TEST_CASE("cli: unknown subcommand is a usage error") {
  const Run r = run("frobnicate");
  INFO("stderr: " << r.err);
  CHECK(r.status == 2);
  CHECK(r.err.rfind("mlcalc: error:", 0) == 0);
}

TEST_CASE("cli: table outputs of describe are free of nan and inf") {
  for (const char* args : {"describe llama-3.1-8b", "describe llama-3.1-8b --context 131072 --batch 64",
                           "describe jamba-1.5-mini --context 262144", "describe deepseek-v3 --context 1",
                           "describe gemma-3-27b --context 32768", "describe h100-sxm", "describe a100-sxm-80gb"}) {
    const Run r = run(args);
    INFO("mlcalc " << args << "\nstderr: " << r.err);
    CHECK(r.status == 0);
    CHECK_FALSE(r.out.empty());
  }
}

TEST_CASE("cli: malformed inputs are clear errors, never crashes or hangs") {
  const std::string dir = "/tmp/mlcalc_test_reliability_" + std::to_string(::getpid());
  std::system(("mkdir -p '" + dir + "/zero' '" + dir + "/deep' '" + dir + "/huge'").c_str());
  auto write = [](const std::string& path, const std::string& text) {
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
  };
  const std::string base =
      R"("hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4, "num_key_value_heads": 2,
         "vocab_size": 100, "max_position_embeddings": 2048)";
  // A zero period divides by zero in the layer pattern (Jamba attn_layer_period).
  write(dir + "/zero/config.json",
        R"({"model_type": "jamba", "num_hidden_layers": 4, "attn_layer_period": 0, )" + base + "}");
  // 100,000 nested arrays would overflow the parser's stack.
  write(dir + "/deep/config.json",
        R"({"model_type": "llama", "hidden_size": )" + std::string(100000, '[') + std::string(100000, ']') + "}");
  // A billion layers would take minutes and gigabytes to lay out.
  write(dir + "/huge/config.json", R"({"model_type": "llama", "num_hidden_layers": 1000000000, )" + base + "}");
  for (const char* m : {"zero", "deep", "huge"}) {
    const Run r = run("describe '" + dir + "/" + m + "'");
    INFO(m << ": " << r.err);
    CHECK(r.status == 1);
    CHECK(contains(r.err, "mlcalc: error:"));
  }
  CHECK(run("--db /dev/null list gpus").status == 1);
  CHECK(run("throughput -m llama-3.1-8b -g h100-sxm --batch 0x10").status == 2);
  CHECK(run("throughput -m llama-3.1-8b -g h100-sxm --mem-eff 5e-324").status == 2);
  CHECK(run("cost -m llama-3.1-8b -g h100-sxm --gpu-price 2 --requests-per-day 100 --utilization 0.5").status == 2);
  std::system(("rm -rf '" + dir + "'").c_str());
}
