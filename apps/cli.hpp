// What every subcommand shares: global options, the database, option helpers, and the
// one place that writes results (JSON envelope or tables) and warnings.
#pragma once
#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "io/db.hpp"
#include "output.hpp"

namespace mlcalc {

/// State shared by the subcommands of one invocation.
struct Context {
  std::vector<std::string> db_dirs;  ///< --db (repeatable), then MLCALC_DB
  std::string format = "table";
  bool json = false;
  int exit_code = 0;                 ///< 3 when --check finds something that does not fit
  std::vector<std::string> warnings;

  Database& db();
  Format fmt() const;
  void warn(const std::string& w) { warnings.push_back(w); }

 private:
  std::unique_ptr<Database> db_;
};

/// Prints `result` for the command: the JSON envelope, or the tables; warnings on stderr.
void emit(Context& ctx, const std::string& command, const ojson& inputs, const ojson& result,
          const std::vector<Table>& tables);

/// One subcommand: name, one-line summary, and the function that adds its options and callback.
struct Command {
  const char* name;
  const char* summary;
  void (*add)(CLI::App& sub, Context& ctx);
};
const std::vector<Command>& commands();

// ---- option helpers ---------------------------------------------------------------------

/// A whole, positive count (tokens, batch, GPUs) that may be written 131072, 128k or 1e6;
/// rejects 0, negatives, fractions, NaN and values above 10^15 with a clear message.
CLI::Option* add_count(CLI::App& app, const std::string& name, double& target, const std::string& desc);
/// Parses a count as add_count does (for list options like --batch 1,8,64 or 1..256).
double parse_count(const std::string& s, const std::string& flag);
/// Parses `1,8,64`, `1..256` (powers of two) or a mix.
std::vector<double> parse_count_list(const std::string& s, const std::string& flag);
/// Parses a duration with a unit: 50ms, 2s, 1.5s, 300us, 1min.
double parse_duration_s(const std::string& s, const std::string& flag);
/// Days between an ISO date (YYYY-MM-DD) and now; -1 when it does not parse.
int age_days(const std::string& iso);
/// A positive finite real in (lo, hi].
CLI::Option* add_real(CLI::App& app, const std::string& name, double& target, const std::string& desc,
                      double lo, double hi);

}  // namespace mlcalc
