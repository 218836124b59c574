#include "runner/declarations.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

namespace gradlings::runner {

namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':' || c == '~';
}

// Returns `source` with comments, the contents of string and character
// literals and preprocessor lines replaced by spaces. Newlines stay, so an
// offset has the same line in both.
std::string blank_non_code(const std::string& source) {
  std::string code = source;
  const std::size_t size = source.size();
  auto blank = [&](std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to && k < size; ++k) {
      if (code[k] != '\n') {
        code[k] = ' ';
      }
    }
  };

  bool line_start = true;  // only whitespace since the last newline
  std::size_t i = 0;
  while (i < size) {
    char c = source[i];
    if (c == '\n') {
      line_start = true;
      ++i;
      continue;
    }
    if (line_start && c == '#') {
      // A directive ends at a newline that no backslash continues.
      std::size_t end = source.find('\n', i);
      while (end != std::string::npos && end > 0 && source[end - 1] == '\\') {
        end = source.find('\n', end + 1);
      }
      end = std::min(end, size);
      blank(i, end);
      i = end;
      continue;
    }
    if (c == '/' && i + 1 < size && source[i + 1] == '/') {
      std::size_t end = std::min(source.find('\n', i), size);
      blank(i, end);
      i = end;
      continue;
    }
    if (c == '/' && i + 1 < size && source[i + 1] == '*') {
      std::size_t close = source.find("*/", i + 2);
      std::size_t end = close == std::string::npos ? size : close + 2;
      blank(i, end);
      i = end;
      continue;
    }
    // A quote after a digit or letter is a digit separator (1'000), not a literal.
    bool char_literal = c == '\'' && !(i > 0 && std::isalnum(static_cast<unsigned char>(source[i - 1])));
    if (c == '"' || char_literal) {
      std::size_t j = i + 1;
      while (j < size && source[j] != c && source[j] != '\n') {
        j += source[j] == '\\' ? 2 : 1;
      }
      blank(i + 1, j);
      i = std::min(j + 1, size);
      line_start = false;
      continue;
    }
    if (!is_space(c)) {
      line_start = false;
    }
    ++i;
  }
  return code;
}

// Returns `text` with each run of whitespace made one space, none at either
// end, and none just inside parentheses.
std::string collapse_whitespace(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (char c : text) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space && c != ')' && out.back() != '(') {
      out += ' ';
    }
    pending_space = false;
    out += c;
  }
  return out;
}

std::string first_word(std::string_view text) {
  std::size_t end = 0;
  while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) {
    ++end;
  }
  return std::string(text.substr(0, end));
}

// Returns `text` without a leading "template <...>" clause.
std::string_view skip_template_clause(std::string_view text) {
  if (first_word(text) != "template") {
    return text;
  }
  std::size_t open = text.find('<');
  if (open == std::string_view::npos) {
    return text;
  }
  int depth = 0;
  for (std::size_t i = open; i < text.size(); ++i) {
    if (text[i] == '<') {
      ++depth;
    } else if (text[i] == '>') {
      --depth;
    }
    if (depth == 0) {
      std::string_view rest = text.substr(i + 1);
      while (!rest.empty() && is_space(rest.front())) {
        rest.remove_prefix(1);
      }
      return rest;
    }
  }
  return text;
}

// Returns the namespace that a head such as "namespace gradlings::harness"
// opens, "(anonymous namespace)" for an unnamed one, or nullopt when the
// head opens no namespace.
std::optional<std::string> namespace_opened(const std::string& head) {
  std::string_view rest = head;
  if (first_word(rest) == "inline") {
    rest.remove_prefix(6);
    while (!rest.empty() && is_space(rest.front())) {
      rest.remove_prefix(1);
    }
  }
  if (first_word(rest) != "namespace") {
    return std::nullopt;
  }
  rest.remove_prefix(9);
  std::string name = collapse_whitespace(rest);
  return name.empty() ? "(anonymous namespace)" : name;
}

// A brace that is open where the scanner is: a namespace's (or extern "C"'s,
// which adds no name) or one of code, such as a function or class body.
struct OpenBrace {
  bool code = false;
  std::string name;  // a namespace's name, or "" for a brace that adds none
};

class Scanner {
 public:
  explicit Scanner(const std::string& source) : source_(source), code_(blank_non_code(source)) {}

  std::vector<FunctionDeclaration> scan();

