// The one report layer: every command's typed result becomes a Document (JSON inputs and
// result, tables for people, flat records for CSV), and a Document is written in one format.
// The numbers stay numbers until here; CSV is written from the JSON values, never from the
// display strings of the tables.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "../attention.hpp"
#include "../cost.hpp"
#include "../describe.hpp"
#include "../eval.hpp"
#include "../kernel.hpp"
#include "../plan.hpp"
#include "../throughput.hpp"
#include "../train.hpp"
#include "../transfer.hpp"
#include "../validate.hpp"
#include "../vram.hpp"
#include "chart.hpp"
#include "db.hpp"
#include "sources.hpp"
#include "table.hpp"

namespace mlcalc {

/// What a command prints, in every projection.
struct Document {
  std::string command;
  ojson inputs = ojson::object();
  ojson result = ojson::object();
  std::vector<Table> tables;       ///< table and md formats
  ojson records = ojson::array();  ///< CSV: one object per row (nested objects flattened to a.b keys)
  std::vector<std::string> warnings;
  std::optional<Chart> chart;  ///< --plot FILE.svg and --format vega (commands with a curve or a breakdown)
  std::optional<std::string> text;  ///< table and md formats: this text instead of the tables (card: the Markdown)
};

/// Writes `doc` as a JSON envelope, tables, markdown or CSV.
/// `width` > 0: text tables fit that many characters (lib/io/table.hpp).
std::string render(const Document& doc, Format f, const std::string& version, size_t width = 0);

/// CSV of flat records: header = the union of keys in order of appearance; plain numbers.
std::string to_csv(const ojson& records);
/// Flattens nested objects ({"a": {"b": 1}} -> {"a.b": 1}) and arrays of objects (a.0.b).
ojson flatten(const ojson& j);

/// A count as a JSON integer when it is whole (8, not 8.0); a double otherwise.
ojson jcount(double v);
/// The value, or null when absent.
ojson jopt(const std::optional<double>& v);

/// The deployment's inputs (resolved ids, dtypes, efficiencies and their sources).
ojson deployment_json(const Deployment& d);

/// What `list` shows.
struct ListReport {
  std::string what;  ///< gpus | models | interconnects | prices
  std::vector<const Gpu*> gpus;
  std::vector<const Interconnect*> interconnects;
  std::vector<const ModelEntry*> models;
  std::vector<GpuOffer> gpu_offers;
  std::vector<ApiOffer> api_offers;
  std::string model_filter, gpu_filter;  ///< prices: resolved ids ("" = all)
  bool show_gpu_offers = true, show_api_offers = true;
};

Document to_document(const ModelSummary& r);
Document to_document(const GpuSummary& r);
Document to_document(const InterconnectSummary& r);
Document to_document(const ThroughputReport& r);
Document to_document(const InferMemoryReport& r);
Document to_document(const TrainMemoryReport& r);
Document to_document(const DeepSpeedReport& r);
Document to_document(const TrainReport& r);
Document to_document(const CostReport& r);
Document to_document(const BreakevenReport& r);
Document to_document(const ListReport& r);
/// `rows_table`: add the per-row table to the text output (the summary is always there).
Document to_document(const ValidationReport& r, bool rows_table);
/// `explain`: the 1-based rank of the config whose evaluation is shown in full (0 = none).
Document to_document(const PlanReport& r, int explain);
Document to_document(const TransferReport& r);
Document to_document(const KernelReport& r);
Document to_document(const EvalReport& r);
Document to_document(const AttentionReport& r);
/// `attention --svg`: one mask panel per kind of layer (lib/io/report_attention.cpp).
std::string render_attention_svg(const AttentionReport& r);
struct CardReport;  // card.hpp
Document to_document(const CardReport& r);  ///< lib/io/report_card.cpp: the model card and its data
/// What `sources` shows: every registry entry (nothing asked), or one entry per tag asked for.
struct SourcesReport {
  std::vector<std::string> asked;           ///< the tags as typed, in order ("" = list all)
  std::vector<const SourceEntry*> entries;  ///< the entry answering each asked tag, or every entry
};
Document to_document(const SourcesReport& r);

/// Charts (lib/io/report_chart.cpp): throughput per user against per GPU over the batch sweep with
/// the serving point; break-even cost against utilization with every API offer; per-GPU memory.
Chart to_chart(const ThroughputReport& r);
Chart to_chart(const BreakevenReport& r);
Chart to_chart(const TrainMemoryReport& r);
Chart to_chart(const InferMemoryReport& r);
Chart to_chart(const PlanReport& r);  ///< the per-GPU Pareto fronts (lib/io/report_plan.cpp)
Chart to_chart(const KernelReport& r);  ///< the log-log roofline with the shapes and timings (report_kernel.cpp)

}  // namespace mlcalc
