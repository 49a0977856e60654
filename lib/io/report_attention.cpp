// attention: per-layer attention of a model (masks, positions, KV, FLOPs and HBM bytes, standard
// against FlashAttention), as JSON (one entry per layer), a table (one row per kind of layer), a
// text picture of the masks, and an SVG with one mask panel per kind of layer.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>

#include "common.hpp"
#include "report.hpp"

namespace mlcalc {

namespace {

ojson jpos(double v) {
  return v > 0 ? ojson(v) : ojson(nullptr);
}
ojson jtext(const std::string& s) {
  return s.empty() ? ojson(nullptr) : ojson(s);
}
ojson jopt_d(const std::optional<double>& v) {
  return v ? ojson(*v) : ojson(nullptr);
}

// What makes two layers the same row of the table and the same mask panel.
std::string signature(const AttentionLayer& l) {
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", l.kind, l.window, l.q_heads, l.kv_heads, l.head_dim,
                     l.position, l.rope_theta, l.rope_scaling, l.sinks, l.qk_norm, l.softcap);
}
std::string mask_signature(const AttentionLayer& l) {
  return fmt::format("{}|{}|{}", l.kind, l.window, l.sinks);
}

// "0-4,6-10,12-16,... (52)": the layer indices as ranges, shortened past `max_chars`.
std::string ranges_text(const std::vector<int>& idx, size_t max_chars = 24) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && idx[j + 1] == idx[j] + 1) ++j;
    parts.push_back(j == i ? std::to_string(idx[i]) : fmt::format("{}-{}", idx[i], idx[j]));
    i = j + 1;
  }
  std::string s;
  for (size_t k = 0; k < parts.size(); ++k) {
    const std::string next = (s.empty() ? "" : ",") + parts[k];
    if (s.size() + next.size() > max_chars && k + 1 < parts.size()) {
      s += ",...";
      break;
    }
    s += next;
  }
  if (parts.size() > 1) s += fmt::format(" ({})", idx.size());
  return s;
}

std::string kind_text(const AttentionLayer& l) {
  if (l.kind == "sliding") return fmt::format("sliding {}", l.window);
  if (l.kind == "chunked") return fmt::format("chunked {}", l.window);
  if (l.kind == "full") return "full causal";
  if (l.kind == "mla") return l.window > 0 ? fmt::format("MLA, {} {}", window_name(l.window_kind), l.window) : "MLA";
  if (l.kind == "mamba1") return "Mamba-1 (no KV)";
  if (l.kind == "mamba2") return "Mamba-2 (no KV)";
  if (l.kind == "gdn") return "Gated DeltaNet (no KV)";
  return "none (MLP only)";
}

std::string position_text(const AttentionLayer& l) {
  if (l.position.empty()) return "";
  if (l.position == "none") return "NoPE";
  if (l.position != "rope") return l.position;
  std::string s = fmt::format("RoPE {}", number_text(l.rope_theta));
  if (!l.rope_scaling.empty())
    s += l.rope_factor > 0 ? fmt::format(" {} x{}", l.rope_scaling, number_text(l.rope_factor)) : " " + l.rope_scaling;
  if (l.rotary_fraction < 1) s += fmt::format(" ({:.0f}% of dims)", l.rotary_fraction * 100);
  return s;
}

std::string mb(double bytes) {
  return fmt_num(bytes / 1e6, bytes < 1e7 ? 2 : 0);
}
std::string us(double s) {
  return s < 1e-3 ? fmt_num(s * 1e6, 2) : fmt_num(s * 1e6, 0);
}

// The mask over the first `tokens` positions in `cells` x `cells` cells: a cell attends when some
// query in its row range sees some key in its column range.
struct MaskPicture {
  double tokens = 0;
  int cells = 16;
  std::vector<std::vector<bool>> on;
};

