// The two projections of every result: a JSON envelope and a Table (text, markdown, CSV).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

namespace mlcalc {

using ojson = nlohmann::ordered_json;

enum class Format { table, json, csv, md };

/// A printable table: columns with units, rows of cells, notes printed below.
struct Table {
  std::string title;
  std::vector<std::string> columns;  ///< header text including the unit, e.g. "TPOT (ms)"
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;
  /// Right-align numeric columns (all except the first by default).
  std::vector<bool> left_align;
  /// Columns a narrow terminal may drop (right to left) to fit; the table says which it dropped.
  std::vector<bool> wide;
};

/// Renders tables for people (text, md) or spreadsheets (csv). `width` > 0 (text only): drop
/// `wide` columns, right to left, until each table fits that many characters, and wrap notes.
std::string render(const std::vector<Table>& tables, Format f, size_t width = 0);

/// Display width of UTF-8 text (each code point counts one).
size_t text_width(const std::string& s);
/// `text` wrapped at `width` characters: the first line after `first`, the rest after `indent`.
std::string wrap(const std::string& text, size_t width, const std::string& first, const std::string& indent);

/// Human formatting helpers.
std::string fmt_num(double v, int decimals);
std::string fmt_count(double v);  ///< 8,030,261,248
std::string fmt_si(double v);     ///< 8.03 B, 1.2 M
/// A horizontal bar of `width` cells for a fraction in [0, 1].
std::string bar(double fraction, int width);

}  // namespace mlcalc
