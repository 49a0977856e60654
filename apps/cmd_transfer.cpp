// mlcalc transfer: bytes and time to move a sequence's KV cache (and recurrent state) over a link.
#include "options.hpp"
#include "transfer.hpp"

namespace mlcalc::cli {

namespace {

struct TransferOptions {
  std::string model, link;
  double tokens = 0, nics = 1, block = 16;
  std::optional<DType> kv = DType{DType::Kind::bf16}, state = DType{DType::Kind::bf16};
};

void run_transfer(Context& ctx, const TransferOptions& o) {
  Database& db = ctx.db();
  const ModelEntry& m = db.model(o.model);
  const Interconnect& link = db.interconnect(o.link);
  if (o.nics > 1024) throw Error("--nics at most 1024", ErrorKind::usage);
  ctx.emit(to_document(evaluate_transfer(m.arch, o.tokens, *o.kv, *o.state, link, o.nics, o.block)));
}

}  // namespace

Command transfer_command() {
  auto o = std::make_shared<TransferOptions>();
  return {"transfer", "bytes and time to move a sequence's KV cache (and state) over a link",
          [o](CLI::App& sub) {
            sub.add_option("--model,-m", o->model, "model: database name, Hugging Face id, or config.json path")
                ->required();
            add_count(sub, "--tokens", o->tokens, "tokens in the sequence, e.g. 32k")->required();
            sub.add_option("--link", o->link, "interconnect id (see `mlcalc list interconnects`)")->required();
            add_dtype(sub, "--kv-dtype", o->kv, "KV-cache dtype (default bf16)");
            add_dtype(sub, "--state-dtype", o->state, "recurrent-state dtype (default bf16)");
            add_count(sub, "--nics", o->nics, "NICs (or links) used in parallel (default 1)");
            add_count(sub, "--block-size", o->block, "tokens per KV block moved per layer (default 16, vLLM's)");
          },
          [o](Context& ctx) { run_transfer(ctx, *o); }};
}

}  // namespace mlcalc::cli
