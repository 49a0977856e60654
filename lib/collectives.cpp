#include "collectives.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

#include <algorithm>
#include <cmath>

#include "common.hpp"

namespace mlcalc {

namespace {

// Fallbacks for links without their own measurement (hardware-db [collectives] absent):
// NCCL latency 20 us per call, the 8xH100 NVLink torch.distributed all-reduce at 16 KB
// (NVIDIA/nccl via ByteDance-Seed/Triton-distributed issue 57, case N-25), and a bus bandwidth
// of 0.8 of the link (NCCL ring ~370 GB/s of 450 on 8xH100: NVIDIA/nccl-tests issue 212, N-09).
constexpr double kDefaultNcclLatencyS = 20e-6;
constexpr double kDefaultBusbwFraction = 0.8;

double nccl_latency(const Interconnect& l) {
  return l.nccl_latency_s > 0 ? l.nccl_latency_s : kDefaultNcclLatencyS;
}
double nccl_busbw(const Interconnect& l) {
  return l.nccl_busbw_bytes_per_s > 0 ? l.nccl_busbw_bytes_per_s : kDefaultBusbwFraction * l.bandwidth_bytes_per_s;
}
double ring_factor(int n) {
  return 2.0 * (n - 1) / n;
}

// NCCL ring: latency grows by one hop per rank; tree: two passes of log2(n) levels, and every
// byte crosses a link twice (up and down the tree) instead of ring's 2(n-1)/n.
double nccl_ring(const Interconnect& l, int n, double bytes) {
  return nccl_latency(l) + l.nccl_hop_latency_s * (n - 1) + ring_factor(n) * bytes / nccl_busbw(l);
}
double nccl_tree(const Interconnect& l, int n, double bytes) {
  return nccl_latency(l) + l.nccl_hop_latency_s * 2.0 * std::ceil(std::log2(double(n))) + 2.0 * bytes / nccl_busbw(l);
}
// Custom all-reduce (vLLM custom_all_reduce.cuh, TensorRT-LLM customAllReduceKernels.cu):
// one-shot = every rank reads all n-1 peer buffers and reduces locally (one latency, (n-1) x bytes
// in); two-shot = reduce-scatter then all-gather through peer memory (two latencies, 2(n-1)/n).
struct Custom {
  double latency, peer, busbw;
};
Custom custom_of(const Interconnect& l, bool vllm) {
  if (vllm && l.vllm_ar_latency_s > 0)
    return {l.vllm_ar_latency_s, l.vllm_ar_peer_latency_s, l.vllm_ar_busbw_bytes_per_s};
  return {l.custom_ar_latency_s, l.custom_ar_peer_latency_s, l.custom_ar_busbw_bytes_per_s};
}
double one_shot(const Custom& c, int n, double bytes) {
  return c.latency + c.peer * (n - 1) + (n - 1) * bytes / c.busbw;
}
double two_shot(const Custom& c, int n, double bytes) {
  return 2.0 * (c.latency + c.peer * (n - 1)) + ring_factor(n) * bytes / c.busbw;
}
double nvls(const Interconnect& l, int n, double bytes) {
  return l.nvls_latency_s + ring_factor(n) * bytes / l.nvls_busbw_bytes_per_s;
}

}  // namespace

const char* allreduce_algo_name(AllReduceAlgo a) {
  switch (a) {
    case AllReduceAlgo::custom:
      return "custom";
    case AllReduceAlgo::one_shot:
      return "one-shot";
    case AllReduceAlgo::two_shot:
      return "two-shot";
    case AllReduceAlgo::vllm:
      return "vllm";
    case AllReduceAlgo::nccl:
      return "nccl";
    case AllReduceAlgo::nccl_ring:
      return "ring";
    case AllReduceAlgo::nccl_tree:
      return "tree";
    case AllReduceAlgo::nvls:
      return "nvls";
  }
  return "?";
}

AllReduceAlgo parse_allreduce_algo(const std::string& s) {
  for (auto a : {AllReduceAlgo::custom, AllReduceAlgo::one_shot, AllReduceAlgo::two_shot, AllReduceAlgo::vllm,
                 AllReduceAlgo::nccl, AllReduceAlgo::nccl_ring, AllReduceAlgo::nccl_tree, AllReduceAlgo::nvls})
    if (s == allreduce_algo_name(a)) return a;
  throw Error("unknown all-reduce '" + s + "' (custom, one-shot, two-shot, vllm, nccl, ring, tree, nvls)",
              ErrorKind::usage);
}

CollectiveTime all_reduce(const Interconnect& l, AllReduceAlgo algo, int n, double bytes, bool ideal) {
  if (n <= 1) return {0, "none"};
  if (ideal) {
    // Upper bound on speed: no latency, peak link bandwidth; with in-switch reduction (NVLS) each
    // rank sends and receives the buffer once (factor 1), else the ring's 2(n-1)/n.
    const double f = l.nvls_busbw_bytes_per_s > 0 ? 1.0 : ring_factor(n);
    return {f * bytes / l.bandwidth_bytes_per_s, "ideal"};
  }
  const bool has_custom = l.custom_ar_latency_s > 0, has_nvls = l.nvls_latency_s > 0;
  const bool is_custom = algo == AllReduceAlgo::custom || algo == AllReduceAlgo::one_shot ||
                         algo == AllReduceAlgo::two_shot || algo == AllReduceAlgo::vllm;
  if (is_custom && !has_custom) algo = AllReduceAlgo::nccl;
  const Custom c = custom_of(l, algo == AllReduceAlgo::vllm);
  const char* who = algo == AllReduceAlgo::vllm && l.vllm_ar_latency_s > 0 ? "vllm" : "custom";
  if (algo == AllReduceAlgo::nvls && !has_nvls) algo = AllReduceAlgo::nccl;
  switch (algo) {
    case AllReduceAlgo::one_shot:
      return {one_shot(c, n, bytes), "custom one-shot"};
    case AllReduceAlgo::two_shot:
      return {two_shot(c, n, bytes), "custom two-shot"};
    case AllReduceAlgo::custom:
    case AllReduceAlgo::vllm: {
      const double a = one_shot(c, n, bytes), b = two_shot(c, n, bytes);
      const bool v = std::string_view(who) == "vllm";
      return a <= b ? CollectiveTime{a, v ? "vllm one-shot" : "custom one-shot"}
                    : CollectiveTime{b, v ? "vllm two-shot" : "custom two-shot"};
    }
    case AllReduceAlgo::nccl_ring:
      return {nccl_ring(l, n, bytes), "nccl ring"};
    case AllReduceAlgo::nccl_tree:
      return {nccl_tree(l, n, bytes), "nccl tree"};
    case AllReduceAlgo::nvls:
      return {nvls(l, n, bytes), "nccl nvls"};
    case AllReduceAlgo::nccl:
      break;
  }
  const double r = nccl_ring(l, n, bytes), t = nccl_tree(l, n, bytes);
  return r <= t ? CollectiveTime{r, "nccl ring"} : CollectiveTime{t, "nccl tree"};
}

namespace {
// All-gather, reduce-scatter, all-to-all: (n-1)/n of the buffer crosses each rank's link.
CollectiveTime one_pass(const Interconnect& l, int n, double bytes, bool ideal, const char* name) {
  if (n <= 1) return {0, "none"};
  const double f = (n - 1.0) / n;
  if (ideal) return {f * bytes / l.bandwidth_bytes_per_s, "ideal"};
  return {nccl_latency(l) + l.nccl_hop_latency_s * (n - 1) + f * bytes / nccl_busbw(l), name};
}
}  // namespace

CollectiveTime all_gather(const Interconnect& l, int n, double bytes, bool ideal) {
  return one_pass(l, n, bytes, ideal, "nccl all-gather");
}
CollectiveTime reduce_scatter(const Interconnect& l, int n, double bytes, bool ideal) {
  return one_pass(l, n, bytes, ideal, "nccl reduce-scatter");
}
CollectiveTime all_to_all(const Interconnect& l, int n, double bytes, bool ideal) {
  return one_pass(l, n, bytes, ideal, "nccl all-to-all");
}

CollectiveTime all_to_all_peer(const Interconnect& l, int n, double bytes, bool ideal) {
  const CollectiveTime nc = all_to_all(l, n, bytes, ideal);
  if (ideal || n <= 1 || l.custom_ar_latency_s <= 0) return nc;
  const Custom c = custom_of(l, false);
  const double t = c.latency + c.peer * (n - 1) + (n - 1.0) / n * bytes / c.busbw;
  return t < nc.time_s ? CollectiveTime{t, "peer all-to-all"} : nc;
}

CollectiveTime send_recv(const Interconnect& l, double bytes, bool ideal) {
  if (ideal) return {bytes / l.bandwidth_bytes_per_s, "ideal"};
  return {nccl_latency(l) + bytes / nccl_busbw(l), "nccl send/recv"};
}

CollectiveTime two_level(const std::string& kind, const Interconnect& up, const Interconnect& out, int per_node,
                         int nodes, double bytes, bool ideal) {
  if (per_node <= 1) {
    if (kind == "allreduce") return all_reduce(out, AllReduceAlgo::nccl, nodes, bytes, ideal);
    if (kind == "allgather") return all_gather(out, nodes, bytes, ideal);
    return all_to_all(out, nodes, bytes, ideal);
  }
  if (nodes <= 1) {
    if (kind == "allreduce") return all_reduce(up, AllReduceAlgo::nccl, per_node, bytes, ideal);
    if (kind == "allgather") return all_gather(up, per_node, bytes, ideal);
    return all_to_all(up, per_node, bytes, ideal);
  }
  // NCCL pipelines the stages chunk by chunk, so their bandwidth terms overlap: the time is the
  // stages' latencies plus the slowest stage's transfer (each stage's latency taken as its time
  // for one byte).
  auto stages = [&](double b) {
    std::vector<double> t;
    if (kind == "allreduce") {
      t = {reduce_scatter(up, per_node, b, ideal).time_s,
           all_reduce(out, AllReduceAlgo::nccl, nodes, b / per_node, ideal).time_s,
           all_gather(up, per_node, b, ideal).time_s};
    } else if (kind == "allgather") {
      t = {all_gather(out, nodes, b / per_node, ideal).time_s, all_gather(up, per_node, b, ideal).time_s};
    } else {
      t = {all_to_all(out, nodes, b, ideal).time_s};
    }
    return t;
  };
  const std::vector<double> full = stages(bytes), lat = stages(1.0);
  double latency = 0, slowest = 0;
  for (size_t i = 0; i < full.size(); ++i) latency += lat[i], slowest = std::max(slowest, full[i] - lat[i]);
  return {latency + slowest, kind == "allreduce"   ? "two-level all-reduce"
                             : kind == "allgather" ? "two-level all-gather"
                                                   : "two-level all-to-all"};
}

}  // namespace mlcalc
