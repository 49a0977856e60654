// mlcalc sources [TAG...]: the full citation behind a short source tag (S-SILY, C-21, N-06).
#include "options.hpp"

namespace mlcalc::cli {

namespace {

struct SourcesOptions {
  std::vector<std::string> tags;
};

void run_sources(Context& ctx, const SourcesOptions& o) {
  SourcesReport r;
  if (o.tags.empty()) {
    for (const auto& e : source_registry()) r.entries.push_back(&e);
  } else {
    for (const auto& t : o.tags) {
      r.asked.push_back(t);
      r.entries.push_back(&source(t));
    }
  }
  ctx.emit(to_document(r));
}

}  // namespace

Command sources_command() {
  auto o = std::make_shared<SourcesOptions>();
  return {"sources", "print the full citation behind a source tag (S-SILY, C-21, N-06) of the data and notes",
          [o](CLI::App& sub) {
            sub.add_option("tag", o->tags,
                           "source tags (case-insensitive; 'S-GPU' for S-GPU$, 'sily' for S-SILY); none: list all");
          },
          [o](Context& ctx) { run_sources(ctx, *o); }};
}

}  // namespace mlcalc::cli
