// The command line: parse argv into typed options, then run one command and hand its typed
// result to the report layer. `mlcalc::cli::run` is the whole CLI; main() only calls it.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/db.hpp"
#include "io/report.hpp"

namespace mlcalc::cli {

/// Runs `mlcalc ARGS` (args without the program name); writes results to `out` and
/// diagnostics to `err`; returns the exit status (0 ok, 1 bad input, 2 bad usage, 3 does not fit).
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// What every command of one invocation shares: global options, the database, the output.
struct Context {
  std::vector<std::string> db_dirs;  ///< --db (repeatable), then MLCALC_DB
  bool builtin_db = true;            ///< false with --no-builtin-db (only --db / MLCALC_DB entries)
  Format format = Format::table;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  int exit_code = 0;                  ///< 3 when --check finds something that does not fit
  std::vector<std::string> warnings;  ///< from resolving inputs (stale prices, fallbacks)
  bool download = false;              ///< --download: fetch a Hugging Face config.json not found locally
  bool quiet = false;                 ///< --quiet: warnings only in the JSON envelope, not on stderr
  bool vega = false;                  ///< --format vega: the command's chart as a Vega-Lite spec
  std::string plot_path;              ///< --plot FILE.svg: also write the command's chart
  size_t width = 0;                   ///< text tables fit this many characters (0: no limit; --wide)
  const CLI::App* app = nullptr;      ///< the parsed command tree (completion and man page read it)

  Database& db();
  void warn(const std::string& w) { warnings.push_back(w); }
  /// Writes the document (with the context's and the database's warnings) in the chosen format.
  void emit(Document doc);

 private:
  std::unique_ptr<Database> db_;
};

/// One command: name, summary, how it adds its options, and what it runs after parsing.
/// `make` builds a fresh instance (its options live in the closure) for each invocation.
struct Command {
  const char* name;
  const char* summary;
  std::function<void(CLI::App& sub)> add_options;
  std::function<void(Context& ctx)> run;
};

/// Examples per command path ("vram train"), shown at the end of its --help and in the man page.
const std::map<std::string, std::vector<std::string>>& help_examples();
/// Sets the examples as the footers of `app`'s subcommands (recursively; `path` of `app`).
void add_help_examples(CLI::App& app, const std::string& path = "");

/// Identical warnings once each, with "(N times)" when repeated.
std::vector<std::string> fold_warnings(const std::vector<std::string>& ws);

/// The registry (ninja's kTools[]): every command, built fresh for one invocation.
std::vector<Command> commands();

// One factory per command file.
Command list_command();
Command describe_command();
Command throughput_command();
Command vram_command();
Command train_command();
Command cost_command();
Command breakeven_command();
Command validate_command();
Command plan_command();
Command transfer_command();
Command kernel_command();
Command attention_command();
Command eval_command();
Command card_command();
Command completion_command();
Command man_command();
Command sources_command();

}  // namespace mlcalc::cli
