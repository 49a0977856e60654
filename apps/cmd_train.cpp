// mlcalc train: step time, MFU, time-to-train, GPU-hours and $ of a parallel layout on a cluster.
#include <cmath>
#include <deque>

#include "options.hpp"
#include "train.hpp"

namespace mlcalc::cli {

namespace {

struct TrainCmdOptions {
  std::string model, gpu, scale_out, provider, pricing, tokens;  // pricing "" = on-demand
  double params = 0, global_batch = 0, steps = 0, gpu_price = 0;
  int vp = 1, top = 10, nics_per_node = 0;
  TrainLayoutOptions layout;
  PipeSchedule schedule = PipeSchedule::one_f_one_b;
  std::string schedule_name = "1f1b", flops_name = "palm";
  FlopsConvention flops = FlopsConvention::palm;
  Mode mode = Mode::realistic;
  bool auto_layout = false, check = false, explain = false, uneven = false, tp_overlap = false;
};

/// `15T`, `300B`, `2.5e12` or `chinchilla` (20 tokens per parameter: Hoffmann et al. 2022 Table 3).
double parse_tokens(const std::string& raw, double params) {
  const std::string s = lower(raw);
  if (s == "chinchilla") return 20.0 * params;
  double mult = 1;
  std::string num = s;
  if (!num.empty()) {
    switch (num.back()) {
      case 'k':
        mult = 1e3;
        break;
      case 'm':
        mult = 1e6;
        break;
      case 'b':
      case 'g':
        mult = 1e9;
        break;
      case 't':
        mult = 1e12;
        break;
      default:
        break;
    }
    if (mult != 1) num.pop_back();
  }
  const bool decimal = !num.empty() && num.find_first_not_of("0123456789.e+") == std::string::npos;
  char* end = nullptr;
  const double v = decimal ? std::strtod(num.c_str(), &end) * mult : NAN;
  if (!decimal || end != num.c_str() + num.size() || !std::isfinite(v) || v < 1 || v > 1e18)
    throw Error("--tokens '" + raw + "' is not a token count (15T, 300B, 2.5e12 or chinchilla)", ErrorKind::usage);
  return v;
}

void run_train(Context& ctx, const TrainCmdOptions& o) {
  if (!o.model.empty() && o.params > 0) throw Error("give --model or --params, not both", ErrorKind::usage);
  if (o.model.empty() && o.params <= 0) throw Error("give --model NAME or --params N", ErrorKind::usage);
  if (o.gpu.empty()) throw Error("give --gpu (training time needs the accelerator)", ErrorKind::usage);
  if (o.global_batch <= 0) throw Error("give --global-batch (sequences per optimizer step)", ErrorKind::usage);
  if (!o.tokens.empty() && o.steps > 0) throw Error("give --tokens or --steps, not both", ErrorKind::usage);
  check_train_layout(o.layout);
  if (o.vp > 1 && o.schedule != PipeSchedule::interleaved)
    throw Error("--vp needs --schedule interleaved (virtual stages only exist in the interleaved 1F1B schedule)",
                ErrorKind::usage);
  Database& db = ctx.db();
  TrainQuery q;
  TrainSetup& s = q.job.setup;
  q.names = o.layout.names;
  Architecture generic;  // --params: lives as long as the query that points at it (this function)
  if (!o.model.empty()) {
    const ModelEntry& m = db.model(o.model);
    set_architecture(s, m.arch);
    q.names.model_id = m.id;
  } else {
    generic = generic_dense_architecture(o.params);
    set_architecture(s, generic);
    q.names.model_id = generic.id;
    ctx.warn("--params: a generic dense decoder is assumed (" + std::to_string(generic.num_layers) +
             " layers, hidden " + std::to_string(generic.hidden) +
             ", MLP 4h, vocab 32000); give --model for a real architecture");
  }
  apply_train_layout(o.layout, s);
  q.job.global_batch = o.global_batch;
  q.job.vp = o.vp;
  q.job.schedule = o.schedule;
  if (o.schedule == PipeSchedule::dualpipe) s.weight_copies = 2;
  q.job.flops = o.flops;
  q.job.mode = o.mode;
  q.job.uneven_stages = o.uneven;
  q.job.tp_comm_overlap = o.tp_overlap;
  q.flops_name = o.flops_name;
  q.schedule_name = o.schedule_name;
  q.auto_layout = o.auto_layout;
  q.top = o.top;
  // The cluster: GPUs per node from the scale-up domain, the scale-up link, one NIC per GPU.
  const Gpu& g = db.gpu(o.gpu);
  q.cluster.gpu = &g;
  q.cluster.gpus_per_node = g.scale_up_domain > 0 ? g.scale_up_domain : 1;
  if (!g.scale_up_id.empty()) q.cluster.scale_up = &db.interconnect(g.scale_up_id);
  std::vector<std::string> links;
  if (!o.scale_out.empty())
    links = split_commas(o.scale_out);
  else if (!g.scale_out_id.empty())
    links.push_back(g.scale_out_id);
  std::deque<Interconnect> shared_nics;  // links whose NICs several GPUs share (LINK:K, --nics-per-node)
  for (const std::string& item : links) {
    // LINK[:K]: K NICs of that link per node (default --nics-per-node, else one per GPU).
    const size_t colon = item.find(':');
    const std::string id = item.substr(0, colon);
    int nics = o.nics_per_node;
    if (colon != std::string::npos) nics = std::stoi(item.substr(colon + 1));  // 1..64, checked while parsing
    const Interconnect& l = db.interconnect(id);
    if (l.kind != "scale-out")
      throw Error("--scale-out " + id + " is a " + l.kind + " link; give a network (see `mlcalc list interconnects`)");
    if (nics > 0 && nics != q.cluster.gpus_per_node) {
      shared_nics.push_back(with_nics_per_node(l, nics, q.cluster.gpus_per_node));
      q.scale_outs.push_back(&shared_nics.back());
    } else {
      q.scale_outs.push_back(&l);
    }
  }
  if (q.scale_outs.empty()) q.scale_outs.push_back(nullptr);
  if (!o.auto_layout) {
    if (auto problems = check_train_job(q.job, q.cluster); !problems.empty()) throw Error(problems.front());
  }
  if (s.num_gpus > q.cluster.gpus_per_node && !q.scale_outs.front())
    throw Error(o.gpu + " has no scale-out network in the database: give --scale-out (e.g. ib-ndr)");
  if (!o.tokens.empty()) q.tokens = parse_tokens(o.tokens, count_params(*s.arch).active);
  if (o.steps > 0) q.steps = o.steps;
  if (o.gpu_price > 0 || !o.provider.empty() || !o.pricing.empty()) {
    const GpuPrice price = resolve_gpu_price(ctx, o.gpu_price, o.provider, o.pricing, g.id);
    q.usd_per_gpu_hour = price.usd_per_gpu_hour;
    q.price_source = price.source;
  }
  if (s.sequence_parallel && s.tp == 1 && !o.auto_layout) ctx.warn("--sequence-parallel has no effect with tp 1");
  const TrainReport r = evaluate_train(q);
  Document doc = to_document(r);
  if (o.explain)  // the per-GPU memory breakdown of the (best) layout, as `vram train` prints it
    for (const Table& t : to_document(r.results.front().memory).tables) doc.tables.push_back(t);
  ctx.emit(doc);
  const auto& fits = r.results.front().memory.fits;
  if (o.check && fits && !*fits) ctx.exit_code = 3;
}

}  // namespace

Command train_command() {
  auto o = std::make_shared<TrainCmdOptions>();
  return {"train", "training step time, MFU, time-to-train, GPU-hours and $ of a parallel layout",
          [o](CLI::App& sub) {
            sub.add_option("--model,-m", o->model, "model (database name, HF id, config.json)");
            add_count(sub, "--params", o->params, "generic dense model of N parameters");
            sub.add_option("--gpu,-g", o->gpu, "GPU (database name)");
            add_train_layout_options(sub, o->layout);
            add_int(sub, "--vp", o->vp, "virtual pipeline stages per rank (interleaved schedule)", 1, 1024);
            add_choice(sub, "--schedule", o->schedule,
                       {{"1f1b", PipeSchedule::one_f_one_b},
                        {"interleaved", PipeSchedule::interleaved},
                        {"dualpipe", PipeSchedule::dualpipe}},
                       "1f1b | interleaved | dualpipe (DeepSeek-V3; default 1f1b)")
                ->each([o](const std::string& v) { o->schedule_name = v; });
            add_count(sub, "--global-batch", o->global_batch, "sequences per optimizer step");
            sub.add_option("--scale-out", o->scale_out,
                           "network(s) across nodes, LINK[:NICS_PER_NODE], comma-separated for one result each "
                           "(default: the GPU's)")
                ->check([](const std::string& v) {
                  // Each LINK[:K]: K a whole count of NICs per node (checked while parsing).
                  for (const std::string& item : split_commas(v)) {
                    if (item.empty() || item.front() == ':') return "empty network name in '" + v + "'";
                    if (const size_t k = item.find(':'); k != std::string::npos) {
                      const std::string n = item.substr(k + 1);
                      if (n.empty() || n.size() > 2 || n.find_first_not_of("0123456789") != std::string::npos ||
                          std::stoi(n) < 1 || std::stoi(n) > 64)
                        return "'" + item + "': NICs per node must be a whole number from 1 to 64";
                    }
                  }
                  return std::string();
                });
            sub.add_option("--tokens", o->tokens, "tokens to train on: 15T, 300B or chinchilla (20 per parameter)");
            add_count(sub, "--steps", o->steps, "optimizer steps to train (instead of --tokens)");
            add_int(sub, "--nics-per-node", o->nics_per_node,
                    "scale-out NICs per node (default: one per GPU); fewer share their bandwidth", 1, 64);
            add_real(sub, "--gpu-price", o->gpu_price, "USD per GPU-hour", 0, 1e4);
            sub.add_option("--provider", o->provider, "price from this provider's cheapest offer");
            sub.add_option("--pricing", o->pricing, "on-demand | reserved | spot (default on-demand)");
            add_choice(sub, "--mode", o->mode, {{"realistic", Mode::realistic}, {"roofline", Mode::roofline}},
                       "realistic (default) | roofline (upper bound)");
            add_choice(sub, "--layout", o->auto_layout, {{"given", false}, {"auto", true}},
                       "given (default) | auto: search every valid TP/PP/CP/EP/VP and micro-batch that fits");
            add_int(sub, "--top", o->top, "--layout auto: layouts to list (default 10)", 1, 10000);
            add_choice(sub, "--flops", o->flops,
                       {{"palm", FlopsConvention::palm}, {"megatron", FlopsConvention::megatron}},
                       "MFU FLOP convention: palm (6N + 12 L h s, default) | megatron (Korthikanti Eq. 7)")
                ->each([o](const std::string& v) { o->flops_name = v; });
            sub.add_flag("--uneven-stages", o->uneven,
                         "first and last pipeline stages take fewer layers to balance embedding and logits");
            sub.add_flag("--tp-comm-overlap", o->tp_overlap,
                         "TP collectives overlapped with GEMMs (Megatron/Transformer Engine --tp-comm-overlap)");
            sub.add_flag("--explain", o->explain, "print every table (each network, the memory breakdown)");
            sub.add_flag("--check", o->check, "exit 3 when the layout does not fit in memory");
          },
          [o](Context& ctx) { run_train(ctx, *o); }};
}

}  // namespace mlcalc::cli
