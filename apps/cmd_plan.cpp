// mlcalc plan: the cheapest fleets that serve a request rate under latency targets, over GPUs,
// precisions and layouts (aggregated and disaggregated).
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>

#include "options.hpp"
#include "plan_search.hpp"

namespace mlcalc::cli {

namespace {

// The non-empty items of a comma-separated list.
std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  for (std::string& item : split_commas(s))
    if (!item.empty()) out.push_back(std::move(item));
  return out;
}

std::vector<DType> dtype_list(const std::string& s, const std::string& flag) {
  std::vector<DType> out;
  for (const auto& item : split_list(s)) {
    try {
      out.push_back(parse_dtype(item));
    } catch (const Error& e) {
      throw Error(flag + ": " + e.what(), ErrorKind::usage);
    }
  }
  if (out.empty()) throw Error(flag + " takes a comma-separated list of dtypes", ErrorKind::usage);
  return out;
}

void push_unique(std::vector<DType>& v, const DType& d) {
  for (const auto& x : v)
    if (x.name() == d.name()) return;
  v.push_back(d);
}

struct Price {
  double usd = 0;
  std::string source;
};

// GPU -> price: --gpu-price for every GPU, else the cheapest offer (of --provider, or of anyone).
std::map<std::string, Price> prices(Context& ctx, const PlanOptions& o) {
  std::map<std::string, Price> out;
  if (o.gpu_price > 0) {
    for (const auto& id : ctx.db().ids(EntryKind::gpu)) out[id] = {o.gpu_price, "--gpu-price"};
    return out;
  }
  const std::string want = lower(o.provider);
  const std::vector<GpuOffer> offers = ctx.db().gpu_offers();
  bool provider_known = want.empty();
  std::vector<std::string> providers;
  for (const auto& off : offers) {
    providers.push_back(off.provider);
    if (off.provider == want) provider_known = true;
    if ((!want.empty() && off.provider != want) || off.pricing != o.pricing) continue;
    auto it = out.find(off.gpu);
    if (it == out.end() || off.usd_per_gpu_hour < it->second.usd)
      out[off.gpu] = {off.usd_per_gpu_hour,
                      fmt::format("{} {} {} ({}; {})", off.provider, off.product, off.pricing, off.as_of, off.source)};
  }
  if (!provider_known) {
    std::sort(providers.begin(), providers.end());
    providers.erase(std::unique(providers.begin(), providers.end()), providers.end());
    throw Error("unknown provider '" + o.provider + "'" + did_you_mean(want, providers) +
                " (see `mlcalc list prices`)");
  }
  return out;
}

std::vector<int> int_list(const std::vector<double>& v) {
  std::vector<int> out;
  for (double x : v) {
    if (x > 4096) throw Error("parallel degrees are at most 4096", ErrorKind::usage);
    out.push_back(static_cast<int>(x));
  }
  return out;
}

}  // namespace

PlanQuery plan_query(const PlanOptions& o) {
  if ((o.rate > 0) == (o.tokens_per_day > 0))
    throw Error("give the load: --request-rate R (requests/s) or --tokens-per-day N", ErrorKind::usage);
  if (o.cached >= 1) throw Error("--cached-input-fraction must be below 1", ErrorKind::usage);
  PlanQuery q;
  q.input = o.input, q.output = o.output, q.cached_input_fraction = o.cached;
  q.request_rate = o.rate > 0 ? o.rate : o.tokens_per_day / 86400.0 / (o.input + o.output);
  q.ttft_slo_s = o.ttft, q.tpot_slo_s = o.tpot, q.e2e_slo_s = o.e2e;
  q.disagg = o.disagg == "on" ? Disagg::on : o.disagg == "off" ? Disagg::off : Disagg::automatic;
  q.max_gpus = static_cast<int>(std::min(o.max_gpus, 1e9));
  q.top = static_cast<int>(std::min(o.top, 1e6));
  q.threads = o.threads;
  return q;
}

