#include "card.hpp"

#include <algorithm>
#include <cmath>
#include <cctype>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common.hpp"
#include "serving.hpp"

namespace mlcalc {

double safetensors_dtype_bytes(const std::string& d) {
  // huggingface/safetensors@ead9d7b README.md "Format" and safetensors/src/tensor.rs Dtype::bitsize.
  static const std::pair<const char*, double> kBits[] = {
      {"BOOL", 8}, {"U8", 8},   {"I8", 8},    {"F8_E5M2", 8}, {"F8_E4M3", 8}, {"F8_E8M0", 8}, {"I16", 16},
      {"U16", 16}, {"F16", 16}, {"BF16", 16}, {"I32", 32},    {"U32", 32},    {"F32", 32},    {"F64", 64},
      {"I64", 64}, {"U64", 64}, {"C64", 64},  {"F4", 4},      {"F6_E2M3", 6}, {"F6_E3M2", 6}};
  for (const auto& [name, bits] : kBits)
    if (d == name) return bits / 8.0;
  return 0;
}

void check_safetensors(const SafetensorsHeader& h) {
  const double data_bytes = h.file_bytes - 8 - h.header_bytes;
  if (data_bytes < 0)
    throw Error(fmt::format("{}: header length {} exceeds the file ({} bytes): truncated or not safetensors", h.file,
                            count_text(h.header_bytes), count_text(h.file_bytes)));
  std::vector<const SafetensorsTensor*> order;
  for (const auto& t : h.tensors) {
    const double b = safetensors_dtype_bytes(t.dtype);
    if (b <= 0) throw Error(fmt::format("{}: tensor '{}' has unknown dtype '{}'", h.file, t.name, t.dtype));
    double elements = 1;
    for (int64_t s : t.shape) elements *= double(s);
    const double want = elements * b;
    if (t.end < t.begin)
      throw Error(
          fmt::format("{}: tensor '{}' data_offsets [{}, {}] end before they begin", h.file, t.name, t.begin, t.end));
    if (want != std::floor(want) || double(t.end - t.begin) != want)
      throw Error(fmt::format("{}: tensor '{}' ({} {}) needs {} bytes but data_offsets [{}, {}] hold {}", h.file,
                              t.name, t.dtype, fmt::join(t.shape, "x"), number_text(want), t.begin, t.end,
                              t.end - t.begin));
    order.push_back(&t);
  }
  std::sort(order.begin(), order.end(), [](const SafetensorsTensor* a, const SafetensorsTensor* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  // The format stores the tensors back to back: no holes, no overlaps, nothing after the last.
  int64_t at = 0;
  for (const SafetensorsTensor* t : order) {
    if (t->begin != at)
      throw Error(fmt::format("{}: tensor '{}' starts at byte {} of the data, expected {} ({})", h.file, t->name,
                              t->begin, at, t->begin < at ? "it overlaps the tensor before" : "a hole before it"));
    at = t->end;
  }
  if (double(at) != data_bytes)
    throw Error(fmt::format("{}: the tensors end at byte {} of the data but the file holds {} bytes after the header{}",
                            h.file, count_text(double(at)), count_text(data_bytes),
                            double(at) > data_bytes ? " (truncated)" : ""));
}

WeightFiles sum_weight_files(const std::vector<SafetensorsHeader>& headers) {
  WeightFiles w;
  for (const auto& h : headers) {
    check_safetensors(h);
    w.files.push_back(h.file);
    if (w.metadata.empty()) w.metadata = h.metadata;
    for (const auto& t : h.tensors) {
      const double bytes = double(t.end - t.begin);
      double elements = 1;
      for (int64_t s : t.shape) elements *= double(s);
      ++w.num_tensors;
      w.total_bytes += bytes;
      w.num_elements += elements;
      w.bytes_by_dtype[t.dtype] += bytes;
    }
  }
  return w;
}

WeightCheck check_weights(const Architecture& a, const WeightFiles& w) {
  WeightCheck c;
  const ParamCounts p = count_params(a);
  c.estimated_bytes = weight_bytes(a, p, a.weight_dtype, a.expert_dtype);
  c.estimated_elements = p.total;
  c.checkpoint_bytes = w.total_bytes;
  c.checkpoint_elements = w.num_elements;
  c.difference = c.estimated_bytes > 0 ? (c.checkpoint_bytes - c.estimated_bytes) / c.estimated_bytes : 0;
  std::vector<std::string> why;
  // The dtype holding most bytes against the configuration's weight dtype.
  std::string top;
  for (const auto& [d, b] : w.bytes_by_dtype)
    if (top.empty() || b > w.bytes_by_dtype.at(top)) top = d;
  if (!top.empty() && std::fabs(safetensors_dtype_bytes(top) - a.weight_dtype.bytes()) > 0.25)
    why.push_back(fmt::format("the files hold mostly {} ({} B per element) but the configuration describes {} weights",
                              top, number_text(safetensors_dtype_bytes(top)), a.weight_dtype.name()));
  if (a.mtp_layers > 0) why.push_back("multi-token-prediction layers are stored but not counted");
  if (a.weight_dtype.bytes() < 2 || a.expert_dtype.bytes() < 2)
    why.push_back("quantized weights are stored packed with their scales in separate tensors");
  if (a.tied_embeddings) why.push_back("tied embeddings are counted once");
  why.push_back("modules a text config does not describe (vision tower, adapters) are not estimated");
  if (std::fabs(c.difference) <= 0.02)
    c.note = "within 2%: the weight files hold what config.json describes";
  else
    c.note = fmt::format("differs by {:+.1f}%; possible reasons: {}", c.difference * 100, fmt::join(why, "; "));
  return c;
}

std::vector<CardMetric> merge_metrics(const std::vector<CardMetric>& all) {
  std::vector<CardMetric> out;
  for (const auto& m : all) {
    auto it = std::find_if(out.begin(), out.end(), [&](const CardMetric& o) {
      return o.task == m.task && o.metric == m.metric && o.variant == m.variant;
    });
    if (it == out.end()) {
      out.push_back(m);
      continue;
    }
    const double scale = std::max({1.0, std::fabs(it->value), std::fabs(m.value)});
    if (std::fabs(it->value - m.value) > 1e-9 * scale)
      throw Error(fmt::format("{} {} ({}): {} in {} but {} in {}; merged --eval logs must agree (drop one)", m.task,
                              m.metric, m.variant, number_text(it->value), it->file, number_text(m.value), m.file));
    if (!it->stderr_value) it->stderr_value = m.stderr_value;
    if (!it->num_fewshot) it->num_fewshot = m.num_fewshot;
  }
  std::stable_sort(out.begin(), out.end(), [](const CardMetric& a, const CardMetric& b) {
    return a.task != b.task ? a.task < b.task : a.metric != b.metric ? a.metric < b.metric : a.variant < b.variant;
  });
  return out;
}

std::vector<CardSection> info_sections(const CardInfo& i) {
  std::string authors;
  for (size_t k = 0; k < i.authors.size(); ++k) authors += (k ? ", " : "") + i.authors[k];
  std::vector<CardSection> s = {{"license", "License", i.license.empty() ? "" : "`" + i.license + "`"},
                                {"intended_use", "Intended use", i.intended_use},
                                {"out_of_scope_use", "Out-of-scope use", i.out_of_scope_use},
                                {"training_data", "Training data", i.training_data},
                                {"limitations", "Limitations", i.limitations},
                                {"ethics", "Ethical considerations", i.ethics},
                                {"authors", "Authors", authors},
                                {"citation", "Citation", i.citation}};
  for (auto& x : s) x.todo = x.text.empty();
  return s;
}

std::vector<double> card_contexts(const Architecture& a) {
  const double max = double(a.max_context);
  if (max <= 0) return {8192};
  if (max <= 8192) return {max};
  return {8192, max};
}

namespace {

CardSetup evaluate_setup(const std::vector<CardCandidate>& cands, double context, double output) {
  CardSetup s;
  s.context = context;
  if (cands.empty()) return s;
  s.gpu = cands.front().dep.gpu->id;
  s.gpu_name = cands.front().dep.gpu->name;
  s.memory_bytes_per_gpu = cands.front().dep.gpu->memory_bytes;
  const CardCandidate* pick = nullptr;
  for (const auto& c : cands)
    if (fit_problem(c.dep, context).empty()) {
      pick = &c;
      break;
    }
  if (!pick) {
    s.problem = fit_problem(cands.back().dep, context);
    return s;
  }
  const Deployment& d = pick->dep;
  s.fits = true;
  s.tp = d.tp;
  s.weight_bytes_per_gpu = weight_bytes_per_gpu(d);
  s.kv_bytes_per_sequence_per_gpu = kv_bytes_per_gpu_per_seq(d, context, true) + state_bytes_per_gpu_per_seq(d);
  s.max_sequences = max_sequences(d, context);
  const Step step = forward_step(d, 1, context);
  s.decode_tokens_per_s = step.time > 0 ? 1.0 / step.time : 0;
  s.usd_per_gpu_hour = pick->usd_per_gpu_hour;
  s.price_source = pick->price_source;
  FleetQuery q;
  q.workload = {context - output, output};
  q.usd_per_gpu_hour = pick->usd_per_gpu_hour.value_or(0);
  q.price_source = pick->price_source;
  try {
    const Fleet f = evaluate_fleet(d, q);
    s.serving_output_tokens_per_s = f.output_tokens_per_s;
    s.serving_concurrency = f.serving.concurrency;
    if (pick->usd_per_gpu_hour && *pick->usd_per_gpu_hour > 0 && f.output_tokens_per_s > 0) {
      const CostResult c = self_hosted_cost(self_hosted(f, 1.0), q.workload);
      s.usd_per_million_tokens = c.usd_per_million_tokens_blended;
      s.usd_per_million_output_tokens = c.usd_per_million_output_tokens;
      s.usd_per_million_input_tokens = c.usd_per_million_input_tokens;
    } else if (!pick->usd_per_gpu_hour) {
      s.problem = "no price for " + s.gpu + " in the database";
    }
  } catch (const Error& e) {
    s.problem = e.what();
  }
  return s;
}

}  // namespace

CardServing evaluate_card_serving(const Architecture& a, const std::vector<std::vector<CardCandidate>>& gpus,
                                  const std::vector<double>& contexts) {
  CardServing r;
  r.contexts = contexts;
  const DType kv{DType::Kind::bf16};
  r.kv_dtype = kv.name();
  r.weights = a.weight_dtype.name();
  if (a.moe.num_experts > 0 && !(a.expert_dtype == a.weight_dtype))
    r.weights += " (experts " + a.expert_dtype.name() + ")";
  const ParamCounts p = count_params(a);
  r.weight_bytes = weight_bytes(a, p, a.weight_dtype, a.expert_dtype);
  r.kv_bytes_per_token = kv_bytes_per_sequence(a, 1, kv);
  if (a.max_context > 0) r.kv_bytes_at_max_context = kv_bytes_per_sequence(a, double(a.max_context), kv);
  for (const auto& g : gpus)
    if (!g.empty()) {
      r.engine = g.front().dep.engine;
      r.mode = g.front().dep.mode == Mode::roofline ? "roofline" : "realistic";
      break;
    }
  for (double c : contexts) {
    const double out = std::max(1.0, std::min(r.output_tokens, std::floor(c / 2)));
    for (const auto& g : gpus)
      if (!g.empty()) r.setups.push_back(evaluate_setup(g, c, out));
  }
  r.assumptions = {
      fmt::format("engine {} with its defaults (gpu-mem-util, token budget, max batch), mlcalc {} mode", r.engine,
                  r.mode),
      fmt::format("weights {} (the checkpoint's), KV cache {}, tensor parallelism only (tp 1, 2, 4, 8)", r.weights,
                  r.kv_dtype),
      "fits: the weights, the engine's workspace and one sequence of the context fit in every GPU",
      "decode speed: one sequence generating at a full context (batch 1)",
      fmt::format(
          "$/M tokens: the replica at its best throughput (concurrency auto) for requests of context - {} "
          "prompt tokens and {} generated ones, 100% utilization, the cheapest on-demand price in the "
          "database; the card shows all cost over all tokens, the JSON also by phase (prefill time to input tokens, "
          "decode time to output tokens)",
          count_text(r.output_tokens), count_text(r.output_tokens))};
  return r;
}

std::string yaml_string(const std::string& s) {
  static const char* kSpecial[] = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"};
  bool plain = !s.empty() && std::isalpha(static_cast<unsigned char>(s[0])) && s.back() != ' ';
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || c == ' ' || c == '.' || c == '_' || c == '/' || c == '-' || c == '+' || c == '(' ||
          c == ')' || c == ',')) {
      plain = false;
      break;
    }
  }
  if (plain)
    for (const char* w : kSpecial)
      if (lower(s) == w) plain = false;
  if (plain) return s;
  std::string out = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"')
      out += "\\\"";
    else if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\u{:04x}", c);
    else
      out += ch;
  }
  return out + "\"";
}

std::string yaml_number(double v) {
  if (!std::isfinite(v)) return "null";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  std::string s = fmt::format("{}", v);
  const size_t e = s.find_first_of("eE");
  if (e != std::string::npos) {
    std::string mant = s.substr(0, e), exp = s.substr(e + 1);
    if (mant.find('.') == std::string::npos) mant += ".0";
    if (!exp.empty() && exp[0] != '+' && exp[0] != '-') exp = "+" + exp;
    s = mant + "e" + exp;
  }
  return s;
}

}  // namespace mlcalc
