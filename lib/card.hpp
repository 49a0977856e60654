// `mlcalc card`: the pure part of a Hugging Face model card. What a checkpoint directory says
// (safetensors headers, tokenizer, generation defaults), evaluation results merged from several
// logs, what only the author can say (license, intended use ...), and the serving requirements
// computed from the library (memory, smallest GPU setups, decode speed, $ per million tokens).
// Reading the files is lib/io/card_files.cpp; the Markdown and YAML are lib/io/report_card.cpp.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cost.hpp"
#include "inference.hpp"
#include "model.hpp"

namespace mlcalc {

/// Bytes per element of a safetensors dtype name ("BF16" -> 2, "F4" -> 0.5), 0 when unknown
/// (huggingface/safetensors README "Format"; the sub-byte types F4, F6_* as the Rust crate's Dtype).
double safetensors_dtype_bytes(const std::string& dtype);

/// One tensor of a safetensors header.
struct SafetensorsTensor {
  std::string name, dtype;     ///< tensor name, safetensors dtype ("BF16")
  std::vector<int64_t> shape;  ///< elements per dimension
  int64_t begin = 0, end = 0;  ///< data_offsets, relative to the end of the header
};

/// What one safetensors file's header holds (the tensor data is never read).
struct SafetensorsHeader {
  std::string file;                             ///< path read
  double file_bytes = 0, header_bytes = 0;      ///< header_bytes = N of the 8-byte prefix
  std::vector<SafetensorsTensor> tensors;       ///< every entry but __metadata__
  std::map<std::string, std::string> metadata;  ///< "__metadata__" (format: pt ...)
};

/// Checks a parsed header against its file: known dtypes, offsets in order without holes or
/// overlaps, each tensor's byte count = elements x dtype size, and the data ending where the file
/// ends. Throws Error "FILE: what" on the first problem.
void check_safetensors(const SafetensorsHeader& h);

/// The weight files of a checkpoint, summed.
struct WeightFiles {
  std::vector<std::string> files;                ///< safetensors files read (their headers only)
  long num_tensors = 0;                          ///< tensors in all files
  double total_bytes = 0;                        ///< tensor data bytes of every file
  double num_elements = 0;                       ///< sum of the shapes' products
  std::map<std::string, double> bytes_by_dtype;  ///< "BF16" -> bytes
  std::optional<double> index_total_bytes;       ///< model.safetensors.index.json metadata.total_size
  std::map<std::string, std::string> metadata;   ///< __metadata__ of the first file
};
/// Sums the headers (each checked with check_safetensors).
WeightFiles sum_weight_files(const std::vector<SafetensorsHeader>& headers);

/// Tokenizer facts from tokenizer_config.json.
struct TokenizerFacts {
  bool present = false;         ///< tokenizer_config.json was there
  bool chat_template = false;   ///< a chat template (in the config or chat_template.jinja/json)
  std::string tokenizer_class;  ///< "" = not stated
  std::vector<std::pair<std::string, std::string>> special_tokens;  ///< ("bos_token", "<s>") ...
  std::optional<double> model_max_length;                           ///< tokens (nullopt: unset or the 1e30 placeholder)
};

/// What a checkpoint directory (or a bare config.json, or a database entry) holds.
struct CheckpointFacts {
  std::string path;                    ///< directory or config.json; "" for a database model
  std::vector<std::string> read;       ///< files read, in order
  std::optional<WeightFiles> weights;  ///< nullopt: no safetensors files
  TokenizerFacts tokenizer;
  std::vector<std::pair<std::string, std::string>> generation;  ///< generation_config.json: key, value as JSON text
  std::string quantization;  ///< quantization_config, summarised ("fp8, weight_block_size [128, 128]"); "" = none
  std::string torch_dtype;   ///< config.json torch_dtype ("" = not stated)
};

/// The checkpoint's bytes held against mlcalc's weight-bytes estimate (docs/model.md "Parameters").
struct WeightCheck {
  double estimated_bytes = 0, checkpoint_bytes = 0;        ///< bytes: mlcalc's from the config, the files'
  double difference = 0;                                   ///< (checkpoint - estimate) / estimate
  double estimated_elements = 0, checkpoint_elements = 0;  ///< parameters: counted, held
  std::string note;                                        ///< why they may differ
};
WeightCheck check_weights(const Architecture& a, const WeightFiles& w);

/// One metric of one task from one evaluation log.
struct CardMetric {
  std::string task;                    ///< lm-eval task name ("hellaswag"); `mlcalc eval`: "mlcalc-eval/<suite>"
  std::string metric;                  ///< "acc_norm", "accuracy" ...
  std::string variant;                 ///< lm-eval filter ("none", "strict-match"); `mlcalc eval`: the endpoint
  double value = 0;                    ///< as the log states it
  std::optional<double> stderr_value;  ///< "metric_stderr,filter" when a number
  std::optional<double> num_fewshot;   ///< lm-eval "n-shot"
  std::string alias;                   ///< display name ("arc_challenge")
  std::string dataset_type;  ///< Hub dataset id when the log names it (configs.TASK.dataset_path), else the task
  std::string dataset_config, dataset_split;  ///< configs.TASK.dataset_name, test_split ("" = not stated)
  std::string file;                           ///< where it came from
  std::string format;                         ///< "lm-evaluation-harness" | "mlcalc eval"
  std::string model;                          ///< the model the log says it evaluated ("" = not stated)
};

/// Merges the metrics of several logs: the same task, metric and variant twice with equal values
/// counts once; with different values it is an Error naming both files. Sorted by task, metric.
std::vector<CardMetric> merge_metrics(const std::vector<CardMetric>& all);

/// What the author tells (--info FILE); empty = not given (written as a TODO).
struct CardInfo {
  std::string file;                                                                          ///< "" = no --info
  std::string name, summary, license, pipeline_tag, library_name, eval_source_url;           ///< front matter, title
  std::vector<std::string> base_model, tags, language, datasets;                             ///< front matter lists
  std::string intended_use, out_of_scope_use, training_data, limitations, ethics, citation;  ///< sections
  std::vector<std::string> authors;                                                          ///< section
};

/// The author's sections, in card order: key (the TOML key), title, text ("" = TODO).
struct CardSection {
  std::string key, title, text;  ///< TOML key, heading, Markdown body
  bool todo = false;             ///< nothing given: written as a TODO
};
std::vector<CardSection> info_sections(const CardInfo& info);

/// One GPU type at one context: the smallest tensor-parallel group where one sequence of the
/// context fits, and what it serves there. Estimates (docs/model.md), never measurements.
struct CardSetup {
  std::string gpu, gpu_name;        ///< database id, display name
  double context = 0;               ///< tokens of one sequence
  bool fits = false;                ///< some tp up to the largest tried holds the weights and one sequence
  int tp = 0;                       ///< GPUs of the smallest setup (0 = none fits)
  double memory_bytes_per_gpu = 0;  ///< the GPU's capacity
  double weight_bytes_per_gpu = 0, kv_bytes_per_sequence_per_gpu = 0;  ///< bytes held per GPU (KV: paged)
  double max_sequences = 0;                      ///< sequences of `context` tokens the KV budget holds
  double decode_tokens_per_s = 0;                ///< one sequence decoding at a full context (batch 1)
  double serving_output_tokens_per_s = 0;        ///< the replica at concurrency auto (0 = not evaluated)
  double serving_concurrency = 0;                ///< requests in flight at that throughput
  std::optional<double> usd_per_gpu_hour;        ///< cheapest on-demand offer in the database (nullopt: none)
  std::string price_source;                      ///< provider, product, date
  std::optional<double> usd_per_million_tokens;  ///< all GPU cost over all tokens (prompt + generated)
  std::optional<double> usd_per_million_output_tokens, usd_per_million_input_tokens;  ///< by phase (cost.hpp)
  std::string problem;  ///< why nothing fits, or why the cost is unknown
};

/// A candidate deployment of one GPU type (ascending tp) and its price.
struct CardCandidate {
  Deployment dep;
  std::optional<double> usd_per_gpu_hour;  ///< nullopt: no on-demand offer in the database
  std::string price_source;                ///< provider, product, date
};

/// The serving section.
struct CardServing {
  std::string engine, weights, kv_dtype, mode;  ///< the assumptions, as words
  double weight_bytes = 0;                      ///< all weights, checkpoint dtypes
  double kv_bytes_per_token = 0;                ///< one token of one sequence while within every window
  double kv_bytes_at_max_context = 0;           ///< one sequence at max_context (0 = no max context)
  double output_tokens = 512;                   ///< generated tokens per request in the cost workload
  std::vector<double> contexts;                 ///< 8192 and the model's max context
  std::vector<CardSetup> setups;                ///< per context, per GPU
  std::vector<std::string> assumptions;         ///< one line each, printed above the tables
};

/// Evaluates every GPU type's candidates (each ascending in tp) at each context.
CardServing evaluate_card_serving(const Architecture& a, const std::vector<std::vector<CardCandidate>>& gpus,
                                  const std::vector<double>& contexts);

/// The contexts the card sizes for: 8192 and the model's max context (only 8192 when the model has
/// none or it is not above 8192; only the max context when it is below 8192).
std::vector<double> card_contexts(const Architecture& a);

/// What `card` reports.
struct CardReport {
  std::string model_id, model_name, model_source;  ///< the resolved model and where it was read from
  const Architecture* arch = nullptr;              ///< the model's architecture (owned by the database)
  ParamCounts params;                              ///< count_params(*arch)
  CheckpointFacts checkpoint;                      ///< empty path: a database model
  std::optional<WeightCheck> weight_check;         ///< when the checkpoint has safetensors files
  std::vector<CardMetric> metrics;                 ///< merged from every --eval log
  std::vector<std::string> eval_files;             ///< the --eval files, in order
  CardInfo info;                                   ///< --info (empty: every section a TODO)
  CardServing serving;                             ///< the serving section (estimates)
  std::string out_path;                            ///< --out ("" = stdout)
  std::vector<std::string> todo;                   ///< section keys written as TODO
  std::vector<std::string> warnings;               ///< for stderr and the JSON envelope
};

/// A YAML scalar for `s`: plain when YAML 1.1 and 1.2 read it back as the same string, else
/// double-quoted with escapes (colons, '#', leading indicators, yes/no/true/null, numbers ...).
std::string yaml_string(const std::string& s);
/// A YAML float that PyYAML (YAML 1.1) reads as a float: a '.' in the mantissa, a signed exponent.
std::string yaml_number(double v);

}  // namespace mlcalc
