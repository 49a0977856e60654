// mlcalc cost and mlcalc breakeven: self-hosted $ per million tokens against API prices.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "options.hpp"

namespace mlcalc::cli {

namespace {

struct CostOptions {
  DeploymentOptions dep;
  WorkloadOptions work;
  double num_gpus = 0;
  std::string provider, pricing, api, api_price;  // pricing "" = on-demand
  bool allow_long_context = false;
  double gpu_price = 0, utilization = 1, requests_per_day = 0, tokens_per_s = 0, fixed_monthly = 0;
};

// Resolves the price (--gpu-price or the provider's cheapest offer) and evaluates the fleet.
Fleet make_fleet(Context& ctx, const CostOptions& o) {
  const Deployment d = make_deployment(ctx, o.dep);
  if (o.num_gpus > 1e6) throw Error("num-gpus at most 1e6", ErrorKind::usage);
  FleetQuery q;
  q.num_gpus = static_cast<int>(o.num_gpus);
  q.workload = {o.work.input, o.work.output};
  q.max_batch = o.work.max_batch;
  q.tpot_slo_s = o.work.tpot_slo_s;
  q.ttft_slo_s = o.work.ttft_slo_s;
  q.measured_tokens_per_s = o.tokens_per_s;
  q.fixed_usd_per_month = o.fixed_monthly;
  q.allow_long_context = o.allow_long_context;
  const GpuPrice price = resolve_gpu_price(ctx, o.gpu_price, o.provider, o.pricing, d.gpu->id);
  q.usd_per_gpu_hour = price.usd_per_gpu_hour;
  q.price_source = price.source;
  return evaluate_fleet(d, q);
}

void run_cost(Context& ctx, const CostOptions& o) {
  if (o.requests_per_day > 0 && o.utilization != 1)
    throw Error("give --utilization or --requests-per-day (which sets the utilization), not both", ErrorKind::usage);
  const Fleet f = make_fleet(ctx, o);
  const std::vector<ApiOffer> offers = ctx.db().api_offers();
  // One line for all stale API prices of the model, not one per offer.
  std::vector<std::string> stale;
  std::string oldest;
  for (const auto& off : offers)
    if (off.model == f.dep.arch->id && age_days(off.as_of) > 180) {
      stale.push_back(off.provider);
      if (oldest.empty() || off.as_of < oldest) oldest = off.as_of;
    }
  if (stale.size() == 1)
    warn_if_old(ctx, "API price " + stale[0] + " " + f.dep.arch->id, oldest);
  else if (!stale.empty())
    ctx.warn(fmt::format("{} API prices for {} are over 180 days old (oldest dated {}): {}", stale.size(),
                         f.dep.arch->id, oldest, fmt::join(stale, ", ")));
  ctx.emit(to_document(evaluate_cost(f, o.utilization, o.requests_per_day, offers)));
}

// --api-price IN/OUT, or a provider's offer for the model.
ApiPrice resolve_api(Context& ctx, const CostOptions& o, const std::string& model_id) {
  if (!o.api_price.empty() && !o.api.empty()) throw Error("give --api or --api-price, not both", ErrorKind::usage);
  ApiPrice p;
  if (!o.api_price.empty()) {
    const auto slash = o.api_price.find('/');
    const std::string a = o.api_price.substr(0, slash),
                      b = slash == std::string::npos ? "" : o.api_price.substr(slash + 1);
    char* e1 = nullptr;
    char* e2 = nullptr;
    p.usd_per_million_input = std::strtod(a.c_str(), &e1);
    p.usd_per_million_output = std::strtod(b.c_str(), &e2);
    const double in = p.usd_per_million_input, out = p.usd_per_million_output;
    if (slash == std::string::npos || a.empty() || b.empty() || *e1 || *e2 || !std::isfinite(in) ||
        !std::isfinite(out) || in < 0 || out < 0 || in + out <= 0 || in > 1e5 || out > 1e5)
      throw Error("--api-price takes IN/OUT in $ per million tokens, e.g. 0.20/0.60; got '" + o.api_price + "'",
                  ErrorKind::usage);
    p.name = "--api-price " + o.api_price;
    return p;
  }
  if (o.api.empty()) throw Error("give the API to compare: --api PROVIDER or --api-price IN/OUT", ErrorKind::usage);
  const std::string want = lower(o.api);
  std::vector<std::string> providers;
  for (const auto& off : ctx.db().api_offers()) {
    if (off.model != model_id) continue;
    providers.push_back(off.provider);
    if (off.provider == want && p.name.empty()) {
      p = {off.provider + " (" + off.as_of + ")", off.usd_per_million_input, off.usd_per_million_output};
      warn_if_old(ctx, "API price " + off.provider + " " + off.model, off.as_of);
    }
  }
  if (p.name.empty())
    throw Error("no API offer from '" + o.api + "' for " + model_id + did_you_mean(want, providers) +
                (providers.empty() ? " (the database has none for this model: use --api-price IN/OUT)" : ""));
  return p;
}

void run_breakeven(Context& ctx, const CostOptions& o) {
  const Fleet f = make_fleet(ctx, o);
  const ApiPrice api = resolve_api(ctx, o, f.dep.arch->id);
  BreakevenReport r = evaluate_breakeven(f, api);
  for (const auto& off : ctx.db().api_offers())  // the chart draws the model's other offers too
    if (off.model == f.dep.arch->id && r.api.name.rfind(off.provider + " (", 0) != 0) r.offers.push_back(off);
  ctx.emit(to_document(r));
}

void add_common(CLI::App& sub, CostOptions& o) {
  add_deployment_options(sub, o.dep, true);
  add_count(sub, "--num-gpus", o.num_gpus, "GPUs in the fleet (a multiple of tp x pp; default one replica)");
  add_workload_options(sub, o.work);
  add_real(sub, "--gpu-price", o.gpu_price, "USD per GPU-hour", 0, 1e4);
  sub.add_option("--provider", o.provider, "take the GPU price from this provider in the database");
  sub.add_option("--pricing", o.pricing, "on-demand | spot | reserved (with --provider; default on-demand)");
  add_real(sub, "--tokens-per-s", o.tokens_per_s, "measured output tokens/s of the whole setup (instead of the model)",
           0, 1e12);
  sub.add_flag("--allow-long-context", o.allow_long_context,
               "evaluate input + output beyond the model's max_position_embeddings");
  add_real(sub, "--fixed-monthly", o.fixed_monthly, "fixed USD per month (staff, storage), shown separately", -1e-12,
           1e12);
}

}  // namespace

Command cost_command() {
  auto o = std::make_shared<CostOptions>();
  return {"cost", "self-hosted $ per million tokens against API prices",
          [o](CLI::App& sub) {
            add_common(sub, *o);
            add_real(sub, "--utilization", o->utilization, "fraction of capacity used, [0.0001, 1] (default 1.0)",
                     0.0001 - 1e-12, 1);
            add_count(sub, "--requests-per-day", o->requests_per_day, "traffic level (sets the utilization)");
          },
          [o](Context& ctx) { run_cost(ctx, *o); }};
}

Command breakeven_command() {
  auto o = std::make_shared<CostOptions>();
  return {"breakeven", "utilization and traffic where self-hosting matches an API price",
          [o](CLI::App& sub) {
            add_common(sub, *o);
            sub.add_option("--api", o->api, "API provider to compare (see `mlcalc list prices --model M`)");
            sub.add_option("--api-price", o->api_price, "API price IN/OUT in $ per million tokens, e.g. 0.20/0.60");
          },
          [o](Context& ctx) { run_breakeven(ctx, *o); }};
}

}  // namespace mlcalc::cli
