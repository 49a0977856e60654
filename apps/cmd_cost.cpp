// mlcalc cost and mlcalc breakeven: self-hosted $ per million tokens against API prices.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <fmt/format.h>

#include "common.hpp"
#include "cost.hpp"
#include "deployment.hpp"

namespace mlcalc {

namespace {

struct CostOptions {
  DeploymentOptions dep;
  double num_gpus = 0, input = 1000, output = 500, max_batch = -1;
  std::string tpot_slo, ttft_slo, provider, pricing = "on-demand", api, api_price;
  double gpu_price = 0, utilization = 1, requests_per_day = 0, tokens_per_s = 0, fixed_monthly = 0;
};

void warn_if_old(Context& ctx, const std::string& what, const std::string& as_of) {
  if (age_days(as_of) > 180) ctx.warn(fmt::format("{} is dated {} (over 180 days old)", what, as_of));
}

/// Everything cost and breakeven compute before comparing with an API.
struct Fleet {
  Deployment dep;
  int replicas = 1, num_gpus = 1;
  double usd_per_gpu_hour = 0;
  std::string price_source;
  double output_tokens_per_s = 0;  // whole fleet, at 100% utilization
  std::string throughput_source;
  double prefill_share = 0;
  Serving serving;
};

Fleet make_fleet(Context& ctx, const CostOptions& o) {
  Fleet f;
  f.dep = make_deployment(ctx, o.dep);
  const Deployment& d = f.dep;
  f.num_gpus = o.num_gpus > 0 ? static_cast<int>(o.num_gpus) : d.num_gpus();
  if (o.num_gpus > 1e6) throw Error("num-gpus at most 1e6", ErrorKind::usage);
  if (f.num_gpus % d.num_gpus() != 0)
    throw Error(fmt::format("num-gpus {} is not a multiple of tp x pp = {} (one replica)", f.num_gpus, d.num_gpus()));
  f.replicas = f.num_gpus / d.num_gpus();

  // Price: --gpu-price, else the provider's offer for this GPU.
  if (o.gpu_price > 0 && !o.provider.empty()) throw Error("give --gpu-price or --provider, not both", ErrorKind::usage);
  if (o.gpu_price > 0) {
    f.usd_per_gpu_hour = o.gpu_price;
    f.price_source = "--gpu-price";
  } else {
    if (o.provider.empty()) throw Error("give the GPU price: --gpu-price USD_PER_HOUR or --provider NAME (see `mlcalc list prices`)", ErrorKind::usage);
    const std::string want = lower(o.provider);
    std::vector<GpuOffer> offers = ctx.db().gpu_offers();
    std::vector<std::string> providers;
    const GpuOffer* best = nullptr;
    for (const auto& off : offers) {
      providers.push_back(off.provider);
      if (off.provider != want || off.gpu != d.gpu->id || off.pricing != o.pricing) continue;
      if (!best || off.usd_per_gpu_hour < best->usd_per_gpu_hour) best = &off;
    }
    std::sort(providers.begin(), providers.end());
    providers.erase(std::unique(providers.begin(), providers.end()), providers.end());
    if (std::find(providers.begin(), providers.end(), want) == providers.end())
      throw Error("unknown provider '" + o.provider + "'" + did_you_mean(want, providers) + " (see `mlcalc list prices`)");
    if (!best) {
      std::vector<std::string> has;
      for (const auto& off : offers)
        if (off.provider == want) has.push_back(off.gpu + " " + off.pricing);
      throw Error(fmt::format("provider '{}' has no {} offer for {} (it lists: {})", want, o.pricing, d.gpu->id, fmt::join(has, ", ")));
    }
    f.usd_per_gpu_hour = best->usd_per_gpu_hour;
    f.price_source = fmt::format("{} {} {} ({}; {})", best->provider, best->product, best->pricing, best->as_of, best->source);
    warn_if_old(ctx, "GPU price " + best->provider + " " + best->gpu, best->as_of);
  }

  // Throughput: the steady-state serving model, or the user's measurement.
  const double tpot = o.tpot_slo.empty() ? 0 : parse_duration_s(o.tpot_slo, "--tpot-slo");
  const double ttft = o.ttft_slo.empty() ? 0 : parse_duration_s(o.ttft_slo, "--ttft-slo");
  ServingLoad load = serving_load(d, o.input, o.output, o.max_batch);
  load.tpot_slo_s = tpot, load.ttft_slo_s = ttft;
  f.serving = evaluate_serving(d, load);
  f.prefill_share = f.serving.prefill_share;  // share of GPU time in prefill chunks (serving.hpp)
  if (o.tokens_per_s > 0) {
    f.output_tokens_per_s = o.tokens_per_s;
    f.throughput_source = "--tokens-per-s (measured, whole setup)";
  } else {
    if (!f.serving.fits) throw Error("the model does not fit: " + f.serving.problem);
    if (!f.serving.feasible) throw Error(f.serving.problem);
    f.output_tokens_per_s = f.serving.output_tokens_per_s * f.replicas;
    f.throughput_source = fmt::format("mlcalc throughput --concurrency auto ({} mode): {} requests in flight per replica, "
                                      "{:.1f} output tok/s per replica x {} replicas",
                                      d.mode == Mode::roofline ? "roofline" : "realistic", fmt_count(f.serving.concurrency),
                                      f.serving.output_tokens_per_s, f.replicas);
  }
  return f;
}

ojson fleet_json(const Fleet& f) {
  return {{"num_gpus", f.num_gpus},
          {"replicas", f.replicas},
          {"usd_per_gpu_hour", f.usd_per_gpu_hour},
          {"usd_per_hour", f.usd_per_gpu_hour * f.num_gpus},
          {"price_source", f.price_source},
          {"output_tokens_per_s", f.output_tokens_per_s},
          {"throughput_source", f.throughput_source},
          {"prefill_share", f.prefill_share},
          {"concurrency_per_replica", f.serving.concurrency}};
}

SelfHosted self_hosted(const Fleet& f, const CostOptions& o, double utilization) {
  SelfHosted s;
  s.usd_per_hour = f.usd_per_gpu_hour * f.num_gpus;
  s.capacity_requests_per_s = f.output_tokens_per_s / o.output;
  s.utilization = utilization;
  s.prefill_share = f.prefill_share;
  s.fixed_usd_per_month = o.fixed_monthly;
  return s;
}

void run_cost(Context& ctx, const CostOptions& o) {
  const Fleet f = make_fleet(ctx, o);
  const Workload w{o.input, o.output};
  double u = o.utilization;
  std::string u_source = "--utilization";
  const double capacity_rpd = f.output_tokens_per_s / o.output * 86400.0;
  if (o.requests_per_day > 0) {
    u = o.requests_per_day / capacity_rpd;
    u_source = fmt::format("--requests-per-day {} of a capacity of {:.0f} requests/day", fmt_count(o.requests_per_day), capacity_rpd);
    if (u > 1) {
      ctx.warn(fmt::format("{} requests/day exceed this setup's capacity of {:.0f}/day: it needs about {} GPUs; cost shown at 100% utilization",
                           fmt_count(o.requests_per_day), capacity_rpd, fmt_count(std::ceil(u) * f.num_gpus)));
      u = 1;
    }
  }
  const CostResult c = self_hosted_cost(self_hosted(f, o, u), w);
  ojson sh = fleet_json(f);
  sh["utilization"] = u;
  sh["utilization_source"] = u_source;
  sh["usd_per_million_output_tokens"] = c.usd_per_million_output_tokens;
  sh["usd_per_million_input_tokens"] = c.usd_per_million_input_tokens;
  sh["usd_per_million_tokens_blended"] = c.usd_per_million_tokens_blended;
  sh["usd_per_1k_requests"] = c.usd_per_1k_requests;
  sh["fixed_usd_per_1k_requests"] = c.fixed_usd_per_1k_requests;
  sh["requests_per_month"] = c.requests_per_month;
  sh["capacity_requests_per_day"] = capacity_rpd;

  ojson apis = ojson::array();
  Table t;
  t.title = fmt::format("Self-hosted {} on {} x {} at ${:.2f}/GPU-h, {:.0f}% utilization, {} in / {} out tokens per request",
                        f.dep.arch->name, f.num_gpus, f.dep.gpu->id, f.usd_per_gpu_hour, u * 100, fmt_count(o.input), fmt_count(o.output));
  t.columns = {"quantity", "value"};
  t.left_align = {true, true};
  t.rows = {{"output tokens/s (100% busy)", fmt_num(f.output_tokens_per_s, 1)},
            {"$ per million output tokens", fmt_num(c.usd_per_million_output_tokens, 4)},
            {"$ per million input tokens", fmt_num(c.usd_per_million_input_tokens, 4)},
            {"$ per 1k requests", fmt_num(c.usd_per_1k_requests, 4)},
            {"prefill share of GPU time", fmt_num(f.prefill_share * 100, 1) + "%"}};
  if (o.fixed_monthly > 0) t.rows.push_back({"of which fixed costs ($ per 1k requests)", fmt_num(c.fixed_usd_per_1k_requests, 4)});
  t.notes.push_back("throughput: " + f.throughput_source);
  t.notes.push_back("price: " + f.price_source);
  Table a;
  a.title = "API offers for the same workload";
  a.columns = {"provider", "$/M in", "$/M out", "$ per 1k requests", "self-hosted / API", "as of"};
  for (const auto& off : ctx.db().api_offers()) {
    if (off.model != f.dep.arch->id) continue;
    const double api = api_usd_per_request(off.usd_per_million_input, off.usd_per_million_output, w) * 1000.0;
    const double ratio = c.usd_per_1k_requests / api;
    apis.push_back({{"provider", off.provider}, {"usd_per_million_input", off.usd_per_million_input},
                    {"usd_per_million_output", off.usd_per_million_output}, {"usd_per_1k_requests", api},
                    {"ratio", ratio}, {"as_of", off.as_of}, {"notes", off.notes}, {"source", off.source}});
    a.rows.push_back({off.provider + (off.notes.empty() ? "" : " (" + off.notes.substr(0, 40) + ")"), fmt_num(off.usd_per_million_input, 3),
                      fmt_num(off.usd_per_million_output, 3), fmt_num(api, 4), fmt_num(ratio, 2) + "x", off.as_of});
    warn_if_old(ctx, "API price " + off.provider + " " + off.model, off.as_of);
  }
  std::vector<Table> tables = {t};
  if (apis.empty()) {
    t.notes.push_back("no API offers for " + f.dep.arch->id + " in the database (add your own with --db)");
    tables[0] = t;
  } else {
    tables.push_back(a);
  }
  ojson inputs = deployment_json(f.dep, o.dep);
  inputs["input_tokens"] = o.input;
  inputs["output_tokens"] = o.output;
  inputs["num_gpus"] = f.num_gpus;
  inputs["fixed_monthly_usd"] = o.fixed_monthly;
  ojson result = {{"self_hosted", sh}, {"api", apis}};
  if (apis.empty()) result["note"] = "no API offers for this model in the database";
  emit(ctx, "cost", inputs, result, tables);
}

void run_breakeven(Context& ctx, const CostOptions& o) {
  const Fleet f = make_fleet(ctx, o);
  const Workload w{o.input, o.output};
  double api_in = 0, api_out = 0;
  std::string api_name;
  if (!o.api_price.empty() && !o.api.empty()) throw Error("give --api or --api-price, not both", ErrorKind::usage);
  if (!o.api_price.empty()) {
    const auto slash = o.api_price.find('/');
    char* e1 = nullptr;
    char* e2 = nullptr;
    const std::string a = o.api_price.substr(0, slash), b = slash == std::string::npos ? "" : o.api_price.substr(slash + 1);
    api_in = std::strtod(a.c_str(), &e1);
    api_out = std::strtod(b.c_str(), &e2);
    if (slash == std::string::npos || a.empty() || b.empty() || *e1 || *e2 || !std::isfinite(api_in) || !std::isfinite(api_out) ||
        api_in < 0 || api_out < 0 || api_in + api_out <= 0 || api_in > 1e5 || api_out > 1e5)
      throw Error("--api-price takes IN/OUT in $ per million tokens, e.g. 0.20/0.60; got '" + o.api_price + "'", ErrorKind::usage);
    api_name = "--api-price " + o.api_price;
  } else if (!o.api.empty()) {
    const std::string want = lower(o.api);
    std::vector<std::string> providers;
    bool found = false;
    for (const auto& off : ctx.db().api_offers()) {
      if (off.model != f.dep.arch->id) continue;
      providers.push_back(off.provider);
      if (off.provider == want && !found) {
        api_in = off.usd_per_million_input, api_out = off.usd_per_million_output;
        api_name = off.provider + " (" + off.as_of + ")";
        warn_if_old(ctx, "API price " + off.provider + " " + off.model, off.as_of);
        found = true;
      }
    }
    if (!found)
      throw Error("no API offer from '" + o.api + "' for " + f.dep.arch->id + did_you_mean(want, providers) +
                  (providers.empty() ? " (the database has none for this model: use --api-price IN/OUT)" : ""));
  } else {
    throw Error("give the API to compare: --api PROVIDER or --api-price IN/OUT", ErrorKind::usage);
  }
  const double api_req = api_usd_per_request(api_in, api_out, w);
  const CostResult full = self_hosted_cost(self_hosted(f, o, 1.0), w);
  const auto be = breakeven_utilization(full.usd_per_request, api_req);
  const double capacity_rps = f.output_tokens_per_s / o.output;
  ojson result;
  result["breakeven_utilization"] = be ? ojson(*be) : ojson(nullptr);
  result["breakeven_requests_per_day"] = be ? ojson(*be * capacity_rps * 86400.0) : ojson(nullptr);
  result["breakeven_tokens_per_month"] = be ? ojson(*be * capacity_rps * 3600.0 * kHoursPerMonth * (o.input + o.output)) : ojson(nullptr);
  result["self_hosted_usd_per_1k_requests_at_full_utilization"] = full.usd_per_1k_requests;
  result["api_usd_per_1k_requests"] = api_req * 1000.0;
  result["api"] = {{"name", api_name}, {"usd_per_million_input", api_in}, {"usd_per_million_output", api_out}};
  result["self_hosted"] = fleet_json(f);
  ojson curve = ojson::array();
  Table t;
  t.title = fmt::format("Break-even: {} on {} x {} at ${:.2f}/GPU-h vs {} (${}/M in, ${}/M out), {} in / {} out tokens",
                        f.dep.arch->name, f.num_gpus, f.dep.gpu->id, f.usd_per_gpu_hour, api_name, api_in, api_out,
                        fmt_count(o.input), fmt_count(o.output));
  t.columns = {"utilization", "self-hosted $/1k req", "API $/1k req", "cheaper"};
  for (int i = 1; i <= 20; ++i) {
    const double u = i * 0.05;
    const double self = full.usd_per_1k_requests / u;  // cost scales as 1/utilization
    curve.push_back({{"utilization", u}, {"self_hosted_usd_per_1k_requests", self}, {"api_usd_per_1k_requests", api_req * 1000.0},
                     {"cheaper", self < api_req * 1000.0 ? "self-hosted" : "api"}});
    t.rows.push_back({fmt_num(u * 100, 0) + "%", fmt_num(self, 4), fmt_num(api_req * 1000.0, 4), self < api_req * 1000.0 ? "self-hosted" : "API"});
  }
  result["curve"] = curve;
  t.notes.push_back(be ? fmt::format("break-even at {:.1f}% utilization = {:.0f} requests/day = {:.3g} tokens/month", *be * 100,
                                     *be * capacity_rps * 86400.0, *be * capacity_rps * 3600.0 * kHoursPerMonth * (o.input + o.output))
                       : std::string("break-even: never (self-hosting costs more than the API even at 100% utilization)"));
  t.notes.push_back("throughput: " + f.throughput_source);
  t.notes.push_back("price: " + f.price_source);
  if (o.fixed_monthly > 0) t.notes.push_back(fmt::format("includes fixed costs of ${:.0f}/month", o.fixed_monthly));
  ojson inputs = deployment_json(f.dep, o.dep);
  inputs["input_tokens"] = o.input;
  inputs["output_tokens"] = o.output;
  inputs["num_gpus"] = f.num_gpus;
  inputs["fixed_monthly_usd"] = o.fixed_monthly;
  emit(ctx, "breakeven", inputs, result, {t});
}

void add_common(CLI::App& sub, CostOptions& o) {
  add_deployment_options(sub, o.dep, true);
  add_count(sub, "--num-gpus", o.num_gpus, "GPUs in the fleet (a multiple of tp x pp; default one replica)");
  add_count(sub, "--input", o.input, "prompt tokens per request (default 1000)");
  add_count(sub, "--output", o.output, "generated tokens per request (default 500)");
  add_count(sub, "--max-batch", o.max_batch, "engine cap on running requests (default: the engine's)");
  sub.add_option("--tpot-slo", o.tpot_slo, "TPOT target, e.g. 50ms");
  sub.add_option("--ttft-slo", o.ttft_slo, "TTFT target, e.g. 2s");
  add_real(sub, "--gpu-price", o.gpu_price, "USD per GPU-hour", 0, 1e4);
  sub.add_option("--provider", o.provider, "take the GPU price from this provider in the database");
  sub.add_option("--pricing", o.pricing, "on-demand | spot | reserved (with --provider; default on-demand)");
  add_real(sub, "--tokens-per-s", o.tokens_per_s, "measured output tokens/s of the whole setup (instead of the model)", 0, 1e12);
  add_real(sub, "--fixed-monthly", o.fixed_monthly, "fixed USD per month (staff, storage), shown separately", -1e-12, 1e12);
}

}  // namespace

void add_cost(CLI::App& sub, Context& ctx) {
  auto o = std::make_shared<CostOptions>();
  add_common(sub, *o);
  add_real(sub, "--utilization", o->utilization, "fraction of capacity used, (0, 1] (default 1.0)", 0, 1);
  add_count(sub, "--requests-per-day", o->requests_per_day, "traffic level (sets the utilization)");
  sub.callback([&ctx, o] { run_cost(ctx, *o); });
}

void add_breakeven(CLI::App& sub, Context& ctx) {
  auto o = std::make_shared<CostOptions>();
  add_common(sub, *o);
  sub.add_option("--api", o->api, "API provider to compare (see `mlcalc list prices --model M`)");
  sub.add_option("--api-price", o->api_price, "API price IN/OUT in $ per million tokens, e.g. 0.20/0.60");
  sub.callback([&ctx, o] { run_breakeven(ctx, *o); });
}

}  // namespace mlcalc
