#include "runner/compiler_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>

#include "runner/declarations.h"

namespace gradlings::runner {

namespace {

namespace fs = std::filesystem;

// How many lines of a log that has no recognisable error are shown.
constexpr std::size_t kShownRawLines = 30;

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    lines.push_back(line);
  }
  return lines;
}

// Replaces the quotes ‘ and ’ that g++ and ld print in a UTF-8 locale with ',
// so the summary reads the same in every locale and stays ASCII for --plain.
std::string plain_quotes(std::string text) {
  for (std::string_view quote : {"‘", "’"}) {
    for (std::size_t at = text.find(quote); at != std::string::npos; at = text.find(quote, at)) {
      text.replace(at, quote.size(), "'");
    }
  }
  return text;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// Parses "FILE:LINE:COL", "FILE:LINE" or "FILE".
SourceLocation parse_location(std::string_view text) {
  std::vector<int> numbers;
  while (numbers.size() < 2) {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || !all_digits(text.substr(colon + 1))) {
      break;
    }
    numbers.insert(numbers.begin(), std::stoi(std::string(text.substr(colon + 1))));
    text = text.substr(0, colon);
  }
  SourceLocation location;
  location.file = std::string(text);
  location.line = numbers.empty() ? 0 : numbers[0];
  location.column = numbers.size() < 2 ? 0 : numbers[1];
  return location;
}

// A line that g++ prints under a diagnostic: "   13 |   code", "      |   ^~~"
// or a fix-it line "  +++ |+#include <vector>".
bool is_source_line(std::string_view line) {
  std::size_t bar = line.find('|');
  if (line.empty() || line[0] != ' ' || bar == std::string_view::npos || line[bar - 1] != ' ') {
    return false;
  }
  return std::all_of(line.begin(), line.begin() + bar, [](char c) {
    return c == ' ' || c == '+' || std::isdigit(static_cast<unsigned char>(c));
  });
}

std::optional<Diagnostic> parse_diagnostic_line(const std::string& line) {
  static const char* const kSeverities[] = {"fatal error", "error", "warning", "note"};
  std::size_t best = std::string::npos;
  std::string severity;
  for (const char* candidate : kSeverities) {
    std::size_t at = line.find(fmt::format(": {}: ", candidate));
    if (at < best) {
      best = at;
      severity = candidate;
    }
  }
  if (best == std::string::npos || best == 0) {
    return std::nullopt;
  }
  Diagnostic diagnostic;
  diagnostic.where = parse_location(std::string_view(line).substr(0, best));
  diagnostic.severity = severity;
  diagnostic.message = plain_quotes(line.substr(best + severity.size() + 4));
  return diagnostic;
}

// Parses "FILE:LINE:COL:   required from here" and its variants.
std::optional<SourceLocation> parse_required_from(const std::string& line) {
  for (std::string_view marker : {":   required ", ":   recursively required "}) {
    std::size_t at = line.find(marker);
    if (at != std::string::npos && at > 0) {
      return parse_location(std::string_view(line).substr(0, at));
    }
  }
  return std::nullopt;
}

// Parses the location of "In file included from FILE:LINE," and of the
// "                 from FILE:LINE:" lines that continue it.
std::optional<SourceLocation> parse_included_from(const std::string& line, bool in_chain) {
  std::string_view rest = line;
  std::string_view first = "In file included from ";
  if (rest.starts_with(first)) {
    rest.remove_prefix(first.size());
  } else {
    std::size_t text = rest.find_first_not_of(' ');
    if (!in_chain || text == 0 || text == std::string_view::npos ||
        !rest.substr(text).starts_with("from ")) {
      return std::nullopt;
    }
    rest.remove_prefix(text + 5);
  }
  while (!rest.empty() && (rest.back() == ',' || rest.back() == ':')) {
    rest.remove_suffix(1);
  }
  return parse_location(rest);
}

}  // namespace

