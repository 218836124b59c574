#include "runner/random.h"

namespace gradlings::runner {

double Random::uniform(double low, double high) {
  constexpr double kTwoToMinus53 = 1.0 / 9007199254740992.0;
  double unit = static_cast<double>(engine_() >> 11) * kTwoToMinus53;
  return low + (high - low) * unit;
}

}  // namespace gradlings::runner
