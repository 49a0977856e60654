#include "serving.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "common.hpp"

namespace mlcalc {

namespace {

// sum_{i=0}^{n-1} floor((a i + b) / m) for a, b >= 0, m > 0, in O(log) steps (the Euclid-like
// reduction of floor sums: Graham, Knuth, Patashnik, Concrete Mathematics, 2nd ed., sec. 3.5).
long long floor_sum(long long n, long long m, long long a, long long b) {
  long long sum = 0;
  while (n > 0) {
    if (a >= m) sum += (n - 1) * n / 2 * (a / m), a %= m;
    if (b >= m) sum += n * (b / m), b %= m;
    const long long y_max = a * n + b;
    if (y_max < m) break;
    n = y_max / m, b = y_max % m;
    std::swap(m, a);
  }
  return sum;
}

}  // namespace

double mean_burst_steps(double n, double input, double chunk, bool chunked) {
  if (n < 1 || input <= 0) return 1;
  if (!chunked) chunk = std::max(1.0, std::floor(chunk / input)) * input;  // whole prompts per step
  chunk = std::max(chunk, 1.0);
  // (1/n) sum_{k=1..n} ceil(k input / chunk): the k-th prompt's last token is in that step.
  const long long m = static_cast<long long>(std::llround(n));
  // Whole tokens and whole or half-token chunks (the usual case) in closed form:
  // ceil(k a / q) = floor((k a + q - 1) / q) with a = 2 input, q = 2 chunk.
  const double a2 = 2 * input, q2 = 2 * chunk;
  if (a2 == std::floor(a2) && q2 == std::floor(q2) && a2 < 1e9 && q2 < 1e9 && n < 1e6) {
    const long long a = static_cast<long long>(a2), q = static_cast<long long>(q2);
    return double(floor_sum(m, q, a, a + q - 1)) / m;
  }
  double sum = 0;
  for (long long k = 1; k <= m; ++k) sum += std::ceil(k * input / chunk - 1e-9);
  return sum / m;
}

double md1_wait_s(double rate_per_s, double service_s) {
  // Pollaczek-Khinchine mean wait for M/G/1, W = lambda E[S^2] / (2 (1 - rho)), with a deterministic
  // service (E[S^2] = S^2): W = rho S / (2 (1 - rho)). Kleinrock, Queueing Systems Vol. 1 (1975), sec. 5.5.
  const double rho = rate_per_s * service_s;
  if (rho >= 1) return std::numeric_limits<double>::infinity();
  return rho * service_s / (2.0 * (1.0 - rho));
}

namespace {

// Budget room (in prompts' worth) at which closed-loop clients stay in step: 2, fitted on the NVIDIA
// NIM genai-perf grid rows with 2000- and 7000-token prompts (wbing520/ai-performance-engineering@0e25b2e
// code/ch10_inference/inference_gpu_cluster_sizing/dataset/nim.csv: TTFT there is 0.3-0.5x a full burst and ITL carries
// the rest of the prefill), docs/model.md "Serving engine model".
constexpr double kMergeRoom = 2.0;

std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / kGiB);
  return buf;
}

bool fits_at(const Deployment& d, double context) {
  return max_sequences(d, context) >= 1;
}

// The smallest change that makes the replica fit: a larger TP (that the model's heads allow) or
// narrower weights.
std::string fit_advice(const Deployment& d, double context) {
  std::string tp_fix, w_fix;
  for (int tp = d.tp * 2; tp <= std::max(8, d.tp * 2) && tp_fix.empty(); tp *= 2) {
    try {
      check_parallelism(*d.arch, tp, d.pp, d.ep);
    } catch (const Error&) {
      continue;
    }
    Deployment t = d;
    t.tp = tp;
    if (fits_at(t, context)) tp_fix = "--tp " + std::to_string(tp);
  }
  for (auto k : {DType::Kind::fp8, DType::Kind::int4}) {
    if (DType{k}.bytes() >= d.weights.bytes()) continue;
    Deployment t = d;
    t.weights = t.experts = DType{k};
    if (fits_at(t, context)) {
      w_fix = "--weights " + DType{k}.name();
      break;
    }
  }
  if (!tp_fix.empty() && !w_fix.empty()) return "try " + tp_fix + " or " + w_fix;
  if (!tp_fix.empty() || !w_fix.empty()) return "try " + tp_fix + w_fix;
  return "add GPUs (--tp, --pp) or use narrower weights";
}

