#include <memory>
#include <vector>

#include "runner/kind.h"
#include "runner/kinds/chain.h"
#include "runner/kinds/gradient_flow.h"
#include "runner/kinds/two_layer.h"
#include "runner/kinds/descent.h"
#include "runner/kinds/clipping.h"
#include "runner/kinds/network.h"
#include "runner/kinds/mini_batch.h"

namespace gradlings::runner {

namespace {

const std::vector<std::unique_ptr<LessonKind>>& all_kinds() {
  static const std::vector<std::unique_ptr<LessonKind>> kinds = [] {
    std::vector<std::unique_ptr<LessonKind>> list;
    list.push_back(make_two_layer_kind());
    list.push_back(make_descent_kind());
    list.push_back(make_clipping_kind());
    list.push_back(make_gradient_flow_kind());
    list.push_back(make_chain_rule_kind());
    list.push_back(make_network_kind());
    list.push_back(make_mini_batch_kind());
    return list;
  }();
  return kinds;
}

}  // namespace

const LessonKind* find_kind(const std::string& name) {
  for (const auto& kind : all_kinds()) {
    if (kind->name() == name) {
      return kind.get();
    }
  }
  return nullptr;
}

std::vector<std::string> kind_names() {
  std::vector<std::string> names;
  for (const auto& kind : all_kinds()) {
    names.push_back(kind->name());
  }
  return names;
}

}  // namespace gradlings::runner
