// libFuzzer harness: an arbitrary TOML file in a --db directory (the database loader,
// lib/io/db.cpp and lib/io/toml_keys.cpp; its kind is told from its keys), then every command
// that reads such an entry: the listings, and the calculations with it as the model or the GPU.
// Seed files name their entry "fuzz" (id and provider equal the file's stem).
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mlcalc::fuzz::input_is(data, size);
  using mlcalc::fuzz::run;
  const auto dir = mlcalc::fuzz::scratch() / "db";
  mlcalc::fuzz::write_file(dir / "fuzz.toml", data, size);
  const std::string db = dir.string();
  // The listings parse every entry of the file (the shipped ones are left out: they do not
  // change between inputs and parsing them each time would cost most of the run); then only the
  // commands that read the kind the file holds, with the shipped database.
  std::string listed[4];
  const char* what[4] = {"gpus", "models", "interconnects", "prices"};
  for (int k = 0; k < 4; ++k)
    if (run({"--no-builtin-db", "--db", db, "list", what[k], "--format", "csv"}, &listed[k]) != 0) return 0;
  auto has = [&](int k) { return listed[k].find("fuzz") != std::string::npos; };
  if (has(1)) {
    run({"--db", db, "describe", "fuzz"});
    run({"--db", db, "throughput", "-m", "fuzz", "-g", "h100-sxm", "--batch", "1,8", "--input", "256", "--output",
         "32"});
  }
  if (has(0)) {
    run({"--db", db, "describe", "fuzz"});
    run({"--db", db, "throughput", "-m", "llama-3.1-8b", "-g", "fuzz", "--tp", "2", "--concurrency", "4"});
  }
  if (has(0) && has(1)) run({"--db", db, "vram", "infer", "-m", "fuzz", "-g", "fuzz", "--batch", "4"});
  if (has(2))
    run({"--db", db, "throughput", "-m", "llama-3.1-8b", "-g", "h100-sxm", "--tp", "2", "--interconnect", "fuzz"});
  if (has(3)) {
    run({"--db", db, "cost", "-m", "llama-3.1-8b", "-g", "h100-sxm", "--provider", "fuzz"});
    run({"--db", db, "cost", "-m", "llama-3.1-8b", "-g", "h100-sxm", "--gpu-price", "2", "--api", "fuzz"});
  }
  return 0;
}
