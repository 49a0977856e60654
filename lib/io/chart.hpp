// Charts: the curves and breakdowns commands already compute, drawn as a standalone SVG (our own
// small writer: no dependency, text that diffs and greps, light and dark friendly) or described
// as a Vega-Lite spec with the data inline (for notebooks). A Chart holds numbers in display
// units (the axis labels carry them); the report layer builds one per typed result.
#pragma once
#include <string>
#include <vector>

#include "table.hpp"

namespace mlcalc {

/// One line of points (drawn with markers, in the order given).
struct ChartSeries {
  std::string name;
  std::vector<double> x, y;
  std::vector<std::string> labels;  ///< per-point label drawn beside the marker ("" = none); may be empty
  bool dashed = false;
};

/// A highlighted point (the serving point, a break-even point).
struct ChartMark {
  std::string label;
  double x = 0, y = 0;
};

/// A horizontal reference line across the plot (an API price, the GPU's memory).
struct ChartRule {
  std::string label;
  double y = 0;
};

/// One segment of a stacked bar.
struct ChartSegment {
  std::string name;
  double value = 0;
};

/// A line chart (series, marks, rules) or, when `stack` is not empty, one stacked bar against rules.
struct Chart {
  std::string title, subtitle, x_label, y_label;  ///< labels with units, e.g. "tokens/s per GPU"
  bool log_x = false, log_y = false;
  std::vector<ChartSeries> series;
  std::vector<ChartMark> marks;
  std::vector<ChartRule> rules;
  std::vector<ChartSegment> stack;  ///< stacked-bar mode
  std::string stack_label;          ///< the bar's name on the x axis
};

/// Nice tick positions covering [lo, hi] (1-2-5 steps; decades on a log axis).
std::vector<double> chart_ticks(double lo, double hi, bool log);

/// A standalone SVG document.
std::string render_svg(const Chart& c);
/// A Vega-Lite v5 spec with the data inline.
ojson render_vega(const Chart& c);

}  // namespace mlcalc
