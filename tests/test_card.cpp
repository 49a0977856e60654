// card: safetensors headers, eval logs (lm-evaluation-harness, mlcalc eval), merging, the --info
// TOML, YAML quoting, and the command end to end (the YAML itself is parsed by tests/card_yaml.py).
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "card.hpp"
#include "cli_runner.hpp"
#include "common.hpp"
#include "io/card_files.hpp"

using namespace mlcalc;
namespace fs = std::filesystem;

namespace {

const fs::path& scratch() {
  static const fs::path d = [] {
    char t[] = "/tmp/mlcalc-card-XXXXXX";
    return fs::path(::mkdtemp(t));
  }();
  return d;
}

std::string write(const std::string& name, const std::string& text) {
  const fs::path p = scratch() / name;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

// A safetensors file: the 8-byte little-endian length, the header, then `data_bytes` zero bytes.
std::string safetensors(const std::string& name, const std::string& header, size_t data_bytes,
                        uint64_t n_override = 0) {
  std::string s;
  const uint64_t n = n_override ? n_override : header.size();
  for (int i = 0; i < 8; ++i) s += static_cast<char>((n >> (8 * i)) & 0xff);
  return write(name, s + header + std::string(data_bytes, '\0'));
}

std::string first_error(const mlcalc::test::Run& r) {
  return r.err.substr(0, r.err.find('\n'));
}

const std::string kFixture = std::string(MLCALC_SOURCE_DIR) + "/tests/fixtures/card-tiny";
const std::string kResults = std::string(MLCALC_SOURCE_DIR) + "/examples/card-results.json";

}  // namespace

TEST_CASE("card: a safetensors header is read, summed and checked against its file") {
  // Two BF16 tensors: 2x3 (12 B) and 4 (8 B) = 20 B of data.
  const std::string ok =
      safetensors("ok.safetensors",
                  R"({"__metadata__":{"format":"pt"},"a":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]},)"
                  R"("b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})",
                  20);
  const SafetensorsHeader h = read_safetensors_header(ok);
  REQUIRE(h.tensors.size() == 2);
  CHECK(h.metadata.at("format") == "pt");
  const WeightFiles w = sum_weight_files({h});
  CHECK(w.total_bytes == 20);
  CHECK(w.num_elements == 8);
  CHECK(w.bytes_by_dtype.at("BF16") == 12);
  CHECK(w.bytes_by_dtype.at("F32") == 8);

  // Truncated: the data ends 4 bytes early.
  const std::string trunc =
      safetensors("trunc.safetensors", R"({"a":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]}})", 8);
  CHECK_THROWS_WITH_AS(sum_weight_files({read_safetensors_header(trunc)}), doctest::Contains("truncated"), Error);
  // A header length past the file, and past the format's 100 MB limit.
  const std::string past = safetensors("past.safetensors", "{}", 0, 4096);
  CHECK_THROWS_WITH_AS(read_safetensors_header(past), doctest::Contains("exceeds the 2 bytes"), Error);
  const std::string huge = safetensors("huge.safetensors", "{}", 0, uint64_t(1) << 40);
  CHECK_THROWS_WITH_AS(read_safetensors_header(huge), doctest::Contains("limit of 100,000,000"), Error);
  CHECK_THROWS_WITH_AS(read_safetensors_header(write("short.safetensors", "abc")), doctest::Contains("too short"),
                       Error);
  // Offsets with a hole, a size that does not match the shape, an unknown dtype.
  const std::string hole =
      safetensors("hole.safetensors", R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})", 4);
  CHECK_THROWS_WITH_AS(sum_weight_files({read_safetensors_header(hole)}), doctest::Contains("a hole before it"), Error);
  const std::string size =
      safetensors("size.safetensors", R"({"a":{"dtype":"F16","shape":[3],"data_offsets":[0,4]}})", 4);
  CHECK_THROWS_WITH_AS(sum_weight_files({read_safetensors_header(size)}), doctest::Contains("needs 6 bytes"), Error);
  const std::string dt =
      safetensors("dtype.safetensors", R"({"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,1]}})", 1);
  CHECK_THROWS_WITH_AS(sum_weight_files({read_safetensors_header(dt)}), doctest::Contains("unknown dtype 'Q4'"), Error);
  const std::string neg =
      safetensors("neg.safetensors", R"({"a":{"dtype":"U8","shape":[-2],"data_offsets":[0,2]}})", 2);
  CHECK_THROWS_AS(read_safetensors_header(neg), Error);
  CHECK(safetensors_dtype_bytes("F4") == 0.5);
  CHECK(safetensors_dtype_bytes("F8_E4M3") == 1);
}

