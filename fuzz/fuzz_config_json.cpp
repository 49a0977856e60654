// libFuzzer harness: an arbitrary config.json (the Hugging Face reader, lib/io/hf_config.cpp),
// then the calculations on the model it describes: describe, inference memory and throughput.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mlcalc::fuzz::input_is(data, size);
  using mlcalc::fuzz::run;
  const auto dir = mlcalc::fuzz::scratch() / "model";
  mlcalc::fuzz::write_file(dir / "config.json", data, size);
  const std::string m = dir.string();
  // When the config reads, the calculations run on it (an unreadable one stops at the first).
  if (run({"describe", m, "--context", "4096", "--batch", "4"}) != 0) return 0;
  run({"vram", "infer", "-m", m, "-g", "h100-sxm", "--context", "8192", "--batch", "8"});
  run({"throughput", "-m", m, "-g", "h100-sxm", "--tp", "2", "--batch", "1,16", "--input", "512", "--output", "64"});
  run({"throughput", "-m", m, "-g", "h100-sxm", "--concurrency", "8", "--input", "256", "--output", "32", "--json"});
  run({"vram", "train", "-m", m, "-g", "h100-sxm", "--num-gpus", "8", "--zero", "3", "--seq", "2048"});
  return 0;
}
