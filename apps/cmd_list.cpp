// mlcalc list gpus|models|interconnects|prices
#include <algorithm>
#include <ctime>
#include <fmt/format.h>

#include "cli.hpp"
#include "common.hpp"

namespace mlcalc {

namespace {

struct ListOptions {
  std::string what;
  std::string model, gpu;  // prices filters
};

void run_list(Context& ctx, const ListOptions& o) {
  Database& db = ctx.db();
  ojson result = ojson::array();
  Table t;
  if (o.what == "gpus") {
    t.title = "GPUs (dense peaks; memory in GiB = 2^30 B, bandwidth in TB/s = 10^12 B/s)";
    t.columns = {"id", "name", "memory (GiB)", "bandwidth (TB/s)", "bf16 (TFLOP/s)", "fp8 (TFLOP/s)", "fp4 (TFLOP/s)", "scale-up"};
    for (const auto& id : db.ids(EntryKind::gpu)) {
      const Gpu& g = db.gpu(id);
      result.push_back({{"id", g.id}, {"name", g.name}, {"vendor", g.vendor}, {"memory_bytes", g.memory_bytes},
                        {"memory_bandwidth_bytes_per_s", g.memory_bw_bytes_per_s},
                        {"peak_bf16_flop_per_s", g.peak(Peak::bf16)}, {"peak_fp8_flop_per_s", g.peak(Peak::fp8)},
                        {"peak_fp4_flop_per_s", g.peak(Peak::fp4)}, {"scale_up", g.scale_up_id}, {"aliases", g.aliases}});
      auto tf = [](double v) { return v > 0 ? fmt_num(v / kTera, 0) : std::string("-"); };
      t.rows.push_back({g.id, g.name, fmt_num(g.memory_bytes / kGiB, 0), fmt_num(g.memory_bw_bytes_per_s / kTera, 2),
                        tf(g.peak(Peak::bf16)), tf(g.peak(Peak::fp8)), tf(g.peak(Peak::fp4)),
                        g.scale_up_id.empty() ? "-" : g.scale_up_id});
    }
  } else if (o.what == "models") {
    t.title = "Models";
    t.columns = {"id", "name", "family", "params (total)", "params (active)", "layers", "max context"};
    for (const auto& id : db.ids(EntryKind::model)) {
      const ModelEntry& m = db.model(id);
      const ParamCounts p = count_params(m.arch);
      result.push_back({{"id", m.id}, {"name", m.name}, {"family", m.arch.family}, {"params_total", p.total},
                        {"params_active", p.active}, {"num_layers", m.arch.num_layers},
                        {"max_context_tokens", m.arch.max_context}, {"hf_ids", m.hf_ids}});
      t.rows.push_back({m.id, m.name, m.arch.family, fmt_si(p.total), fmt_si(p.active),
                        std::to_string(m.arch.num_layers), fmt_count(double(m.arch.max_context))});
    }
  } else if (o.what == "interconnects") {
    t.title = "Interconnects (bandwidth per GPU, one direction, GB/s = 10^9 B/s)";
    t.columns = {"id", "name", "kind", "bandwidth (GB/s)", "latency (us)"};
    for (const auto& id : db.ids(EntryKind::interconnect)) {
      const Interconnect& x = db.interconnect(id);
      result.push_back({{"id", x.id}, {"name", x.name}, {"kind", x.kind},
                        {"bandwidth_bytes_per_s", x.bandwidth_bytes_per_s}, {"latency_s", x.latency_s}});
      t.rows.push_back({x.id, x.name, x.kind, fmt_num(x.bandwidth_bytes_per_s / kGB, 1), fmt_num(x.latency_s * 1e6, 2)});
    }
  } else {  // prices
    const std::string gpu_id = o.gpu.empty() ? "" : db.gpu(o.gpu).id;
    const std::string model_id = o.model.empty() ? "" : db.model(o.model).id;
    Table g;
    g.title = "GPU rental prices (USD per GPU-hour)";
    g.columns = {"provider", "gpu", "pricing", "$/GPU-h", "as of", "product"};
    ojson gpus = ojson::array(), apis = ojson::array();
    if (model_id.empty()) {
      for (const auto& off : db.gpu_offers()) {
        if (!gpu_id.empty() && off.gpu != gpu_id) continue;
        gpus.push_back({{"provider", off.provider}, {"gpu", off.gpu}, {"pricing", off.pricing},
                        {"usd_per_gpu_hour", off.usd_per_gpu_hour}, {"as_of", off.as_of},
                        {"product", off.product}, {"source", off.source}});
        g.rows.push_back({off.provider, off.gpu, off.pricing, fmt_num(off.usd_per_gpu_hour, 2), off.as_of, off.product});
        if (age_days(off.as_of) > 180)
          ctx.warn(fmt::format("price {} {} {} is dated {} (over 180 days old)", off.provider, off.gpu, off.pricing, off.as_of));
      }
    }
    Table a;
    a.title = "API prices (USD per million tokens)";
    a.columns = {"provider", "model", "$/M input", "$/M output", "$/M cached input", "as of", "notes"};
    if (gpu_id.empty()) {
      for (const auto& off : db.api_offers()) {
        if (!model_id.empty() && off.model != model_id) continue;
        ojson j = {{"provider", off.provider}, {"model", off.model}, {"usd_per_million_input", off.usd_per_million_input},
                   {"usd_per_million_output", off.usd_per_million_output}, {"as_of", off.as_of},
                   {"source", off.source}, {"notes", off.notes}};
        j["usd_per_million_cached_input"] =
            off.usd_per_million_cached_input >= 0 ? ojson(off.usd_per_million_cached_input) : ojson(nullptr);
        apis.push_back(j);
        a.rows.push_back({off.provider, off.model, fmt_num(off.usd_per_million_input, 3),
                          fmt_num(off.usd_per_million_output, 3),
                          off.usd_per_million_cached_input >= 0 ? fmt_num(off.usd_per_million_cached_input, 3) : "-",
                          off.as_of, off.notes});
        if (age_days(off.as_of) > 180)
          ctx.warn(fmt::format("price {} {} is dated {} (over 180 days old)", off.provider, off.model, off.as_of));
      }
    }
    std::vector<Table> ts;
    if (model_id.empty()) ts.push_back(g);
    if (gpu_id.empty()) ts.push_back(a);
    emit(ctx, "list", {{"what", o.what}, {"model", model_id}, {"gpu", gpu_id}},
         {{"gpu_prices", gpus}, {"api_prices", apis}}, ts);
    return;
  }
  emit(ctx, "list", {{"what", o.what}}, result, {t});
}

}  // namespace

void add_list(CLI::App& sub, Context& ctx) {
  auto o = std::make_shared<ListOptions>();
  sub.add_option("what", o->what, "gpus | models | interconnects | prices")
      ->required()
      ->check(CLI::IsMember({"gpus", "models", "interconnects", "prices"}));
  sub.add_option("--model", o->model, "prices: only this model's API offers");
  sub.add_option("--gpu", o->gpu, "prices: only this GPU's rental offers");
  sub.callback([&ctx, o] { run_list(ctx, *o); });
}

}  // namespace mlcalc