// Running sequences the engine can hold: KV memory, max_num_seqs, and one budget token per decode.
double slot_cap(const Deployment& d, const ServingLoad& w, double kv_cap, Limit& why) {
  double cap = kv_cap;
  why = Limit::memory;
  if (w.max_batch > 0 && w.max_batch < cap) cap = w.max_batch, why = Limit::max_batch;
  if (w.max_batched_tokens > 0 && std::floor(w.max_batched_tokens) < cap)
    cap = std::floor(w.max_batched_tokens), why = Limit::token_budget;
  (void)d;
  return cap;
}

void finish(Serving& s, const ServingLoad& w) {
  s.requests_per_s = s.concurrency > 0 && s.e2e_s > 0 ? s.concurrency / s.e2e_s : s.requests_per_s;
  s.output_tokens_per_s = s.requests_per_s * w.output;
  s.total_tokens_per_s = s.requests_per_s * (w.input + w.output);
}

// Closed loop, C clients, B = min(C, cap) of them holding slots. With fixed prompt and output lengths
// the clients stay in step: a burst of B prompts arrives together each cycle and is prefilled in
// budget-sized chunks, in arrival order, alongside the decodes of those already served.
// `share` false: skip the prefill share (a probe of the concurrency search needs only the latencies).
Serving closed_loop(const Deployment& d, const ServingLoad& w, double C, double cap, bool share = true) {
  Serving s;
  // I: prompt tokens to prefill (a prefix-cache hit skips the cached ones); the context is the whole prompt.
  const double I = w.input - w.cached_input, O = std::max(1.0, w.output), T = w.max_batched_tokens;
  const double B = std::min(C, cap);
  const double ctx = w.input + O / 2.0;
  const double b_w = (B - 1) / 2.0;  // decoding while the burst is prefilled (on average)
  const double room = std::max(1.0, T - b_w);
  double chunk = 0, steps = 0, mean = 1;
  if (I > 0) {
    chunk = w.chunked_prefill ? std::min(room, B * I) : std::min(std::max(1.0, std::floor(room / I)), B) * I;
    mean = mean_burst_steps(B, I, chunk, w.chunked_prefill);
    steps = std::ceil(B * I / chunk - 1e-9);
  }
  s.decode = forward_step(d, B, ctx);
  s.step = I > 0 ? forward_step(d, b_w, ctx, chunk, I) : s.decode;
  // In step (a burst): TTFT waits for the prompts ahead; the decode window holds the chunk steps of
  // the prompts behind it.
  const double own_burst = mean * s.step.time;
  const double h = O > 1 ? std::clamp(steps - mean, 0.0, O - 1) : 0;
  const double tpot_burst = O > 1 ? ((O - 1 - h) * s.decode.time + h * s.step.time) / (O - 1) : s.decode.time;
  // Spread around the cycle: a prompt goes alone in its n_c chunk steps beside the B - 1 running
  // decodes, and each decode window holds the chunk steps of the B - 1 others.
  double own_spread = s.decode.time, tpot_spread = s.decode.time, in_step = 1;
  if (I > 0 && B > 1) {
    const double room1 = std::max(1.0, T - (B - 1));
    const double c1 = w.chunked_prefill ? std::min(room1, I) : I;
    const double n_c = std::ceil(I / c1 - 1e-9);
    const Step alone = forward_step(d, B - 1, ctx, c1, I);
    own_spread = n_c * alone.time;
    const double hs = O > 1 ? std::min(O - 1, (B - 1) * n_c) : 0;
    tpot_spread = O > 1 ? ((O - 1 - hs) * s.decode.time + hs * alone.time) / (O - 1) : s.decode.time;
    // Clients drift apart with timing noise and merge again when a waiting prompt can join a step,
    // which needs budget room for it: in-step share 1 - prompt / (kMergeRoom x room), near 1 for
    // short prompts, lower for prompts that fill much of a step.
    in_step = std::clamp(1.0 - I / (kMergeRoom * room1), 0.0, 1.0);
    // One prompt per step cannot keep up when the others' prompts outnumber a decode window's
    // steps: the excess waits, and waiting prompts share steps (they join the burst).
    if ((B - 1) * n_c > O - 1) in_step = std::max(in_step, 1.0 - (O - 1) / ((B - 1) * n_c));
    s.spread_step_s = alone.time;
  }
  double own = in_step * own_burst + (1 - in_step) * own_spread;  // TTFT once the request holds a slot
  s.tpot_s = in_step * tpot_burst + (1 - in_step) * tpot_spread;
  s.in_step_share = in_step;
  // The burst packs prompts into the fewest steps, so its cycle bounds the GPU time of a cycle from
  // below: a shorter blended cycle would serve more prompt tokens than the steps hold; the shortfall
  // is prompts waiting, added to TTFT.
  own += std::max(0.0, (own_burst + (O - 1) * tpot_burst) - (own + (O - 1) * s.tpot_s));
  own += w.first_token_steps * s.decode.time;     // the first token's trip to the client (engine profile)
  const double cycle = own + (O - 1) * s.tpot_s;  // one slot's request, first token to last
  const double rate = B / cycle;                  // Little's law on the B slots
  s.concurrency = C;
  s.running = B;
  s.e2e_s = C / rate;                          // Little's law on the C clients
  s.queue_s = std::max(0.0, s.e2e_s - cycle);  // C == B gives 0 up to rounding (-1e-15): never negative
  s.ttft_s = own + s.queue_s;
  s.prefill_wait_s = in_step * (mean - std::ceil(I / std::max(chunk, 1.0) - 1e-9)) * s.step.time;
  s.chunk_tokens = chunk;
  s.mixed_step_fraction =
      O > 1 ? (in_step * h +
               (1 - in_step) *
                   std::min(O - 1,
                            (B - 1) * std::ceil(I / std::max(1.0, std::min(std::max(1.0, T - (B - 1)), I)) - 1e-9))) /
                  (O - 1)
            : 0;
  s.prefill_tokens_per_step = B * I / (steps + (O - 1));
  const double without = share && b_w >= 1 ? forward_step(d, b_w, ctx).time : 0;
  s.prefill_share = std::clamp(steps * (s.step.time - without) / cycle, 0.0, 1.0);
  finish(s, w);
  return s;
}

