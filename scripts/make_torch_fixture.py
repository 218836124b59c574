#!/usr/bin/python3
"""Write tests/fixtures/torch_networks.json: small networks evaluated by PyTorch.

Each network is a stack of dense layers h = act(h W + b) on a batch X of shape
batch x features, where the bias b is a 1 x width row added to every example.
The script stores the inputs, targets, weights and biases, the loss and the
gradient of the loss with respect to every weight and bias, all in float64.
tests/engine/torch_fixture_test.cc rebuilds each network with the engine and
compares, so the tests never need PyTorch.

Run it with Debian's python3-torch:  scripts/make_torch_fixture.py
The output is the same on every run for a given PyTorch version, because the
seed is fixed and everything runs on the CPU in float64.
"""

import json
import pathlib
import re

import torch

SEED = 20240611
OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_networks.json"

# name, layer widths from input to output, batch size, activation per layer, loss.
# "identity" leaves a layer linear. An activation's output range decides how
# the targets are drawn.
NETWORKS = [
    ("sigmoid_2_layers", [3, 5, 2], 4, ["sigmoid", "sigmoid"], "half_squared_error"),
    ("tanh_3_layers_linear_output", [4, 6, 3, 1], 6, ["tanh", "tanh", "identity"], "mse"),
    ("relu_4_layers", [5, 7, 6, 4, 3], 8, ["relu", "relu", "relu", "sigmoid"], "half_squared_error"),
    ("mixed_3_layers", [2, 8, 4, 2], 3, ["relu", "tanh", "sigmoid"], "mse"),
    ("single_example_2_layers", [6, 3, 4], 1, ["tanh", "relu"], "mse"),
]

ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "identity": lambda z: z,
}


def half_squared_error(y, t):
    return 0.5 * ((y - t) ** 2).sum()


def mse(y, t):
    return ((y - t) ** 2).mean()


LOSSES = {"half_squared_error": half_squared_error, "mse": mse}


def to_rows(tensor):
    """Return a 2-D tensor as a list of rows of Python floats."""
    return tensor.detach().tolist()


def make_network(generator, name, widths, batch, activations, loss_name):
    """Build one network, run forward and backward, and return its record."""
    inputs = torch.randn(batch, widths[0], generator=generator, dtype=torch.float64)
    if activations[-1] == "sigmoid":
        targets = torch.rand(batch, widths[-1], generator=generator, dtype=torch.float64)
    else:
        targets = torch.randn(batch, widths[-1], generator=generator, dtype=torch.float64)

    weights, biases = [], []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        weight = torch.randn(fan_in, fan_out, generator=generator, dtype=torch.float64)
        weights.append((weight / fan_in**0.5).requires_grad_())
        bias = torch.randn(1, fan_out, generator=generator, dtype=torch.float64)
        biases.append((0.1 * bias).requires_grad_())

    h = inputs
    for weight, bias, activation in zip(weights, biases, activations):
        h = ACTIVATIONS[activation](h @ weight + bias)
    loss = LOSSES[loss_name](h, targets)
    loss.backward()

    layers = [
        {
            "activation": activation,
            "weight": to_rows(weight),
            "bias": to_rows(bias),
            "weight_grad": to_rows(weight.grad),
            "bias_grad": to_rows(bias.grad),
        }
        for weight, bias, activation in zip(weights, biases, activations)
    ]
    return {
        "name": name,
        "loss": loss_name,
        "inputs": to_rows(inputs),
        "targets": to_rows(targets),
        "layers": layers,
        "loss_value": loss.item(),
    }


def format_json(value):
    """Return indented JSON with each innermost list of numbers on one line."""
    text = json.dumps(value, indent=1)
    number_list = re.compile(r"\[\s+([-+.eE\d,\s]+?)\s+\]")
    return number_list.sub(lambda match: "[" + " ".join(match.group(1).split()) + "]", text)


def main():
    generator = torch.Generator().manual_seed(SEED)
    fixture = {
        "description": "Dense networks h = act(h W + b) evaluated by PyTorch in float64; "
        "written by scripts/make_torch_fixture.py.",
        "torch_version": torch.__version__,
        "seed": SEED,
        "networks": [make_network(generator, *network) for network in NETWORKS],
    }
    OUTPUT.write_text(format_json(fixture) + "\n")
    print(f"wrote {len(NETWORKS)} networks to {OUTPUT}")


if __name__ == "__main__":
    main()
