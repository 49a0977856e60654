// Runs the CLI in process through mlcalc::cli::run (the same entry point as main), so tests
// need no subprocess; `spawn` runs the real binary for the few end-to-end checks.
#pragma once
#include <array>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "cli.hpp"

namespace mlcalc::test {

struct Run {
  int status = -1;       ///< exit status
  std::string out, err;  ///< stdout, stderr
  nlohmann::json json() const { return nlohmann::json::parse(out); }
};

/// Splits a command line as a POSIX shell would for plain words and '...' / "..." quoting.
inline std::vector<std::string> split_args(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool any = false;
  char quote = 0;
  for (char c : s) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        cur += c;
    } else if (c == '\'' || c == '"') {
      quote = c, any = true;
    } else if (c == ' ' || c == '\t') {
      if (any || !cur.empty()) out.push_back(cur), cur.clear(), any = false;
    } else {
      cur += c;
    }
  }
  if (any || !cur.empty()) out.push_back(cur);
  return out;
}

/// Runs `mlcalc ARGS` in process; `env` is `NAME=value` (quotes allowed), set for the call only.
inline Run mlcalc(const std::string& args, const std::string& env = "") {
  std::optional<std::string> saved;
  std::string name;
  if (!env.empty()) {
    const std::string kv = split_args(env).at(0);
    name = kv.substr(0, kv.find('='));
    if (const char* old = std::getenv(name.c_str())) saved = old;
    ::setenv(name.c_str(), kv.substr(kv.find('=') + 1).c_str(), 1);
  }
  std::ostringstream out, err;
  Run r;
  r.status = mlcalc::cli::run(split_args(args), out, err);
  r.out = out.str();
  r.err = err.str();
  if (!env.empty()) {
    if (saved)
      ::setenv(name.c_str(), saved->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
  return r;
}

/// Runs the real binary through the shell (end-to-end: exit status, stdout vs stderr).
inline Run spawn(const std::string& args) {
  static int counter = 0;
  const std::string errfile = "/tmp/mlcalc_test_stderr_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const std::string cmd = std::string(MLCALC_BIN) + " " + args + " 2>" + errfile;
  Run r;
  FILE* p = ::popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  if (FILE* e = std::fopen(errfile.c_str(), "r")) {
    while ((n = std::fread(buf.data(), 1, buf.size(), e)) > 0) r.err.append(buf.data(), n);
    std::fclose(e);
  }
  std::remove(errfile.c_str());
  return r;
}

}  // namespace mlcalc::test
