// The one registry of subcommands (ninja's kTools[] table): name, summary, register function.
#include "cli.hpp"

namespace mlcalc {

void add_list(CLI::App&, Context&);
void add_describe(CLI::App&, Context&);
void add_throughput(CLI::App&, Context&);
void add_vram(CLI::App&, Context&);
void add_cost(CLI::App&, Context&);
void add_breakeven(CLI::App&, Context&);

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"list", "list gpus, models, interconnects or prices in the database", add_list},
      {"describe", "describe a model (params, weights, KV cache, FLOPs) or a GPU", add_describe},
      {"throughput", "tokens/s, TTFT and TPOT of a model on a GPU setup (roofline or realistic)", add_throughput},
      {"vram", "per-GPU memory for training (ZeRO/FSDP) or inference, and what fits", add_vram},
      {"cost", "self-hosted $ per million tokens against API prices", add_cost},
      {"breakeven", "utilization and traffic where self-hosting matches an API price", add_breakeven},
  };
  return table;
}

}  // namespace mlcalc
