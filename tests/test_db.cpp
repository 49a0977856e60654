// Database loading with fixtures in tests/data/ (MLCALC_TEST_DATA): strict TOML errors with
// file:line:col, unknown keys with did-you-mean, config.json reading, user overrides.
#include <doctest/doctest.h>

#include <regex>
#include <string>
#include <vector>

#include "common.hpp"
#include "io/db.hpp"
#include "model.hpp"

using namespace mlcalc;

namespace {

const std::string kData = MLCALC_TEST_DATA;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Runs f and returns the message of the mlcalc::Error it throws ("" when it does not throw).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// tests/data/tiny-llama/config.json: hidden 256, 4 layers, 8 heads, 2 kv heads, intermediate
// 512, vocab 1000, untied. head_dim = 256/8 = 32.
// Per layer: attention q 256*256 = 65,536 + k,v 2*256*(2*32) = 32,768 + o 256*256 = 65,536
//   = 163,840; MLP 3*256*512 = 393,216; 2 RMSNorms 2*256 = 512 -> 557,568.
// 4 layers = 2,230,272; embedding 1000*256 = 256,000; lm head 256,000; final norm 256.
// Total = 2,230,272 + 512,000 + 256 = 2,742,528.
constexpr double kTinyParams = 2742528.0;

}  // namespace

TEST_CASE("db: malformed TOML reports file:line:col") {
  const std::string dir = kData + "/bad_toml";
  Database d({dir});
  CHECK_THROWS_AS(d.model("broken"), Error);
  const std::string msg = error_of([&] { d.model("broken"); });
  INFO("message: " << msg);
  // The fixture's error is on line 6 ("hidden_size = = 3").
  const std::string path = dir + "/models/broken.toml";
  CHECK(msg.rfind(path, 0) == 0);
  CHECK(std::regex_search(msg, std::regex(R"(broken\.toml:6:[0-9]+: )")));
  // Other entries of the same database are unaffected.
  CHECK_NOTHROW(d.model("llama-3.1-8b"));
}

TEST_CASE("db: an unknown key in a GPU file is an error with a did-you-mean") {
  Database d({kData + "/bad_gpu"});
  CHECK_THROWS_AS(d.gpu("badgpu"), Error);
  const std::string msg = error_of([&] { d.gpu("badgpu"); });
  INFO("message: " << msg);
  CHECK(contains(msg, "unknown key 'memory_gb'"));
  CHECK(contains(msg, "did you mean 'memory_gib'"));
  // Reported at the key's position: badgpu.toml line 5.
  CHECK(std::regex_search(msg, std::regex(R"(badgpu\.toml:5:[0-9]+: unknown key 'memory_gb')")));
  // The required key it replaced is missing too; problems are reported together.
  CHECK(contains(msg, "missing required key 'memory_gib'"));
}

TEST_CASE("db: a database directory that does not exist is an error") {
  const std::string msg = error_of([&] { Database d({kData + "/no-such-dir"}); });
  CHECK(contains(msg, "does not exist"));
}

TEST_CASE("config.json: a missing hidden_size is named") {
  std::vector<std::string> warnings;
  const std::string msg = error_of([&] { model_from_config_path(kData + "/no-hidden/config.json", warnings); });
  INFO("message: " << msg);
  CHECK(contains(msg, "missing required key 'hidden_size'"));
  CHECK(contains(msg, "config.json"));
}

TEST_CASE("config.json: invalid JSON reports line:col") {
  std::vector<std::string> warnings;
  const std::string msg = error_of([&] { model_from_config_path(kData + "/bad-json", warnings); });
  INFO("message: " << msg);
  // The fixture's stray comma is on line 4.
  CHECK(std::regex_search(msg, std::regex(R"(bad-json/config\.json:4:[0-9]+: invalid JSON)")));
}

TEST_CASE("config.json: a directory without config.json is an error") {
  std::vector<std::string> warnings;
  const std::string msg = error_of([&] { model_from_config_path(kData + "/bad_toml", warnings); });
  CHECK(contains(msg, "holds no config.json"));
}

TEST_CASE("config.json: tiny llama parameter count by hand") {
  std::vector<std::string> warnings;
  const ModelEntry m = model_from_config_path(kData + "/tiny-llama/config.json", warnings);
  CHECK(m.id == "tiny-llama");
  const Architecture& a = m.arch;
  CHECK(a.family == "llama");
  CHECK(a.hidden == 256);
  CHECK(a.num_layers == 4);
  CHECK(a.attn.num_heads == 8);
  CHECK(a.attn.num_kv_heads == 2);
  CHECK(a.attn.head_dim == 32);
  CHECK_FALSE(a.tied_embeddings);
  const ParamCounts p = count_params(a);
  CHECK(p.total == kTinyParams);
  CHECK(p.active == kTinyParams);
  CHECK(p.embedding == 256000.0);
  CHECK(p.lm_head == 256000.0);
  // KV per token bf16: 2 * 2 kv heads * 32 * 4 layers * 2 B = 1,024 B.
  CHECK(kv_bytes_per_sequence(a, 100, DType{DType::Kind::bf16}) == doctest::Approx(102400.0).epsilon(1e-12));
  // Through the Database, by directory path.
  Database d;
  CHECK(count_params(d.model(kData + "/tiny-llama").arch).total == kTinyParams);
}

TEST_CASE("config.json: a multimodal config reads the text tower from text_config") {
  // tests/data/multimodal/config.json: model_type llava with a vision_config and a text_config
  // holding the tiny-llama dimensions -> the same 2,742,528 parameters (vision tower ignored).
  std::vector<std::string> warnings;
  const ModelEntry m = model_from_config_path(kData + "/multimodal", warnings);
  CHECK(m.arch.family == "llama");
  CHECK(m.arch.hidden == 256);
  CHECK(m.arch.num_layers == 4);
  CHECK(count_params(m.arch).total == kTinyParams);
  CHECK(m.arch.weight_dtype.name() == "bf16");
}

TEST_CASE("db: a user --db entry overrides a shipped id") {
  // tests/data/override/models/llama-3.1-8b.toml: the shipped entry with name
  // "Llama-3.1-8B (user override)".
  Database shipped;
  CHECK(shipped.model("llama-3.1-8b").name == "Llama-3.1-8B");
  Database d({kData + "/override"});
  const ModelEntry& m = d.model("llama-3.1-8b");
  CHECK(m.name == "Llama-3.1-8B (user override)");
  CHECK(contains(m.file, "override"));
  // Same architecture: 8,030,261,248 parameters (docs/model.md "Parameters" check value).
  CHECK(count_params(m.arch).total == 8030261248.0);
  // The id is listed once.
  int n = 0;
  for (const auto& id : d.ids(EntryKind::model)) n += id == "llama-3.1-8b";
  CHECK(n == 1);
}
