// Shared vocabulary of the mlcalc core: the one error type and unit constants.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mlcalc {

/// Exit status classes (README "Exit status").
enum class ErrorKind { input = 1, usage = 2 };

/// The one exception type: a one-line, lowercase message; caught once in main().
struct Error : std::runtime_error {
  ErrorKind kind;
  explicit Error(const std::string& msg, ErrorKind k = ErrorKind::input) : std::runtime_error(msg), kind(k) {}
};

inline constexpr double kGiB = 1073741824.0;  ///< 2^30 bytes
inline constexpr double kMiB = 1048576.0;     ///< 2^20 bytes
inline constexpr double kGB = 1e9;            ///< 10^9 bytes
inline constexpr double kTera = 1e12;         ///< 10^12

/// A whole number with thousands separators (8,030,261,248), for messages.
std::string count_text(double v);

/// The one checked conversion of a number read from JSON, TOML or the command line to a count
/// or size: finite, whole and in [lo, hi], checked before any cast, allocation or loop uses it;
/// otherwise Error "WHAT must be a whole number from LO to HI, got V" (the range in the message).
int64_t checked_count(double v, int64_t lo, int64_t hi, std::string_view what);
/// A real in (lo, hi]: finite and not subnormal (5e-324 passes "> 0" but divides to inf);
/// otherwise Error "WHAT must be > LO and <= HI, got V".
double checked_real(double v, double lo, double hi, std::string_view what);
/// "%g"-style text of a number for messages (1e+20, 0.5, 4294967300).
std::string number_text(double v);
/// An ISO 8601 calendar date YYYY-MM-DD that exists (2025-02-30 does not).
bool is_iso_date(std::string_view s);

/// Lowercase ASCII copy.
std::string lower(std::string_view s);

/// Levenshtein distance (for did-you-mean).
int edit_distance(std::string_view a, std::string_view b);

/// The closest candidate to `name` (case-insensitive), or "" when none is close.
std::string closest(std::string_view name, const std::vector<std::string>& candidates);

/// "; did you mean 'x'?" or "" when nothing is close.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace mlcalc
