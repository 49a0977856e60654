// libFuzzer harness: an arbitrary command line (the argument parser, apps/options.cpp and each
// command's options), run as mlcalc runs it, so whatever parses is calculated. Arguments are
// separated by newlines (or NUL bytes).
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mlcalc::fuzz::input_is(data, size);
  if (size > 4096) return 0;
  std::vector<std::string> args;
  std::string cur;
  for (size_t i = 0; i < size; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c == '\n' || c == '\0') {
      args.push_back(cur), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) args.push_back(cur);
  if (args.size() > 64) return 0;
  // No absolute, home or parent paths and no "." (--db / would walk the disk, -m /dev/zero would
  // not end); relative names (a model id, a Hugging Face id) are looked up as usual.
  for (const auto& a : args)
    if (a.find("../") != std::string::npos || a.find_first_of("/~.") == 0 || a.find("=/") != std::string::npos)
      return 0;
  // No network: `eval` talks to the endpoints it is given and --download to $HF_ENDPOINT (both are
  // tested against servers on 127.0.0.1 by ctest); a run here must not wait on a connection.
  for (const auto& a : args)
    if (a == "eval" || a.rfind("--download", 0) == 0 || a.rfind("--endpoint", 0) == 0) return 0;
  // Files a command writes (--plot, card's README) land in the scratch directory, not where the
  // fuzzer was started (and in /dev/shm: no disk write-back per input).
  mlcalc::fuzz::run(args, nullptr, mlcalc::fuzz::scratch());
  return 0;
}
