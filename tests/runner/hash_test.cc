#include "runner/hash.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "runner/error.h"

namespace gradlings::runner {
namespace {

// The four standard NIST test vectors for SHA-256 ("", "abc", the 448-bit
// message and one million 'a'), each digest confirmed with GNU coreutils
// sha256sum.
constexpr const char* kEmptyDigest =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kAbcDigest =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* k448BitMessage = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
constexpr const char* k448BitDigest =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr const char* kMillionADigest =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

TEST(Sha256, EmptyMessage) { EXPECT_EQ(sha256_hex(""), kEmptyDigest); }

TEST(Sha256, Abc) { EXPECT_EQ(sha256_hex("abc"), kAbcDigest); }

TEST(Sha256, Message448Bits) { EXPECT_EQ(sha256_hex(k448BitMessage), k448BitDigest); }

TEST(Sha256, MillionA) { EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')), kMillionADigest); }

TEST(Sha256, SplitUpdatesMatchOneUpdate) {
  // Pieces of 1, 7, 63, 64, 65 and 4096 bytes cross every block-boundary case.
  std::string message(1'000'000, 'a');
  for (std::size_t piece : {1, 7, 63, 64, 65, 4096}) {
    Sha256 hasher;
    for (std::size_t at = 0; at < message.size(); at += piece) {
      hasher.update(std::string_view(message).substr(at, piece));
    }
    EXPECT_EQ(hasher.hex_digest(), kMillionADigest) << "piece size " << piece;
  }
}

TEST(Sha256, PaddingBoundaryLengths) {
  // 55 bytes is the longest message padded within one block and 56 the
  // shortest that needs a second one. Each digest is compared with the same
  // message fed one byte at a time, and two with GNU coreutils sha256sum.
  for (std::size_t length : {55, 56, 57, 63, 64, 65, 119, 120}) {
    std::string message(length, 'x');
    Sha256 bytewise;
    for (char c : message) {
      bytewise.update(std::string_view(&c, 1));
    }
    EXPECT_EQ(sha256_hex(message), bytewise.hex_digest()) << "length " << length;
  }
  EXPECT_EQ(sha256_hex(std::string(55, 'a')),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(sha256_hex(std::string(56, 'a')),
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}

class Sha256File : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() /
              ("gradlings-hash-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  std::filesystem::path write(const std::string& name, const std::string& bytes) {
    std::filesystem::path file = folder_ / name;
    std::ofstream(file, std::ios::binary) << bytes;
    return file;
  }

  std::filesystem::path folder_;
};

TEST_F(Sha256File, MatchesBytes) {
  EXPECT_EQ(sha256_file_hex(write("abc.txt", "abc")), kAbcDigest);
  EXPECT_EQ(sha256_file_hex(write("empty.txt", "")), kEmptyDigest);
  EXPECT_EQ(sha256_file_hex(write("a.txt", std::string(1'000'000, 'a'))), kMillionADigest);
}

TEST_F(Sha256File, ReadsBinaryBytes) {
  std::string bytes("a\0b\r\n\xff", 6);
  EXPECT_EQ(read_file_bytes(write("binary", bytes)), bytes);
}

TEST_F(Sha256File, MissingFileThrows) {
  std::filesystem::path missing = folder_ / "missing.cpp";
  try {
    sha256_file_hex(missing);
    FAIL() << "expected an Error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "cannot open '" + missing.string() + "': No such file or directory");
  }
}

std::string field_digest(const std::vector<std::pair<std::string, std::string>>& fields) {
  FieldHasher hasher;
  for (const auto& [name, value] : fields) {
    hasher.add(name, value);
  }
  return hasher.hex_digest();
}

TEST(FieldHasher, FramingSeparatesFields) {
  std::string ab_c = field_digest({{"x", "ab"}, {"x", "c"}});
  EXPECT_NE(ab_c, field_digest({{"x", "a"}, {"x", "bc"}}));
  EXPECT_NE(ab_c, field_digest({{"x", "abc"}}));
  EXPECT_NE(ab_c, field_digest({{"y", "ab"}, {"x", "c"}}));
  EXPECT_EQ(ab_c, field_digest({{"x", "ab"}, {"x", "c"}}));
  EXPECT_EQ(field_digest({{"x", "ab"}}), sha256_hex("x:2:ab"));
}

TEST_F(Sha256File, FolderDigestFollowsNestedFiles) {
  std::filesystem::create_directories(folder_ / "nested");
  write("a.h", "int a();");
  write("nested/b.h", "int b();");
  auto digest = [this] {
    FieldHasher hasher;
    hasher.add_folder("include", folder_);
    return hasher.hex_digest();
  };
  std::string before = digest();
  EXPECT_EQ(digest(), before);

  write("nested/b.h", "int b(int);");
  std::string edited = digest();
  EXPECT_NE(edited, before);

  write("nested/c.h", "");
  EXPECT_NE(digest(), edited);
}

TEST_F(Sha256File, MissingFolderThrows) {
  FieldHasher hasher;
  try {
    hasher.add_folder("include", folder_ / "missing");
    FAIL() << "expected an Error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "folder '" + (folder_ / "missing").string() + "' not found");
  }
}

}  // namespace
}  // namespace gradlings::runner
