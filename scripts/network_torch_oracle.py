#!/usr/bin/python3
"""Print the training runs of lessons 3 and 7 as PyTorch computes them.

tests/engine/network_test.cc records these numbers as an independent oracle
for the engine's network reference, so the tests never need PyTorch.

Both runs are stochastic gradient descent in float64 with one update per
sample, in order, on a network of sigmoid layers z = W a + b with the loss
0.5 * sum((a - target)^2):

- XOR: 2 -> 2 -> 1 from W0 = [[0.1, 0.2], [0.3, 0.4]], b0 = [0.1, 0.2],
  W1 = [[0.5, 0.6]], b1 = [0.1], learning rate 1, 2000 epochs.
- x squared: 1 -> 2 -> 1 from random_network({1, 2, 1}, 1) of
  lessons/harness/network.h (SplitMix64, ported below), learning rate 0.5,
  2000 epochs on x = 0.1, 0.5, 0.8, 1.0, predicting x = 0.7 at the end.

Run it with Debian's python3-torch:  scripts/network_torch_oracle.py
"""

import math

import torch

MASK = (1 << 64) - 1


class SplitMix64:
    """The generator of lessons/harness/network.h, bit for bit."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self, low, high):
        return low + (high - low) * ((self.next() >> 11) * 2.0**-53)


def random_network(sizes, seed):
    """Return [(W, b), ...] as random_network() in lessons/harness/network.h."""
    random = SplitMix64(seed)
    layers = []
    for inputs, units in zip(sizes[:-1], sizes[1:]):
        scale = math.sqrt(2.0 / inputs)
        rows = [[random.uniform(-1.0, 1.0) * scale for _ in range(inputs)] for _ in range(units)]
        layers.append((rows, [0.0] * units))
    return layers


def to_tensors(layers):
    return [
        (torch.tensor(w, dtype=torch.float64, requires_grad=True),
         torch.tensor(b, dtype=torch.float64, requires_grad=True))
        for w, b in layers
    ]


def output(params, x):
    a = torch.tensor(x, dtype=torch.float64)
    for w, b in params:
        a = torch.sigmoid(w @ a + b)
    return a


def train(params, samples, learning_rate, epochs):
    for _ in range(epochs):
        for x, target in samples:
            loss = 0.5 * ((output(params, x) - torch.tensor(target, dtype=torch.float64)) ** 2).sum()
            for w, b in params:
                w.grad = None
                b.grad = None
            loss.backward()
            with torch.no_grad():
                for w, b in params:
                    w -= learning_rate * w.grad
                    b -= learning_rate * b.grad


def average_loss(params, samples):
    with torch.no_grad():
        total = sum(
            0.5 * ((output(params, x) - torch.tensor(t, dtype=torch.float64)) ** 2).sum().item()
            for x, t in samples
        )
    return total / len(samples)


def report(name, params, samples, points):
    print(name)
    print(f"  average loss {average_loss(params, samples):.17g}")
    with torch.no_grad():
        for x in points:
            print(f"  prediction at {x} {output(params, x)[0].item():.17g}")
    for l, (w, b) in enumerate(params):
        print(f"  W{l} {[f'{v:.17g}' for v in w.detach().flatten().tolist()]}")
        print(f"  b{l} {[f'{v:.17g}' for v in b.detach().tolist()]}")


def main():
    xor = [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])]
    params = to_tensors([([[0.1, 0.2], [0.3, 0.4]], [0.1, 0.2]), ([[0.5, 0.6]], [0.1])])
    train(params, xor, 1.0, 2000)
    report("xor after 2000 epochs", params, xor, [x for x, _ in xor])

    squares = [([x], [x * x]) for x in (0.1, 0.5, 0.8, 1.0)]
    params = to_tensors(random_network([1, 2, 1], 1))
    train(params, squares, 0.5, 2000)
    report("x squared after 2000 epochs", params, squares, [[0.7]])
    print(f"torch {torch.__version__}")


if __name__ == "__main__":
    main()
