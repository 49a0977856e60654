#include "cli.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fmt/format.h>

#include "common.hpp"

namespace mlcalc {

Database& Context::db() {
  if (!db_) {
    std::vector<std::string> dirs = db_dirs;
    if (const char* env = std::getenv("MLCALC_DB"); env && *env) {
      std::string s = env;
      size_t p = 0;
      while (p <= s.size()) {
        const size_t q = s.find(':', p);
        const std::string d = s.substr(p, q == std::string::npos ? std::string::npos : q - p);
        if (!d.empty()) dirs.insert(dirs.begin(), d);  // --db overrides MLCALC_DB
        if (q == std::string::npos) break;
        p = q + 1;
      }
    }
    db_ = std::make_unique<Database>(dirs);
  }
  return *db_;
}

Format Context::fmt() const {
  if (json || format == "json") return Format::json;
  if (format == "csv") return Format::csv;
  if (format == "md") return Format::md;
  return Format::table;
}

void emit(Context& ctx, const std::string& command, const ojson& inputs, const ojson& result,
          const std::vector<Table>& tables) {
  std::vector<std::string> warnings = ctx.warnings;
  for (const auto& w : ctx.db().warnings) warnings.push_back(w);
  if (ctx.fmt() == Format::json) {
    ojson env;
    env["mlcalc_version"] = MLCALC_VERSION;
    env["command"] = command;
    env["inputs"] = inputs;
    env["result"] = result;
    env["warnings"] = warnings;
    std::string s = env.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fputc('\n', stdout);
  } else {
    const std::string s = render(tables, ctx.fmt());
    std::fwrite(s.data(), 1, s.size(), stdout);
  }
  std::fflush(stdout);
  for (const auto& w : warnings) std::fprintf(stderr, "mlcalc: warning: %s\n", w.c_str());
}

int age_days(const std::string& iso) {
  int y = 0, m = 0, d = 0;
  if (std::sscanf(iso.c_str(), "%d-%d-%d", &y, &m, &d) != 3) return -1;
  std::tm t{};
  t.tm_year = y - 1900, t.tm_mon = m - 1, t.tm_mday = d, t.tm_hour = 12;
  return static_cast<int>((std::time(nullptr) - timegm(&t)) / 86400);
}

double parse_count(const std::string& raw, const std::string& flag) {
  std::string s = lower(raw);
  double mult = 1;
  if (!s.empty() && (s.back() == 'k' || s.back() == 'm')) {
    mult = s.back() == 'k' ? 1024 : 1024 * 1024;  // 128k = 131072 tokens, as context lengths are written
    s.pop_back();
  }
  char* end = nullptr;
  const double v = s.empty() ? NAN : std::strtod(s.c_str(), &end) * mult;
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v))
    throw CLI::ValidationError(flag, "'" + raw + "' is not a number");
  if (v < 1) throw CLI::ValidationError(flag, "must be at least 1, got '" + raw + "'");
  if (v > 1e15) throw CLI::ValidationError(flag, "'" + raw + "' is too large (at most 1e15)");
  if (v != std::floor(v)) throw CLI::ValidationError(flag, "must be a whole number, got '" + raw + "'");
  return v;
}

CLI::Option* add_count(CLI::App& app, const std::string& name, double& target, const std::string& desc) {
  return app
      .add_option_function<std::string>(
          name, [&target, name](const std::string& s) { target = parse_count(s, name); }, desc)
      ->type_name("N");
}

std::vector<double> parse_count_list(const std::string& s, const std::string& flag) {
  std::vector<double> out;
  size_t p = 0;
  while (p <= s.size()) {
    const size_t q = s.find(',', p);
    const std::string item = s.substr(p, q == std::string::npos ? std::string::npos : q - p);
    if (const size_t r = item.find(".."); r != std::string::npos) {
      const double a = parse_count(item.substr(0, r), flag), b = parse_count(item.substr(r + 2), flag);
      if (b < a) throw CLI::ValidationError(flag, "range '" + item + "' ends below its start");
      for (double x = a; x <= b; x *= 2) out.push_back(x);
      if (out.back() != b) out.push_back(b);
    } else {
      out.push_back(parse_count(item, flag));
    }
    if (out.size() > 100000) throw CLI::ValidationError(flag, "too many values (at most 100000)");
    if (q == std::string::npos) break;
    p = q + 1;
  }
  return out;
}

double parse_duration_s(const std::string& raw, const std::string& flag) {
  const std::string s = lower(raw);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  std::string unit(end);
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  double mult = 0;
  if (unit == "s" || unit == "sec") mult = 1;
  else if (unit == "ms") mult = 1e-3;
  else if (unit == "us") mult = 1e-6;
  else if (unit == "min") mult = 60;
  if (end == s.c_str() || mult == 0)
    throw CLI::ValidationError(flag, "'" + raw + "' is not a duration with a unit (e.g. 50ms, 2s)");
  if (!std::isfinite(v) || v <= 0 || v * mult > 1e6)
    throw CLI::ValidationError(flag, "'" + raw + "' must be a positive duration below 1e6 s");
  return v * mult;
}

CLI::Option* add_real(CLI::App& app, const std::string& name, double& target, const std::string& desc, double lo,
                      double hi) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name, lo, hi](const std::string& s) {
            char* end = nullptr;
            const double v = std::strtod(s.c_str(), &end);
            if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v))
              throw CLI::ValidationError(name, "'" + s + "' is not a number");
            if (v <= lo || v > hi)
              throw CLI::ValidationError(name, fmt::format("must be > {} and <= {}, got '{}'", lo, hi, s));
            target = v;
          },
          desc)
      ->type_name("X");
}

}  // namespace mlcalc
