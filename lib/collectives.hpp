// Collective communication time over one link: all-reduce (NCCL ring/tree, custom one-shot and
// two-shot, NVLS), all-gather, reduce-scatter, all-to-all, send/recv.
// Model (docs/model.md "Collectives"): time = latency per call (per algorithm, measured) +
// bytes x algorithm factor / measured bus bandwidth. The constants live in hardware-db
// interconnect files with the measurements they were fitted on.
#pragma once
#include <string>

#include "hardware.hpp"

namespace mlcalc {

/// All-reduce implementation. `custom` = the better of one-shot and two-shot for the size with
/// the TensorRT-LLM/SGLang kernel (what serving engines run for TP decode); `vllm` = the same with
/// vLLM's kernel where measured apart; `nccl` = the better of ring and tree.
enum class AllReduceAlgo { custom, one_shot, two_shot, vllm, nccl, nccl_ring, nccl_tree, nvls };
const char* allreduce_algo_name(AllReduceAlgo a);
/// Parses "custom", "one-shot", "two-shot", "vllm", "nccl", "ring", "tree", "nvls"; throws Error (usage).
AllReduceAlgo parse_allreduce_algo(const std::string& s);

/// How a collective is timed: `ideal` = peak link bandwidth with the algorithm's byte factor
/// and no per-call latency (the roofline upper bound on speed); else the measured constants.
struct CollectiveTime {
  double time_s = 0;
  const char* algorithm =
      "";  ///< algorithm that ran ("custom one-shot", "nccl ring", ...): a static string, no allocation
};

/// All-reduce of `bytes` (the per-rank buffer) among `ranks` GPUs over `link`. An algorithm the
/// link lacks (custom on a network, NVLS without a switch) falls back to NCCL.
CollectiveTime all_reduce(const Interconnect& link, AllReduceAlgo algo, int ranks, double bytes, bool ideal);
/// All-gather whose output is `bytes` per rank (each rank contributes bytes/ranks).
CollectiveTime all_gather(const Interconnect& link, int ranks, double bytes, bool ideal);
/// Reduce-scatter whose input is `bytes` per rank.
CollectiveTime reduce_scatter(const Interconnect& link, int ranks, double bytes, bool ideal);
/// All-to-all where each rank holds `bytes` and sends (ranks-1)/ranks of it away.
CollectiveTime all_to_all(const Interconnect& link, int ranks, double bytes, bool ideal);
/// All-to-all through peer memory (MoE dispatch/combine kernels: TensorRT-LLM MoE all-to-all,
/// DeepEP intranode) on a link with a custom all-reduce: its latency and bus bandwidth; the NCCL
/// all-to-all where the link has none or NCCL is faster.
CollectiveTime all_to_all_peer(const Interconnect& link, int ranks, double bytes, bool ideal);
/// A collective over `nodes` x `per_node` GPUs, each GPU with its own NIC (rail-optimized, as
/// NCCL runs it across nodes): the part inside a node over `up`, the part between nodes over
/// `out`. All-reduce = reduce-scatter in the node + all-reduce of bytes/per_node across nodes on
/// each rail + all-gather in the node (NCCL's hierarchical/NVLS-tree scheme, nccl docs "Algorithms");
/// all-gather = the inter-node gather of bytes/per_node per rail + the gather in the node; all-to-all
/// sends (nodes-1)/nodes of each buffer through the rank's NIC. `kind`: allreduce | allgather | alltoall.
CollectiveTime two_level(const std::string& kind, const Interconnect& up, const Interconnect& out, int per_node,
                         int nodes, double bytes, bool ideal);

/// Point-to-point transfer of `bytes` (pipeline hand-off).
CollectiveTime send_recv(const Interconnect& link, double bytes, bool ideal);

}  // namespace mlcalc
