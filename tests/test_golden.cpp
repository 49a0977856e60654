// Golden outputs: every command in every format on the frozen database under tests/fixtures/db
// (ninja's misc/output_test.py idea). Text formats compare exactly; JSON compares numbers with a
// relative tolerance and ignores the version and price-age warnings (they depend on the date).
// MLCALC_UPDATE_GOLDEN=1 rewrites the files instead.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace {

const std::string kSource = MLCALC_SOURCE_DIR;

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Lines of stderr that depend on today's date.
std::string drop_dated(const std::string& s) {
  std::string out, line;
  std::istringstream in(s);
  while (std::getline(in, line))
    if (line.find("days old") == std::string::npos) out += line + "\n";
  return out;
}

nlohmann::json normalize(nlohmann::json j) {
  j.erase("mlcalc_version");
  nlohmann::json w = nlohmann::json::array();
  for (const auto& x : j["warnings"])
    if (x.get<std::string>().find("days old") == std::string::npos) w.push_back(x);
  j["warnings"] = w;
  return j;
}

bool close(const nlohmann::json& a, const nlohmann::json& b, std::string& where, const std::string& path = "") {
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    if (std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y)) &&
        a.is_number_integer() == b.is_number_integer())
      return true;
    where = path + ": " + a.dump() + " vs " + b.dump();
    return false;
  }
  if (a.type() != b.type() || a.size() != b.size()) {
    where = path + ": " + a.dump().substr(0, 200) + " vs " + b.dump().substr(0, 200);
    return false;
  }
  if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!b.contains(it.key()) || !close(it.value(), b[it.key()], where, path + "." + it.key())) {
        if (where.empty()) where = path + "." + it.key() + ": missing";
        return false;
      }
    return true;
  }
  if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i)
      if (!close(a[i], b[i], where, path + "[" + std::to_string(i) + "]")) return false;
    return true;
  }
  if (a != b) where = path + ": " + a.dump() + " vs " + b.dump();
  return a == b;
}

struct Case {
  const char* slug;
  const char* args;
  int status;
};

const std::vector<Case> kCases = {
    {"describe-model", "describe llama-3.1-8b --context 8192 --batch 4", 0},
    {"describe-gpu", "describe h100-sxm", 0},
    {"throughput", "throughput -m llama-3.1-8b -g h100-sxm --batch 1,8,64 --input 512 --output 128", 0},
    {"throughput-serving",
     "throughput -m llama-3.1-8b -g h100-sxm --input 512 --output 128 --concurrency auto --tpot-slo 20ms", 0},
    {"vram-train", "vram train -m llama-3.1-8b -g h100-sxm --num-gpus 8 --zero 3 --seq 4096", 0},
    {"vram-train-deepspeed", "vram train -m llama-3.1-8b --num-gpus 16 --zero 3 --formula deepspeed", 0},
    {"vram-infer", "vram infer -m llama-3.1-8b -g h100-sxm --context 8192 --batch 4", 0},
    {"cost", "cost -m qwen3-8b -g h100-sxm --provider fixture-cloud --input 1000 --output 500 --utilization 0.5", 0},
    {"breakeven", "breakeven -m qwen3-8b -g h100-sxm --gpu-price 2.5 --api fixture-api --input 1000 --output 500", 0},
    {"list-gpus", "list gpus", 0},
    {"list-models", "list models", 0},
    {"list-prices", "list prices", 0},
    {"plan", "plan -m llama-3.1-8b --request-rate 10 --input 1000 --output 200 --ttft-slo 2s --tpot-slo 30ms --top 5",
     0},
    {"transfer", "transfer -m llama-3.1-8b --tokens 8192 --link nvlink4", 0},
    {"describe-interconnect", "describe nvlink4", 0},
    {"error-unknown-model", "describe llama-3.1-8bb", 1},
    {"error-bad-tp", "throughput -m llama-3.1-8b -g h100-sxm --tp 3", 1},
};

}  // namespace

TEST_CASE("golden: every command in every format on the frozen database") {
  const bool update = std::getenv("MLCALC_UPDATE_GOLDEN") != nullptr;
  const std::string db = "--no-builtin-db --db '" + kSource + "/tests/fixtures/db' ";
  for (const Case& c : kCases) {
    for (const char* fmt : {"table", "csv", "md", "json"}) {
      if (c.status != 0 && std::string(fmt) != "table") continue;
      const std::string file = kSource + "/tests/golden/" + c.slug + "." + fmt;
      const auto r = mlcalc::test::mlcalc(db + c.args + " --format " + fmt);
      INFO("mlcalc " << c.args << " --format " << fmt << "\nstderr: " << r.err);
      CHECK(r.status == c.status);
      const std::string got = c.status == 0 ? r.out : drop_dated(r.err);
      if (update) {
        std::ofstream(file) << got;
        continue;
      }
      const std::string want = read_file(file);
      REQUIRE_MESSAGE(!want.empty(), "missing golden file " << file << " (run with MLCALC_UPDATE_GOLDEN=1)");
      if (std::string(fmt) == "json") {
        std::string where;
        CHECK_MESSAGE(close(normalize(nlohmann::json::parse(want)), normalize(nlohmann::json::parse(got)), where),
                      file << where);
      } else {
        CHECK_MESSAGE(got == want, file << " differs:\n" << got);
      }
    }
  }
}
