// The shape of the code, checked: the core (lib/*) includes no TOML, JSON or CLI header (the io
// layer and apps/ do), and nothing in lib/ or apps/ cites a file users of this repository lack.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("architecture: the core includes no TOML, JSON or CLI header") {
  const fs::path lib = fs::path(MLCALC_SOURCE_DIR) / "lib";
  const std::regex bad(R"(#include\s*[<"](nlohmann/|toml\+\+/|CLI/|io/))");
  int files = 0;
  for (const auto& e : fs::directory_iterator(lib)) {
    if (!e.is_regular_file()) continue;
    ++files;
    INFO(e.path().string());
    CHECK_FALSE(std::regex_search(slurp(e.path()), bad));
  }
  CHECK(files > 10);
}

TEST_CASE("architecture: lib/ and apps/ cite only sources users have") {
  const std::regex bad(
      R"(MODELING\.md|\.\./shared|shared/reference|cases(-2)?\.md|model-configs\.md|hardware-specs\.md)");
  for (const char* dir : {"lib", "apps"})
    for (const auto& e : fs::recursive_directory_iterator(fs::path(MLCALC_SOURCE_DIR) / dir)) {
      if (!e.is_regular_file()) continue;
      INFO(e.path().string());
      CHECK_FALSE(std::regex_search(slurp(e.path()), bad));
    }
}
