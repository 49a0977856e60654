// The source-tag registry: the short tags the databases, the validation data and printed notes
// cite (S-SILY, C-21, N-06, I-01..I-08 ...) and their full citations, read from docs/sources.toml
// (embedded in the binary). `mlcalc sources` prints it; the report layer points to it.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mlcalc {

/// One registry entry. `tag` is the table key: one tag ("S-SILY", "N-08") or a range of one
/// prefix ("I-01..I-08") that covers every tag from the first number to the last.
struct SourceEntry {
  std::string tag;
  std::string citation;  ///< author/title or repository@commit path, and what was read
  std::string url;       ///< where it can be read; "" when none is recorded
  std::string checked;   ///< ISO date of the source as read
  std::string used_for;  ///< what in mlcalc rests on it
};

/// The shipped registry, parsed once (an Error with file:line:col if the embedded file is malformed),
/// named sources first, then case tags by prefix and number.
const std::vector<SourceEntry>& source_registry();

/// Parses registry text (docs/sources.toml's format); `path` names it in error messages.
std::vector<SourceEntry> parse_source_registry(const std::string& text, const std::string& path);

/// The entry for `tag`: exact (case-insensitive; a trailing '$' is optional), inside a range
/// ("I-03" in "I-01..I-08"), or a named source without its "S-" ("sily"); nullptr when none.
const SourceEntry* find_source(std::string_view tag, const std::vector<SourceEntry>& registry = source_registry());

/// The entry for `tag`, or Error "unknown source tag 'X'; did you mean 'Y'? (see `mlcalc sources`)".
const SourceEntry& source(std::string_view tag, const std::vector<SourceEntry>& registry = source_registry());

/// Every token of the tag shape in `text`, in order of first appearance, once each: "S-" and a
/// capitalized name (S-SILY, S-GPU$, S-DSV3), or one capital letter, '-' and two digits not
/// followed by a third (N-06, and the N-06 of "N-06-c1" or "N-01..N-03"); a token glued to a
/// preceding letter, digit, '_' or '-' (NIM-..., GLM-45) is not a tag.
std::vector<std::string> tag_tokens(std::string_view text);

}  // namespace mlcalc
