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

/// Lowercase ASCII copy.
std::string lower(std::string_view s);

/// Levenshtein distance (for did-you-mean).
int edit_distance(std::string_view a, std::string_view b);

/// The closest candidate to `name` (case-insensitive), or "" when none is close.
std::string closest(std::string_view name, const std::vector<std::string>& candidates);

/// "; did you mean 'x'?" or "" when nothing is close.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace mlcalc
