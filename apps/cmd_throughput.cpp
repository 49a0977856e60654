// mlcalc throughput: tokens/s, TTFT, TPOT of a model on a GPU setup.
#include "options.hpp"

namespace mlcalc::cli {

namespace {

struct ThroughputOptions {
  DeploymentOptions dep;
  WorkloadOptions work;
  std::vector<double> batches{1};
  std::string concurrency;
  double request_rate = 0;
  bool check = false, explain = false, allow_long_context = false;
};

void run_throughput(Context& ctx, const ThroughputOptions& o) {
  const Deployment d = make_deployment(ctx, o.dep);
  ThroughputQuery q;
  q.batches = o.batches;
  q.input = o.work.input;
  q.output = o.work.output;
  q.max_batch = o.work.max_batch;
  q.tpot_slo_s = o.work.tpot_slo_s;
  q.ttft_slo_s = o.work.ttft_slo_s;
  if (!o.concurrency.empty() && o.request_rate > 0)
    throw Error("--concurrency (closed loop) and --request-rate (open loop) exclude each other", ErrorKind::usage);
  q.serve = !o.concurrency.empty() || o.request_rate > 0;
  // Serving targets and the engine's batch cap shape only the serving point: refuse them without one.
  if (!q.serve && (q.tpot_slo_s > 0 || q.ttft_slo_s > 0 || q.max_batch >= 0))
    throw Error(std::string(q.max_batch >= 0   ? "--max-batch"
                            : q.tpot_slo_s > 0 ? "--tpot-slo"
                                               : "--ttft-slo") +
                    " applies to serving: add --concurrency auto|N or --request-rate R",
                ErrorKind::usage);
  q.request_rate = o.request_rate;
  q.concurrency = !o.concurrency.empty() && o.concurrency != "auto" ? parse_count(o.concurrency, "--concurrency") : 0;
  q.explain = o.explain;
  q.allow_long_context = o.allow_long_context;
  const ThroughputReport r = evaluate_throughput(d, q);
  ctx.emit(to_document(r));
  if (o.check && !r.all_fit) ctx.exit_code = 3;
}

}  // namespace

Command throughput_command() {
  auto o = std::make_shared<ThroughputOptions>();
  return {"throughput", "tokens/s, TTFT and TPOT of a model on a GPU setup (roofline or realistic)",
          [o](CLI::App& sub) {
            add_deployment_options(sub, o->dep, true);
            add_count_list(sub, "--batch,-b", o->batches, "batch sizes: 1,8,64 or 1..256 (powers of two); default 1");
            add_workload_options(sub, o->work);
            sub.add_option("--concurrency", o->concurrency, "steady-state serving: auto or N requests in flight")
                ->check([](const std::string& s) {
                  if (s != "auto") parse_count(s, "--concurrency");
                  return std::string();
                });
            add_real(sub, "--request-rate", o->request_rate, "open-loop serving: Poisson arrivals per second", 0, 1e9);
            sub.add_flag("--check", o->check, "exit 3 when a row (or the serving point) does not fit in memory");
            sub.add_flag(
                "--allow-long-context", o->allow_long_context,
                "evaluate input + output beyond the model's max_position_embeddings (a warning, not an error)");
            sub.add_flag("--explain", o->explain, "print each term of every row (bytes, FLOPs, times, efficiencies)");
          },
          [o](Context& ctx) { run_throughput(ctx, *o); }};
}

}  // namespace mlcalc::cli