std::vector<Diagnostic> parse_diagnostics(const std::string& log) {
  std::vector<Diagnostic> diagnostics;
  std::vector<SourceLocation> included_from;
  std::vector<SourceLocation> instantiated_from;
  bool after_diagnostic = false;  // source lines now belong to diagnostics.back()

  for (const std::string& line : split_lines(log)) {
    if (after_diagnostic && is_source_line(line)) {
      // g++ pads a caret line to the width of the source line above it.
      diagnostics.back().source.push_back(line.substr(0, line.find_last_not_of(' ') + 1));
      continue;
    }
    after_diagnostic = false;

    if (auto location = parse_included_from(line, !included_from.empty())) {
      included_from.push_back(*location);
    } else if (auto required = parse_required_from(line)) {
      instantiated_from.push_back(*required);
    } else if (auto diagnostic = parse_diagnostic_line(line)) {
      diagnostic->included_from = std::move(included_from);
      diagnostic->instantiated_from = std::move(instantiated_from);
      included_from.clear();
      instantiated_from.clear();
      diagnostics.push_back(std::move(*diagnostic));
      after_diagnostic = true;
    }
  }
  return diagnostics;
}

std::vector<std::string> undefined_references(const std::string& log) {
  std::vector<std::string> symbols;
  std::string_view marker = "undefined reference to ";
  for (const std::string& raw : split_lines(log)) {
    std::string line = plain_quotes(raw);
    std::size_t at = line.find(marker);
    if (at == std::string::npos) {
      continue;
    }
    std::string symbol = line.substr(at + marker.size());
    if (!symbol.empty() && (symbol.front() == '`' || symbol.front() == '\'')) {
      symbol.erase(0, 1);
    }
    if (!symbol.empty() && symbol.back() == '\'') {
      symbol.pop_back();
    }
    if (std::find(symbols.begin(), symbols.end(), symbol) == symbols.end()) {
      symbols.push_back(symbol);
    }
  }
  return symbols;
}

