// list: what the databases hold.
#include <fmt/format.h>

#include "common.hpp"
#include "report.hpp"

namespace mlcalc {

Document to_document(const ListReport& r) {
  Document doc;
  doc.command = "list";
  doc.inputs = {{"what", r.what}};
  ojson result = ojson::array();
  Table t;
  auto tf = [](double v) { return v > 0 ? fmt_num(v / kTera, 0) : std::string("-"); };
  auto opt = [](double v) { return v > 0 ? ojson(v) : ojson(nullptr); };
  if (r.what == "gpus") {
    t.title = "GPUs (dense peaks; memory in GiB = 2^30 B, bandwidth in TB/s = 10^12 B/s)";
    t.columns = {
        "id",      "name", "memory (GiB)", "bandwidth (TB/s)", "bf16 (TFLOP/s)", "fp8 (TFLOP/s)", "fp4 (TFLOP/s)",
        "scale-up"};
    t.left_align = {true, true, false, false, false, false, false, true};
    t.wide = {false, true, false, false, false, false, true, true};
    for (const Gpu* g : r.gpus) {
      result.push_back({{"id", g->id},
                        {"name", g->name},
                        {"vendor", g->vendor},
                        {"memory_bytes", jcount(g->memory_bytes)},
                        {"memory_bandwidth_bytes_per_s", g->memory_bw_bytes_per_s},
                        {"peak_bf16_flop_per_s", opt(g->peak(Peak::bf16))},
                        {"peak_fp8_flop_per_s", opt(g->peak(Peak::fp8))},
                        {"peak_fp4_flop_per_s", opt(g->peak(Peak::fp4))},
                        {"scale_up", g->scale_up_id.empty() ? ojson(nullptr) : ojson(g->scale_up_id)},
                        {"aliases", g->aliases}});
      t.rows.push_back({g->id, g->name, fmt_num(g->memory_bytes / kGiB, 0),
                        fmt_num(g->memory_bw_bytes_per_s / kTera, 2), tf(g->peak(Peak::bf16)), tf(g->peak(Peak::fp8)),
                        tf(g->peak(Peak::fp4)), g->scale_up_id.empty() ? "-" : g->scale_up_id});
    }
  } else if (r.what == "models") {
    t.title = "Models";
    t.columns = {"id", "name", "family", "params (total)", "params (active)", "layers", "max context"};
    t.left_align = {true, true, true};
    t.wide = {false, true, true};
    for (const ModelEntry* m : r.models) {
      const ParamCounts p = count_params(m->arch);
      result.push_back({{"id", m->id},
                        {"name", m->name},
                        {"family", m->arch.family},
                        {"params_total", jcount(p.total)},
                        {"params_active", jcount(p.active)},
                        {"num_layers", m->arch.num_layers},
                        {"max_context_tokens", m->arch.max_context},
                        {"hf_ids", m->hf_ids}});
      t.rows.push_back({m->id, m->name, m->arch.family, fmt_si(p.total), fmt_si(p.active),
                        std::to_string(m->arch.num_layers), fmt_count(double(m->arch.max_context))});
    }
  } else if (r.what == "interconnects") {
    t.title = "Interconnects (bandwidth per GPU, one direction, GB/s = 10^9 B/s)";
    t.columns = {"id", "name", "kind", "bandwidth (GB/s)", "latency (us)"};
    t.left_align = {true, true, true};
    t.wide = {false, true};
    for (const Interconnect* x : r.interconnects) {
      result.push_back({{"id", x->id},
                        {"name", x->name},
                        {"kind", x->kind},
                        {"bandwidth_bytes_per_s", x->bandwidth_bytes_per_s},
                        {"latency_s", x->latency_s}});
      t.rows.push_back(
          {x->id, x->name, x->kind, fmt_num(x->bandwidth_bytes_per_s / kGB, 1), fmt_num(x->latency_s * 1e6, 2)});
    }
  } else {  // prices
    doc.inputs = {{"what", r.what}, {"model", r.model_filter}, {"gpu", r.gpu_filter}};
    Table g;
    g.title = "GPU rental prices (USD per GPU-hour)";
    g.columns = {"provider", "gpu", "pricing", "$/GPU-h", "as of", "product"};
    g.left_align = {true, true, true, false, true, true};
    g.wide = {false, false, false, false, false, true};
    ojson gpus = ojson::array(), apis = ojson::array();
    for (const auto& off : r.gpu_offers) {
      ojson j = {{"provider", off.provider}, {"gpu", off.gpu},
                 {"pricing", off.pricing},   {"usd_per_gpu_hour", off.usd_per_gpu_hour},
                 {"as_of", off.as_of},       {"product", off.product},
                 {"source", off.source}};
      gpus.push_back(j);
      ojson rec = {{"record", "gpu_price"}};
      rec.update(j);
      doc.records.push_back(rec);
      g.rows.push_back({off.provider, off.gpu, off.pricing, fmt_num(off.usd_per_gpu_hour, 2), off.as_of, off.product});
    }
    Table a;
    a.title = "API prices (USD per million tokens)";
    a.columns = {"provider", "model", "$/M input", "$/M output", "$/M cached input", "as of", "notes"};
    a.left_align = {true, true, false, false, false, true, true};
    a.wide = {false, false, false, false, true, false, true};
    for (const auto& off : r.api_offers) {
      ojson j = {{"provider", off.provider},
                 {"model", off.model},
                 {"usd_per_million_input", off.usd_per_million_input},
                 {"usd_per_million_output", off.usd_per_million_output},
                 {"as_of", off.as_of},
                 {"source", off.source},
                 {"notes", off.notes}};
      j["usd_per_million_cached_input"] =
          off.usd_per_million_cached_input >= 0 ? ojson(off.usd_per_million_cached_input) : ojson(nullptr);
      apis.push_back(j);
      ojson rec = {{"record", "api_price"}};
      rec.update(j);
      doc.records.push_back(rec);
      a.rows.push_back({off.provider, off.model, fmt_num(off.usd_per_million_input, 3),
                        fmt_num(off.usd_per_million_output, 3),
                        off.usd_per_million_cached_input >= 0 ? fmt_num(off.usd_per_million_cached_input, 3) : "-",
                        off.as_of, off.notes});
    }
    if (r.show_gpu_offers) doc.tables.push_back(g);
    if (r.show_api_offers) doc.tables.push_back(a);
    doc.result = {{"gpu_prices", gpus}, {"api_prices", apis}};
    return doc;
  }
  doc.result = result;
  doc.records = result;
  doc.tables = {t};
  return doc;
}

}  // namespace mlcalc