TEST_CASE("card: the fixture checkpoint holds exactly the weights its config describes") {
  const CheckpointFacts c = read_checkpoint(kFixture);
  REQUIRE(c.weights);
  // Hidden 16, intermediate 32, vocab 64, 2 layers, 2 heads + 1 KV head of 8:
  // embed 64x16 + lm_head 64x16 + norm 16 = 2,064; per layer q 256 + k 128 + v 128 + o 256 +
  // MLP 3 x 512 + 2 norms x 16 = 2,336; total 2,064 + 2 x 2,336 = 6,736 elements x 2 B = 13,472 B.
  CHECK(c.weights->total_bytes == 13472);
  CHECK(c.weights->num_tensors == 21);
  CHECK(c.tokenizer.chat_template);
  CHECK(c.torch_dtype == "bfloat16");
  std::vector<std::string> warnings;
  const ModelEntry m = model_from_config_path(kFixture, warnings);
  const WeightCheck w = check_weights(m.arch, *c.weights);
  CHECK(w.estimated_bytes == 13472);
  CHECK(w.difference == 0);
  // The same files against an fp8 configuration: twice the estimate, and the dtype says why.
  Architecture fp8 = m.arch;
  fp8.weight_dtype = fp8.expert_dtype = DType{DType::Kind::fp8};
  const WeightCheck w8 = check_weights(fp8, *c.weights);
  CHECK(w8.difference == doctest::Approx(1.0));
  CHECK(w8.note.find("mostly BF16 (2 B per element) but the configuration describes fp8") != std::string::npos);
  // A directory without config.json is an error of its own.
  fs::create_directories(scratch() / "empty-ckpt");
  CHECK_THROWS_WITH_AS(read_checkpoint((scratch() / "empty-ckpt").string()), doctest::Contains("no config.json"),
                       Error);
}

TEST_CASE("card: lm-evaluation-harness results and mlcalc eval output become metrics; conflicts name both files") {
  const std::vector<CardMetric> ms = read_eval_log(kResults);
  const CardMetric* hs = nullptr;
  for (const auto& m : ms)
    if (m.task == "hellaswag" && m.metric == "acc_norm") hs = &m;
  REQUIRE(hs);
  CHECK(hs->value == doctest::Approx(0.7912));
  REQUIRE(hs->stderr_value);
  CHECK(*hs->stderr_value == doctest::Approx(0.0041));
  REQUIRE(hs->num_fewshot);
  CHECK(*hs->num_fewshot == 0);
  CHECK(hs->dataset_type == "Rowan/hellaswag");
  CHECK(hs->model == "meta-llama/Llama-3.1-8B");
  CHECK(ms.size() == 4);  // acc and acc_norm of two tasks; stderr values are not metrics

  const std::string ours = write("eval.json", R"({"command": "eval", "inputs": {"suite": "default"},
    "result": {"endpoints": [{"endpoint": "http://127.0.0.1:8000/v1", "model": "m", "requests": 16, "completed": 16,
      "accuracy": 0.75, "accuracy_by_kind": {"numeric": 1.0, "exact": null}, "refusal_rate": 0.125}]}})");
  const std::vector<CardMetric> e = read_eval_log(ours);
  REQUIRE(e.size() == 3);  // accuracy, refusal rate, accuracy_numeric (null skipped)
  CHECK(e[0].metric == "accuracy");
  CHECK(e[0].value == 0.75);
  CHECK(e[0].task == "mlcalc-eval/default");

  CHECK_THROWS_WITH_AS(read_eval_log(write("neither.json", R"({"hello": 1})")),
                       doctest::Contains("neither an lm-evaluation-harness results file"), Error);
  CHECK_THROWS_WITH_AS(read_eval_log(write("broken.json", "{\n  \"results\": \n")), doctest::Contains("broken.json:3:"),
                       Error);

  // The same value twice merges; a different one is an error naming both files.
  std::vector<CardMetric> twice = ms;
  twice.insert(twice.end(), ms.begin(), ms.end());
  CHECK(merge_metrics(twice).size() == 4);
  const std::string other = write("other.json", R"({"results": {"hellaswag": {"acc_norm,none": 0.80}}})");
  std::vector<CardMetric> clash = ms;
  for (const auto& m : read_eval_log(other)) clash.push_back(m);
  try {
    merge_metrics(clash);
    FAIL("no error");
  } catch (const Error& err) {
    const std::string what = err.what();
    CHECK(what.find("card-results.json") != std::string::npos);
    CHECK(what.find("other.json") != std::string::npos);
    CHECK(what.find("acc_norm") != std::string::npos);
  }
}