namespace {

struct QualifiedName {
  std::string scope;  // "" for the global namespace
  std::string name;
};

// Splits the name of a function signature as g++ and ld print it:
// "backward(Params const&, double)" or "double gradlings::loss(float, double)".
QualifiedName function_name(const std::string& signature) {
  std::string name = signature.substr(0, signature.find('('));
  std::size_t space = name.rfind(' ');
  if (space != std::string::npos) {
    name = name.substr(space + 1);
  }
  std::size_t colons = name.rfind("::");
  if (colons == std::string::npos) {
    return {"", name};
  }
  return {name.substr(0, colons), name.substr(colons + 2)};
}

// Returns the function signature that an error about a mismatched
// declaration quotes, or "" when `message` is not such an error. A call that
// is ambiguous counts, because a definition whose parameters differ from the
// header's declares a second overload.
std::string mismatched_signature(const std::string& message) {
  static const char* const kMismatches[] = {"ambiguating new declaration of ",
                                            "no declaration matches ", "conflicting declaration of ",
                                            "call of overloaded "};
  for (const char* mismatch : kMismatches) {
    std::size_t at = message.find(mismatch);
    if (at == std::string::npos) {
      continue;
    }
    std::size_t open = message.find('\'', at);
    std::size_t close = open == std::string::npos ? open : message.find('\'', open + 1);
    if (close != std::string::npos && message.find('(', open) < close) {
      return message.substr(open + 1, close - open - 1);
    }
  }
  return "";
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string count_text(std::size_t count, const std::string& noun) {
  return fmt::format("{} more {}{} follow{} in the full log, which --verbose shows.", count, noun,
                     count == 1 ? "" : "s", count == 1 ? "s" : "");
}

struct LessonHeader {
  std::string name;  // the file name, as the exercise includes it
  std::vector<FunctionDeclaration> functions;
};

class Summarizer {
 public:
  Summarizer(const std::string& log, const CompilerLogContext& context)
      : log_(log), context_(context) {
    exercise_text_ = read_text(context.exercise);
    exercise_lines_ = split_lines(exercise_text_);
    exercise_functions_ = find_functions(exercise_text_);
  }

  CompilerLogSummary summarize(bool compiled);

 private:
  bool is_exercise(const std::string& file) const;
  std::string place(int line, int column) const;
  const Diagnostic* first_reached(const std::vector<Diagnostic>& diagnostics) const;
  void show_direct(const Diagnostic& diagnostic);
  void show_reached(const Diagnostic& diagnostic);
  void show_function(const QualifiedName& function);
  void show_undefined(const std::string& symbol);
  const std::vector<LessonHeader>& lesson_headers();

  const std::string& log_;
  const CompilerLogContext& context_;
  std::string exercise_text_;
  std::vector<std::string> exercise_lines_;
  std::vector<FunctionDeclaration> exercise_functions_;
  std::optional<std::vector<LessonHeader>> headers_;
  CompilerLogSummary summary_;
};

bool Summarizer::is_exercise(const std::string& file) const {
  if (file.empty()) {
    return false;
  }
  fs::path path(file);
  if (file == context_.exercise.string() ||
      path.lexically_normal() == context_.exercise.lexically_normal()) {
    return true;
  }
  std::error_code error;
  return fs::equivalent(path, context_.exercise, error) && !error;
}

std::string Summarizer::place(int line, int column) const {
  std::string text = context_.exercise_name;
  if (line > 0) {
    text += fmt::format(":{}", line);
  }
  if (column > 0) {
    text += fmt::format(":{}", column);
  }
  return text;
}

// Returns the first diagnostic whose include chain or instantiation starts at
// a line of the exercise, or nullptr.
const Diagnostic* Summarizer::first_reached(const std::vector<Diagnostic>& diagnostics) const {
  for (const Diagnostic& diagnostic : diagnostics) {
    auto in_exercise = [&](const SourceLocation& at) { return is_exercise(at.file); };
    if (std::any_of(diagnostic.instantiated_from.begin(), diagnostic.instantiated_from.end(),
                    in_exercise) ||
        std::any_of(diagnostic.included_from.begin(), diagnostic.included_from.end(),
                    in_exercise)) {
      return &diagnostic;
    }
  }
  return nullptr;
}

void Summarizer::show_direct(const Diagnostic& diagnostic) {
  summary_.lines.push_back(fmt::format("{}: {}: {}",
                                       place(diagnostic.where.line, diagnostic.where.column),
                                       diagnostic.severity, diagnostic.message));
  summary_.lines.insert(summary_.lines.end(), diagnostic.source.begin(), diagnostic.source.end());
  if (diagnostic.message.starts_with("control reaches end of non-void function")) {
    summary_.lines.push_back(
        "A path through this function ends without a return. After a switch or an if-else chain "
        "that covers every case, add a return (or a throw) anyway: the compiler cannot tell that "
        "the cases are exhaustive.");
  }
  std::string signature = mismatched_signature(diagnostic.message);
  if (!signature.empty()) {
    show_function(function_name(signature));
  }
}

// Shows a diagnostic inside a header at the line of the exercise that leads
// to it: the line of code that instantiates the template, or else the
// #include line.
void Summarizer::show_reached(const Diagnostic& diagnostic) {
  auto in_exercise = [&](const SourceLocation& at) { return is_exercise(at.file); };
  auto used = std::find_if(diagnostic.instantiated_from.begin(),
                           diagnostic.instantiated_from.end(), in_exercise);
  bool through_include = used == diagnostic.instantiated_from.end();
  const SourceLocation& at =
      through_include
          ? *std::find_if(diagnostic.included_from.begin(), diagnostic.included_from.end(),
                          in_exercise)
          : *used;

  summary_.lines.push_back(fmt::format("{}: {}: {}", place(at.line, at.column), diagnostic.severity,
                                       diagnostic.message));
  if (at.line >= 1 && at.line <= static_cast<int>(exercise_lines_.size())) {
    summary_.lines.push_back(fmt::format("{:>5} | {}", at.line, exercise_lines_[at.line - 1]));
  }

  fs::path file(diagnostic.where.file);
  bool lesson_header = file.parent_path().lexically_normal() ==
                       context_.harness.parent_path().lexically_normal();
  std::string header = fmt::format("the {} header '{}'", lesson_header ? "lesson" : "system",
                                   file.filename().string());
  if (through_include) {
    summary_.lines.push_back(
        fmt::format("The compiler found it inside {}, which this line includes.", header));
    summary_.lines.push_back(
        "Look just above this line for a declaration without its ';' or a '{' that is never "
        "closed.");
  } else {
    summary_.lines.push_back(
        fmt::format("The compiler found it inside {}, in a template that this line uses.", header));
    summary_.lines.push_back("Check the types of the arguments that this line passes.");
  }
}

const std::vector<LessonHeader>& Summarizer::lesson_headers() {
  if (headers_) {
    return *headers_;
  }
  headers_.emplace();
  fs::path folder = context_.harness.parent_path();
  std::vector<std::string> pending = {context_.harness.filename().string()};
  std::set<std::string> seen(pending.begin(), pending.end());
  while (!pending.empty()) {
    std::string name = pending.front();
    pending.erase(pending.begin());
    std::string text = read_text(folder / name);
    if (name != context_.harness.filename().string()) {
      headers_->push_back({name, find_functions(text)});
    }
    for (const std::string& line : split_lines(text)) {
      std::size_t open = line.find('"');
      std::size_t close = open == std::string::npos ? open : line.find('"', open + 1);
      if (line.starts_with("#include") && close != std::string::npos) {
        std::string included = line.substr(open + 1, close - open - 1);
        if (seen.insert(included).second) {
          pending.push_back(included);
        }
      }
    }
  }
  return *headers_;
}

// Quotes the lesson header's declaration of `function`, if it has one, and
// every function of that name in the exercise.
void Summarizer::show_function(const QualifiedName& function) {
  bool declared = false;
  for (const LessonHeader& header : lesson_headers()) {
    for (const FunctionDeclaration& declaration : header.functions) {
      if (!declared && declaration.name == function.name && declaration.scope == function.scope) {
        summary_.lines.push_back(fmt::format("  {}:{} declares:", header.name, declaration.line));
        summary_.lines.push_back("    " + declaration.text);
        declared = true;
      }
    }
  }

  bool defined = false;
  for (const FunctionDeclaration& own : exercise_functions_) {
    if (own.name != function.name) {
      continue;
    }
    std::string scope =
        own.scope == function.scope ? "" : fmt::format(", inside namespace '{}'", own.scope);
    summary_.lines.push_back(fmt::format("  {}:{} {}{}:", context_.exercise_name, own.line,
                                         own.definition ? "defines" : "declares", scope));
    summary_.lines.push_back("    " + own.text);
    defined = defined || own.definition;
  }
  if (!defined) {
    summary_.lines.push_back(
        fmt::format("  {} defines no function named {}.", context_.exercise_name, function.name));
  }
  if (declared) {
    summary_.functions.push_back({function.name, defined});
  }
}

void Summarizer::show_undefined(const std::string& symbol) {
  summary_.lines.push_back(fmt::format("The linker found no definition of {}.", symbol));
  if (symbol.find('(') != std::string::npos) {
    show_function(function_name(symbol));
  }
}

CompilerLogSummary Summarizer::summarize(bool compiled) {
  std::vector<Diagnostic> matching;  // the errors, or for a successful build the warnings
  for (Diagnostic& diagnostic : parse_diagnostics(log_)) {
    bool error = diagnostic.severity == "error" || diagnostic.severity == "fatal error";
    if (compiled ? diagnostic.severity == "warning" : error) {
      matching.push_back(std::move(diagnostic));
    }
  }
  auto direct = std::find_if(matching.begin(), matching.end(),
                             [&](const Diagnostic& d) { return is_exercise(d.where.file); });
  if (direct != matching.end()) {
    show_direct(*direct);
  } else if (const Diagnostic* reached = first_reached(matching)) {
    show_reached(*reached);
  }
  if (!summary_.lines.empty()) {
    if (matching.size() > 1) {
      summary_.lines.push_back(count_text(matching.size() - 1, compiled ? "warning" : "error"));
    }
    return summary_;
  }
  if (compiled) {
    return summary_;
  }

  for (const std::string& symbol : undefined_references(log_)) {
    if (!summary_.lines.empty()) {
      summary_.lines.push_back("");
    }
    show_undefined(symbol);
  }
  if (!summary_.lines.empty()) {
    return summary_;
  }

  std::vector<std::string> lines = split_lines(plain_quotes(log_));
  while (!lines.empty() && lines.front().empty()) {
    lines.erase(lines.begin());
  }
  std::size_t shown_lines = std::min(lines.size(), kShownRawLines);
  summary_.lines.assign(lines.begin(), lines.begin() + shown_lines);
  if (lines.size() > shown_lines) {
    summary_.lines.push_back(count_text(lines.size() - shown_lines, "line"));
  }
  return summary_;
}

}  // namespace

CompilerLogSummary summarize_compiler_log(const std::string& log, const CompilerLogContext& context,
                                          bool compiled) {
  return Summarizer(log, context).summarize(compiled);
}

}  // namespace gradlings::runner