std::vector<PlanLayout> plan_layouts(Context& ctx, const PlanOptions& o) {
  if (o.gpu_price > 0 && !o.provider.empty()) throw Error("give --gpu-price or --provider, not both", ErrorKind::usage);
  if (o.pricing != "on-demand" && o.pricing != "spot" && o.pricing != "reserved")
    throw Error("--pricing takes on-demand, spot or reserved; got '" + o.pricing + "'", ErrorKind::usage);
  Database& db = ctx.db();
  const ModelEntry& m = db.model(o.model);
  // Candidates: GPUs with a price, then weights x KV x TP x PP x EP that the model allows.
  const std::map<std::string, Price> price = prices(ctx, o);
  std::vector<std::string> gpus;
  if (!o.gpus.empty()) {
    for (const auto& name : split_list(o.gpus)) {
      const std::string id = db.gpu(name).id;
      if (!price.count(id))
        throw Error(fmt::format("no {} price for {}{} (give --gpu-price, or see `mlcalc list prices --gpu {}`)",
                                o.pricing, id, o.provider.empty() ? "" : " from " + lower(o.provider), id));
      gpus.push_back(id);
    }
  } else {
    for (const auto& [id, p] : price) {
      try {
        db.gpu(id);
      } catch (const Error&) {
        continue;  // a price for a GPU the database does not describe
      }
      gpus.push_back(id);
    }
  }
  if (gpus.empty())
    throw Error("no GPU has a " + o.pricing + " price" + (o.provider.empty() ? "" : " from " + o.provider));

  std::vector<DType> weights;
  if (!o.weights.empty()) {
    weights = dtype_list(o.weights, "--weights");
  } else {  // the checkpoint's, and FP8 where narrower (what AIConfigurator and InferenceMAX sweep)
    weights.push_back(m.arch.weight_dtype);
    if (m.arch.weight_dtype.bytes() >= 2) push_unique(weights, DType{DType::Kind::fp8});  // 16-bit checkpoints
  }
  const std::vector<DType> kvs = o.kv.empty() ? std::vector<DType>{DType{DType::Kind::bf16}, DType{DType::Kind::fp8}}
                                              : dtype_list(o.kv, "--kv-dtype");
  const bool moe = m.arch.moe.num_experts > 0;

  std::vector<PlanLayout> layouts;
  const size_t warned = ctx.warnings.size();
  std::vector<std::string> notes;
  for (const auto& gid : gpus) {
    const Gpu& g = db.gpu(gid);
    const int domain = g.scale_up_domain > 0 ? g.scale_up_domain : 8;
    std::vector<int> tps = o.tp.empty() ? std::vector<int>{} : int_list(o.tp);
    if (o.tp.empty())
      for (int t = 1; t <= std::min(domain, 8); t *= 2) tps.push_back(t);
    const std::vector<int> pps = o.pp.empty() ? std::vector<int>{1, 2, 4} : int_list(o.pp);
    const Interconnect* kv_link = nullptr;  // none known: no disaggregated plans on this GPU
    try {
      if (g.scale_up_domain >= 36 && !g.scale_up_id.empty())
        kv_link = &db.interconnect(g.scale_up_id);  // NVL36/72 domains move KV over NVLink
      else if (!g.scale_out_id.empty())
        kv_link = &db.interconnect(g.scale_out_id);
    } catch (const Error&) {
      notes.push_back(g.id + ": its network is not in the database: no disaggregated plans on it");
    }
    for (const auto& w : weights)
      for (const auto& kv : kvs)
        for (int tp : tps)
          for (int pp : pps) {
            std::vector<int> eps = o.ep.empty() ? std::vector<int>{1} : int_list(o.ep);
            if (o.ep.empty() && moe && tp > 1) eps.push_back(tp);
            for (int ep : eps) {
              DeploymentOptions d;
              d.model = o.model, d.gpu = gid, d.engine = o.engine;
              d.tp = tp, d.pp = pp, d.ep = ep;
              d.weights = w, d.kv_dtype = kv;
              try {
                PlanLayout L;
                L.dep = make_deployment(ctx, d);
                L.usd_per_gpu_hour = price.at(gid).usd;
                L.price_source = price.at(gid).source;
                L.kv_link = kv_link;
                layouts.push_back(std::move(L));
              } catch (const Error&) {
                // a layout the model does not allow (heads, layers, experts not divisible)
              }
            }
          }
  }
  ctx.warnings.resize(warned);  // per-layout notes (dtype fallbacks) would drown the result
  for (const auto& n : notes) ctx.warn(n);
  return layouts;
}

