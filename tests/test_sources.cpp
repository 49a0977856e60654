// The source-tag registry (docs/sources.toml) and `mlcalc sources`: every tag the shipped data,
// the docs and the printed strings cite resolves to a full citation, every entry is complete,
// malformed registries are rejected with file:line:col, and the command's outputs and errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "common.hpp"
#include "io/embedded.hpp"
#include "io/sources.hpp"

using namespace mlcalc;

namespace {

const std::string kSrc = MLCALC_SOURCE_DIR;

test::Run run_cli(const std::string& args) {
  return test::mlcalc(args);
}

std::string read(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The text inside "..." string literals of C++ source, comments left out (what the program can print).
std::string string_literals(const std::string& code) {
  std::string out, line;
  std::istringstream in(code);
  while (std::getline(in, line)) {
    bool quoted = false;
    std::string lit;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (!quoted && c == '/' && i + 1 < line.size() && line[i + 1] == '/') break;
      if (quoted && c == '\\' && i + 1 < line.size()) {
        lit += line[++i];
      } else if (c == '"') {
        if (quoted) out += lit + "\n", lit.clear();
        quoted = !quoted;
      } else if (quoted) {
        lit += c;
      } else if (c == '\'' && i + 2 < line.size()) {
        i += line[i + 1] == '\\' ? 3 : 2;  // a character literal such as '"'
      }
    }
  }
  return out;
}

std::string parse_error(const std::string& text) {
  try {
    parse_source_registry(text, "reg.toml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("sources: the tag scanner finds tag-shaped tokens and nothing glued to a word") {
  CHECK(tag_tokens("S-SILY gpu_prices.csv @045df3b, C-20); newest value kept (C-21)") ==
        std::vector<std::string>{"S-SILY", "C-20", "C-21"});
  CHECK(tag_tokens("S-GPU$ api-evangelist/akash") == std::vector<std::string>{"S-GPU$"});
  CHECK(tag_tokens("ids N-01..N-03 (full sweep), S-40-c1, I-30-h200-sxm-128-128") ==
        std::vector<std::string>{"N-01", "N-03", "S-40", "I-30"});
  CHECK(tag_tokens("gpt-fast I-01/I-06") == std::vector<std::string>{"I-01", "I-06"});
  // Not tags: model and row names, three-digit numbers, a lower-case start.
  CHECK(tag_tokens("NIM-llama3-70b-a100 Nemotron-H-8B GLM-45 H-100 s-sily R1-0528 X-1").empty());
  // A tag nobody registered is found by the scanner and not by the registry: the coverage test
  // below fails for it.
  CHECK(tag_tokens("see C-99") == std::vector<std::string>{"C-99"});
  CHECK(find_source("C-99") == nullptr);
}

TEST_CASE("sources: every tag in the shipped databases, validation data, docs and printed strings is registered") {
  std::vector<std::pair<std::string, std::string>> texts;  // (where, text)
  for (size_t i = 0; i < kEmbeddedDbCount; ++i) texts.emplace_back(kEmbeddedDb[i].path, kEmbeddedDb[i].text);
  for (size_t i = 0; i < kEmbeddedValidationCount; ++i)
    texts.emplace_back(kEmbeddedValidation[i].path, kEmbeddedValidation[i].text);
  for (const char* doc : {"README.md", "docs/data.md", "docs/model.md", "hardware-db/README.md", "model-db/README.md",
                          "validation/README.md"})
    texts.emplace_back(doc, read(kSrc + "/" + doc));
  for (const char* dir : {"lib", "apps"})
    for (const auto& p : std::filesystem::recursive_directory_iterator(kSrc + "/" + dir))
      if (p.path().extension() == ".cpp" || p.path().extension() == ".hpp")
        texts.emplace_back(p.path().string(), string_literals(read(p.path().string())));
  size_t found = 0;
  for (const auto& entry : texts) {
    const std::string& where = entry.first;  // a named reference: clang's C++17 lambdas cannot capture bindings
    const std::string& text = entry.second;
    for (const auto& tag : tag_tokens(text)) {
      ++found;
      CHECK_MESSAGE(find_source(tag) != nullptr,
                    where << " cites '" << tag << "', which docs/sources.toml does not resolve");
    }
  }
  CHECK(found > 50);  // the scan saw the data (S-SILY, C-21, N-06, I-01 ...)
  // The printed notes cite I-01/I-06 (lib/inference.cpp): found through the string literals.
  CHECK(tag_tokens(string_literals(read(kSrc + "/lib/inference.cpp"))).size() >= 2);
}

TEST_CASE("sources: every entry is a complete, dated citation") {
  const auto& reg = source_registry();
  REQUIRE(reg.size() >= 30);
  for (const auto& e : reg) {
    INFO(e.tag);
    CHECK(e.citation.size() > 20);
    CHECK(is_iso_date(e.checked));
    CHECK(e.checked >= "2020-01-01");
    CHECK(!e.used_for.empty());
    if (!e.url.empty()) CHECK(e.url.rfind("https://", 0) == 0);
    for (const char* internal : {"shared", "notebook", "cases.md", "cases-2.md"}) {
      CHECK(e.citation.find(internal) == std::string::npos);
      CHECK(e.used_for.find(internal) == std::string::npos);
    }
  }
  // Named sources come first, then case tags by prefix.
  CHECK(reg.front().tag.rfind("S-", 0) == 0);
  // Spot values against what the databases ship: C-21 is RunPod Secure H100 at 3.99 $/GPU-h
  // (hardware-db/gpu-prices/runpod.toml), I-01..I-08 is gpt-fast @32971d31 (validation/gpt-fast.toml).
  CHECK(source("C-21").citation.find("3.99") != std::string::npos);
  CHECK(source("I-05").citation.find("32971d3129541c5bfb4f715abc33d1c5f408d204") != std::string::npos);
  CHECK(source("I-05").checked == "2024-09-15");
  CHECK(source("N-06").url ==
        "https://github.com/microsoft/mscclpp/blob/7f3f36696f99719f72a5171baccc9465ba08a657/"
        "docs/performance-ndmv4.md");
}

TEST_CASE("sources: lookup is case-insensitive, '$' optional, ranges and bare names resolve") {
  CHECK(source("s-sily").tag == "S-SILY");
  CHECK(source("sily").tag == "S-SILY");
  CHECK(source("S-GPU").tag == "S-GPU$");
  CHECK(source("S-GPU$").tag == "S-GPU$");
  CHECK(source("I-03").tag == "I-01..I-08");
  CHECK(source("n-06").tag == "N-04..N-07");
  CHECK(source("N-08").tag == "N-08");
  CHECK(find_source("I-09") == nullptr);  // just past the range
  CHECK(find_source("") == nullptr);
  std::string err;
  try {
    source("S-SILLY");
  } catch (const Error& e) {
    err = e.what();
  }
  CHECK(err == "unknown source tag 'S-SILLY'; did you mean 'S-SILY'? (see `mlcalc sources`)");
}

TEST_CASE("sources: a malformed registry is rejected with file:line:col") {
  const std::string ok = "citation = 'A. Author, a title'\nchecked = 2025-01-02\nused_for = 'x'\n";
  CHECK(parse_error("[N-01]\n" + ok) == "");
  CHECK(parse_error("[N-01]\ncitation = 'c'\nused_for = 'x'\n") == "reg.toml:1:1: missing required key 'N-01.checked'");
  CHECK(parse_error("[N-01]\n" + ok + "chekced = 2025-01-01\n").find("reg.toml:5:1: unknown key 'N-01.chekced'") == 0);
  CHECK(parse_error("[N-01]\ncitation = 'c'\nchecked = 'last week'\nused_for = 'x'\n") ==
        "reg.toml:3:11: 'N-01.checked' must be a date YYYY-MM-DD");
  CHECK(parse_error("[gpt-fast]\n" + ok).find("reg.toml:1:2: 'gpt-fast' is not a tag") == 0);
  CHECK(parse_error("[\"N-01..N-03\"]\n" + ok + "[N-02]\n" + ok) == "reg.toml: 'N-01..N-03' and 'N-02' overlap");
  CHECK(parse_error("[\"N-03..N-01\"]\n" + ok).find("is not a tag") != std::string::npos);
}

TEST_CASE("mlcalc sources: list, full citations in every format, unknown tags") {
  const auto all = run_cli("sources");
  REQUIRE(all.status == 0);
  for (const auto& e : source_registry()) CHECK(all.out.find(e.tag) != std::string::npos);

  const auto j = run_cli("sources --format json S-SILY c-21 I-03");
  REQUIRE(j.status == 0);
  const auto doc = j.json();
  CHECK(doc["command"] == "sources");
  const auto& s = doc["result"]["sources"];
  REQUIRE(s.size() == 3);
  CHECK(s[0]["tag"] == "S-SILY");
  CHECK(s[0]["url"] ==
        "https://github.com/tgarg01/silybench-data/tree/045df3bf56b8d62c58f108fc43cb397306b83331/derived");
  CHECK(s[1]["tag"] == "C-21");
  CHECK(s[1]["asked"] == "c-21");
  CHECK(s[1]["checked"] == "2026-11-09");
  CHECK(s[2]["tag"] == "I-01..I-08");
  for (const auto& e : s)
    for (const char* k : {"tag", "citation", "url", "checked", "used_for"}) CHECK(e.contains(k));

  const auto t = run_cli("sources N-25");
  CHECK(t.out.find("Triton-distributed issue 57") != std::string::npos);
  CHECK(t.out.find("2025-07-14") != std::string::npos);

  const auto csv = run_cli("sources --format csv S-TC");
  CHECK(csv.out.rfind("tag,asked,citation,url,checked,used_for\n", 0) == 0);
  const auto md = run_cli("sources --format md S-TC");
  CHECK(md.out.find("### S-TC") != std::string::npos);

  const auto bad = run_cli("sources S-SILLY");
  CHECK(bad.status == 1);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("unknown source tag 'S-SILLY'; did you mean 'S-SILY'?") != std::string::npos);
  CHECK(run_cli("sources C-99").status == 1);
}

TEST_CASE("text output that cites a source tag points to `mlcalc sources` once; JSON is unchanged") {
  const auto t = run_cli("describe nvlink4");
  REQUIRE(t.status == 0);
  const size_t at = t.out.find("source tags N-25, N-21, N-20, N-08");
  CHECK(at != std::string::npos);
  CHECK(t.out.find("`mlcalc sources TAG` prints the full citation") != std::string::npos);
  CHECK(t.out.find("source tags", at + 1) == std::string::npos);  // once
  const auto j = run_cli("describe nvlink4 --format json");
  CHECK(j.out.find("mlcalc sources") == std::string::npos);
  // Nothing to point to: no hint.
  CHECK(run_cli("list gpus").out.find("mlcalc sources") == std::string::npos);
}
