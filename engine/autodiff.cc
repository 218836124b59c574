#include "engine/autodiff.h"

#include <stdexcept>
#include <unordered_set>
#include <utility>

namespace gradlings::engine {

Node::~Node() {
  // Parents that only this node owns would be destroyed inside this destructor
  // and release their own parents in turn, one stack frame per level. Moving
  // them to a local list first turns that recursion into a loop.
  std::vector<std::shared_ptr<Node>> pending = std::move(parents);
  while (!pending.empty()) {
    std::shared_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    if (node && node.use_count() == 1) {
      for (auto& parent : node->parents) {
        pending.push_back(std::move(parent));
      }
      node->parents.clear();
    }
  }
}

Var::Var(Matrix value, std::string name) : node_(std::make_shared<Node>()) {
  node_->grad = Matrix::Zero(value.rows(), value.cols());
  node_->value = std::move(value);
  node_->op = "leaf";
  node_->name = std::move(name);
}

Var::Var(std::shared_ptr<Node> node) : node_(std::move(node)) {
  if (!node_) {
    throw std::invalid_argument("var: the node is null");
  }
}

Var Var::scalar(double value, std::string name) {
  return Var(Matrix::Constant(1, 1, value), std::move(name));
}

double Var::item() const {
  if (node_->value.rows() != 1 || node_->value.cols() != 1) {
    throw std::invalid_argument("item: the value has shape " + shape_string(node_->value) +
                                ", but only a 1x1 value converts to a number");
  }
  return node_->value(0, 0);
}

double Var::grad_item() const {
  if (node_->grad.rows() != 1 || node_->grad.cols() != 1) {
    throw std::invalid_argument("grad_item: the grad has shape " + shape_string(node_->grad) +
                                ", but only a 1x1 grad converts to a number");
  }
  return node_->grad(0, 0);
}

void Var::backward() {
  if (node_->value.rows() != 1 || node_->value.cols() != 1) {
    throw std::invalid_argument("backward: the root has shape " + shape_string(node_->value) +
                                ", but it must be 1x1 (reduce it with sum() or mean() first)");
  }

  const std::vector<Node*> order = topological_order(*this);
  for (Node* node : order) {
    node->grad = Matrix::Zero(node->value.rows(), node->value.cols());
  }

  node_->grad(0, 0) = 1.0;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node& node = **it;
    if (node.backward_step) {
      node.backward_step(node);
    }
  }
}

std::vector<Node*> topological_order(const Var& root) {
  // Depth-first post-order with an explicit stack. Each frame stores a node and
  // the index of the next parent to visit. A node is emitted once all of its
  // parents have been emitted.
  std::vector<Node*> order;
  std::unordered_set<const Node*> visited;
  std::vector<std::pair<Node*, std::size_t>> stack;

  Node* start = root.node().get();
  visited.insert(start);
  stack.emplace_back(start, 0);

  while (!stack.empty()) {
    auto& [node, next_parent] = stack.back();
    if (next_parent == node->parents.size()) {
      order.push_back(node);
      stack.pop_back();
      continue;
    }

    Node* parent = node->parents[next_parent].get();
    ++next_parent;
    if (visited.insert(parent).second) {
      stack.emplace_back(parent, 0);
    }
  }
  return order;
}

std::string shape_string(const Matrix& matrix) {
  return std::to_string(matrix.rows()) + "x" + std::to_string(matrix.cols());
}

}  // namespace gradlings::engine
