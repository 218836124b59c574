#pragma once

// Reverse-mode automatic differentiation on Eigen matrices.
//
// A computation is a graph of Nodes. Each node stores its value, its gradient, the
// nodes it was computed from and a backward step that adds its share of the
// gradient into those parents. Var is the handle that user code passes around.
// The operations that build graphs live in engine/ops.h.

#include <Eigen/Dense>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gradlings::engine {

using Matrix = Eigen::MatrixXd;

/// One value in a computation graph.
struct Node {
  /// The result of the operation that produced this node.
  Matrix value;

  /// d(root)/d(value) from the latest backward() that reached this node. It has
  /// the shape of value, and it is zero until backward() runs.
  Matrix grad;

  /// The inputs of the operation, in argument order. A leaf has none.
  std::vector<std::shared_ptr<Node>> parents;

  /// The operation's name for traces: "leaf", "add", "matmul", "sigmoid", ...
  std::string op;

  /// A label given to a leaf, such as "w1". It may be empty.
  std::string name;

  /// Adds this node's contribution, computed from self.grad, into the grad of
  /// each parent. It is empty for a leaf. It reaches the parents through
  /// self.parents and must not capture a shared_ptr to any node, because a
  /// captured pointer would keep nodes alive after the graph is dropped.
  std::function<void(Node& self)> backward_step;

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// Releases the parents in a loop instead of recursively, so that dropping a
  /// long chain of nodes cannot overflow the stack.
  ~Node();
};

/// A cheap, copyable handle to a Node. Copies share the node.
class Var {
 public:
  /// Creates a leaf with the given value and a zero gradient.
  explicit Var(Matrix value, std::string name = "");

  /// Wraps an existing node. Throws std::invalid_argument if node is null.
  explicit Var(std::shared_ptr<Node> node);

  /// Creates a 1x1 leaf.
  static Var scalar(double value, std::string name = "");

  const Matrix& value() const { return node_->value; }
  const Matrix& grad() const { return node_->grad; }
  Eigen::Index rows() const { return node_->value.rows(); }
  Eigen::Index cols() const { return node_->value.cols(); }

  /// Returns the value of a 1x1 node. Throws std::invalid_argument otherwise.
  double item() const;

  /// Returns the gradient of a 1x1 node. Throws std::invalid_argument otherwise.
  double grad_item() const;

  const std::string& op() const { return node_->op; }
  const std::string& name() const { return node_->name; }
  const std::shared_ptr<Node>& node() const { return node_; }

  /// Computes d(this)/d(node) for every node reachable from this one.
  ///
  /// First sets the grad of every reachable node to zero, then seeds this node's
  /// grad with 1 and runs the backward steps in reverse topological order, so a
  /// node used several times receives the sum of all contributions. Because of
  /// the reset, calling backward() twice leaves the same grads as calling it
  /// once. Nodes that are not reachable from this one keep their grads.
  ///
  /// This node may be an intermediate one. Then the grads hold local derivatives
  /// of this node, for example z.grad = a(1 - a) after backward() from
  /// a = sigmoid(z).
  ///
  /// Throws std::invalid_argument unless the value is 1x1.
  void backward();

 private:
  std::shared_ptr<Node> node_;
};

/// Returns the nodes reachable from root, each after all of its parents, so
/// root comes last. Each node appears once. The walk uses an explicit stack
/// instead of recursion, so a deep graph cannot overflow the call stack.
std::vector<Node*> topological_order(const Var& root);

/// Formats a shape as "rows x cols" without spaces, for example "2x3".
std::string shape_string(const Matrix& matrix);

}  // namespace gradlings::engine
