#!/usr/bin/python3
"""Print the public case of lesson 8 as PyTorch computes it.

tests/engine/mini_batch_test.cc records these numbers as an independent
oracle for the engine's mini-batch reference, so the tests never need
PyTorch.

The network is H = sigmoid(X W1^T + b1), Y = H W2^T + b2 on a batch of three
samples, one per row, with the loss (1/B) * sum over samples of
0.5 * ||y - t||^2, in float64. The script prints step 1's values and
gradients, then the loss of each of three steps of gradient descent at
learning rate 0.5, each taken before that step's update.

Run it with Debian's python3-torch:  scripts/mini_batch_torch_oracle.py
"""

import torch


def tensor(rows, grad=False):
    return torch.tensor(rows, dtype=torch.float64, requires_grad=grad)


def show(name, value):
    print(f"{name} {[f'{v:.17g}' for v in value.detach().flatten().tolist()]}")


def main():
    X = tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    T = tensor([[1.0], [0.0], [0.5]])
    W1 = tensor([[0.5, -0.3], [0.2, 0.4]], True)
    b1 = tensor([0.1, -0.1], True)
    W2 = tensor([[0.7, -0.5]], True)
    b2 = tensor([0.2], True)
    learning_rate = 0.5

    for step in range(1, 4):
        H = torch.sigmoid(X @ W1.T + b1)
        Y = H @ W2.T + b2
        H.retain_grad()
        Y.retain_grad()
        loss = 0.5 * ((Y - T) ** 2).sum() / X.shape[0]
        for p in (W1, b1, W2, b2):
            p.grad = None
        loss.backward()
        print(f"step {step} loss {loss.item():.17g}")
        if step == 1:
            show("H", H)
            show("Y", Y)
            show("dY", Y.grad)
            show("dH", H.grad)
            show("dW1", W1.grad)
            show("db1", b1.grad)
            show("dW2", W2.grad)
            show("db2", b2.grad)
        with torch.no_grad():
            for p in (W1, b1, W2, b2):
                p -= learning_rate * p.grad
    show("W1 after 3 steps", W1)
    show("b1 after 3 steps", b1)
    show("W2 after 3 steps", W2)
    show("b2 after 3 steps", b2)
    print(f"torch {torch.__version__}")


if __name__ == "__main__":
    main()
