// Runs the real mlcalc binary (golden CLI tests, ninja's output_test.py idea).
#pragma once
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/wait.h>

namespace mlcalc::test {

struct Run {
  int status = -1;       ///< exit status
  std::string out, err;  ///< stdout, stderr
  nlohmann::json json() const { return nlohmann::json::parse(out); }
};

/// Runs `mlcalc ARGS` through the shell (args are pasted verbatim: quote them yourself).
inline Run mlcalc(const std::string& args, const std::string& env = "") {
  static int counter = 0;
  const std::string errfile = "/tmp/mlcalc_test_stderr_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const std::string cmd = env + (env.empty() ? "" : " ") + std::string(MLCALC_BIN) + " " + args + " 2>" + errfile;
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
