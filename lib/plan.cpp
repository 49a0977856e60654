#include "plan.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <thread>
#include <tuple>

#include "common.hpp"
#include "cost.hpp"

namespace mlcalc {

namespace {

// A queue run closer to saturation than this has no stable latency: a prefill pool of a
// disaggregated plan is sized to at most 95% busy (an assumption, docs/model.md "Plan").
constexpr double kMaxPrefillUtilization = 0.95;

double ratio_over(double value, double target) {
  return target > 0 && value > 0 ? value / target : 1;
}

// Memory need over what the engine may use, for "does not fit".
double memory_ratio(const Deployment& d, double context) {
  const InferenceMemory m = inference_memory(d, 1, context);
  const double have = m.capacity * d.gpu_mem_util;
  return have > 0 ? std::max(1.0, m.total / have) : 1e9;
}

// Prefill and decode pools of a disaggregated plan (docs/model.md "Plan"): a prefill instance runs
// budget-sized batches of prompts only; a decode instance runs decode steps only.
void pool_figures(const PlanLayout& L, const ServingLoad& w, const PlanQuery& q, LayoutEval& e) {
  const Deployment& d = L.dep;
  const double I = w.input - w.cached_input, O = w.output, T = w.max_batched_tokens;
  const double ctx = w.input + O / 2.0;
  if (I > 0) {
    // Service: the prompt's share of a full budget step (budget-sized batches, or chunks of a long prompt).
    const double per_step = I <= T ? std::floor(T / I) : 1;
    const double chunks = I <= T ? 1 : std::ceil(I / T - 1e-9);
    const double tokens = I <= T ? per_step * I : std::min(I, T);
    e.prefill_service_s = chunks * forward_step(d, 0, ctx, tokens, I).time / per_step;
    e.prefill_step_s = chunks * forward_step(d, 0, ctx, std::min(I, T), I).time;
  }
  // Decode: the largest batch under the caps (KV memory, max_num_seqs, one budget token each)
  // whose step meets the TPOT target; online serving streams every token (engine profile).
  Deployment dd = d;
  if (dd.mode == Mode::realistic) dd.eff.seq_overhead_s += w.stream_seq_overhead_s;
  double cap = max_sequences(d, w.input + w.output);
  Limit why = Limit::memory;
  if (w.max_batch > 0 && w.max_batch < cap) cap = w.max_batch, why = Limit::max_batch;
  if (T > 0 && std::floor(T) < cap) cap = std::floor(T), why = Limit::token_budget;
  if (cap >= 1 && O > 1) {
    auto tpot = [&](double b) { return forward_step(dd, b, ctx).time; };
    double lo = 0, hi = cap;
    if (q.tpot_slo_s <= 0 || tpot(cap) <= q.tpot_slo_s) {
      lo = cap;
    } else if (tpot(1) <= q.tpot_slo_s) {
      lo = 1;
      while (hi - lo > 1) {
        const double mid = std::floor((lo + hi) / 2);
        (tpot(mid) <= q.tpot_slo_s ? lo : hi) = mid;
      }
    }
    if (lo >= 1) {
      e.decode_batch = lo;
      e.decode_limit = lo < cap ? Limit::tpot_slo : why;
      e.decode_tpot_s = tpot(lo);
      e.decode_capacity_rps = lo / ((O - 1) * e.decode_tpot_s);  // a slot holds a request for O - 1 steps
    }
  }
  // The prompt's KV (and state), each GPU of the prefill replica sending its shard over its own NIC.
  if (L.kv_link) {
    const double block = std::max(1, d.block_size);
    const double bytes = kv_bytes_per_gpu_per_seq(d, w.input, false) + state_bytes_per_gpu_per_seq(d);
    const KvPayload p = kv_payload(*d.arch, w.input, d.kv, d.state, block);
    e.kv_transfer_s = transfer_time(*L.kv_link, bytes, p.ops / std::max(1, d.pp), 1).time_s;
  } else {
    e.kv_transfer_s = -1;
  }
}

LayoutEval evaluate_layout(const PlanLayout& L, const PlanQuery& q, bool pools) {
  LayoutEval e;
  const Deployment& d = L.dep;
  const ServingLoad w = plan_load(d, q);
  // Fits at all? (The message with its fix is built only for the closest candidate: fit_problem.)
  if (max_sequences(d, w.input + w.output) < 1) {
    e.reject = Reject::does_not_fit;
    e.miss_ratio = memory_ratio(d, w.input + w.output);
    return e;
  }
  e.serving = evaluate_serving(d, w);
  if (!e.serving.fits) {
    e.reject = Reject::does_not_fit;
    e.problem = e.serving.problem;
    e.miss_ratio = memory_ratio(d, w.input + w.output);
    return e;
  }
  if (pools) pool_figures(L, w, q, e);
  if (!e.serving.feasible) {
    e.reject = e.serving.limited_by == Limit::tpot_slo ? Reject::misses_tpot : Reject::misses_ttft;
    e.problem = e.serving.problem;
    ServingLoad one = w;
    one.concurrency = 1;
    one.tpot_slo_s = one.ttft_slo_s = 0;
    const Serving s1 = evaluate_serving(d, one);
    e.miss_ratio = std::max(ratio_over(s1.ttft_s, q.ttft_slo_s), ratio_over(s1.tpot_s, q.tpot_slo_s));
    return e;
  }
  if (q.e2e_slo_s > 0 && e.serving.e2e_s > q.e2e_slo_s) {
    e.reject = Reject::misses_e2e;
    char buf[160];
    std::snprintf(buf, sizeof buf, "end-to-end %.3f s exceeds the %.3f s target", e.serving.e2e_s, q.e2e_slo_s);
    e.problem = buf;
    e.miss_ratio = e.serving.e2e_s / q.e2e_slo_s;
    return e;
  }
  e.capacity_rps = e.serving.requests_per_s;
  return e;
}

// Replicas to carry `rate` at `capacity` each (a hair of tolerance for rounding).
int replicas_for(double rate, double capacity) {
  return static_cast<int>(std::max(1.0, std::ceil(rate / capacity - 1e-9)));
}

void charge(PlanConfig& c, const PlanQuery& q, double prefill_usd_per_hour, double decode_usd_per_hour) {
  // Each phase's GPUs are charged to its tokens at the planned rate (cost.hpp self_hosted_cost).
  const double per_hour = q.request_rate * 3600.0;
  c.usd_per_million_input_tokens = q.input > 0 ? prefill_usd_per_hour / (per_hour * q.input) * 1e6 : 0;
  c.usd_per_million_output_tokens = decode_usd_per_hour / (per_hour * std::max(1.0, q.output)) * 1e6;
}

bool cheaper(const PlanConfig& a, const PlanConfig& b) {
  return std::tie(a.usd_per_hour, a.usd_per_million_output_tokens, a.ttft_s, a.num_gpus, a.layout, a.decode_layout) <
         std::tie(b.usd_per_hour, b.usd_per_million_output_tokens, b.ttft_s, b.num_gpus, b.layout, b.decode_layout);
}

std::string layout_text(const PlanLayout& L) {
  const Deployment& d = L.dep;
  std::string s = d.gpu->id + " tp " + std::to_string(d.tp) + " pp " + std::to_string(d.pp);
  if (d.ep > 1) s += " ep " + std::to_string(d.ep);
  return s + " " + d.weights.name() + " weights, " + d.kv.name() + " KV";
}

}  // namespace

const char* reject_name(Reject r) {
  switch (r) {
    case Reject::does_not_fit:
      return "does-not-fit";
    case Reject::misses_ttft:
      return "misses-ttft";
    case Reject::misses_tpot:
      return "misses-tpot";
    case Reject::misses_e2e:
      return "misses-e2e";
    case Reject::over_budget:
      return "over-budget";
    case Reject::none:
      break;
  }
  return "none";
}

ServingLoad plan_load(const Deployment& d, const PlanQuery& q) {
  ServingLoad w = serving_load(d, q.input, q.output, -1);
  w.cached_input = std::floor(q.input * q.cached_input_fraction);
  w.tpot_slo_s = q.tpot_slo_s, w.ttft_slo_s = q.ttft_slo_s;
  return w;
}

PlanReport evaluate_plan(const std::vector<PlanLayout>& layouts, const PlanQuery& q) {
  PlanReport r;
  r.query = q;
  r.layouts = layouts;
  const size_t n = layouts.size();
  r.evals.resize(n);
  const bool pools = q.disagg != Disagg::off && q.output > 1;

  // Layouts through the serving model, spread over the cores (each evaluation is independent).
  unsigned threads = q.threads > 0 ? unsigned(q.threads) : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads, std::max<size_t>(1, n));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) r.evals[i] = evaluate_layout(layouts[i], q, pools);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  r.layouts_evaluated = long(n);

  // The closest miss, for the message when nothing qualifies (a layout index whose memory problem is
  // spelled out at the end, or a finished message).
  double best_miss = std::numeric_limits<double>::infinity();
  std::string closest;
  long closest_unfit = -1;
  auto miss = [&](double ratio, const std::string& what) {
    if (ratio < best_miss) best_miss = ratio, closest = what, closest_unfit = -1;
  };
  auto miss_unfit = [&](double ratio, size_t layout) {
    if (ratio < best_miss) best_miss = ratio, closest.clear(), closest_unfit = long(layout);
  };
  auto count = [&](Reject why) {
    switch (why) {
      case Reject::does_not_fit:
        ++r.rejected.does_not_fit;
        break;
      case Reject::misses_ttft:
        ++r.rejected.misses_ttft;
        break;
      case Reject::misses_tpot:
        ++r.rejected.misses_tpot;
        break;
      case Reject::misses_e2e:
        ++r.rejected.misses_e2e;
        break;
      case Reject::over_budget:
        ++r.rejected.over_budget;
        break;
      case Reject::none:
        break;
    }
  };

  std::vector<PlanConfig> ok;
  ok.reserve(n * 8);
  // Aggregated: replicas of one layout, each serving prefill and decode.
  if (q.disagg != Disagg::on) {
    for (size_t i = 0; i < n; ++i) {
      ++r.candidates;
      const LayoutEval& e = r.evals[i];
      const PlanLayout& L = layouts[i];
      if (e.reject != Reject::none) {
        count(e.reject);
        // A replica larger than --max-gpus is further away than its own miss says.
        const double over = q.max_gpus > 0 ? std::max(1.0, double(L.dep.num_gpus()) / q.max_gpus) : 1.0;
        if (e.problem.empty())
          miss_unfit(e.miss_ratio * over, i);
        else
          miss(e.miss_ratio * over, layout_text(L) + ": " + e.problem);
        continue;
      }
      PlanConfig c;
      c.layout = int(i);
      c.replicas = replicas_for(q.request_rate, e.capacity_rps);
      c.num_gpus = c.replicas * L.dep.num_gpus();
      if (q.max_gpus > 0 && c.num_gpus > q.max_gpus) {
        count(Reject::over_budget);
        miss(double(c.num_gpus) / q.max_gpus, layout_text(L) + ": needs " + std::to_string(c.num_gpus) +
                                                  " GPUs, over --max-gpus " + std::to_string(q.max_gpus));
        continue;
      }
      const Serving& s = e.serving;
      c.ttft_s = s.ttft_s, c.tpot_s = s.tpot_s, c.e2e_s = s.e2e_s;
      c.capacity_rps = c.replicas * e.capacity_rps;
      c.headroom_rps = c.capacity_rps - q.request_rate;
      c.usd_per_hour = c.num_gpus * L.usd_per_gpu_hour;
      SelfHosted sh;
      sh.usd_per_hour = c.usd_per_hour;
      sh.capacity_requests_per_s = c.capacity_rps;
      sh.utilization = std::min(1.0, q.request_rate / c.capacity_rps);
      sh.prefill_share = s.prefill_share;
      const CostResult cr = self_hosted_cost(sh, {q.input, q.output});
      c.usd_per_million_input_tokens = cr.usd_per_million_input_tokens;
      c.usd_per_million_output_tokens = cr.usd_per_million_output_tokens;
      c.output_tokens_per_s_per_user = 1.0 / s.tpot_s;
      c.output_tokens_per_s_per_gpu = s.output_tokens_per_s / L.dep.num_gpus();
      c.limited_by = limit_name(s.limited_by);
      ok.push_back(c);
    }
  }

  // Disaggregated: a prefill pool and a decode pool of the same GPU, price and precision, each
  // with its own layout; the prompt's KV moves from the prefill GPUs to the decode GPUs.
  if (pools) {
    std::map<std::tuple<std::string, double, std::string, std::string>, std::vector<size_t>> groups;
    for (size_t i = 0; i < n; ++i)
      if (r.evals[i].reject != Reject::does_not_fit && r.evals[i].kv_transfer_s >= 0)  // fits, KV can move
        groups[{layouts[i].dep.gpu->id, layouts[i].usd_per_gpu_hour, layouts[i].dep.weights.name(),
                layouts[i].dep.kv.name()}]
            .push_back(i);
    const double R = q.request_rate, O = q.output;
    for (const auto& [key, members] : groups) {
      for (size_t pi : members) {
        const LayoutEval& pe = r.evals[pi];
        const PlanLayout& P = layouts[pi];
        if (pe.prefill_service_s <= 0) continue;  // nothing to prefill
        for (size_t di : members) {
          ++r.candidates;
          const LayoutEval& de = r.evals[di];
          const PlanLayout& D = layouts[di];
          if (de.decode_batch < 1) {
            count(Reject::misses_tpot);
            continue;
          }
          // Prefill pool: an M/D/1 server per replica; TTFT = wait + own prefill + KV transfer.
          const double S = pe.prefill_service_s, own = pe.prefill_step_s + pe.kv_transfer_s;
          double rho = kMaxPrefillUtilization;
          if (q.ttft_slo_s > 0) {
            const double slack = q.ttft_slo_s - own;
            if (slack <= 0) {
              count(Reject::misses_ttft);
              miss(own / q.ttft_slo_s,
                   layout_text(P) + " (prefill pool): prefill + KV transfer exceed the TTFT target");
              continue;
            }
            rho = std::min(rho, 2 * slack / (S + 2 * slack));  // md1_wait_s(rho / S, S) <= slack
          }
          PlanConfig c;
          c.disaggregated = true;
          c.layout = int(pi), c.decode_layout = int(di);
          c.prefill_replicas = replicas_for(R * S, rho);
          c.decode_replicas = replicas_for(R, de.decode_capacity_rps);
          c.replicas = c.prefill_replicas + c.decode_replicas;
          c.prefill_gpus = c.prefill_replicas * P.dep.num_gpus();
          c.decode_gpus = c.decode_replicas * D.dep.num_gpus();
          c.num_gpus = c.prefill_gpus + c.decode_gpus;
          if (q.max_gpus > 0 && c.num_gpus > q.max_gpus) {
            count(Reject::over_budget);
            continue;
          }
          c.kv_transfer_s = pe.kv_transfer_s;
          c.ttft_s = own + md1_wait_s(R / c.prefill_replicas, S);
          c.tpot_s = de.decode_tpot_s;
          c.e2e_s = c.ttft_s + (O - 1) * c.tpot_s;
          if (q.e2e_slo_s > 0 && c.e2e_s > q.e2e_slo_s) {
            count(Reject::misses_e2e);
            continue;
          }
          c.capacity_rps = std::min(c.prefill_replicas * rho / S, c.decode_replicas * de.decode_capacity_rps);
          c.headroom_rps = c.capacity_rps - R;
          c.usd_per_hour = c.num_gpus * P.usd_per_gpu_hour;
          charge(c, q, c.prefill_gpus * P.usd_per_gpu_hour, c.decode_gpus * P.usd_per_gpu_hour);
          c.output_tokens_per_s_per_user = 1.0 / c.tpot_s;
          c.output_tokens_per_s_per_gpu = c.capacity_rps * O / c.num_gpus;
          c.limited_by = limit_name(de.decode_limit);
          ok.push_back(c);
        }
      }
    }
  }

  std::sort(ok.begin(), ok.end(), cheaper);
  r.configs.assign(ok.begin(), ok.begin() + std::min<size_t>(ok.size(), size_t(std::max(0, q.top))));

  // Per GPU type: configurations no other of the same GPU beats on both tokens/s per user and per GPU.
  std::map<std::string, std::vector<size_t>> by_gpu;
  for (size_t i = 0; i < ok.size(); ++i) by_gpu[layouts[ok[i].layout].dep.gpu->id].push_back(i);
  for (auto& [gpu, idx] : by_gpu) {
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
      return std::tie(ok[b].output_tokens_per_s_per_user, ok[b].output_tokens_per_s_per_gpu) <
             std::tie(ok[a].output_tokens_per_s_per_user, ok[a].output_tokens_per_s_per_gpu);
    });
    ParetoFront f;
    f.gpu = gpu;
    double best_per_gpu = -1;
    for (size_t i : idx)
      if (ok[i].output_tokens_per_s_per_gpu > best_per_gpu) {
        best_per_gpu = ok[i].output_tokens_per_s_per_gpu;
        f.points.push_back({ok[i].output_tokens_per_s_per_user, ok[i].output_tokens_per_s_per_gpu, int(i)});
      }
    r.pareto.push_back(f);
  }
  r.all = std::move(ok);

  if (r.configs.empty()) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "no candidate serves %.4g requests/s", q.request_rate);
    r.problem = buf;
    if (n == 0)
      r.problem += ": no candidate layouts (check --gpus, --tp, --pp, --ep and the prices)";
    else if (closest_unfit >= 0)
      r.problem += "; closest: " + layout_text(layouts[closest_unfit]) + ": " +
                   fit_problem(layouts[closest_unfit].dep, q.input + q.output);
    else if (!closest.empty())
      r.problem += "; closest: " + closest;
  }
  return r;
}

}  // namespace mlcalc