bool cell_attends(double a, double b, double c, double d, const AttentionLayer& l) {
  // Queries [a, b], keys [c, d] (inclusive). Best pair: the largest key, the smallest query at or above it.
  auto in_range = [&](double c0, double d0) {
    if (c0 > d0) return false;
    const double qs = std::clamp(d0, a, b), ks = std::min(d0, qs);
    if (ks < c0) return false;
    if (l.window_kind == Window::sliding && l.window > 0) return ks > qs - double(l.window);
    return true;
  };
  if (l.window_kind == Window::chunked && l.window > 0) {
    const double C = double(l.window);
    for (double ch = std::floor(c / C); ch <= std::floor(d / C); ++ch) {
      const double lo = ch * C, hi = lo + C - 1;
      const double qa = std::max(a, lo), qb = std::min(b, hi);
      if (qa > qb) continue;
      const double c0 = std::max(c, lo), d0 = std::min(d, hi);
      if (c0 > d0) continue;
      const double qs = std::clamp(d0, qa, qb), ks = std::min(d0, qs);
      if (ks >= c0) return true;
    }
    return false;
  }
  return in_range(c, d);
}

MaskPicture picture(const AttentionLayer& l, double context) {
  MaskPicture p;
  // Windows and chunks show at 4 windows (or the context, if shorter); full masks at the context.
  p.tokens = l.window > 0 ? std::min(context, 4.0 * double(l.window)) : context;
  p.cells = static_cast<int>(std::min(16.0, p.tokens));
  const double s = p.tokens / p.cells;
  p.on.assign(p.cells, std::vector<bool>(p.cells, false));
  for (int i = 0; i < p.cells; ++i)
    for (int j = 0; j < p.cells; ++j)
      p.on[i][j] =
          cell_attends(std::floor(i * s), std::ceil((i + 1) * s) - 1, std::floor(j * s), std::ceil((j + 1) * s) - 1, l);
  return p;
}

struct Panel {
  const AttentionLayer* layer = nullptr;
  std::vector<int> indices;
};

std::vector<Panel> mask_panels(const AttentionReport& r) {
  std::vector<Panel> panels;
  std::map<std::string, size_t> at;
  for (const AttentionLayer& l : r.layers) {
    if (l.mixer != Mixer::attention && l.mixer != Mixer::mla) continue;
    const std::string k = mask_signature(l);
    auto it = at.find(k);
    if (it == at.end()) {
      at[k] = panels.size();
      panels.push_back({&l, {l.index}});
    } else {
      panels[it->second].indices.push_back(l.index);
    }
  }
  return panels;
}

}  // namespace

