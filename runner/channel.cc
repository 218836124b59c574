#include "runner/channel.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string>

namespace gradlings::runner {

namespace {

std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      out += text[i + 1] == 'n' ? '\n' : text[i + 1];
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::pair<std::string_view, std::string_view> split_word(std::string_view text) {
  std::size_t space = text.find(' ');
  if (space == std::string_view::npos) {
    return {text, {}};
  }
  return {text.substr(0, space), text.substr(space + 1)};
}

bool parse_int(std::string_view text, int& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

// strtod rather than from_chars, because it also reads "nan" and "inf", which
// a learner's code may well produce.
bool parse_double(std::string_view text, double& out) {
  std::string copy(text);
  char* end = nullptr;
  out = std::strtod(copy.c_str(), &end);
  return !copy.empty() && end == copy.c_str() + copy.size();
}

void note_missing(ChannelData& data, const std::string& function) {
  auto& known = data.missing_functions;
  if (std::find(known.begin(), known.end(), function) == known.end()) {
    known.push_back(function);
  }
}

// Applies one record. Returns false when it does not parse, and when it
// repeats a case, a step or a value already reported: only something other
// than the harness writes a record twice, so neither copy can be trusted.
bool apply(ChannelData& data, bool& probing, std::string_view line) {
  auto [kind, rest] = split_word(line);
  CaseRecords* current = data.cases.empty() ? nullptr : &data.cases.back();

  if (kind == "case") {
    CaseRecords c;
    if (!parse_int(rest, c.id)) {
      return false;
    }
    bool repeated = std::any_of(data.cases.begin(), data.cases.end(),
                                [&](const CaseRecords& earlier) { return earlier.id == c.id; });
    if (repeated) {
      return false;
    }
    data.cases.push_back(c);
    return true;
  }
  if (kind == "step" && current) {
    StepValues step;
    if (!parse_int(rest, step.step)) {
      return false;
    }
    bool repeated = std::any_of(current->steps.begin(), current->steps.end(),
                                [&](const StepValues& earlier) { return earlier.step == step.step; });
    if (repeated) {
      return false;
    }
    current->steps.push_back(step);
    return true;
  }
  if (kind == "value" && current && !current->steps.empty() && !probing) {
    auto [name, number] = split_word(rest);
    double value = 0;
    if (name.empty() || !parse_double(number, value)) {
      return false;
    }
    StepValues& step = current->steps.back();
    if (step.find(name)) {
      return false;
    }
    step.values.emplace_back(std::string(name), value);
    return true;
  }
  if (kind == "missing" || kind == "exception" || kind == "invalid") {
    auto [stage, detail] = split_word(rest);
    if (stage.empty()) {
      return false;
    }
    if (kind == "missing") {
      note_missing(data, unescape(detail));
    }
    if (current && !probing && !current->stop) {
      StageStop stop;
      stop.reason = kind == "missing"   ? StageStop::Reason::missing
                    : kind == "invalid" ? StageStop::Reason::invalid
                                        : StageStop::Reason::threw;
      stop.stage = std::string(stage);
      stop.detail = unescape(detail);
      current->stop = stop;
    }
    return true;
  }
  if (kind == "probe") {
    probing = true;
    return true;
  }
  if (kind == "end") {
    data.ended = true;
    return true;
  }
  return false;
}

}  // namespace

std::optional<double> StepValues::find(std::string_view name) const {
  for (const auto& [key, value] : values) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

ChannelData parse_channel(std::string_view text) {
  ChannelData data;
  bool probing = false;
  while (!text.empty()) {
    std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);

    if (data.ended || !apply(data, probing, line)) {
      data.malformed = std::string(line.substr(0, 200));
      data.ended = false;
      break;
    }
  }
  return data;
}

}  // namespace gradlings::runner
