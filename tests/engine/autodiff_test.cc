// Tests of the graph itself: leaves, backward() and its ordering, resets and
// lifetime. The expected values are derived by hand and exact in double
// precision unless a tolerance is stated.

#include "engine/autodiff.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "engine/ops.h"

namespace gradlings::engine {
namespace {

// Returns the message of the std::invalid_argument that action throws, or a
// note that it threw nothing.
template <typename Action>
std::string invalid_argument_message(Action action) {
  try {
    action();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "(no exception)";
}

TEST(Var, LeafStartsWithZeroGrad) {
  const Var w(Matrix::Ones(2, 3), "w1");

  EXPECT_EQ(w.op(), "leaf");
  EXPECT_EQ(w.name(), "w1");
  EXPECT_EQ(w.rows(), 2);
  EXPECT_EQ(w.cols(), 3);
  EXPECT_EQ(w.grad().rows(), 2);
  EXPECT_EQ(w.grad().cols(), 3);
  EXPECT_TRUE(w.grad().isZero(0.0));
}

TEST(Var, ScalarIsOneByOneLeaf) {
  const Var x = Var::scalar(2.5, "x");

  EXPECT_EQ(x.op(), "leaf");
  EXPECT_EQ(x.name(), "x");
  EXPECT_EQ(x.item(), 2.5);
  EXPECT_EQ(x.grad_item(), 0.0);
}

TEST(Var, CopiesShareTheNode) {
  const Var x = Var::scalar(1.0);
  const Var copy = x;

  EXPECT_EQ(copy.node(), x.node());
}

TEST(Var, ItemRejectsNonScalar) {
  const Var w(Matrix::Zero(2, 3));

  EXPECT_EQ(invalid_argument_message([&] { (void)w.item(); }),
            "item: the value has shape 2x3, but only a 1x1 value converts to a number");
  EXPECT_EQ(invalid_argument_message([&] { (void)w.grad_item(); }),
            "grad_item: the grad has shape 2x3, but only a 1x1 grad converts to a number");
}

TEST(Var, NullNodeRejected) {
  EXPECT_EQ(invalid_argument_message([] { (void)Var(std::shared_ptr<Node>{}); }),
            "var: the node is null");
}

TEST(Backward, RootGradIsOne) {
  const Var x = Var::scalar(3.0);
  Var y = scale(x, 2.0);

  y.backward();

  EXPECT_EQ(y.grad_item(), 1.0);
  EXPECT_EQ(x.grad_item(), 2.0);
}

TEST(Backward, NodeUsedTwiceGetsBothContributions) {
  // f = x(xa) + (xx)a + x(xa) = 3 x^2 a, so df/dx = 6xa and df/da = 3x^2.
  const Var x = Var::scalar(1.0, "x");
  const Var a = Var::scalar(1.0, "a");
  Var f = x * (x * a) + (x * x) * a + x * (x * a);

  f.backward();

  EXPECT_EQ(f.item(), 3.0);
  EXPECT_EQ(x.grad_item(), 6.0);
  EXPECT_EQ(a.grad_item(), 3.0);
}

TEST(Backward, SecondCallGivesSameGrads) {
  const Var x = Var::scalar(1.0, "x");
  const Var a = Var::scalar(1.0, "a");
  Var f = x * (x * a) + (x * x) * a + x * (x * a);

  f.backward();
  f.backward();

  EXPECT_EQ(x.grad_item(), 6.0);
  EXPECT_EQ(a.grad_item(), 3.0);
  EXPECT_EQ(f.grad_item(), 1.0);
}

TEST(Backward, IntermediateNodeGivesLocalDerivative) {
  const Var z2 = Var::scalar(0.3, "z2");
  Var a2 = sigmoid(z2);
  Var loss = half_squared_error(a2, Var::scalar(1.0, "t"));

  loss.backward();
  a2.backward();

  // After backward() from a2, z2.grad is d(a2)/d(z2) = a2(1 - a2).
  const double s = a2.item();
  EXPECT_DOUBLE_EQ(z2.grad_item(), s * (1.0 - s));
  EXPECT_EQ(a2.grad_item(), 1.0);
}

TEST(Backward, UnreachableNodesKeepTheirGrads) {
  const Var x = Var::scalar(2.0, "x");
  const Var only_in_first = Var::scalar(5.0, "b");
  Var first = x * only_in_first;
  Var second = x * x;

  first.backward();
  second.backward();

  // The second call resets x, but b is not reachable from its root.
  EXPECT_EQ(x.grad_item(), 4.0);
  EXPECT_EQ(only_in_first.grad_item(), 2.0);
}

TEST(Backward, NonScalarRootRejected) {
  Var y = sigmoid(Var(Matrix::Zero(2, 3)));

  EXPECT_EQ(invalid_argument_message([&] { y.backward(); }),
            "backward: the root has shape 2x3, but it must be 1x1 (reduce it with sum() or "
            "mean() first)");
}

TEST(TopologicalOrder, ParentsComeFirstAndRootLast) {
  const Var x = Var::scalar(1.0);
  const Var a = Var::scalar(2.0);
  const Var shared = x * a;
  const Var f = shared + (shared * x);

  const std::vector<Node*> order = topological_order(f);

  std::unordered_map<const Node*, std::size_t> position;
  for (std::size_t i = 0; i < order.size(); ++i) {
    EXPECT_TRUE(position.emplace(order[i], i).second) << "node at " << i << " appears twice";
  }
  EXPECT_EQ(order.size(), 5u);
  EXPECT_EQ(order.back(), f.node().get());
  for (const Node* node : order) {
    for (const auto& parent : node->parents) {
      EXPECT_LT(position.at(parent.get()), position.at(node)) << "op " << node->op;
    }
  }
}

TEST(Backward, DeepChainDoesNotOverflowStack) {
  // A recursive sort or destructor needs at least one stack frame per node.
  // A recursive Node destructor crashes this test on an 8 MiB stack.
  constexpr int kDepth = 300000;
  const Var x = Var::scalar(1.0, "x");
  Var y = x;
  for (int i = 0; i < kDepth; ++i) {
    y = scale(y, 1.0);
  }
  Var f = y + x;

  f.backward();

  EXPECT_EQ(x.grad_item(), 2.0);

  // Releasing the last handles destroys the whole chain here.
  f = Var::scalar(0.0);
  y = f;
  EXPECT_EQ(x.node().use_count(), 1);
}

TEST(Backward, DroppedGraphReleasesItsNodes) {
  const Var x = Var::scalar(0.5, "x");
  std::weak_ptr<Node> hidden;
  {
    Var h = tanh(x);
    hidden = h.node();
    Var f = mul(h, x);
    f.backward();
  }

  // The backward steps hold no owning pointers, so nothing keeps h alive.
  EXPECT_TRUE(hidden.expired());
  EXPECT_EQ(x.node().use_count(), 1);
}

}  // namespace
}  // namespace gradlings::engine