namespace {

void run_plan(Context& ctx, const PlanOptions& o) {
  const PlanQuery q = plan_query(o);
  const ModelEntry& m = ctx.db().model(o.model);
  std::vector<std::string> ctx_warnings;
  check_context(m.arch, o.input + o.output, "input + output = " + count_text(o.input + o.output) + " tokens",
                o.allow_long_context, ctx_warnings);
  for (const auto& w : ctx_warnings) ctx.warn(w);
  const std::vector<PlanLayout> layouts = plan_layouts(ctx, o);
  PlanReport r = evaluate_plan(layouts, q);
  if (o.explain > r.configs.size())
    throw Error(fmt::format("--explain {}: the plan has {} configurations", o.explain, r.configs.size()),
                ErrorKind::usage);
  if (r.configs.empty() && !o.check) throw Error(r.problem);
  ctx.emit(to_document(r, static_cast<int>(o.explain)));
  if (r.configs.empty()) ctx.exit_code = 3;
}

}  // namespace

Command plan_command() {
  auto o = std::make_shared<PlanOptions>();
  return {"plan", "cheapest fleets (GPU, precision, layout, replicas) that serve a load under latency targets",
          [o](CLI::App& sub) {
            sub.add_option("--model,-m", o->model, "model: database name, Hugging Face id, or config.json path")
                ->required();
            add_real(sub, "--request-rate", o->rate, "requests per second the fleet must serve", 0, 1e9);
            add_count(sub, "--tokens-per-day", o->tokens_per_day,
                      "load as input + output tokens per day (instead of --request-rate)");
            add_count(sub, "--input", o->input, "prompt tokens per request (default 1000)");
            add_count(sub, "--output", o->output, "generated tokens per request (default 500)");
            add_real(sub, "--cached-input-fraction", o->cached,
                     "share of prompt tokens served from the prefix cache, [0, 1) (default 0)", -1e-12, 1);
            add_duration(sub, "--ttft-slo", o->ttft, "TTFT target, e.g. 1s");
            add_duration(sub, "--tpot-slo", o->tpot, "TPOT target, e.g. 50ms");
            add_duration(sub, "--e2e-slo", o->e2e, "end-to-end latency target, e.g. 30s");
            sub.add_option("--gpus", o->gpus, "GPUs to consider, comma-separated (default: every GPU with a price)");
            sub.add_option("--weights", o->weights, "weight dtypes, e.g. bf16,fp8 (default: the checkpoint's and fp8)");
            sub.add_option("--kv-dtype", o->kv, "KV-cache dtypes, e.g. bf16,fp8 (default bf16,fp8)");
            add_count_list(sub, "--tp", o->tp, "TP degrees (default 1,2,4,8 up to the scale-up domain)");
            add_count_list(sub, "--pp", o->pp, "PP degrees (default 1,2,4)");
            add_count_list(sub, "--ep", o->ep, "EP degrees (default 1, and tp for MoE models)");
            sub.add_option("--engine", o->engine,
                           "serving engine: vllm (default), sglang, trtllm, llama.cpp, gpt-fast");
            sub.add_option("--disagg", o->disagg, "disaggregated prefill/decode: auto (both kinds), on, off")
                ->check(CLI::IsMember({"auto", "on", "off"}));
            add_count(sub, "--max-gpus", o->max_gpus, "most GPUs the fleet may use");
            add_real(sub, "--gpu-price", o->gpu_price, "USD per GPU-hour for every GPU", 0, 1e4);
            sub.add_option("--provider", o->provider, "take GPU prices from this provider (default: the cheapest)");
            sub.add_option("--pricing", o->pricing, "on-demand | spot | reserved (default on-demand)");
            add_count(sub, "--top", o->top, "configurations to list (default 10)");
            add_count(sub, "--explain", o->explain, "show the full evaluation of the Nth configuration");
            add_int(sub, "--threads", o->threads, "worker threads (default: every core)", 1, 256);
            sub.add_flag("--check", o->check, "exit 3 (with the report) when nothing serves the load");
            sub.add_flag("--allow-long-context", o->allow_long_context,
                         "evaluate input + output beyond the model's max_position_embeddings");
          },
          [o](Context& ctx) { run_plan(ctx, *o); }};
}

}  // namespace mlcalc::cli
