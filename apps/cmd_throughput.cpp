// mlcalc throughput: tokens/s, TTFT, TPOT of a model on a GPU setup.
#include <fmt/format.h>

#include "common.hpp"
#include "deployment.hpp"

namespace mlcalc {

namespace {

struct ThroughputOptions {
  DeploymentOptions dep;
  std::string batch = "1", concurrency, tpot_slo, ttft_slo;
  double input = 128, output = 1, max_batch = -1, request_rate = 0;
  bool check = false, explain = false;
};

ojson step_json(const Step& s) {
  return {{"time_s", s.time},           {"bound", s.bound},
          {"weight_bytes", s.weight_bytes}, {"kv_bytes", s.kv_bytes},
          {"state_bytes", s.state_bytes}, {"total_bytes", s.total_bytes},
          {"flops", s.flops},           {"memory_time_s", s.t_memory},
          {"compute_time_s", s.t_compute}, {"comm_time_s", s.t_comm},
          {"overhead_time_s", s.t_overhead}, {"bubble_time_s", s.t_bubble},
          {"micro_batches", s.micro_batches},  {"matmul_efficiency", s.matmul_eff},
          {"expert_matmul_efficiency", s.expert_matmul_eff}, {"allreduce", s.allreduce}};
}

std::string ms(double s) { return s < 0.01 ? fmt::format("{:.3f}", s * 1e3) : fmt::format("{:.2f}", s * 1e3); }

void explain_step(Table& t, const std::string& what, const Step& s, const Deployment& d) {
  const double bw = d.gpu->memory_bw_bytes_per_s;
  t.notes.push_back(fmt::format(
      "{}: bytes/GPU {:.3f} GB (weights {:.3f} + KV {:.3f} + state {:.3f}) / ({:.2f} TB/s x {:.2f}{}) = {} ms; "
      "FLOPs/GPU {:.3f} TFLOP / ({:.0f} TFLOP/s x {:.3f}) = {} ms; comm {} ms; overhead {} ms; step {} ms ({}-bound)",
      what, s.total_bytes / kGB, s.weight_bytes / kGB, s.kv_bytes / kGB, s.state_bytes / kGB, bw / kTera, d.eff.memory_bw,
      d.eff.dequant < 1 ? fmt::format(" x dequant {:.2f} on weights", d.eff.dequant) : "", ms(s.t_memory),
      s.flops / kTera, d.peak.flop_per_s / kTera, s.matmul_eff, ms(s.t_compute), ms(s.t_comm), ms(s.t_overhead),
      ms(s.time), s.bound));
}

void run_throughput(Context& ctx, const ThroughputOptions& o) {
  const Deployment d = make_deployment(ctx, o.dep);
  const std::vector<double> batches = parse_count_list(o.batch, "--batch");
  const Architecture& a = *d.arch;
  if (a.max_context > 0 && o.input + o.output > a.max_context)
    ctx.warn(fmt::format("input + output = {} tokens is beyond the model's max_position_embeddings {}",
                         fmt_count(o.input + o.output), fmt_count(double(a.max_context))));
  const double tpot_slo = o.tpot_slo.empty() ? 0 : parse_duration_s(o.tpot_slo, "--tpot-slo");
  const double ttft_slo = o.ttft_slo.empty() ? 0 : parse_duration_s(o.ttft_slo, "--ttft-slo");

  ojson rows = ojson::array();
  Table t;
  const bool roof = d.mode == Mode::roofline;
  t.title = fmt::format("{} on {} x {} (tp {}, pp {}{}), weights {}, KV {}, input {} / output {} tokens: {}", a.name,
                        d.num_gpus(), d.gpu->id, d.tp, d.pp, d.ep > 1 ? fmt::format(", ep {}", d.ep) : "",
                        d.weights.name() + (d.experts == d.weights ? "" : "/" + d.experts.name()), d.kv.name(),
                        fmt_count(o.input), fmt_count(o.output),
                        roof ? "ROOFLINE (upper bound: peak bandwidth and FLOP/s, no overheads)" : "realistic estimate");
  t.columns = {"batch", "TTFT (ms)", "TPOT (ms)", "e2e (s)", "tok/s/user", "out tok/s", "out tok/s/GPU", "bound",
               "MBU", "MFU", "weights/GPU (GiB)", "KV/GPU (GiB)", "fits"};
  bool all_fit = true;
  for (double b : batches) {
    const BatchRow r = evaluate_batch(d, b, o.input, o.output);
    all_fit &= r.memory.fits;
    ojson j = {{"batch", b},
               {"ttft_s", r.ttft_s},
               {"tpot_s", r.tpot_s},
               {"e2e_s", r.e2e_s},
               {"tokens_per_s_per_user", r.tokens_per_s_per_user},
               {"output_tokens_per_s", r.output_tokens_per_s},
               {"output_tokens_per_s_per_gpu", r.output_tokens_per_s_per_gpu},
               {"decode_tokens_per_s", r.decode_tokens_per_s},
               {"bound", r.decode.bound},
               {"allreduce", r.decode.allreduce},
               {"mbu", r.mbu},
               {"mfu", r.mfu},
               {"weight_bytes_per_gpu", r.memory.weights},
               {"kv_cache_bytes_per_gpu", r.memory.kv},
               {"state_bytes_per_gpu", r.memory.state},
               {"memory_bytes_per_gpu", r.memory.total},
               {"fits", r.memory.fits}};
    if (o.explain) j["decode"] = step_json(r.decode), j["prefill"] = step_json(r.prefill);
    rows.push_back(j);
    t.rows.push_back({fmt_count(b), ms(r.ttft_s), ms(r.tpot_s), fmt_num(r.e2e_s, 3), fmt_num(r.tokens_per_s_per_user, 1),
                      fmt_num(r.output_tokens_per_s, 1), fmt_num(r.output_tokens_per_s_per_gpu, 1), r.decode.bound,
                      fmt_num(r.mbu, 2), fmt_num(r.mfu, 3), fmt_num(r.memory.weights / kGiB, 2),
                      fmt_num(r.memory.kv / kGiB, 2), r.memory.fits ? "yes" : "NO"});
    if (o.explain) {
      explain_step(t, fmt::format("batch {} decode at context {}", fmt_count(b), fmt_count(o.input + o.output / 2)), r.decode, d);
      explain_step(t, fmt::format("batch {} prefill of {} tokens", fmt_count(b), fmt_count(o.input)), r.prefill, d);
    }
  }
  t.notes.push_back(fmt::format("decode at mean context input + output/2; TTFT = prefill of the whole batch; "
                                "out tok/s = batch x output / e2e; MBU/MFU of the decode step per GPU ({} peak {:.0f} TFLOP/s)",
                                compute_class_name(d.peak.used), d.peak.flop_per_s / kTera));
  if (!roof)
    t.notes.push_back(fmt::format("efficiencies: memory {:.2f} ({}); matmul {:.2f} ({}); TP all-reduce {}; per-step overhead {} ms, "
                                  "per layer {} ms, per sequence {} ms ({}); small GEMMs M/(M+{:.0f})",
                                  d.eff.memory_bw, d.eff.memory_source, d.eff.matmul, d.eff.matmul_source,
                                  evaluate_batch(d, 1, o.input, o.output).decode.allreduce, ms(d.eff.step_overhead_s),
                                  ms(d.eff.layer_overhead_s), ms(d.eff.seq_overhead_s), d.eff.overhead_source,
                                  d.eff.small_gemm_rows));
  std::vector<Table> tables = {t};
  ojson result = {{"mode", roof ? "roofline" : "realistic"}, {"rows", rows}};

  if (!o.concurrency.empty() || o.request_rate > 0) {
    if (!o.concurrency.empty() && o.request_rate > 0)
      throw Error("--concurrency (closed loop) and --request-rate (open loop) exclude each other", ErrorKind::usage);
    ServingLoad w = serving_load(d, o.input, o.output, o.max_batch);
    if (!o.concurrency.empty() && o.concurrency != "auto") w.concurrency = parse_count(o.concurrency, "--concurrency");
    w.request_rate = o.request_rate;
    w.tpot_slo_s = tpot_slo, w.ttft_slo_s = ttft_slo;
    const Serving s = evaluate_serving(d, w);
    const bool figures = s.fits && s.feasible;
    if (!s.fits) {
      all_fit = false;
      ctx.warn("does not fit: " + s.problem);
    } else if (!s.feasible) {
      throw Error(s.problem);
    }
    if (s.fits && w.concurrency > s.max_concurrency_memory)
      ctx.warn(fmt::format("concurrency {} exceeds the {} requests the KV memory holds: the rest wait for a slot (in TTFT)",
                           fmt_count(w.concurrency), fmt_count(s.max_concurrency_memory)));
    auto num = [&](double v) { return figures ? ojson(v) : ojson(nullptr); };
    result["serving"] = {{"engine", s.engine},
                         {"fits", s.fits},
                         {"concurrency", num(s.concurrency)},
                         {"running", num(s.running)},
                         {"max_concurrency_memory", s.max_concurrency_memory},
                         {"max_batch", w.max_batch},
                         {"max_num_batched_tokens", w.max_batched_tokens},
                         {"limited_by", s.limited_by},
                         {"output_tokens_per_s", num(s.output_tokens_per_s)},
                         {"output_tokens_per_s_per_gpu", num(s.output_tokens_per_s / d.num_gpus())},
                         {"total_tokens_per_s", num(s.total_tokens_per_s)},
                         {"requests_per_s", num(s.requests_per_s)},
                         {"ttft_s", num(s.ttft_s)},
                         {"tpot_s", num(s.tpot_s)},
                         {"e2e_s", num(s.e2e_s)},
                         {"queue_s", num(s.queue_s)},
                         {"prefill_wait_s", num(s.prefill_wait_s)},
                         {"chunk_tokens", num(s.chunk_tokens)},
                         {"mixed_step_fraction", num(s.mixed_step_fraction)},
                         {"prefill_tokens_per_step", num(s.prefill_tokens_per_step)},
                         {"prefill_share", num(s.prefill_share)},
                         {"in_step_share", num(s.in_step_share)},
                         {"spread_step_time_s", num(s.spread_step_s)},
                         {"bound", figures ? ojson(s.decode.bound) : ojson(nullptr)},
                         {"step", figures ? step_json(s.step) : ojson(nullptr)},
                         {"decode_step", figures ? step_json(s.decode) : ojson(nullptr)}};
    if (!s.problem.empty()) result["serving"]["problem"] = s.problem;
    if (o.request_rate > 0) result["serving"]["request_rate"] = o.request_rate, result["serving"]["max_request_rate"] = s.max_request_rate;
    Table st;
    st.title = fmt::format("Serving at steady state ({}, {})", s.engine,
                           o.request_rate > 0 ? "open loop, Poisson arrivals" : "closed loop, fixed concurrency");
    st.columns = {"quantity", "value"};
    st.left_align = {true, true};
    auto cell = [&](const std::string& v) { return figures ? v : std::string("-"); };
    st.rows = {{"engine", s.engine + fmt::format(" (max batch {}, {} tokens per step{})",
                                                 w.max_batch > 0 ? fmt_count(w.max_batch) : std::string("memory-bound"),
                                                 fmt_count(w.max_batched_tokens), w.chunked_prefill ? ", chunked prefill" : "")},
               {"concurrency (requests in the system)", cell(fmt_count(s.concurrency) + " (limited by " + s.limited_by + ")")},
               {"running (holding KV)", cell(fmt_count(s.running))},
               {"KV-memory bound", fmt_count(s.max_concurrency_memory) + " requests"},
               {"output tokens/s (group)", cell(fmt_num(s.output_tokens_per_s, 1))},
               {"output tokens/s per GPU", cell(fmt_num(s.output_tokens_per_s / d.num_gpus(), 1))},
               {"total tokens/s (input + output)", cell(fmt_num(s.total_tokens_per_s, 1))},
               {"requests/s", cell(fmt_num(s.requests_per_s, 3))},
               {"TTFT (ms)", cell(ms(s.ttft_s) + " (slot wait " + ms(s.queue_s) + ", behind other prompts " + ms(s.prefill_wait_s) + ")")},
               {"TPOT / ITL (ms)", cell(ms(s.tpot_s))},
               {"prefill share of GPU time", cell(fmt_num(s.prefill_share * 100, 1) + "%")},
               {"step bound", cell(s.decode.bound)}};
    if (o.request_rate > 0) st.rows.push_back({"max sustainable rate (req/s)", fmt_num(s.max_request_rate, 3)});
    if (!s.fits) st.notes.push_back("does not fit: " + s.problem);
    st.notes.push_back(o.request_rate > 0
                           ? "open loop: decodes = rate x output x TPOT (Little); prompts prefilled in chunks; TTFT = half a step + "
                             "M/D/1 wait + own chunk steps (docs/model.md \"Serving engine model\")"
                           : "closed loop: equal requests stay in step, so each cycle a burst of prompts is prefilled in "
                             "token-budget chunks alongside decodes; TTFT = the burst's steps up to a request's last chunk "
                             "+ slot wait (docs/model.md \"Serving engine model\")");
    if (o.explain && figures) {
      explain_step(st, "step with a prefill chunk", s.step, d);
      explain_step(st, "decode-only step", s.decode, d);
    }
    tables.push_back(st);
  }
  ojson inputs = deployment_json(d, o.dep);
  inputs["batch"] = batches;
  inputs["input_tokens"] = o.input;
  inputs["output_tokens"] = o.output;
  inputs["concurrency"] = o.concurrency.empty() ? ojson(nullptr) : ojson(o.concurrency);
  inputs["max_batch"] = o.max_batch >= 0 ? ojson(o.max_batch) : ojson("engine default");
  if (o.request_rate > 0) inputs["request_rate"] = o.request_rate;
  inputs["tpot_slo_s"] = tpot_slo > 0 ? ojson(tpot_slo) : ojson(nullptr);
  inputs["ttft_slo_s"] = ttft_slo > 0 ? ojson(ttft_slo) : ojson(nullptr);
  emit(ctx, "throughput", inputs, result, tables);
  if (o.check && !all_fit) ctx.exit_code = 3;
}

}  // namespace

void add_throughput(CLI::App& sub, Context& ctx) {
  auto o = std::make_shared<ThroughputOptions>();
  add_deployment_options(sub, o->dep, true);
  sub.add_option("--batch,-b", o->batch, "batch sizes: 1,8,64 or 1..256 (powers of two); default 1");
  add_count(sub, "--input", o->input, "prompt tokens per request (default 128)");
  add_count(sub, "--output", o->output, "generated tokens per request (default 1)");
  sub.add_option("--concurrency", o->concurrency, "steady-state serving: auto or N requests in flight");
  add_count(sub, "--max-batch", o->max_batch, "engine cap on running requests (default: the engine's, vLLM max_num_seqs)");
  add_real(sub, "--request-rate", o->request_rate, "open-loop serving: Poisson arrivals per second", 0, 1e9);
  sub.add_option("--tpot-slo", o->tpot_slo, "TPOT target, e.g. 50ms");
  sub.add_option("--ttft-slo", o->ttft_slo, "TTFT target, e.g. 2s");
  sub.add_flag("--check", o->check, "exit 3 when a row (or the serving point) does not fit in memory");
  sub.add_flag("--explain", o->explain, "print each term of every row (bytes, FLOPs, times, efficiencies)");
  sub.callback([&ctx, o] { run_throughput(ctx, *o); });
}

}  // namespace mlcalc
