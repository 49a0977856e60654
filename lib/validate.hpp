// What `validate` reports: each published measurement (validation/*.toml) next to what the model
// predicts for its configuration, and the error per group. Pure: the caller resolves the names.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "inference.hpp"
#include "validation.hpp"

namespace mlcalc {

/// One measured quantity of one case.
struct ValidationRow {
  std::string id, group, quantity, engine, source, config;
  double measured = 0;
  std::optional<double> predicted;     ///< realistic mode; nullopt when not expressible
  std::optional<double> roofline;      ///< roofline mode
  std::optional<double> ratio;         ///< predicted / measured
  std::optional<bool> roofline_holds;  ///< the roofline is at least as fast as the measurement
  std::string skipped;                 ///< why there is no prediction ("" = predicted)
};

/// Error figures of a set of rows (those with a prediction).
struct ValidationStats {
  std::string name;
  int n = 0, skipped = 0;
  std::optional<double> mean_abs_pct_error, median_ratio, roofline_bound_fraction;
};

/// A group and the same figures per quantity inside it.
struct ValidationGroup {
  ValidationStats stats;
  std::vector<ValidationStats> quantities;
};

struct ValidationReport {
  std::vector<ValidationRow> rows;
  std::vector<ValidationGroup> groups;
};

/// True for quantities where smaller is faster (times); false for rates.
bool is_time_quantity(const std::string& quantity);

/// The model's value of each quantity of an inference case on `d` (a batch, a fixed concurrency
/// or the maximum-throughput serving point); nullopt for a quantity it cannot express.
std::optional<double> predict_inference(const Deployment& d, const ValidationCase& c, const std::string& quantity);

/// The model's value of a collective case (time_s, bus_bandwidth_bytes_per_s) over `link`;
/// `ideal` = peak link bandwidth, no latency (the roofline).
/// Across nodes (`out` non-null and nodes > 1) the two-level scheme of lib/collectives is used.
std::optional<double> predict_collective(const Interconnect& link, const Interconnect* out, const ValidationCase& c,
                                         const std::string& quantity, bool ideal);

/// A row from a measurement and the two predictions.
ValidationRow make_row(const ValidationCase& c, const std::string& quantity, double measured,
                       std::optional<double> predicted, std::optional<double> roofline);

/// Groups in order of first appearance, each with per-quantity figures.
std::vector<ValidationGroup> summarize(const std::vector<ValidationRow>& rows);

}  // namespace mlcalc
