#include "train.hpp"

#include <algorithm>
#include <cmath>

#include "common.hpp"
#include "parallelism.hpp"

namespace mlcalc {

namespace {

TrainResult evaluate_one(const TrainQuery& q, const TrainJob& job, const Interconnect* link) {
  TrainResult r;
  r.job = job;
  TrainCluster c = q.cluster;
  c.scale_out = link;
  r.scale_out = link;
  r.step = train_step(job, c);
  r.memory = evaluate_train_memory(job.setup, q.names, c.gpu);
  std::optional<double> tokens = q.tokens;
  if (q.steps) tokens = *q.steps * r.step.tokens_per_step;
  if (tokens) {
    r.steps = std::ceil(*tokens / r.step.tokens_per_step);
    r.time_to_train_s = *tokens / r.step.tokens_per_s;
    r.gpu_hours = *r.time_to_train_s * job.setup.num_gpus / 3600.0;
    if (q.usd_per_gpu_hour) r.cost_usd = *r.gpu_hours * *q.usd_per_gpu_hour;
  }
  return r;
}

bool divides(double a, double b) {
  return b > 0 && std::fmod(a, b) == 0;
}

}  // namespace

void for_each_layout(const TrainJob& base, const TrainCluster& c, const std::function<void(const TrainJob&)>& f) {
  const Architecture& a = *base.setup.arch;
  const int n = base.setup.num_gpus;
  const int domain = std::max(1, c.gpus_per_node);
  const bool moe = a.moe.num_experts > 0;
  for (int tp = 1; tp <= std::min(n, domain); tp *= 2) {
    if (!validate(&a, ParallelPlan{0, tp, 1, 1, 1, 1, false}).empty()) continue;
    for (int cp = 1; cp <= 32 && 1LL * tp * cp <= n; cp *= 2) {
      if (cp > 1 && !divides(base.setup.seq, 2.0 * cp)) continue;
      // PP need not divide the layers: uneven first/last stages (Llama 3 ran 126 layers on 16 stages).
      for (int pp = 1; pp <= std::min(a.num_layers, 128); ++pp) {
        const long long mp = 1LL * tp * cp * pp;
        if (n % mp != 0) continue;
        const int dp = int(n / mp);
        for (int ep = 1; ep <= (moe ? std::min(dp, a.moe.num_experts) : 1); ep *= 2) {
          if (moe && (a.moe.num_experts % ep != 0 || dp % ep != 0)) continue;
          for (double mb = 1; mb <= 64; mb *= 2) {
            if (!divides(base.global_batch, dp * mb)) continue;
            const double m = base.global_batch / (dp * mb);
            for (int vp = 1; vp <= (pp > 1 ? 16 : 1); vp *= 2) {
              if (vp > 1 && (pp * vp > a.num_layers + 2 || !divides(m, pp))) continue;
              TrainJob j = base;
              j.setup.tp = tp, j.setup.pp = pp, j.setup.cp = cp, j.setup.ep = ep;
              j.setup.micro_batch = mb;
              j.setup.sequence_parallel = tp > 1;
              j.vp = vp;
              j.schedule = vp > 1 ? PipeSchedule::interleaved : PipeSchedule::one_f_one_b;
              j.uneven_stages = false;
              f(j);
            }
          }
        }
      }
    }
  }
}

TrainReport evaluate_train(const TrainQuery& q) {
  TrainReport rep;
  rep.query = q;
  std::vector<const Interconnect*> links = q.scale_outs;
  if (links.empty()) links.push_back(q.cluster.scale_out);
  TrainJob best = q.job;
  if (q.auto_layout) {
    TrainCluster c = q.cluster;
    c.scale_out = links.front();
    const double cap = c.gpu->memory_bytes;
    std::vector<LayoutRow> rows;
    for_each_layout(q.job, c, [&](const TrainJob& j) {
      ++rep.layouts_evaluated;
      if (!check_train_job(j, c).empty()) return;
      const TrainMemory mem = training_memory(j.setup);
      if (mem.total > cap) return;
      ++rep.layouts_fit;
      const TrainStep st = train_step(j, c);
      LayoutRow r;
      r.tp = j.setup.tp, r.pp = j.setup.pp, r.cp = j.setup.cp, r.ep = j.setup.ep, r.vp = j.vp;
      r.micro_batch = j.setup.micro_batch;
      r.sequence_parallel = j.setup.sequence_parallel;
      r.step_time_s = st.step_time_s;
      r.mfu = st.mfu;
      r.tokens_per_s_per_gpu = st.tokens_per_s_per_gpu;
      r.memory_bytes = mem.total;
      r.fits = true;
      r.bound = st.bound;
      rows.push_back(r);
    });
    if (rows.empty())
      throw Error("no layout of " + count_text(q.job.setup.num_gpus) + " x " + c.gpu->id + " fits " + q.names.model_id +
                  " at global batch " + count_text(q.job.global_batch) + " (" + std::to_string(rep.layouts_evaluated) +
                  " layouts tried); try more GPUs, --zero 1-3 / --fsdp full, or --recompute full");
    std::sort(rows.begin(), rows.end(),
              [](const LayoutRow& x, const LayoutRow& y) { return x.step_time_s < y.step_time_s; });
    if (int(rows.size()) > q.top) rows.resize(size_t(q.top));
    rep.layouts = rows;
    const LayoutRow& w = rows.front();
    best.setup.tp = w.tp, best.setup.pp = w.pp, best.setup.cp = w.cp, best.setup.ep = w.ep, best.vp = w.vp;
    best.setup.micro_batch = w.micro_batch;
    best.setup.sequence_parallel = w.sequence_parallel;
    best.schedule = w.vp > 1 ? PipeSchedule::interleaved : PipeSchedule::one_f_one_b;
    best.uneven_stages = false;
  }
  for (const Interconnect* link : links) rep.results.push_back(evaluate_one(q, best, link));
  // Invariants users rely on: say when a network could not matter.
  if (rep.results.front().step.nodes <= 1 && links.size() > 1)
    rep.warnings.push_back("the job fits in one scale-up domain: the scale-out network does not change the step");
  return rep;
}

}  // namespace mlcalc
