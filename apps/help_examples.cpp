// Two or three examples at the end of each command's --help (and in the man page, which reads
// the same footers). tests/test_ux.cpp runs every one of them, so they cannot go stale.
#include <map>

#include "cli.hpp"

namespace mlcalc::cli {

const std::map<std::string, std::vector<std::string>>& help_examples() {
  static const std::map<std::string, std::vector<std::string>> examples = {
      {"list", {"mlcalc list gpus", "mlcalc list prices --model llama-3.1-8b"}},
      {"describe",
       {"mlcalc describe llama-3.1-8b --context 128k", "mlcalc describe h100-sxm",
        "mlcalc describe meta-llama/Llama-3.1-8B        # a Hugging Face id: the database, else the local HF cache"}},
      {"throughput",
       {"mlcalc throughput -m llama-3.1-8b -g h100-sxm --batch 1..256 --plot throughput.svg",
        "mlcalc throughput -m llama-3.1-70b -g h100-sxm --tp 4 --concurrency auto --tpot-slo 50ms"}},
      {"vram",
       {"mlcalc vram infer -m llama-3.1-70b -g h100-sxm --tp 2 --context 32k --batch 8",
        "mlcalc vram train -m llama-3.1-8b -g h100-sxm --num-gpus 8 --zero 3"}},
      {"vram train",
       {"mlcalc vram train -m llama-3.1-8b -g h100-sxm --num-gpus 8 --zero 3 --plot train.svg",
        "mlcalc vram train -m llama-2-70b -g l40s --qlora --lora-rank 16 --seq 512 --recompute full"}},
      {"vram infer",
       {"mlcalc vram infer -m llama-3.1-70b -g h100-sxm --tp 2 --context 32k --batch 8",
        "mlcalc vram infer -m qwen3-8b -g l4 --weights fp8 --check"}},
      {"cost",
       {"mlcalc cost -m qwen3-8b -g h100-sxm --provider runpod",
        "mlcalc cost -m llama-3.1-8b -g h100-sxm --gpu-price 2.5 --requests-per-day 100000"}},
      {"breakeven",
       {"mlcalc breakeven -m llama-3.1-8b -g h100-sxm --gpu-price 2.5 --api-price 0.20/0.60 --plot breakeven.svg",
        "mlcalc breakeven -m qwen3-8b -g h100-sxm --provider runpod --api-price 0.05/0.40"}},
      {"validate", {"mlcalc validate", "mlcalc validate --group max-throughput --rows"}},
      {"sources", {"mlcalc sources", "mlcalc sources S-SILY C-21 n-06"}},
      {"train",
       {"mlcalc train -m llama-3.1-8b -g h100-sxm --num-gpus 128 --seq 8192 --global-batch 512 --zero 1 --steps 50000 "
        "--gpu-price 2.5",
        "mlcalc train -m llama-3.1-70b -g h100-sxm --num-gpus 1024 --seq 8192 --global-batch 512 --zero 1 --layout "
        "auto"}},
      {"kernel",
       {"mlcalc kernel gemm --m 1..8192 --n 4096 --k 4096 --gpu h100-sxm --plot gemm.svg",
        "mlcalc kernel attention --phase decode --batch 64 --heads 32 --kv-heads 8 --kv-seq 8192 --head-dim 128 -g "
        "h200-sxm",
        "mlcalc kernel gemm -g h100-sxm --measured timings.csv   # timings from examples/kernel_bench.py"}},
      {"attention",
       {"mlcalc attention gemma-3-27b --context 32k --gpu h100-sxm",
        "mlcalc attention gpt-oss-120b --phase decode --context 128k --batch 64 -g h200-sxm --plot masks.svg",
        "mlcalc attention llama-4-scout --layer 3 --format json"}},
      {"card",
       {"mlcalc card llama-3.1-8b --eval results.json --out README.md   # results.json from lm-evaluation-harness",
        "mlcalc card ./checkpoint --info card-info.toml   # a directory: config.json, tokenizer, safetensors headers",
        "mlcalc card qwen3-8b --eval eval.json --format json   # eval.json from mlcalc eval --format json"}},
  };
  return examples;
}

void add_help_examples(CLI::App& app, const std::string& path) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    const std::string p = path.empty() ? sub->get_name() : path + " " + sub->get_name();
    if (const auto it = help_examples().find(p); it != help_examples().end() && sub->get_footer().empty()) {
      std::string f = "Examples:";
      for (const auto& e : it->second) f += "\n  " + e;
      sub->footer(f);
    }
    add_help_examples(*sub, p);
  }
}

}  // namespace mlcalc::cli
