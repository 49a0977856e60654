// mlcalc: ML infrastructure calculators. A thin main over the library (ninja/bloaty style).
#include <algorithm>
#include <cstdio>
#include <exception>

#include "cli.hpp"
#include "common.hpp"

int main(int argc, char** argv) {
  using namespace mlcalc;
  Context ctx;
  CLI::App app{"mlcalc: ML infrastructure calculators (throughput, memory, cost)", "mlcalc"};
  app.set_version_flag("--version", MLCALC_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--format", ctx.format, "output format")
      ->check(CLI::IsMember({"table", "json", "csv", "md"}))
      ->default_val("table");
  app.add_flag("--json", ctx.json, "same as --format json");
  app.add_option("--db", ctx.db_dirs, "extra database directory (repeatable; overrides shipped entries)")
      ->type_name("DIR");
  for (const auto& c : commands()) {
    CLI::App* sub = app.add_subcommand(c.name, c.summary);
    c.add(*sub, ctx);
  }
  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      std::string msg = e.what();
      // Did-you-mean for a mistyped subcommand.
      std::vector<std::string> names;
      for (const auto& c : commands()) names.push_back(c.name);
      if (argc > 1 && argv[1][0] != '-' && std::find(names.begin(), names.end(), argv[1]) == names.end())
        msg = "unknown command '" + std::string(argv[1]) + "'" + did_you_mean(argv[1], names) +
              " (commands: list, describe, throughput, vram, cost, breakeven)";
      std::fprintf(stderr, "mlcalc: error: %s\nRun 'mlcalc --help' for usage.\n", msg.c_str());
      return 2;
    }
  } catch (const Error& e) {
    std::string msg = e.what();
    size_t p = 0;
    while (p < msg.size()) {  // one "mlcalc: error:" line per problem
      const size_t q = msg.find('\n', p);
      std::fprintf(stderr, "mlcalc: error: %s\n", msg.substr(p, q == std::string::npos ? q : q - p).c_str());
      if (q == std::string::npos) break;
      p = q + 1;
    }
    return static_cast<int>(e.kind);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mlcalc: internal error: %s (please report this)\n", e.what());
    return 70;
  }
  return ctx.exit_code;
}
