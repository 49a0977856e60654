// Collective times (lib/collectives) against published all-reduce measurements, with the
// hardware-db constants. Values copied with their case IDs and primary sources:
//   N-20, N-21  sgl-project/sglang pull 2904 (2025-01-15): 8-GPU HGX H100, TP 2/4/8, vLLM custom
//               all-reduce (N-20) and SGLang's TensorRT-LLM-derived kernel (N-21), no CUDA graph.
//   N-22..N-24  sgl-project/sglang pull 2688 (2024-12-31): A100 NVSwitch, world 2/4/8, vLLM custom
//               all-reduce / TensorRT-LLM two-shot-capable kernel.
//   N-25        ByteDance-Seed/Triton-distributed issue 57 (2025-07-14): 8xH100,
//               torch.distributed.all_reduce (NCCL), payload sweep.
// Each point must be predicted within 30% (issue "Fidelity").
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "collectives.hpp"
#include "common.hpp"
#include "io/db.hpp"

using namespace mlcalc;

namespace {

struct Point {
  int ranks;
  double bytes, us;
};
constexpr double KB = 1024;

void check_points(const Interconnect& l, AllReduceAlgo algo, const std::vector<Point>& pts, const char* id) {
  for (const auto& p : pts) {
    const double t = all_reduce(l, algo, p.ranks, p.bytes, false).time_s * 1e6;
    INFO(id << " ranks " << p.ranks << " bytes " << p.bytes << ": predicted " << t << " us, measured " << p.us);
    CHECK(std::abs(t / p.us - 1) <= 0.30);
  }
}

}  // namespace

TEST_CASE("collectives: H100 custom all-reduce, N-20 and N-21") {
  Database db;
  const Interconnect& nv = db.interconnect("nvlink4");
  // N-21 (SGLang / TensorRT-LLM kernel): TP 2/4/8 at 512 B, 4 KB, 32 KB, 256 KB, 512 KB, 1 MB.
  const std::vector<Point> n21 = {{2, 512, 3.7},        {4, 512, 4.8},       {8, 512, 5.9},       {2, 4 * KB, 3.9},
                                  {4, 4 * KB, 3.7},     {8, 4 * KB, 5.7},    {2, 32 * KB, 4.5},   {4, 32 * KB, 4.8},
                                  {8, 32 * KB, 7.8},    {2, 256 * KB, 7.9},  {4, 256 * KB, 13.9}, {8, 256 * KB, 16.7},
                                  {2, 512 * KB, 12.5},  {4, 512 * KB, 20.2}, {8, 512 * KB, 22.1}, {2, 1024 * KB, 19.9},
                                  {4, 1024 * KB, 31.1}, {8, 1024 * KB, 33.8}};
  check_points(nv, AllReduceAlgo::custom, n21, "N-21");
  // Hand arithmetic, TP8 at 16 KB (Llama-70B batch 1: 8192 x 2 B): latency 3.3 + 7 x 0.25 =
  // 5.05 us; one-shot 5.05 + 7 x 16384 / 70e9 s = 5.05 + 1.64 = 6.69 us; two-shot 10.1 + 1.75 x
  // 16384 / 70e9 = 10.51 us -> one-shot, 6.69 us (N-21 at 32 KB: 7.8 us).
  const CollectiveTime c = all_reduce(nv, AllReduceAlgo::custom, 8, 16 * KB, false);
  CHECK(std::string(c.algorithm) == "custom one-shot");
  CHECK(c.time_s == doctest::Approx(5.05e-6 + 7 * 16384 / 70e9).epsilon(1e-9));
  // N-20 (vLLM's kernel, same PR): its own constants (AllReduceAlgo::vllm), all points.
  const std::vector<Point> n20 = {{2, 512, 9.5},        {4, 512, 9.1},       {8, 512, 10.1},      {2, 4 * KB, 8.8},
                                  {4, 4 * KB, 8.5},     {8, 4 * KB, 9.3},    {2, 32 * KB, 8.7},   {4, 32 * KB, 9.2},
                                  {8, 32 * KB, 11.8},   {2, 256 * KB, 12.9}, {4, 256 * KB, 20.6}, {8, 256 * KB, 24.1},
                                  {2, 512 * KB, 17.7},  {4, 512 * KB, 26.9}, {8, 512 * KB, 30.4}, {2, 1024 * KB, 26.6},
                                  {4, 1024 * KB, 40.2}, {8, 1024 * KB, 45.0}};
  check_points(nv, AllReduceAlgo::vllm, n20, "N-20");
}