TEST_CASE("card: --info TOML: sections, TODO where missing, unknown keys with file:line and did-you-mean") {
  const CardInfo i = read_card_info(std::string(MLCALC_SOURCE_DIR) + "/examples/card-info.toml");
  CHECK(i.license == "llama3.1");
  CHECK(i.authors.size() == 1);
  for (const auto& s : info_sections(i)) CHECK_MESSAGE(!s.todo, s.key);
  CardInfo empty;
  empty.license = "mit";
  int todo = 0;
  for (const auto& s : info_sections(empty)) todo += s.todo;
  CHECK(todo == 7);
  const std::string bad = write("info.toml", "license = \"mit\"\nlicence = \"mit\"\nauthors = 5\n");
  try {
    read_card_info(bad);
    FAIL("no error");
  } catch (const Error& err) {
    const std::string what = err.what();
    CHECK(what.find("info.toml:2:1: unknown key 'licence'; did you mean 'license'?") != std::string::npos);
    CHECK(what.find("'authors' must be a string or an array of strings") != std::string::npos);
  }
}

TEST_CASE("card: YAML scalars are quoted wherever a parser could read them as something else") {
  CHECK(yaml_string("text-generation") == "text-generation");
  CHECK(yaml_string("meta-llama/Llama-3.1-8B") == "meta-llama/Llama-3.1-8B");
  CHECK(yaml_string("yes") == "\"yes\"");
  CHECK(yaml_string("No") == "\"No\"");
  CHECK(yaml_string("null") == "\"null\"");
  CHECK(yaml_string("a: b") == "\"a: b\"");
  CHECK(yaml_string("#1") == "\"#1\"");
  CHECK(yaml_string("1.0") == "\"1.0\"");
  CHECK(yaml_string("8b") == "\"8b\"");
  CHECK(yaml_string("") == "\"\"");
  CHECK(yaml_string("say \"hi\"\n") == "\"say \\\"hi\\\"\\n\"");
  CHECK(yaml_string("- item") == "\"- item\"");
  CHECK(yaml_number(0.7912) == "0.7912");
  CHECK(yaml_number(1e-05) == "1.0e-05");
  CHECK(yaml_number(25) == "25");
}

