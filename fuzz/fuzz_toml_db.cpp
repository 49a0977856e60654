// libFuzzer harness: an arbitrary TOML file in a --db directory (the database loader,
// lib/io/db.cpp and lib/io/toml_keys.cpp; its kind is told from its keys), then every command
// that reads such an entry: the listings, and the calculations with it as the model or the GPU.
// Seed files name their entry "fuzz" (id and provider equal the file's stem).
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mlcalc::fuzz::run;
  const auto dir = mlcalc::fuzz::scratch() / "db";
  mlcalc::fuzz::write_file(dir / "fuzz.toml", data, size);
  const std::string db = dir.string();
  for (const char* what : {"gpus", "models", "interconnects", "prices"})
    if (run({"--db", db, "list", what}) != 0) return 0;  // a file that does not load fails every listing
  run({"--db", db, "describe", "fuzz"});
  run({"--db", db, "throughput", "-m", "fuzz", "-g", "h100-sxm", "--batch", "1,8", "--input", "256", "--output", "32"});
  run({"--db", db, "throughput", "-m", "llama-3.1-8b", "-g", "fuzz", "--tp", "2", "--concurrency", "4"});
  run({"--db", db, "vram", "infer", "-m", "fuzz", "-g", "fuzz", "--batch", "4"});
  run({"--db", db, "throughput", "-m", "llama-3.1-8b", "-g", "h100-sxm", "--tp", "2", "--interconnect", "fuzz"});
  run({"--db", db, "cost", "-m", "llama-3.1-8b", "-g", "h100-sxm", "--provider", "fuzz"});
  run({"--db", db, "cost", "-m", "llama-3.1-8b", "-g", "h100-sxm", "--gpu-price", "2", "--api", "fuzz"});
  return 0;
}
