#include "cli.hpp"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <ostream>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common.hpp"

#ifndef MLCALC_VERSION
#define MLCALC_VERSION "0.0.0"
#endif

namespace mlcalc::cli {

std::vector<std::string> fold_warnings(const std::vector<std::string>& ws) {
  std::vector<std::string> out;
  std::vector<int> count;
  for (const auto& w : ws) {
    const auto it = std::find(out.begin(), out.end(), w);
    if (it == out.end())
      out.push_back(w), count.push_back(1);
    else
      ++count[it - out.begin()];
  }
  for (size_t i = 0; i < out.size(); ++i)
    if (count[i] > 1) out[i] += fmt::format(" ({} times)", count[i]);
  return out;
}

std::vector<Command> commands() {
  return {list_command(),  describe_command(), throughput_command(), vram_command(),
          train_command(), cost_command(),     breakeven_command(),  validate_command(),
          plan_command(),  transfer_command(), kernel_command(), attention_command(), eval_command(), sources_command(),
          card_command(), completion_command(), man_command()};
}

Database& Context::db() {
  if (!db_) {
    std::vector<std::string> dirs = db_dirs;
    if (const char* env = std::getenv("MLCALC_DB"); env && *env) {
      std::string s = env;
      size_t p = 0;
      std::vector<std::string> env_dirs;
      while (p <= s.size()) {
        const size_t q = s.find(':', p);
        const std::string d = s.substr(p, q == std::string::npos ? std::string::npos : q - p);
        if (!d.empty()) env_dirs.push_back(d);
        if (q == std::string::npos) break;
        p = q + 1;
      }
      dirs.insert(dirs.begin(), env_dirs.begin(), env_dirs.end());  // --db overrides MLCALC_DB
    }
    db_ = std::make_unique<Database>(dirs, builtin_db);
    db_->download = download;
  }
  return *db_;
}

void Context::emit(Document doc) {
  std::vector<std::string> all = warnings;
  all.insert(all.end(), doc.warnings.begin(), doc.warnings.end());
  if (db_) all.insert(all.end(), db_->warnings.begin(), db_->warnings.end());
  if (download && (!db_ || db_->downloads == 0))
    all.push_back("--download fetched nothing: every model named was in the database, the local cache or a path");
  doc.warnings = fold_warnings(all);
  if ((vega || !plot_path.empty()) && !doc.chart)
    throw Error(fmt::format("{}: `{}` has no chart (throughput, breakeven, vram, plan, kernel and attention have one)",
                            vega ? "--format vega" : "--plot", doc.command),
                ErrorKind::usage);
  if (!plot_path.empty()) {
    std::ofstream f(plot_path);
    f << render_svg(*doc.chart);
    if (!f.flush()) throw Error("--plot: cannot write '" + plot_path + "'");
  }
  if (vega)
    *out << render_vega(*doc.chart).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  else
    *out << render(doc, format, MLCALC_VERSION, width);
  out->flush();
  if (!quiet)
    for (const auto& w : doc.warnings) *err << "mlcalc: warning: " << w << "\n";
}

namespace {

// The width tables fit: $COLUMNS when set (a number from 40 to 10,000), else the terminal's when
// standard output is one, else 0 (no limit: pipes and files get every column).
size_t terminal_width(bool to_stdout) {
  if (const char* c = std::getenv("COLUMNS"); c && *c) {
    char* end = nullptr;
    const long v = std::strtol(c, &end, 10);
    if (*end == '\0' && v >= 40 && v <= 10000) return static_cast<size_t>(v);
  }
  winsize ws{};
  if (to_stdout && ::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
    return ws.ws_col;
  return 0;
}

// One "mlcalc: error:" line per problem (a data file may report several).
void print_error(std::ostream& err, const std::string& msg) {
  size_t p = 0;
  while (p < msg.size()) {
    const size_t q = msg.find('\n', p);
    err << "mlcalc: error: " << msg.substr(p, q == std::string::npos ? q : q - p) << "\n";
    if (q == std::string::npos) break;
    p = q + 1;
  }
}

// The deepest command the user named ("mlcalc vram train"), so an error points at its help.
std::string help_command(const CLI::App& app) {
  std::string name = "mlcalc";
  const CLI::App* at = &app;
  for (bool deeper = true; deeper;) {
    deeper = false;
    for (const CLI::App* sub : at->get_subcommands([](const CLI::App* a) { return a->count() > 0; })) {
      name += " " + sub->get_name();
      at = sub;
      deeper = true;
      break;
    }
  }
  return name;
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Context ctx;
  ctx.out = &out;
  ctx.err = &err;
  std::string format = "table";
  bool json = false;
  CLI::App app{"mlcalc: ML infrastructure calculators (throughput, memory, cost)", "mlcalc"};
  app.set_version_flag("--version", MLCALC_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--format", format, "output format: table, json, csv, md, vega (a Vega-Lite chart spec)")
      ->check(CLI::IsMember({"table", "json", "csv", "md", "vega"}))
      ->default_val("table");
  app.add_flag("--json", json, "same as --format json");
  app.add_option("--db", ctx.db_dirs, "extra database directory (repeatable; overrides shipped entries)")
      ->type_name("DIR");
  app.add_flag("--quiet,-q", ctx.quiet, "no warnings on stderr (they stay in the JSON envelope)");
  app.add_flag("--download", ctx.download,
               "fetch the config.json of a Hugging Face id that is neither in the database nor in the local "
               "cache, from $HF_ENDPOINT (default the Hub) with $HF_TOKEN; never by default");
  app.add_option("--plot", ctx.plot_path, "also write the command's chart as SVG (throughput, breakeven, vram, plan, kernel, attention)")
      ->type_name("FILE.svg");
  bool wide = false;
  app.add_flag("--wide", wide, "tables keep every column (by default they fit $COLUMNS or the terminal)");
  bool no_builtin = false;
  app.add_flag("--no-builtin-db", no_builtin, "use only the --db / MLCALC_DB entries, not the shipped databases");
  std::vector<Command> cmds = commands();
  std::vector<std::string> names;
  for (const auto& c : cmds) names.push_back(c.name);
  // Only the commands the arguments name are built, with their options (CLI11 checks each new
  // option against every other one, and each command is an App of its own: building all of them
  // was most of a query's start-up); with none named (`mlcalc --help`, a misspelt command: the
  // list and the did-you-mean need them), or for `completion` and `man`, which read the whole
  // tree, all of them.
  auto named = [&](const std::string& n) { return std::find(args.begin(), args.end(), n) != args.end(); };
  const bool all = named("completion") || named("man") ||
                   std::none_of(names.begin(), names.end(), [&](const std::string& n) { return named(n); });
  std::vector<std::pair<const Command*, CLI::App*>> built;
  for (const auto& c : cmds)
    if (all || named(c.name)) {
      built.emplace_back(&c, app.add_subcommand(c.name, c.summary));
      c.add_options(*built.back().second);
    }
  add_help_examples(app);
  try {
    try {
      std::vector<std::string> rev(args.rbegin(), args.rend());  // CLI11 takes arguments in reverse
      app.parse(rev);
    } catch (const CLI::Success& e) {  // --help, --version
      return app.exit(e, out, err);
    } catch (const CLI::ParseError& e) {
      std::string msg = e.what();
      if (!args.empty() && args[0][0] != '-' && std::find(names.begin(), names.end(), args[0]) == names.end()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        msg = "unknown command '" + args[0] + "'" + did_you_mean(args[0], names) + " (commands: " + list + ")";
      }
      err << "mlcalc: error: " << msg << "\nRun '" << help_command(app) << " --help' for usage.\n";
      return 2;
    }
    ctx.format = json               ? Format::json
                 : format == "json" ? Format::json
                 : format == "csv"  ? Format::csv
                 : format == "md"   ? Format::md
                                    : Format::table;
    ctx.builtin_db = !no_builtin;
    if (!wide) ctx.width = terminal_width(&out == &std::cout);
    ctx.vega = format == "vega";
    ctx.app = &app;
    for (const auto& [c, sub] : built)
      if (sub->parsed()) c->run(ctx);
  } catch (const Error& e) {
    print_error(err, e.what());
    return static_cast<int>(e.kind);
  } catch (const std::exception& e) {
    err << "mlcalc: internal error: " << e.what() << " (please report this)\n";
    return 70;
  }
  return ctx.exit_code;
}

}  // namespace mlcalc::cli