// Open loop at `rate` req/s (Poisson). Decodes b = rate (O-1) TPOT (Little's law). A step that carries
// prefill takes the prompt tokens waiting, up to the budget room: p = min(T - b, max(I, rate I TPOT))
// (one prompt, or the arrivals of a step when several arrive per step; whole prompts when the engine
// does not chunk). Prefill as an M/D/1 server for TTFT whose service is the prompt's share of a full
// chunk step (I / room of it); the chunks' extra time is spread over all steps for TPOT.
Serving open_loop(const Deployment& d, const ServingLoad& w, double rate, double cap, Limit cap_why) {
  Serving s;
  const double I = w.input - w.cached_input, O = std::max(1.0, w.output), T = w.max_batched_tokens;
  const double ctx = w.input + O / 2.0;
  double b = 0, t = forward_step(d, 1, ctx).time;
  for (int it = 0; it < 60; ++it) {
    const double room = std::max(1.0, T - b);
    double p = 0, n_c = 0;
    if (I > 0) {
      p = std::min(room, std::max(I, rate * I * t));
      if (!w.chunked_prefill) p = std::max(1.0, std::floor(p / I)) * I;
      n_c = std::ceil(I / std::min(p, I) - 1e-9);
    }
    s.decode = forward_step(d, std::max(b, 1.0), ctx);
    s.step = I > 0 ? forward_step(d, b, ctx, p, I) : s.decode;
    const double steps_per_s = I > 0 ? rate * I / p : 0;           // chunk steps needed per second
    const double g = steps_per_s * (s.step.time - s.decode.time);  // time share added by prefill
    // Prefill server: full chunk steps take `room` prompt tokens each, so a prompt's service is its
    // share of one (prompts arriving during a step share the next, so only a full budget queues).
    const double service = I > 0 ? I / room * forward_step(d, b, ctx, room, I).time : 0;
    if (g >= 1 || rate * service >= 1) {
      s.feasible = false;
      s.limited_by = Limit::rate;
      return s;
    }
    t = s.tpot_s = s.decode.time / (1 - g);
    s.prefill_wait_s = md1_wait_s(rate, service);
    const double own = n_c * s.step.time + w.first_token_steps * s.tpot_s;
    s.ttft_s = 0.5 * s.tpot_s + s.prefill_wait_s + own;  // residual of the step in progress + queue + own chunks
    s.e2e_s = s.ttft_s + (O - 1) * s.tpot_s;
    s.running = rate * (own + (O - 1) * s.tpot_s);
    s.chunk_tokens = p;
    s.mixed_step_fraction = std::min(1.0, steps_per_s * s.tpot_s);
    s.prefill_tokens_per_step = rate * I * s.tpot_s;
    s.prefill_share = std::clamp(g, 0.0, 1.0);
    const double next = rate * (O - 1) * s.tpot_s;
    if (it > 0 && std::abs(next - b) < 1e-6 * std::max(1.0, b)) break;
    b = 0.5 * b + 0.5 * next;
  }
  if (s.running > cap) {
    s.feasible = false;
    s.limited_by = cap_why;
    return s;
  }
  s.concurrency = rate * s.e2e_s;
  s.requests_per_s = rate;
  finish(s, w);
  s.limited_by = Limit::rate;
  return s;
}