TEST_CASE("card: the command writes front matter, model-index, TODOs and serving estimates") {
  using mlcalc::test::mlcalc;
  auto r = mlcalc("card llama-3.1-8b --eval " + kResults);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.out.rfind("---\n", 0) == 0);
  CHECK(r.out.find("model-index:") != std::string::npos);
  CHECK(r.out.find("value: 0.7912") != std::string::npos);
  CHECK(r.out.find("> **TODO:**") != std::string::npos);
  CHECK(r.out.find("## Serving requirements") != std::string::npos);
  CHECK(r.out.find("GiB") != std::string::npos);
  CHECK(r.err.find("no information for License, Intended use") != std::string::npos);

  const auto j = mlcalc("card llama-3.1-8b --eval " + kResults + " --format json --quiet").json();
  const auto res = j["result"];
  CHECK(res["front_matter"]["pipeline_tag"] == "text-generation");
  const auto mi = res["front_matter"]["model-index"];
  REQUIRE(mi.size() == 1);
  CHECK(mi[0]["results"].size() == 2);
  CHECK(res["todo"].size() == 8);
  // Llama-3.1-8B in bf16 (16.06 GB of weights) fits one H100 at 8k and at 128k (16 GiB of KV).
  const auto setups = res["serving"]["setups"];
  bool h100_8k = false;
  for (const auto& s : setups)
    if (s["gpu"] == "h100-sxm" && s["context"] == 8192) {
      h100_8k = true;
      CHECK(s["fits"] == true);
      CHECK(s["tp"] == 1);
      CHECK(s["decode_tokens_per_s_batch1"].get<double>() > 50);
      CHECK(s["usd_per_million_output_tokens"].get<double>() > 0);
    }
  CHECK(h100_8k);
  CHECK(res["serving"]["estimate"] == true);
  CHECK(res["serving"]["weight_bytes"].get<double>() == doctest::Approx(16060522496.0));

  // One file per --eval: the model may follow it.
  const auto after = mlcalc("card --eval " + kResults + " llama-3.1-8b --format json --quiet");
  REQUIRE_MESSAGE(after.status == 0, after.err);
  CHECK(after.json()["result"]["model"]["id"] == "llama-3.1-8b");

  // --info fills the sections: no TODO left but none for evaluation.
  const std::string info = std::string(MLCALC_SOURCE_DIR) + "/examples/card-info.toml";
  const std::string out = (scratch() / "README.md").string();
  r = mlcalc("card llama-3.1-8b --eval " + kResults + " --info " + info + " --out " + out);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.out.find("wrote " + out) == 0);
  CHECK(r.err.find("no information") == std::string::npos);
  std::ifstream f(out);
  const std::string card((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  CHECK(card.rfind("---\nlicense: llama3.1\n", 0) == 0);
  CHECK(card.find("TODO") == std::string::npos);

  // A checkpoint directory: its files, and the weight check.
  const auto k = mlcalc("card " + kFixture + " --format json --quiet").json()["result"];
  CHECK(k["checkpoint"]["weights"]["total_bytes"] == 13472);
  CHECK(k["checkpoint"]["weight_check"]["difference"] == 0.0);
  CHECK(k["checkpoint"]["tokenizer"]["chat_template"] == true);
  CHECK(k["front_matter"]["tags"][1] == "safetensors");
}

TEST_CASE("card: bad input is one clear error with exit status 1") {
  using mlcalc::test::mlcalc;
  fs::create_directories(scratch() / "no-config");
  auto r = mlcalc("card " + (scratch() / "no-config").string());
  CHECK(r.status == 1);
  CHECK(first_error(r).find("no config.json") != std::string::npos);

  const fs::path ck = scratch() / "ckpt-trunc";
  fs::create_directories(ck);
  fs::copy_file(kFixture + "/config.json", ck / "config.json", fs::copy_options::overwrite_existing);
  const std::string whole = [&] {
    std::ifstream f(kFixture + "/model.safetensors", std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  }();
  std::ofstream(ck / "model.safetensors", std::ios::binary) << whole.substr(0, whole.size() - 100);
  r = mlcalc("card " + ck.string());
  CHECK(r.status == 1);
  CHECK(first_error(r).find("truncated") != std::string::npos);
  std::ofstream(ck / "model.safetensors", std::ios::binary)
      << std::string("\xff\xff\xff\xff\xff\xff\x00\x00", 8) + "{}";
  r = mlcalc("card " + ck.string());
  CHECK(r.status == 1);
  CHECK(first_error(r).find("exceeds the format's limit") != std::string::npos);

  r = mlcalc("card llama-3.1-8b --eval " + write("nothing.json", "[1, 2]"));
  CHECK(r.status == 1);
  CHECK(first_error(r).find("neither an lm-evaluation-harness") != std::string::npos);
  r = mlcalc("card llama-3.1-8b --eval " + kResults + " --eval " +
             write("clash.json", R"({"results": {"hellaswag": {"acc_norm,none": 0.5}}})"));
  CHECK(r.status == 1);
  CHECK(first_error(r).find("clash.json") != std::string::npos);
  r = mlcalc("card llama-3.1-8b --info " + write("typo.toml", "intended_usage = \"chat\"\n"));
  CHECK(r.status == 1);
  CHECK(first_error(r).find("typo.toml:1:1: unknown key 'intended_usage'; did you mean 'intended_use'?") !=
        std::string::npos);
  r = mlcalc("card llama-3.1-9b");
  CHECK(r.status == 1);
  CHECK(first_error(r).find("did you mean 'llama-3.1-8b'") != std::string::npos);
  r = mlcalc("card llama-3.1-8b --plot x.svg");
  CHECK(r.status == 2);
}
