#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace gradlings::runner {

/// An incremental SHA-256 (FIPS 180-4). Feed bytes with update() in any number
/// of pieces, then call hex_digest() once. The digest depends only on the
/// concatenation of the pieces, not on where they were split.
class Sha256 {
 public:
  Sha256();

  /// Appends bytes to the message. Must not be called after hex_digest().
  void update(std::string_view bytes);

  /// Pads the message and returns its digest as 64 lowercase hex digits.
  /// Call it once, because the padding is appended to the message.
  std::string hex_digest();

 private:
  void compress_block(const std::uint8_t* block);

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_;  // a partial block, buffered_ bytes used
  std::size_t buffered_ = 0;
  std::uint64_t message_bytes_ = 0;  // total bytes passed to update()
};

/// A SHA-256 over a sequence of named fields, for cache keys. Each field is
/// hashed as "name:size:" followed by its bytes, so two different sequences of
/// fields cannot produce the same hashed bytes (names must not contain ':').
class FieldHasher {
 public:
  /// Adds a field whose value is `value`.
  void add(std::string_view name, std::string_view value);

  /// Adds a field whose value is the file's contents. Throws Error like
  /// read_file_bytes().
  void add_file(std::string_view name, const std::filesystem::path& file);

  /// Adds `folder`'s absolute path, then for each regular file below it at any
  /// depth, in sorted order, its path relative to `folder` and its contents.
  /// Throws Error when the folder does not exist or a file cannot be read.
  void add_folder(std::string_view name, const std::filesystem::path& folder);

  /// Returns the digest as 64 lowercase hex digits. Call it once.
  std::string hex_digest() { return hasher_.hex_digest(); }

 private:
  Sha256 hasher_;
};

/// Returns the SHA-256 of bytes as 64 lowercase hex digits.
std::string sha256_hex(std::string_view bytes);

/// Returns the SHA-256 of a file's contents as 64 lowercase hex digits.
/// Throws Error, naming the path and the system's reason, when the file cannot
/// be opened or read.
std::string sha256_file_hex(const std::filesystem::path& file);

/// Reads a whole file into a string. Throws Error, naming the path and the
/// system's reason, when the file cannot be opened or read.
std::string read_file_bytes(const std::filesystem::path& file);

}  // namespace gradlings::runner