void clear_figures(Serving& s) {
  const Serving keep = s;
  s = Serving{};
  s.engine = keep.engine, s.fits = keep.fits, s.feasible = keep.feasible, s.problem = keep.problem;
  s.max_concurrency_memory = keep.max_concurrency_memory, s.limited_by = keep.limited_by;
  s.max_request_rate = keep.max_request_rate;
}

}  // namespace

std::string fit_problem(const Deployment& d, double context) {
  const double budget = kv_budget_bytes(d);
  if (budget <= 0) {
    const InferenceMemory m = inference_memory(d, 0, 0);
    return "weights " + gib(m.weights) + " + workspace " + gib(m.activations + m.other) + " per GPU exceed " +
           gib(m.capacity * d.gpu_mem_util) + " (" + gib(m.capacity) + " x gpu-mem-util) of " + d.gpu->id + "; " +
           fit_advice(d, context);
  }
  if (max_sequences(d, context) < 1) {
    const double need = kv_bytes_per_gpu_per_seq(d, context, true) + state_bytes_per_gpu_per_seq(d);
    return "one request of " + std::to_string(static_cast<long long>(context)) + " tokens needs " + gib(need) +
           " of KV cache per GPU, " + gib(budget) + " is left after the weights; " + fit_advice(d, context);
  }
  return "";
}

