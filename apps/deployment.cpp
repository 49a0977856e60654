#include "deployment.hpp"

#include <fmt/format.h>

#include "common.hpp"

namespace mlcalc {

void add_deployment_options(CLI::App& app, DeploymentOptions& o, bool perf) {
  app.add_option("--model,-m", o.model, "model: database name, Hugging Face id, or config.json path")->required();
  app.add_option("--gpu,-g", o.gpu, "GPU (see `mlcalc list gpus`)")->required();
  add_count(app, "--tp", o.tp, "tensor-parallel degree (default 1)");
  add_count(app, "--pp", o.pp, "pipeline-parallel degree (default 1)");
  add_count(app, "--ep", o.ep, "expert-parallel degree, MoE only; may span tp x dp (default 1)");
  add_count(app, "--dp", o.dp, "data-parallel ranks that share the experts when --ep exceeds --tp (default 1)");
  app.add_flag("--dp-attention", o.dp_attention, "attention data-parallel across the TP group (MoE only; MLA KV not replicated)");
  app.add_option("--weights", o.weights, "weight dtype (default: the checkpoint's)");
  app.add_option("--kv-dtype", o.kv_dtype, "KV-cache dtype (default bf16)");
  app.add_option("--state-dtype", o.state_dtype, "recurrent-state dtype (default bf16)");
  app.add_option("--interconnect", o.interconnect, "scale-up link for TP/EP traffic inside a domain (default: the GPU's)");
  app.add_option("--scale-out", o.scale_out, "network across scale-up domains for PP/DP/EP (default: the GPU's scale_out)");
  app.add_option("--allreduce", o.allreduce, "TP all-reduce: custom, one-shot, two-shot, nccl, ring, tree, nvls (default: the engine's, custom for vllm/sglang/trtllm)");
  add_real(app, "--gpu-mem-util", o.gpu_mem_util, "fraction of GPU memory the engine may use (default: the engine's, vLLM 0.9)", 0, 1);
  app.add_option("--engine", o.engine, "serving engine whose defaults apply: vllm (default), sglang, trtllm, llama.cpp, gpt-fast");
  add_count(app, "--max-num-batched-tokens", o.max_num_batched_tokens,
            "token budget per forward step (default: the engine's, vLLM 8192 on >= 70 GiB GPUs but A100, else 2048)");
  add_real(app, "--overhead-gib", o.overhead_gib, "runtime reserve per GPU: CUDA context, NCCL, allocator (default 1 GiB)", -1e-9, 1e4);
  if (perf) {
    app.add_option("--mode", o.mode, "roofline (upper bound) or realistic (default)")
        ->check(CLI::IsMember({"roofline", "realistic"}));
    add_real(app, "--mem-eff", o.mem_eff, "override: achieved fraction of peak memory bandwidth", 0, 1);
    add_real(app, "--compute-eff", o.compute_eff, "override: achieved fraction of the matmul peak", 0, 1);
  }
}

Deployment make_deployment(Context& ctx, const DeploymentOptions& o) {
  Database& db = ctx.db();
  const ModelEntry& m = db.model(o.model);
  const Gpu& g = db.gpu(o.gpu);
  Deployment d;
  d.arch = &m.arch;
  d.params = count_params(m.arch);
  d.gpu = &g;
  d.tp = static_cast<int>(o.tp), d.pp = static_cast<int>(o.pp), d.ep = static_cast<int>(o.ep), d.dp = static_cast<int>(o.dp);
  d.dp_attention = o.dp_attention;
  if (o.tp > 4096 || o.pp > 4096 || o.ep > 4096 || o.dp > 4096) throw Error("tp, pp, ep and dp must be at most 4096", ErrorKind::usage);
  check_parallelism(m.arch, d.plan());
  d.weights = o.weights.empty() ? m.arch.weight_dtype : parse_dtype(o.weights);
  d.experts = o.weights.empty() ? m.arch.expert_dtype : d.weights;
  // KV dtype default bf16 (vLLM's "auto" = the activation dtype), also for fp8 weights.
  d.kv = o.kv_dtype.empty() ? DType{DType::Kind::bf16} : parse_dtype(o.kv_dtype);
  d.state = parse_dtype(o.state_dtype);
  d.mode = o.mode == "roofline" ? Mode::roofline : Mode::realistic;
  const EngineProfile e = engine_profile(o.engine.empty() ? kDefaultEngine : o.engine, g);
  d.engine = e.id;
  d.allreduce = parse_allreduce_algo(o.allreduce.empty() ? (e.custom_allreduce ? "custom" : "nccl") : o.allreduce);
  d.gpu_mem_util = o.gpu_mem_util > 0 ? o.gpu_mem_util : e.gpu_mem_util;
  d.max_batched_tokens = o.max_num_batched_tokens > 0 ? o.max_num_batched_tokens : e.max_batched_tokens;
  d.block_size = static_cast<int>(o.block_size);
  d.runtime_overhead_bytes = o.overhead_gib * kGiB;

  // Compute dtype: the tensor-core type of the weights, else the next one the GPU has.
  // Expert weights dominate MoE compute, so they pick the class when they differ.
  const ComputeClass want = preferred_compute(d.arch->moe.num_experts > 0 ? d.experts : d.weights);
  d.peak = resolve_peak(g, want);
  if (d.peak.fell_back)
    ctx.warn(fmt::format("{} has no {} tensor cores: matmuls run at its {} peak ({:.0f} TFLOP/s)", g.id,
                         compute_class_name(want), compute_class_name(d.peak.used), d.peak.flop_per_s / kTera));
  d.eff = default_efficiency(d.mode, g, d.weights, d.peak.used);
  if (d.mode == Mode::realistic) d.eff.seq_overhead_s = e.seq_overhead_s;  // engine host cost per sequence per step
  if (o.mem_eff > 0) d.eff.memory_bw = o.mem_eff, d.eff.memory_source = "--mem-eff";
  if (o.compute_eff > 0) d.eff.matmul = o.compute_eff, d.eff.matmul_source = "--compute-eff";

  // Scale-out network: --scale-out, else the GPU's default; it must be a network.
  const std::string so = o.scale_out.empty() ? g.scale_out_id : o.scale_out;
  if (!so.empty()) {
    d.scale_out = &db.interconnect(so);
    if (d.scale_out->kind != "scale-out")
      throw Error(fmt::format("--scale-out {}: {} is a {} link, not a network (pick one of kind scale-out: `mlcalc list interconnects`)",
                              so, d.scale_out->id, d.scale_out->kind), ErrorKind::usage);
  }

  // Link: --interconnect, else the GPU's scale-up link, else its host link (PCIe).
  if (d.tp * d.pp > 1) {
    std::string link = o.interconnect;
    if (link.empty()) link = g.scale_up_id;
    if (link.empty()) {
      link = g.host_link_id.empty() ? "pcie4" : g.host_link_id;
      ctx.warn(fmt::format("{} has no scale-up link: TP/PP traffic goes over {}", g.id, link));
    }
    d.scale_up = &db.interconnect(link);
    d.scale_up_domain = d.scale_up->kind == "scale-out" ? 1 : (g.scale_up_domain > 0 ? g.scale_up_domain : d.scale_up->domain_size);
    if (!o.interconnect.empty() && d.scale_up->domain_size > 0) d.scale_up_domain = d.scale_up->domain_size;
    if (d.scale_up_domain > 0 && std::max(d.tp, d.ep) > d.scale_up_domain)
      ctx.warn(fmt::format("{} = {} exceeds the {}-GPU scale-up domain: its collectives run over {}", d.tp >= d.ep ? "tp" : "ep",
                           std::max(d.tp, d.ep), d.scale_up_domain, d.scale_out ? d.scale_out->id : d.scale_up->id));
    if (d.scale_up_domain > 0 && d.tp * d.pp > d.scale_up_domain && !d.scale_out)
      ctx.warn(fmt::format("tp x pp = {} exceeds the {}-GPU scale-up domain of {} and no scale-out network is known "
                           "(pass --scale-out)", d.tp * d.pp, d.scale_up_domain, g.id));
  }
  return d;
}

ServingLoad serving_load(const Deployment& d, double input, double output, double max_batch) {
  const EngineProfile e = engine_profile(d.engine, *d.gpu);
  ServingLoad w;
  w.input = input, w.output = output;
  w.max_batch = max_batch >= 0 ? max_batch : e.max_batch;
  w.max_batched_tokens = d.max_batched_tokens;
  w.chunked_prefill = e.chunked_prefill;
  w.stream_seq_overhead_s = e.stream_seq_overhead_s;
  return w;
}

ojson deployment_json(const Deployment& d, const DeploymentOptions& o) {
  return {{"model", d.arch->id},
          {"gpu", d.gpu->id},
          {"tp", d.tp},
          {"pp", d.pp},
          {"ep", d.ep},
          {"num_gpus", d.num_gpus()},
          {"weights", d.weights.name()},
          {"experts", d.experts.name()},
          {"kv_dtype", d.kv.name()},
          {"state_dtype", d.state.name()},
          {"mode", o.mode},
          {"dp", d.dp},
          {"dp_attention", d.dp_attention},
          {"interconnect", d.scale_up ? ojson(d.scale_up->id) : ojson(nullptr)},
          {"scale_out", d.scale_out ? ojson(d.scale_out->id) : ojson(nullptr)},
          {"scale_up_domain", d.scale_up_domain},
          {"allreduce", allreduce_algo_name(d.allreduce)},
          {"compute_dtype", std::string(compute_class_name(d.peak.used))},
          {"peak_flop_per_s", d.peak.flop_per_s},
          {"memory_bandwidth_bytes_per_s", d.gpu->memory_bw_bytes_per_s},
          {"efficiency",
           {{"memory_bandwidth", d.eff.memory_bw},
            {"matmul", d.eff.matmul},
            {"measured_collectives", d.eff.measured_comm},
            {"dequant", d.eff.dequant},
            {"step_overhead_s", d.eff.step_overhead_s},
            {"layer_overhead_s", d.eff.layer_overhead_s},
            {"seq_overhead_s", d.eff.seq_overhead_s},
            {"overhead_source", d.eff.overhead_source},
            {"small_gemm_rows", d.eff.small_gemm_rows},
            {"memory_source", d.eff.memory_source},
            {"matmul_source", d.eff.matmul_source}}},
          {"engine", d.engine},
          {"engine_source", engine_profile(d.engine, *d.gpu).source},
          {"max_num_batched_tokens", d.max_batched_tokens},
          {"gpu_mem_util", d.gpu_mem_util},
          {"runtime_overhead_bytes", d.runtime_overhead_bytes}};
}

}  // namespace mlcalc
