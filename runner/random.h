// Seeded random numbers that are the same on every machine and compiler.
#pragma once

#include <cstdint>
#include <random>

namespace gradlings::runner {

/// Draws numbers from std::mt19937_64, whose output the C++ standard fixes.
/// The standard distributions are not fixed (libstdc++ and libc++ differ),
/// so the conversion to a double is done here.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}

  /// Returns a number in [low, high), with 53 random bits.
  double uniform(double low, double high);

 private:
  std::mt19937_64 engine_;
};

}  // namespace gradlings::runner
