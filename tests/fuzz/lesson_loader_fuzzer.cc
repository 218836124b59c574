// libFuzzer target for the lesson loader: each input is the text of a
// lesson.yaml. An Error is the expected result for a bad file.
// Anything else is a finding: a crash, a sanitizer report, a hang, or an
// exception of another type, which the target turns into an abort.
//
// Build and run it with scripts/fuzz_lessons, which uses tests/fuzz/CMakeLists.txt.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "runner/error.h"
#include "runner/kind.h"
#include "runner/lesson.h"
#include "runner/yaml_doc.h"

namespace {

using gradlings::runner::Error;
using gradlings::runner::Lesson;
using gradlings::runner::YamlDoc;

// Returns the folder that a lesson file with this text would sit in. The
// loader rejects a `number` that differs from the folder's, so the folder
// takes the number written on a line `number: N`, and lesson 1 without one.
// This lets every shipped lesson in the seed corpus load.
std::filesystem::path lesson_dir_for(std::string_view text) {
  constexpr std::string_view kKey = "number:";
  std::size_t at = text.starts_with(kKey) ? 0 : text.find("\nnumber:");
  int number = 1;
  if (at != std::string_view::npos) {
    at += text[at] == '\n' ? 1 + kKey.size() : kKey.size();
    while (at < text.size() && text[at] == ' ') {
      ++at;
    }
    int digits = 0;
    int parsed = 0;
    while (at < text.size() && digits < 2 && text[at] >= '0' && text[at] <= '9') {
      parsed = parsed * 10 + (text[at] - '0');
      ++at;
      ++digits;
    }
    if (digits > 0) {
      number = parsed;
    }
  }
  char name[16];
  std::snprintf(name, sizeof name, "%02d-fuzz", number);
  return std::filesystem::path("/nonexistent/lessons") / name;
}

// Loads `text` the way load_lesson() would. A lesson that loads goes on to
// its kind's input(), which draws the hidden cases, and case_names(),
// because the runner calls both next.
void load(const std::string& text, std::optional<std::uint64_t> grading_seed) {
  std::filesystem::path dir = lesson_dir_for(text);
  try {
    Lesson lesson =
        gradlings::runner::parse_lesson(YamlDoc::parse(text, dir / "lesson.yaml"), dir, grading_seed);
    (void)lesson.kind_impl->input(lesson);
    (void)lesson.kind_impl->case_names(lesson);
  } catch (const Error&) {
    // The expected outcome for a bad lesson file.
  } catch (const std::exception& error) {
    std::fprintf(stderr, "uncaught exception other than Error: %s\n", error.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "uncaught exception of an unknown type\n");
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  load(text, std::nullopt);

  // The grading seed rewrites hidden seeds before the kind reads them.
  load(text, 12345);
  return 0;
}
