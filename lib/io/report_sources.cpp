// sources: the registry of source tags, short (every tag) or in full (the tags asked for).
#include "report.hpp"

namespace mlcalc {

namespace {

// The citation cut to at most `width` characters at a space, with "..." when cut.
std::string short_citation(const std::string& c, size_t width) {
  if (c.size() <= width) return c;
  size_t cut = c.rfind(' ', width - 3);
  if (cut == std::string::npos || cut == 0) cut = width - 3;
  while (cut > 0 && (c[cut - 1] == ',' || c[cut - 1] == ';' || c[cut - 1] == ':')) --cut;
  return c.substr(0, cut) + "...";
}

}  // namespace

Document to_document(const SourcesReport& r) {
  Document doc;
  doc.command = "sources";
  doc.inputs = {{"tags", r.asked}};
  ojson list = ojson::array();
  for (size_t i = 0; i < r.entries.size(); ++i) {
    const SourceEntry& e = *r.entries[i];
    ojson j = {{"tag", e.tag}};
    if (!r.asked.empty()) j["asked"] = r.asked[i];
    j["citation"] = e.citation;
    j["url"] = e.url.empty() ? ojson(nullptr) : ojson(e.url);
    j["checked"] = e.checked;
    j["used_for"] = e.used_for;
    list.push_back(j);
    doc.records.push_back(j);
  }
  doc.result = {{"sources", list}};
  if (r.asked.empty()) {
    Table t;
    t.title = "Source tags cited by the databases, the validation data and the notes";
    t.columns = {"tag", "checked", "source"};
    t.left_align = {true, true, true};
    for (const SourceEntry* e : r.entries) t.rows.push_back({e->tag, e->checked, short_citation(e->citation, 80)});
    t.notes.push_back("`mlcalc sources TAG...` prints the full citation, link and use of each tag");
    doc.tables = {t};
    return doc;
  }
  for (size_t i = 0; i < r.entries.size(); ++i) {
    const SourceEntry& e = *r.entries[i];
    Table t;
    t.title = r.asked[i] == e.tag ? e.tag : r.asked[i] + " (" + e.tag + ")";
    t.columns = {"field", "value"};
    t.left_align = {true, true};
    t.rows.push_back({"citation", e.citation});
    if (!e.url.empty()) t.rows.push_back({"url", e.url});
    t.rows.push_back({"checked", e.checked});
    t.rows.push_back({"used for", e.used_for});
    doc.tables.push_back(t);
  }
  return doc;
}

}  // namespace mlcalc
