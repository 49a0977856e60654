// Shared by the libFuzzer harnesses: run `mlcalc ARGS` in process (the same entry point as
// main) and turn what must never happen into a crash the fuzzer records: an exit status other
// than 0-3 (70 = an exception escaped: "internal error"), or "nan"/"inf" where a number is due.
#pragma once
#include <cctype>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "cli.hpp"

namespace mlcalc::fuzz {

/// A private scratch directory for this process (removed at exit): in /dev/shm when there is one
/// (a file rewritten on every input: on ext4 each truncate-and-rewrite also starts a write-back).
inline const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    std::error_code ec;
    std::string tmpl = std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : "/tmp";
    tmpl += "/mlcalc-fuzz-XXXXXX";
    const char* d = ::mkdtemp(tmpl.data());
    if (!d) std::abort();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch(), ec);
    });
    return std::filesystem::path(d);
  }();
  return dir;
}

inline void write_file(const std::filesystem::path& p, const uint8_t* data, size_t size) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

/// Whether to look for "nan"/"inf" in answers: off while the input itself holds those letters
/// (a name or source note echoed back would read as a non-finite number).
inline bool g_check_finite = true;

/// Sets g_check_finite for one input.
inline void input_is(const uint8_t* data, size_t size) {
  std::string s(reinterpret_cast<const char*>(data), size);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  g_check_finite = s.find("nan") == std::string::npos && s.find("inf") == std::string::npos;
}

/// Whether `s` holds the word "nan" or "inf" (any case; what printf and JSON writers print for a
/// non-finite number), a hand-written scan (std::regex is slow under the sanitizers).
inline bool has_non_finite(const std::string& s) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t i = 0; i + 3 <= s.size(); ++i) {
    const char a = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
    if (a != 'n' && a != 'i') continue;
    std::string w = s.substr(i, 3);
    for (auto& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if ((w == "nan" || w == "inf") && (i == 0 || !word(s[i - 1])) && (i + 3 == s.size() || !word(s[i + 3])))
      return true;
  }
  return false;
}

/// Runs one command line; aborts on an escaped exception, a bad exit status or a non-finite number.
/// `stdout_text`, when given, receives what the command printed. With `workdir`, the command runs
/// there (relative paths it writes land there) and the directory is changed back before anything
/// else: libFuzzer writes its corpus and crash files relative to where it started.
inline int run(const std::vector<std::string>& args, std::string* stdout_text = nullptr,
               const std::filesystem::path& workdir = {}) {
  std::ostringstream out, err;
  std::filesystem::path home;
  if (!workdir.empty()) {
    home = std::filesystem::current_path();
    std::filesystem::current_path(workdir);
  }
  const int rc = mlcalc::cli::run(args, out, err);
  if (!home.empty()) std::filesystem::current_path(home);
  if (rc < 0 || rc > 3) {
    std::fprintf(stderr, "exit %d\n%s\n", rc, err.str().c_str());
    std::abort();
  }
  if (rc == 0 && g_check_finite && has_non_finite(out.str())) {
    std::fprintf(stderr, "non-finite number in output:\n%s\n", out.str().c_str());
    std::abort();
  }
  if (stdout_text) *stdout_text = out.str();
  return rc;
}

}  // namespace mlcalc::fuzz