Document to_document(const AttentionReport& r) {
  const Architecture& a = *r.arch;
  const AttentionQuery& q = r.query;
  const bool decode = q.phase == AttentionPhase::decode;
  Document doc;
  doc.command = "attention";
  doc.warnings = r.warnings;
  doc.inputs = {{"model", r.query_name},
                {"context", jcount(q.context)},
                {"batch", jcount(q.batch)},
                {"phase", decode ? "decode" : "prefill"},
                {"layer", q.layer >= 0 ? ojson(q.layer) : ojson(nullptr)},
                {"gpu", r.gpu ? ojson(r.gpu->id) : ojson(nullptr)},
                {"kv_dtype", q.kv.name()},
                {"state_dtype", q.state.name()},
                {"activation_dtype", q.act.name()}};
  ojson layers = ojson::array();
  double kv_tok = 0, kv = 0, state = 0, flops = 0, bytes = 0, naive = 0, flash = 0, t = 0, tn = 0, tf = 0;
  bool all_flash = true;
  for (const AttentionLayer& l : r.layers) {
    const bool attn = !l.position.empty() || l.mixer == Mixer::attention || l.mixer == Mixer::mla;
    ojson j = {{"index", l.index},
               {"kind", l.kind},
               {"window", l.window > 0 ? ojson(l.window) : ojson(nullptr)},
               {"q_heads", l.q_heads},
               {"kv_heads", l.kv_heads},
               {"head_dim", l.head_dim},
               {"v_head_dim", l.v_head_dim},
               {"kv_latent_dim", l.kv_latent_dim > 0 ? ojson(l.kv_latent_dim) : ojson(nullptr)},
               {"sinks", l.sinks},
               {"qk_norm", jtext(l.qk_norm)},
               {"position", jtext(l.position)},
               {"nope", l.nope},
               {"rope_theta", jpos(l.rope_theta)},
               {"rope_scaling", jtext(l.rope_scaling)},
               {"rope_factor", jpos(l.rope_factor)},
               {"rotary_fraction", attn && l.position == "rope" ? ojson(l.rotary_fraction) : ojson(nullptr)},
               {"softcap", jpos(l.softcap)},
               {"kv_bytes_per_token", l.kv_bytes_per_token},
               {"kv_bytes_per_new_token", l.kv_bytes_per_new_token},
               {"kv_bytes", l.kv_bytes},
               {"state_bytes", l.state_bytes},
               {"keys_per_query", l.keys_per_query},
               {"attention_flops", l.attention_flops},
               {"attention_bytes", l.attention_bytes},
               {"naive_bytes", jopt_d(l.naive_bytes)},
               {"flash_bytes", jopt_d(l.flash_bytes)},
               {"score_bytes", l.score_bytes},
               {"score_bytes_over_sram", r.sram_bytes > 0 && !decode ? ojson(l.score_bytes_over_sram) : ojson(nullptr)},
               {"time_s", l.timed ? ojson(l.time_s) : ojson(nullptr)},
               {"bound", l.timed ? ojson(l.compute_bound ? "compute" : "memory") : ojson(nullptr)},
               {"naive_time_s", jopt_d(l.naive_time_s)},
               {"flash_time_s", jopt_d(l.flash_time_s)},
               {"speedup", jopt_d(l.speedup)}};
    layers.push_back(j);
    kv_tok += l.kv_bytes_per_token, kv += l.kv_bytes, state += l.state_bytes, flops += l.attention_flops;
    bytes += l.attention_bytes, t += l.time_s;
    naive += l.naive_bytes.value_or(0), flash += l.flash_bytes.value_or(0);
    tn += l.naive_time_s.value_or(0), tf += l.flash_time_s.value_or(0);
    if (l.naive_bytes && !l.flash_bytes) all_flash = false;
  }
  const bool timed = r.gpu != nullptr;
  ojson kinds = ojson::array();
  for (const Panel& p : mask_panels(r))
    kinds.push_back({{"kind", p.layer->kind},
                     {"window", p.layer->window > 0 ? ojson(p.layer->window) : ojson(nullptr)},
                     {"sinks", p.layer->sinks},
                     {"layers", p.indices}});
  doc.result = {{"model", r.model_id},
                {"name", r.model_name},
                {"num_layers", r.num_layers},
                {"phase", decode ? "decode" : "prefill"},
                {"context", jcount(q.context)},
                {"batch", jcount(q.batch)},
                {"layers", layers},
                {"masks", kinds},
                {"totals",
                 {{"kv_bytes_per_token", kv_tok},
                  {"kv_bytes", kv},
                  {"state_bytes", state},
                  {"attention_flops", flops},
                  {"attention_bytes", bytes},
                  {"naive_bytes", naive},
                  {"flash_bytes", all_flash && r.sram_bytes > 0 ? ojson(flash) : ojson(nullptr)},
                  {"time_s", timed ? ojson(t) : ojson(nullptr)},
                  {"naive_time_s", timed ? ojson(tn) : ojson(nullptr)},
                  {"flash_time_s", timed && all_flash && r.sram_bytes > 0 ? ojson(tf) : ojson(nullptr)},
                  {"speedup", timed && all_flash && r.sram_bytes > 0 && tf > 0 ? ojson(tn / tf) : ojson(nullptr)}}},
                {"gpu", r.gpu ? ojson{{"id", r.gpu->id},
                                      {"peak_bf16_flop_per_s", r.peak_flop_per_s},
                                      {"memory_bw_bytes_per_s", r.peak_bw},
                                      {"sram_per_sm_bytes", jpos(r.sram_bytes)},
                                      {"sram_source", jtext(r.gpu->smem_source)}}
                              : ojson(nullptr)}};
  doc.records = layers;

  // ---- the table: one row per kind of layer --------------------------------------------------
  Table tb;
  tb.title = fmt::format("{} attention, {} at {} token{} x {} sequence{}{}", r.model_id,
                         decode ? "decode of one token" : "prefill", count_text(q.context), q.context == 1 ? "" : "s",
                         count_text(q.batch), q.batch == 1 ? "" : "s", r.gpu ? " on " + r.gpu->id : "");
  tb.columns = {"layers",   "kind",     "heads q/kv",    "head dim", "position", "sinks",
                "qk-norm",  "softcap",  "KV B/token",    "KV (MiB)", "GFLOP",    "min MB",
                "naive MB", "flash MB", "roofline (us)", "bound",    "speed-up"};
  tb.left_align = {true, true, false, false, true, true, true};
  tb.wide = {false, false, false, true, true, true,  true,  true, false,
             true,  false, true,  true, true, false, false, false};
  std::vector<std::string> order;
  std::map<std::string, std::vector<const AttentionLayer*>> rows;
  for (const AttentionLayer& l : r.layers) {
    const std::string s = signature(l);
    if (!rows.count(s)) order.push_back(s);
    rows[s].push_back(&l);
  }
  for (const std::string& s : order) {
    const std::vector<const AttentionLayer*>& ls = rows[s];
    const AttentionLayer& l = *ls.front();
    std::vector<int> idx;
    for (const auto* x : ls) idx.push_back(x->index);
    const bool attn = l.mixer == Mixer::attention || l.mixer == Mixer::mla;
    std::string heads = attn ? fmt::format("{}/{}", l.q_heads, l.kv_heads) : "-";
    if (l.kv_latent_dim > 0) heads = fmt::format("{}/latent {}", l.q_heads, l.kv_latent_dim);
    const std::string hd = !attn                        ? "-"
                           : l.v_head_dim != l.head_dim ? fmt::format("{}/{}", l.head_dim, l.v_head_dim)
                                                        : std::to_string(l.head_dim);
    tb.rows.push_back({ranges_text(idx), kind_text(l), heads, hd, attn ? position_text(l) : "-",
                       attn ? (l.sinks ? "yes" : "no") : "-", attn ? (l.qk_norm.empty() ? "no" : l.qk_norm) : "-",
                       l.softcap > 0 ? number_text(l.softcap) : "-", fmt_num(l.kv_bytes_per_token, 0),
                       fmt_num(l.kv_bytes / kGiB * 1024, 2), fmt_num(l.attention_flops / 1e9, 2), mb(l.attention_bytes),
                       l.naive_bytes ? mb(*l.naive_bytes) : "-", l.flash_bytes ? mb(*l.flash_bytes) : "-",
                       l.timed ? us(l.time_s) : "-", l.timed ? (l.compute_bound ? "compute" : "memory") : "-",
                       l.speedup ? fmt::format("{:.1f}x", *l.speedup) : "-"});
  }
  if (r.layers.size() > 1)
    tb.rows.push_back({fmt::format("all {}", r.layers.size()), "(sum)", "", "", "", "", "", "", fmt_num(kv_tok, 0),
                       fmt_num(kv / kGiB * 1024, 2), fmt_num(flops / 1e9, 2), mb(bytes), mb(naive),
                       all_flash && r.sram_bytes > 0 ? mb(flash) : "-", timed ? us(t) : "-", "",
                       timed && all_flash && r.sram_bytes > 0 && tf > 0 ? fmt::format("{:.1f}x", tn / tf) : "-"});
  tb.notes.push_back(
      "numbers are per layer of the row (rows group identical layers; --format json lists every layer); "
      "KV B/token = KV held at the context / context (window and chunk layers hold min(context, window): what "
      "the model needs; engines that page window layers at full size hold more), so the layers sum to `mlcalc "
      "describe`'s kv_bytes_per_token; recurrent layers (Mamba, Gated DeltaNet) "
      "hold no KV but a constant state (state_bytes in the JSON), read and written once per step; their GFLOP is "
      "an estimate, 4 per state element per token (docs/model.md \"Recurrent state\")");
  if (decode)
    tb.notes.push_back(
        "decode: one new token per sequence reads the KV it attends to (min MB), which bounds the step; naive "
        "adds writing and reading the score row; MLA reads its latent cache (absorbed, DeepSeek-V3 "
        "inference/model.py)");
  else
    tb.notes.push_back(
        "prefill: GFLOP = QK^T and PV over the causal (window, chunk) pairs; min MB = Q, K, V read and O written "
        "once; naive MB = standard attention writing S = QK^T and P = softmax(S) to HBM (Dao et al. 2022, "
        "arXiv:2205.14135, Algorithm 0: 4N^2 + 4Nd per head, the mask does not shrink S); flash MB = "
        "FlashAttention Algorithm 1, Theta(N^2 d^2 / M) (Theorem 2)");
  if (r.gpu) {
    tb.notes.push_back(fmt::format(
        "roofline = max(bytes / {:.2f} TB/s, FLOPs / {:.0f} TFLOP/s bf16): an upper bound on speed (a lower bound "
        "on time); measured kernels are slower. speed-up = naive / flash roofline time; time uses min MB",
        r.peak_bw / 1e12, r.peak_flop_per_s / 1e12));
    if (r.sram_bytes > 0)
      tb.notes.push_back(fmt::format("M = {:.0f} KiB of shared memory per SM on {} ({})", r.sram_bytes / 1024,
                                     r.gpu->id, r.gpu->smem_source));
    else
      tb.notes.push_back(fmt::format(
          "on-chip SRAM per SM of {}: not stated in hardware-db, so FlashAttention bytes are not computed", r.gpu->id));
  } else {
    tb.notes.push_back("give --gpu for roofline times and FlashAttention bytes (M = the GPU's shared memory per SM)");
  }
  if (static_cast<int>(a.nope.size()) == a.num_layers)
    tb.notes.push_back(
        "NoPE layers: no_rope_layers of config.json (1 = RoPE); when absent or empty, every 4th layer "
        "(Llama4TextConfig default); the RoPE layers attend in chunks, the NoPE layers to every key");
  if (std::any_of(r.layers.begin(), r.layers.end(), [](const AttentionLayer& l) { return l.sinks; }))
    tb.notes.push_back(
        "sinks: a learned logit per head joins the softmax's denominator (gpt-oss), a column no key occupies");
  tb.notes.push_back(
      "these are the structural masks and counts; which keys a head actually weights (learned attention "
      "patterns, induction heads) needs the model run on data");
  doc.tables.push_back(tb);

  // ---- the masks as a text picture ------------------------------------------------------------
  const std::vector<Panel> panels = mask_panels(r);
  if (!panels.empty()) {
    Table m;
    m.title = "Masks ('#' attends, '.' masked, 's' sink column; rows are queries, columns keys)";
    int rows_n = 0;
    std::vector<MaskPicture> pics;
    for (const Panel& p : panels) {
      pics.push_back(picture(*p.layer, q.context));
      rows_n = std::max(rows_n, pics.back().cells);
      m.columns.push_back(fmt::format("{}: {}", kind_text(*p.layer), ranges_text(p.indices, 16)));
      m.left_align.push_back(true);
    }
    for (int i = 0; i < rows_n; ++i) {
      std::vector<std::string> row;
      for (size_t k = 0; k < panels.size(); ++k) {
        std::string line = panels[k].layer->sinks ? "s " : "";
        if (i < pics[k].cells)
          for (int j = 0; j < pics[k].cells; ++j) line += pics[k].on[i][j] ? '#' : '.';
        else
          line.clear();
        row.push_back(line);
      }
      m.rows.push_back(row);
    }
    for (size_t k = 0; k < panels.size(); ++k)
      m.notes.push_back(fmt::format("{}: the first {} tokens, {} per cell", kind_text(*panels[k].layer),
                                    count_text(pics[k].tokens), number_text(pics[k].tokens / pics[k].cells)));
    doc.tables.push_back(m);
  }
  return doc;
}

