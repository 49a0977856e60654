#include "engine.hpp"

#include "common.hpp"

namespace mlcalc {

const std::vector<std::string>& engine_ids() {
  static const std::vector<std::string> ids = {"vllm", "sglang", "trtllm", "llama.cpp", "gpt-fast"};
  return ids;
}

// Default engine: vLLM. It is the most widely deployed open engine, and its online-server defaults
// (max_num_seqs, gpu_memory_utilization 0.9, a token budget per step with chunked prefill) are the
// assumptions this tool already made before engines were named, so results without --engine do not
// move; the other engines differ only in the sourced knobs below.
EngineProfile engine_profile(std::string_view id_in, const Gpu& gpu) {
  std::string id = lower(id_in);
  if (id == "llamacpp" || id == "llama-cpp") id = "llama.cpp";
  if (id == "gptfast") id = "gpt-fast";
  if (id == "tensorrt-llm" || id == "trt-llm") id = "trtllm";
  const double mem = gpu.memory_bytes;
  const bool a100 = lower(gpu.id).find("a100") != std::string::npos;
  EngineProfile e;
  e.id = id;
  // Host time per running sequence per step (batch bookkeeping, sampling, detokenisation): 15 us,
  // fitted on the most host-bound published point, TensorRT-LLM Llama-3.1-8B FP8 on H200 at ISL/OSL
  // 128/128 (case I-30: 27,911 tok/s, below the 28,312 of the slower H100), where 1,000+ sequences
  // run at 128-token contexts. Engines serving one request at a time have no such term.
  e.seq_overhead_s = 15e-6;
  // Online serving streams each token to its client (detokenise, SSE event, frontend bookkeeping):
  // 50 us more per running sequence per step, fitted on the NVIDIA NIM genai-perf grid (TRT-LLM
  // backend, Llama-3-8B/70B, A100/H100, TP1-8, concurrency 1-250, 715 rows;
  // wbing520/ai-performance-engineering@0e25b2e code/ch10_inference/inference_gpu_cluster_sizing/dataset/nim.csv;
  // cases S-20..S-29), where ITL grows ~60-80 us per added client for 8B beyond what the GPU work
  // explains. Applied only to --concurrency N and --request-rate (clients), not to the offline
  // max-throughput point (I-30 is trtllm-bench, no streaming).
  e.stream_seq_overhead_s = 50e-6;
  if (id == "vllm") {
    // vLLM V1 OpenAI server: max_num_batched_tokens 8192 and max_num_seqs 1024 on GPUs with >= 70 GiB
    // that are not A100, else 2048 and 256; chunked prefill always on in V1; CUDA graphs (piecewise)
    // by default; custom all-reduce for TP within a node. vllm-project/vllm@99d7eb5
    // vllm/engine/arg_utils.py EngineArgs.get_batch_defaults; gpu_memory_utilization 0.9 (same file).
    const bool big = mem >= 70 * kGiB && !a100;
    e.name = "vLLM V1 (OpenAI server)";
    e.max_batched_tokens = big ? 8192 : 2048;
    e.max_batch = big ? 1024 : 256;
    e.source = "vllm-project/vllm@99d7eb5 vllm/engine/arg_utils.py get_batch_defaults (max_num_batched_tokens " +
               std::string(big ? "8192, max_num_seqs 1024: >= 70 GiB, not A100" : "2048, max_num_seqs 256") +
               "), gpu_memory_utilization 0.9";
  } else if (id == "sglang") {
    // SGLang: chunked_prefill_size 2048 below 35 GiB, 8192 below 160 GiB, else 16384; mem_fraction_static
    // 0.88 when not derived; running requests bounded by the KV pool (no fixed cap); CUDA graphs and
    // custom all-reduce on. sgl-project/sglang@469c63e python/sglang/srt/server_args.py __post_init__.
    e.name = "SGLang";
    e.max_batched_tokens = mem < 35 * kGiB ? 2048 : (mem < 160 * kGiB ? 8192 : 16384);
    e.max_batch = 0;
    e.gpu_mem_util = 0.88;
    e.source =
        "sgl-project/sglang@469c63e python/sglang/srt/server_args.py (chunked_prefill_size by GPU memory, "
        "mem_fraction_static 0.88)";
  } else if (id == "trtllm") {
    // TensorRT-LLM: BuildConfig max_batch_size 2048, max_num_tokens 8192, KV cache
    // free_gpu_memory_fraction 0.9 (NVIDIA/TensorRT-LLM@14e801d tensorrt_llm/builder.py BuildConfig);
    // in-flight batching; context chunking off unless enable_chunked_context; the C++ executor's
    // ExtendedRuntimePerfKnobConfig has CUDA-graph mode off by default; TRT-LLM's own all-reduce plugin.
    e.name = "TensorRT-LLM (C++ executor)";
    e.max_batched_tokens = 8192;
    e.max_batch = 2048;
    e.chunked_prefill = false;
    e.cuda_graphs = false;
    // The first token reaches a streaming client one generation iteration after the context phase:
    // NIM (TensorRT-LLM) TTFT at concurrency 1 is the prefill plus one decode step across Llama-3
    // 8B/70B, A100/H100, TP 1-8 (e.g. 70B A100 TP8 200-token prompt: 51.8 ms TTFT = ~29 ms prefill +
    // 22.4 ms ITL; NIM rows at concurrency 1 of wbing520/ai-performance-engineering@0e25b2e nim.csv,
    // cases S-20..S-29). Fitted on those rows; a delay in steps, not a constant.
    e.first_token_steps = 1;
    e.source =
        "NVIDIA/TensorRT-LLM@14e801d tensorrt_llm/builder.py BuildConfig (max_batch_size 2048, "
        "max_num_tokens 8192), kv_cache free_gpu_memory_fraction 0.9";
  } else if (id == "llama.cpp") {
    // llama.cpp server: n_parallel 1 slot, n_batch 2048 logical / n_ubatch 512 physical tokens per
    // step (ggml-org/llama.cpp@de93b99 common/common.h common_params); CUDA graphs for single-token
    // decode; no tensor-parallel all-reduce (layers split across GPUs).
    e.name = "llama.cpp server";
    e.max_batched_tokens = 512;
    e.max_batch = 1;
    e.custom_allreduce = false;
    e.seq_overhead_s = e.stream_seq_overhead_s = 0;
    e.source = "ggml-org/llama.cpp@de93b99 common/common.h (n_parallel 1, n_batch 2048, n_ubatch 512)";
  } else if (id == "gpt-fast") {
    // gpt-fast: one request at a time (batch 1), torch.compile mode="reduce-overhead" (CUDA graphs),
    // TP through torch.distributed (NCCL) all-reduce; prompt prefilled whole.
    // pytorch-labs/gpt-fast@a4bd2f8 generate.py.
    e.name = "gpt-fast";
    e.max_batched_tokens = 8192;  // workspace sizing only: prompts go whole (chunked_prefill false)
    e.max_batch = 1;
    e.continuous_batching = false;
    e.seq_overhead_s = e.stream_seq_overhead_s = 0;
    e.chunked_prefill = false;
    e.custom_allreduce = false;
    e.source = "pytorch-labs/gpt-fast@a4bd2f8 generate.py (batch 1, torch.compile reduce-overhead, NCCL all-reduce)";
  } else {
    std::string list;
    for (const auto& x : engine_ids()) list += (list.empty() ? "" : ", ") + x;
    throw Error("unknown engine '" + std::string(id_in) + "' (engines: " + list + ")" + did_you_mean(id, engine_ids()),
                ErrorKind::usage);
  }
  return e;
}

}  // namespace mlcalc
