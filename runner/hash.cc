#include "runner/hash.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "runner/error.h"

namespace gradlings::runner {
namespace {

// The first 32 bits of the fractional parts of the cube roots of the first 64
// primes (FIPS 180-4, section 4.2.2).
constexpr std::array<std::uint32_t, 64> kRoundConstants = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// The first 32 bits of the fractional parts of the square roots of the first
// 8 primes (FIPS 180-4, section 5.3.3).
constexpr std::array<std::uint32_t, 8> kInitialState = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

constexpr std::size_t kBlockBytes = 64;

std::uint32_t rotate_right(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

std::uint32_t load_big_endian(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace

Sha256::Sha256() : state_(kInitialState), buffer_{} {}

void Sha256::compress_block(const std::uint8_t* block) {
  std::array<std::uint32_t, 64> w;
  for (std::size_t t = 0; t < 16; ++t) {
    w[t] = load_big_endian(block + 4 * t);
  }
  for (std::size_t t = 16; t < 64; ++t) {
    std::uint32_t s0 = rotate_right(w[t - 15], 7) ^ rotate_right(w[t - 15], 18) ^ (w[t - 15] >> 3);
    std::uint32_t s1 = rotate_right(w[t - 2], 17) ^ rotate_right(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }

  std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
  for (std::size_t t = 0; t < 64; ++t) {
    std::uint32_t sigma1 = rotate_right(e, 6) ^ rotate_right(e, 11) ^ rotate_right(e, 25);
    std::uint32_t choose = (e & f) ^ (~e & g);
    std::uint32_t t1 = h + sigma1 + choose + kRoundConstants[t] + w[t];
    std::uint32_t sigma0 = rotate_right(a, 2) ^ rotate_right(a, 13) ^ rotate_right(a, 22);
    std::uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    std::uint32_t t2 = sigma0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }

  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
  state_[4] += e;
  state_[5] += f;
  state_[6] += g;
  state_[7] += h;
}

void Sha256::update(std::string_view bytes) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  std::size_t size = bytes.size();
  message_bytes_ += size;

  // Top up a partial block left by the previous call first.
  if (buffered_ > 0) {
    std::size_t copied = std::min(size, kBlockBytes - buffered_);
    std::memcpy(buffer_.data() + buffered_, data, copied);
    buffered_ += copied;
    data += copied;
    size -= copied;
    if (buffered_ < kBlockBytes) {
      return;
    }
    compress_block(buffer_.data());
    buffered_ = 0;
  }

  for (; size >= kBlockBytes; data += kBlockBytes, size -= kBlockBytes) {
    compress_block(data);
  }

  std::memcpy(buffer_.data(), data, size);
  buffered_ = size;
}

std::string Sha256::hex_digest() {
  // Padding: one 1 bit, zeros up to 56 bytes into a block, then the message
  // length in bits as a 64-bit big-endian number.
  std::uint64_t message_bits = message_bytes_ * 8;
  std::array<char, kBlockBytes + 8> padding{};
  padding[0] = static_cast<char>(0x80);
  std::size_t zero_count = (buffered_ < 56) ? 56 - buffered_ : 120 - buffered_;
  for (int i = 0; i < 8; ++i) {
    padding[zero_count + i] = static_cast<char>(message_bits >> (56 - 8 * i));
  }
  update(std::string_view(padding.data(), zero_count + 8));

  std::string hex;
  hex.reserve(64);
  for (std::uint32_t word : state_) {
    hex += fmt::format("{:08x}", word);
  }
  return hex;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 hasher;
  hasher.update(bytes);
  return hasher.hex_digest();
}

std::string read_file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Error(fmt::format("cannot open '{}': {}", file.string(), std::strerror(errno)));
  }

  std::string bytes;
  std::array<char, 1 << 16> chunk;
  while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
    bytes.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    throw Error(fmt::format("cannot read '{}': {}", file.string(), std::strerror(errno)));
  }
  return bytes;
}

std::string sha256_file_hex(const std::filesystem::path& file) {
  return sha256_hex(read_file_bytes(file));
}

void FieldHasher::add(std::string_view name, std::string_view value) {
  hasher_.update(fmt::format("{}:{}:", name, value.size()));
  hasher_.update(value);
}

void FieldHasher::add_file(std::string_view name, const std::filesystem::path& file) {
  add(name, read_file_bytes(file));
}

void FieldHasher::add_folder(std::string_view name, const std::filesystem::path& folder) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    throw Error(fmt::format("folder '{}' not found", folder.string()));
  }
  add(name, fs::absolute(folder).string());

  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(folder, error)) {
    if (entry.is_regular_file()) {
      files.push_back(entry.path());
    }
  }
  if (error) {
    throw Error(fmt::format("cannot list folder '{}': {}", folder.string(), error.message()));
  }

  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    add("path", fs::relative(file, folder).string());
    add_file("bytes", file);
  }
}

}  // namespace gradlings::runner