std::string render_attention_svg(const AttentionReport& r) {
  const std::vector<Panel> panels = mask_panels(r);
  const int cell = 12, pad = 40, label_h = 72;
  const int grid = 16 * cell + cell + 6;  // room for a sink column
  // At least 520 px so the title and the footnote fit with one panel (11 px sans: ~6 px a character).
  const int w = std::max<int>(520, std::max<int>(1, static_cast<int>(panels.size())) * (grid + pad) + pad);
  // Layers without a mask (Mamba, Gated DeltaNet, MLP-only), named so that none goes missing.
  std::map<std::string, std::pair<const AttentionLayer*, std::vector<int>>> other;
  for (const AttentionLayer& l : r.layers)
    if (l.mixer != Mixer::attention && l.mixer != Mixer::mla) {
      auto& e = other[l.kind];
      e.first = &l;
      e.second.push_back(l.index);
    }
  const int h = label_h + grid + 84 + 14 * static_cast<int>(other.size());
  auto esc = [](std::string s) {
    std::string o;
    for (char c : s) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
    return o;
  };
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      w, h, w, h);
  s += fmt::format("<text x=\"{}\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{}</text>\n", pad,
                   esc(fmt::format("{}: attention masks per kind of layer", r.model_id)));
  s += fmt::format(
      "<text x=\"{}\" y=\"33\" fill=\"#555\">rows: queries, columns: keys; blue attends, grey is masked</text>\n", pad);
  if (panels.empty())
    s += fmt::format("<text x=\"{}\" y=\"40\">{}</text>\n", pad, "no attention layers: every layer is recurrent");
  for (size_t k = 0; k < panels.size(); ++k) {
    const AttentionLayer& l = *panels[k].layer;
    const MaskPicture p = picture(l, r.query.context);
    const int x0 = pad + static_cast<int>(k) * (grid + pad), y0 = label_h;
    const int c = 16 * cell / p.cells;
    s += fmt::format("<text x=\"{}\" y=\"50\" font-weight=\"bold\">{}</text>\n", x0, esc(kind_text(l)));
    s += fmt::format("<text x=\"{}\" y=\"64\">layers {}</text>\n", x0, esc(ranges_text(panels[k].indices, 20)));
    const int gx = x0 + (l.sinks ? c + 6 : 0);
    for (int i = 0; i < p.cells; ++i) {
      if (l.sinks)
        s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#d95f02\"/>\n", x0, y0 + i * c,
                         c - 1, c - 1);
      for (int j = 0; j < p.cells; ++j)
        s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n", gx + j * c, y0 + i * c,
                         c - 1, c - 1, p.on[i][j] ? "#1b6ca8" : "#e8e8e8");
    }
    s += fmt::format(
        "<text x=\"{}\" y=\"{}\">{}</text>\n", x0, y0 + p.cells * c + 16,
        esc(fmt::format("first {} tokens, {} per cell", count_text(p.tokens), number_text(p.tokens / p.cells))));
    if (l.sinks)
      s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#d95f02\">orange: learned sink logit per head</text>\n", x0,
                       y0 + p.cells * c + 30);
  }
  int y_other = h - 44 - 14 * static_cast<int>(other.size());
  for (const auto& o : other) {
    const AttentionLayer& l = *o.second.first;
    const std::vector<int>& idx = o.second.second;
    s += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", pad, y_other,
                     esc(fmt::format("{}: layers {}, not drawn ({})", kind_text(l), ranges_text(idx, 12),
                                     l.mixer == Mixer::none ? "no token mixer" : "recurrent: no mask")));
    y_other += 14;
  }
  s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">{}</text>\n", pad, h - 24,
                   "structural masks only: learned attention weights (induction heads");
  s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">{}</text>\n", pad, h - 10,
                   "and the like) need the model run on data");
  s += "</svg>\n";
  return s;
}

}  // namespace mlcalc
