#!/usr/bin/python3
"""Print gradient clipping results from PyTorch, for tests/engine/clipping_test.cc.

Each case sets a tensor's .grad to a vector and calls
torch.nn.utils.clip_grad_norm_ (and clip_grad_value_) on it in float64 on the
CPU. The test stores the printed numbers, so it never needs PyTorch.

Run it with Debian's python3-torch:  scripts/clip_norm_oracle.py
"""

import torch

# name, gradient, max_norm (also used as the clip value)
CASES = [
    ("textbook", [-150.0, 30.0, -5.0, 200.0, 8.0], 50.0),
    ("under_threshold", [3.0, -4.0], 10.0),
    ("norm_equals_max_norm", [3.0, 4.0], 5.0),
    ("zero", [0.0, 0.0, 0.0], 1.0),
    ("single_negative", [-7.5], 2.0),
]


def clipped(gradient, clip):
    parameter = torch.nn.Parameter(torch.zeros(len(gradient), dtype=torch.float64))
    parameter.grad = torch.tensor(gradient, dtype=torch.float64)
    norm = clip(parameter)
    return norm, parameter.grad.tolist()


def main():
    print(f"torch {torch.__version__}")
    for name, gradient, max_norm in CASES:
        norm, by_norm = clipped(gradient, lambda p: torch.nn.utils.clip_grad_norm_([p], max_norm))
        _, by_value = clipped(gradient, lambda p: torch.nn.utils.clip_grad_value_([p], max_norm))
        print(name)
        print(f"  norm     {float(norm)!r}")
        print(f"  by_norm  {[repr(x) for x in by_norm]}")
        print(f"  by_value {[repr(x) for x in by_value]}")


if __name__ == "__main__":
    main()