 private:
  bool add_function(std::size_t start, std::size_t end, bool definition);
  std::string scope() const;
  int line_of(std::size_t offset) const {
    return 1 + static_cast<int>(std::count(source_.begin(), source_.begin() + offset, '\n'));
  }

  const std::string& source_;
  std::string code_;
  std::vector<OpenBrace> open_;
  std::vector<FunctionDeclaration> found_;
};

std::string Scanner::scope() const {
  std::string scope;
  for (const OpenBrace& brace : open_) {
    if (!brace.code && !brace.name.empty()) {
      scope += (scope.empty() ? "" : "::") + brace.name;
    }
  }
  return scope;
}

// Records the head code_[start, end) as a function when it is one, and
// returns whether it was.
bool Scanner::add_function(std::size_t start, std::size_t end, bool definition) {
  std::string_view head(code_.data() + start, end - start);
  std::size_t first = head.find_first_not_of(" \t\r\n\f\v");
  if (first == std::string_view::npos) {
    return false;
  }
  std::string text = collapse_whitespace(head);
  static const char* const kNotFunctions[] = {"struct", "class",    "enum",          "union",
                                              "using",  "typedef",  "static_assert", "friend",
                                              "concept", "namespace"};
  std::string word = first_word(skip_template_clause(text));
  if (std::find(std::begin(kNotFunctions), std::end(kNotFunctions), word) != std::end(kNotFunctions)) {
    return false;
  }

  std::size_t paren = text.find('(');
  if (paren == std::string::npos || text.find('=') < paren) {
    return false;
  }
  std::size_t name_end = paren;
  while (name_end > 0 && is_space(text[name_end - 1])) {
    --name_end;
  }
  std::size_t name_begin = name_end;
  while (name_begin > 0 && is_name_char(text[name_begin - 1])) {
    --name_begin;
  }
  std::string qualified = text.substr(name_begin, name_end - name_begin);
  bool has_return_type = text.find_first_not_of(' ') < name_begin;
  if (qualified.empty() || qualified.back() == ':' || !has_return_type) {
    return false;
  }

  FunctionDeclaration function;
  std::size_t colons = qualified.rfind("::");
  function.name = colons == std::string::npos ? qualified : qualified.substr(colons + 2);
  function.scope = scope();
  if (colons != std::string::npos && colons > 0) {
    std::string qualifier = qualified.substr(qualified.starts_with("::") ? 2 : 0);
    qualifier = qualifier.substr(0, qualifier.rfind("::"));
    function.scope += (function.scope.empty() ? "" : "::") + qualifier;
  }
  function.text = definition ? text : text + ";";
  function.line = line_of(start + first);
  function.definition = definition;
  found_.push_back(std::move(function));
  return true;
}

std::vector<FunctionDeclaration> Scanner::scan() {
  std::size_t start = 0;        // where the current statement at namespace scope began
  bool skip_statement = false;  // it opened a brace that is not a function's
  int code_depth = 0;           // braces of code open; namespace braces do not count
  for (std::size_t i = 0; i < code_.size(); ++i) {
    char c = code_[i];
    if (code_depth > 0) {
      if (c == '{') {
        open_.push_back({true, ""});
        ++code_depth;
      } else if (c == '}') {
        open_.pop_back();
        if (--code_depth == 0 && !skip_statement) {
          start = i + 1;  // the end of a function body ends its statement
        }
      }
      continue;
    }

    if (c == ';') {
      if (!skip_statement) {
        add_function(start, i, false);
      }
      start = i + 1;
      skip_statement = false;
    } else if (c == '{') {
      std::string head = collapse_whitespace(std::string_view(code_).substr(start, i - start));
      if (std::optional<std::string> name = namespace_opened(head)) {
        open_.push_back({false, *name});
        start = i + 1;
      } else if (first_word(head) == "extern" && head.find('"') != std::string::npos) {
        open_.push_back({false, ""});
        start = i + 1;
      } else {
        skip_statement = skip_statement || !add_function(start, i, true);
        open_.push_back({true, ""});
        code_depth = 1;
      }
    } else if (c == '}') {
      if (!open_.empty()) {
        open_.pop_back();
      }
      start = i + 1;
      skip_statement = false;
    }
  }
  return found_;
}

}  // namespace

std::vector<FunctionDeclaration> find_functions(const std::string& source) {
  return Scanner(source).scan();
}

}  // namespace gradlings::runner
