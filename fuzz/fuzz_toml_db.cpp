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
  // The listing parses the file (the shipped entries are left out: they do not change between
  // inputs and parsing them each time would cost most of the run); a file holds one kind, so the
  // listings stop at the first that shows it. Then the commands that read that kind, with the
  // shipped database.
  enum Kind { model, gpu, link, price, none };
  const char* what[] = {"models", "gpus", "interconnects", "prices"};
  Kind kind = none;
  for (int k = model; k < none && kind == none; ++k) {
    std::string listed;
    if (run({"--no-builtin-db", "--db", db, "list", what[k], "--format", "csv"}, &listed) != 0) return 0;
    if (listed.find("fuzz") != std::string::npos) kind = static_cast<Kind>(k);
  }
  switch (kind) {
    case model:
      run({"--db", db, "describe", "fuzz"});
      run({"--db", db, "throughput", "-m", "fuzz", "-g", "h100-sxm", "--batch", "1,8", "--input", "256", "--output",
           "32"});
      run({"--db", db, "vram", "infer", "-m", "fuzz", "-g", "h100-sxm", "--batch", "4"});
      break;
    case gpu:
      run({"--db", db, "describe", "fuzz"});
      run({"--db", db, "throughput", "-m", "llama-3.1-8b", "-g", "fuzz", "--tp", "2", "--concurrency", "4"});
      run({"--db", db, "vram", "infer", "-m", "llama-3.1-8b", "-g", "fuzz", "--batch", "4"});
      break;
    case link:
      run({"--db", db, "throughput", "-m", "llama-3.1-8b", "-g", "h100-sxm", "--tp", "2", "--interconnect", "fuzz"});
      break;
    case price:
      run({"--db", db, "cost", "-m", "llama-3.1-8b", "-g", "h100-sxm", "--provider", "fuzz"});
      run({"--db", db, "cost", "-m", "llama-3.1-8b", "-g", "h100-sxm", "--gpu-price", "2", "--api", "fuzz"});
      break;
    case none:
      break;
  }
  return 0;
}
