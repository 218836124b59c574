// The loss curve of a network case, drawn as text: each column is the mean
// loss over a run of epochs, filled from the axis up with block characters,
// eight levels per row.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "runner/kinds/network.h"

namespace gradlings::runner {

namespace {

// From an empty cell to a full one in eighths.
const char* const kLevels[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

// Returns the mean of the finite losses of each column, or NaN for a column
// that has none.
std::vector<double> column_means(const std::vector<double>& losses, std::size_t columns) {
  std::vector<double> means;
  for (std::size_t c = 0; c < columns; ++c) {
    std::size_t begin = c * losses.size() / columns;
    std::size_t end = (c + 1) * losses.size() / columns;
    double total = 0;
    int count = 0;
    for (std::size_t e = begin; e < end; ++e) {
      if (std::isfinite(losses[e])) {
        total += losses[e];
        ++count;
      }
    }
    means.push_back(count > 0 ? total / count : NAN);
  }
  return means;
}

}  // namespace

std::vector<std::string> loss_plot(const std::vector<double>& losses, int height, int width) {
  std::size_t columns = std::min(losses.size(), static_cast<std::size_t>(std::max(width, 1)));
  if (columns == 0 || height < 1) {
    return {};
  }
  std::vector<double> means = column_means(losses, columns);
  double top = 0;
  for (double mean : means) {
    if (std::isfinite(mean)) {
      top = std::max(top, mean);
    }
  }
  if (top <= 0) {
    top = 1;
  }

  std::string top_label = fmt::format("{:.3f}", top);
  std::string margin(top_label.size(), ' ');
  std::vector<std::string> lines;
  double row_height = top / height;
  for (int r = height - 1; r >= 0; --r) {
    std::string label =
        r == height - 1 ? top_label : (r == 0 ? fmt::format("{:>{}}", "0", margin.size()) : margin);
    std::string line = label + " │";
    for (double mean : means) {
      double fill = std::isfinite(mean) ? (mean - r * row_height) / row_height : 0;
      int level = static_cast<int>(std::lround(std::clamp(fill, 0.0, 1.0) * 8));
      line += kLevels[level];
    }
    lines.push_back(line);
  }

  std::string axis = margin + " └";
  for (std::size_t c = 0; c < columns; ++c) {
    axis += "─";
  }
  lines.push_back(axis);

  std::string last = std::to_string(losses.size() - 1);
  std::size_t gap = columns > last.size() + 1 ? columns - last.size() - 1 : 1;
  lines.push_back(margin + "  0" + std::string(gap, ' ') + last + " epochs");
  return lines;
}

}  // namespace gradlings::runner
