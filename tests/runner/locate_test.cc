// Finding the lessons and the workspace from wherever the runner is started.
#include "runner/locate.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "runner/error.h"
#include "tests/runner/lesson_support.h"

namespace gradlings::runner {
namespace {

using namespace lesson_support;

// A fresh, empty folder for one test.
fs::path fresh(const std::string& name) {
  fs::path dir = scratch_dir("locate-test") / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return fs::canonical(dir);
}

void touch(const fs::path& file) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << "{}\n";
}

TEST(FindWorkspace, FindsMarkerInStartFolder) {
  fs::path dir = fresh("marker-here");
  touch(dir / kWorkspaceMarker);
  EXPECT_EQ(dir, find_workspace(dir));
}

TEST(FindWorkspace, WalksUpToNearestMarker) {
  fs::path dir = fresh("marker-above");
  touch(dir / kWorkspaceMarker);
  touch(dir / "inner" / kWorkspaceMarker);
  fs::create_directories(dir / "inner" / "02-two-layer-network" / "deeper");
  EXPECT_EQ(dir / "inner", find_workspace(dir / "inner" / "02-two-layer-network" / "deeper"));
  EXPECT_EQ(dir, find_workspace(dir));
}

TEST(FindWorkspace, CheckoutMeansItsWorkspaceFolder) {
  fs::path dir = fresh("checkout");
  fs::create_directories(dir / "lessons");
  touch(dir / "runner" / "main.cc");
  fs::create_directories(dir / "engine" / "deep");
  EXPECT_EQ(dir / "workspace", find_workspace(dir / "engine" / "deep"));
}

TEST(FindWorkspace, MarkerInsideCheckoutWins) {
  fs::path dir = fresh("checkout-with-marker");
  fs::create_directories(dir / "lessons");
  touch(dir / "runner" / "main.cc");
  touch(dir / "mine" / kWorkspaceMarker);
  EXPECT_EQ(dir / "mine", find_workspace(dir / "mine"));
}

TEST(FindWorkspace, LessonsAloneAreNoCheckout) {
  fs::path dir = fresh("only-lessons");
  fs::create_directories(dir / "lessons");
  // Nothing above the scratch folder is a workspace or a checkout, so the
  // walk ends at the root with an error.
  EXPECT_EQ(fmt::format("no gradlings workspace in '{}' or any folder above it (run 'runner init' "
                        "to create one, or 'cd' into yours)",
                        dir.string()),
            error_message([&] { find_workspace(dir); }));
}

TEST(FindDataRoot, InstalledLayoutBesideExecutable) {
  fs::path prefix = fresh("prefix");
  fs::create_directories(prefix / "share" / "gradlings" / "lessons");
  fs::create_directories(prefix / "bin");
  unsetenv("GRADLINGS_ROOT");
  EXPECT_EQ(prefix / "share" / "gradlings", find_data_root(prefix / "bin" / "runner", kRoot));
}

TEST(FindDataRoot, FallsBackToSourceTree) {
  fs::path prefix = fresh("no-share");
  unsetenv("GRADLINGS_ROOT");
  EXPECT_EQ(kRoot, find_data_root(prefix / "bin" / "runner", kRoot));
}

TEST(FindDataRoot, EnvironmentWins) {
  fs::path prefix = fresh("env-root");
  fs::create_directories(prefix / "lessons");
  setenv("GRADLINGS_ROOT", prefix.c_str(), 1);
  EXPECT_EQ(prefix, find_data_root("/nowhere/bin/runner", kRoot));
  unsetenv("GRADLINGS_ROOT");
}

TEST(FindDataRoot, EnvironmentWithoutLessonsIsAnError) {
  fs::path prefix = fresh("env-empty");
  setenv("GRADLINGS_ROOT", prefix.c_str(), 1);
  EXPECT_EQ(fmt::format("GRADLINGS_ROOT '{}' has no lessons folder (unset it, or point it at a "
                        "gradlings checkout or share/gradlings folder)",
                        prefix.string()),
            error_message([&] { find_data_root("/nowhere/bin/runner", kRoot); }));
  unsetenv("GRADLINGS_ROOT");
}

TEST(FindDataRoot, NothingFoundNamesBothPlaces) {
  fs::path prefix = fresh("nothing");
  unsetenv("GRADLINGS_ROOT");
  EXPECT_EQ(fmt::format("no lessons found in '{}' or '{}' (reinstall gradlings, or set "
                        "GRADLINGS_ROOT to a gradlings checkout)",
                        (prefix / "share" / "gradlings").string(), (prefix / "src").string()),
            error_message([&] { find_data_root(prefix / "bin" / "runner", prefix / "src"); }));
}

}  // namespace
}  // namespace gradlings::runner