Serving evaluate_serving(const Deployment& d_in, const ServingLoad& w) {
  // Online serving (clients or an arrival rate) streams every token to its client: the engine's
  // frontend cost per running sequence per step adds to the offline one (engine.hpp).
  Deployment d = d_in;
  if ((w.concurrency > 0 || w.request_rate > 0) && d.mode == Mode::realistic)
    d.eff.seq_overhead_s += w.stream_seq_overhead_s;
  Serving s;
  s.engine = d.engine;
  const double context = w.input + w.output;
  s.max_concurrency_memory = max_sequences(d, context);
  s.problem = fit_problem(d, context);
  if (!s.problem.empty()) {
    s.fits = s.feasible = false;
    s.limited_by = Limit::memory;
    clear_figures(s);
    return s;
  }
  Limit why = Limit::memory;
  const double cap = slot_cap(d, w, s.max_concurrency_memory, why);
  auto tag = [&](Serving x) {
    x.engine = d.engine, x.max_concurrency_memory = s.max_concurrency_memory;
    return x;
  };
  auto ok = [&](const Serving& x) {
    return x.feasible && (w.tpot_slo_s <= 0 || x.tpot_s <= w.tpot_slo_s) &&
           (w.ttft_slo_s <= 0 || x.ttft_s <= w.ttft_slo_s);
  };
  auto slo_name = [&](const Serving& x) {
    return (w.tpot_slo_s > 0 && x.tpot_s > w.tpot_slo_s) ? Limit::tpot_slo : Limit::ttft_slo;
  };

  if (w.request_rate > 0) {
    // Capacity: the largest rate the replica sustains (doubling, then bisection on feasibility).
    double lo = 0, hi = 1e-3;
    while (hi < 1e9 && open_loop(d, w, hi, cap, why).feasible) lo = hi, hi *= 2;
    for (int i = 0; i < 50; ++i) {
      const double mid = 0.5 * (lo + hi);
      (open_loop(d, w, mid, cap, why).feasible ? lo : hi) = mid;
    }
    Serving x = tag(open_loop(d, w, w.request_rate, cap, why));
    x.max_request_rate = lo;
    if (!x.feasible) {
      char buf[160];
      std::snprintf(buf, sizeof buf,
                    "request rate %.4g req/s exceeds what this replica sustains (about %.4g req/s, %s-bound)",
                    w.request_rate, lo, x.limited_by == Limit::rate ? "prefill/compute" : limit_name(x.limited_by));
      x.problem = buf;
      clear_figures(x);
    } else if (!ok(x)) {
      x.feasible = false;
      x.limited_by = slo_name(x);
      x.problem = std::string("the ") + (x.limited_by == Limit::tpot_slo ? "TPOT" : "TTFT") +
                  " target is not met at this request rate";
      clear_figures(x);
    }
    return x;
  }

  if (w.concurrency > 0) {
    Serving x = tag(closed_loop(d, w, w.concurrency, cap));
    x.limited_by = w.concurrency > cap ? why : Limit::fixed;
    if (!ok(x)) {
      x.feasible = false;
      x.problem = std::string("concurrency ") + std::to_string(static_cast<long long>(w.concurrency)) + " misses the " +
                  (slo_name(x) == Limit::tpot_slo ? "TPOT" : "TTFT") + " target";
      x.limited_by = slo_name(x);
    }
    return x;
  }

  // Auto: the most clients whose requests all hold slots (no slot queue) and meet the SLOs.
  Serving top = tag(closed_loop(d, w, cap, cap));
  top.limited_by = why;
  if (ok(top)) return top;
  Serving one = tag(closed_loop(d, w, 1, cap));
  if (!ok(one)) {
    one.feasible = false;
    one.limited_by = slo_name(one);
    char buf[200];
    std::snprintf(buf, sizeof buf, "no concurrency meets the %s target (one request alone: TTFT %.2f ms, TPOT %.3f ms)",
                  one.limited_by == Limit::tpot_slo ? "TPOT" : "TTFT", one.ttft_s * 1e3, one.tpot_s * 1e3);
    one.problem = buf;
    clear_figures(one);
    return one;
  }
  double lo = 1, hi = cap;
  while (hi - lo > 1) {
    const double mid = std::floor((lo + hi) / 2);
    (ok(closed_loop(d, w, mid, cap, false)) ? lo : hi) = mid;
  }
  Serving x = tag(closed_loop(d, w, lo, cap));
  x.limited_by = slo_name(closed_loop(d, w, lo + 1, cap, false));
  return x;
}

ServingLoad serving_load(const Deployment& d, double input, double output, double max_batch) {
  const EngineProfile e = engine_profile(d.engine, *d.gpu);
  ServingLoad w;
  w.input = input, w.output = output;
  w.max_batch = max_batch >= 0 ? max_batch : e.max_batch;
  w.max_batched_tokens = d.max_batched_tokens;
  w.chunked_prefill = e.chunked_prefill;
  w.stream_seq_overhead_s = e.stream_seq_overhead_s;
  w.first_token_steps = e.first_token_steps;
  return w;
}

}  // namespace mlcalc