TEST_CASE("collectives: A100 custom all-reduce, N-22..N-24") {
  Database db;
  const Interconnect& nv = db.interconnect("nvlink3");
  // TensorRT-LLM column (vLLM's in the second list): world 2 (N-22), 4 (N-23), 8 (N-24).
  const std::vector<Point> trt = {{2, 512, 11.9},       {2, 4 * KB, 13.6},    {2, 32 * KB, 12.2},   {2, 256 * KB, 17.0},
                                  {2, 512 * KB, 22.8},  {2, 1024 * KB, 32.6}, {2, 2048 * KB, 54.3}, {4, 512, 11.9},
                                  {4, 4 * KB, 14.0},    {4, 32 * KB, 13.7},   {4, 256 * KB, 20.6},  {4, 512 * KB, 30.6},
                                  {4, 1024 * KB, 45.5}, {8, 512, 13.7},       {8, 4 * KB, 16.5}};
  check_points(nv, AllReduceAlgo::custom, trt, "N-22..N-24 TRT-LLM");
  const std::vector<Point> vllm = {
      {2, 512, 13.0},       {2, 4 * KB, 11.3},    {2, 32 * KB, 12.1},   {2, 256 * KB, 17.6}, {2, 512 * KB, 22.3},
      {2, 1024 * KB, 32.5}, {2, 2048 * KB, 55.3}, {4, 512, 13.5},       {4, 4 * KB, 12.1},   {4, 32 * KB, 13.5},
      {4, 256 * KB, 23.9},  {4, 512 * KB, 31.3},  {4, 1024 * KB, 47.1}, {8, 512, 14.0},      {8, 4 * KB, 14.2}};
  check_points(nv, AllReduceAlgo::vllm, vllm, "N-22..N-24 vLLM");
}

TEST_CASE("collectives: H100 NCCL all-reduce, N-25") {
  Database db;
  const Interconnect& nv = db.interconnect("nvlink4");
  // 8 ranks; the 2 MB point (290.73 us) is an outlier in the source and is left out.
  const std::vector<Point> n25 = {{8, 128, 19.19},       {8, 1 * KB, 19.50},    {8, 16 * KB, 20.71},
                                  {8, 64 * KB, 23.05},   {8, 256 * KB, 24.76},  {8, 1024 * KB, 32.42},
                                  {8, 4096 * KB, 59.43}, {8, 8192 * KB, 90.51}, {8, 16384 * KB, 135.68}};
  check_points(nv, AllReduceAlgo::nccl, n25, "N-25");
  // Hand arithmetic at 16 KB: 21.1 us + 2 x 7/8 x 16384 B / 228e9 B/s = 21.1 + 0.126 = 21.23 us.
  const CollectiveTime c = all_reduce(nv, AllReduceAlgo::nccl_ring, 8, 16 * KB, false);
  CHECK(c.time_s == doctest::Approx(21.1e-6 + 1.75 * 16384 / 228e9).epsilon(1e-9));
}

TEST_CASE("collectives: fallbacks, ideal bound, other collectives") {
  Database db;
  const Interconnect& ib = db.interconnect("ib-ndr");
  const Interconnect& nv = db.interconnect("nvlink4");
  // A network has no custom all-reduce: the request falls back to NCCL.
  const CollectiveTime c = all_reduce(ib, AllReduceAlgo::custom, 8, 16 * KB, false);
  CHECK(std::string(c.algorithm).rfind("nccl", 0) == 0);
  // ...and is slower than NVLink's custom kernel (TP decode over InfiniBand is not faster).
  CHECK(c.time_s > all_reduce(nv, AllReduceAlgo::custom, 8, 16 * KB, false).time_s);
  // Ideal (roofline): no latency, NVLS in-switch reduction moves each byte once: 1 MB / 450 GB/s.
  const CollectiveTime i = all_reduce(nv, AllReduceAlgo::custom, 8, 1e6, true);
  CHECK(i.time_s == doctest::Approx(1e6 / 450e9));
  // Every measured algorithm is slower than the ideal bound.
  for (auto a : {AllReduceAlgo::custom, AllReduceAlgo::one_shot, AllReduceAlgo::two_shot, AllReduceAlgo::vllm,
                 AllReduceAlgo::nccl, AllReduceAlgo::nccl_ring, AllReduceAlgo::nccl_tree, AllReduceAlgo::nvls})
    for (double bytes : {512.0, 16 * KB, 1e6, 1e9})
      CHECK(all_reduce(nv, a, 8, bytes, false).time_s > all_reduce(nv, a, 8, bytes, true).time_s);
  // One rank: nothing to do.
  CHECK(all_reduce(nv, AllReduceAlgo::nccl, 1, 1e6, false).time_s == 0);
  // All-gather of 8 MB output among 8: 21.1 us + 7/8 x 8e6 / 228e9.
  CHECK(all_gather(nv, 8, 8e6, false).time_s == doctest::Approx(21.1e-6 + 0.875 * 8e6 / 228e9));
  // Send/recv of 1 MB over ib-ndr: 19.2 us + 1e6 / 37e9.
  CHECK(send_recv(ib, 1e6, false).time_s == doctest::Approx(19.2e-6 + 1e6 / 37e9));
  // MoE dispatch through peer memory on NVLink, 1 token x top-8 x 7168 hidden x 1 B = 57,344 B:
  // 3.3 + 7 x 0.25 us + 7/8 x 57,344 B / 70 GB/s; over InfiniBand (no peer kernel), NCCL.
  CHECK(all_to_all_peer(nv, 8, 57344, false).time_s == doctest::Approx(5.05e-6 + 0.875 * 57344 / 70e9));
  CHECK(std::string(all_to_all_peer(nv, 8, 57344, false).algorithm) == "peer all-to-all");
  CHECK(std::string(all_to_all_peer(ib, 8, 57344, false).algorithm) == "nccl all-to-all");
  // Names round-trip; unknown names are usage errors.
  CHECK(parse_allreduce_algo("two-shot") == AllReduceAlgo::two_shot);
  CHECK_THROWS_AS(parse_allreduce_algo("fast"), Error);
}
