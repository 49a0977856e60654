// mlcalc list gpus|models|interconnects|prices
#include <fmt/format.h>

#include "options.hpp"

namespace mlcalc::cli {

namespace {

struct ListOptions {
  std::string what, model, gpu;
};

void run_list(Context& ctx, const ListOptions& o) {
  Database& db = ctx.db();
  ListReport r;
  r.what = o.what;
  if (o.what == "gpus") {
    for (const auto& id : db.ids(EntryKind::gpu)) r.gpus.push_back(&db.gpu(id));
  } else if (o.what == "models") {
    for (const auto& id : db.ids(EntryKind::model)) r.models.push_back(&db.model(id));
  } else if (o.what == "interconnects") {
    for (const auto& id : db.ids(EntryKind::interconnect)) r.interconnects.push_back(&db.interconnect(id));
  } else {
    r.gpu_filter = o.gpu.empty() ? "" : db.gpu(o.gpu).id;
    r.model_filter = o.model.empty() ? "" : db.model(o.model).id;
    r.show_gpu_offers = r.model_filter.empty();
    r.show_api_offers = r.gpu_filter.empty();
    if (r.show_gpu_offers)
      for (const auto& off : db.gpu_offers())
        if (r.gpu_filter.empty() || off.gpu == r.gpu_filter) r.gpu_offers.push_back(off);
    if (r.show_api_offers)
      for (const auto& off : db.api_offers())
        if (r.model_filter.empty() || off.model == r.model_filter) r.api_offers.push_back(off);
    for (const auto& off : r.gpu_offers)
      if (age_days(off.as_of) > 180)
        ctx.warn(fmt::format("price {} {} {} is dated {} (over 180 days old)", off.provider, off.gpu, off.pricing,
                             off.as_of));
    for (const auto& off : r.api_offers)
      if (age_days(off.as_of) > 180)
        ctx.warn(fmt::format("price {} {} is dated {} (over 180 days old)", off.provider, off.model, off.as_of));
  }
  ctx.emit(to_document(r));
}

}  // namespace

Command list_command() {
  auto o = std::make_shared<ListOptions>();
  return {"list", "list gpus, models, interconnects or prices in the database",
          [o](CLI::App& sub) {
            sub.add_option("what", o->what, "gpus | models | interconnects | prices")
                ->required()
                ->check(CLI::IsMember({"gpus", "models", "interconnects", "prices"}));
            sub.add_option("--model", o->model, "prices: only this model's API offers");
            sub.add_option("--gpu", o->gpu, "prices: only this GPU's rental offers");
          },
          [o](Context& ctx) { run_list(ctx, *o); }};
}

}  // namespace mlcalc::cli
