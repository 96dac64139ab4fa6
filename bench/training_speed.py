"""Training and evaluation throughput of the CIFAR variant of VGG-16 (3x32x32 inputs, 10
classes) on this machine's CPU, and what that means for pretraining it on CIFAR-10 with the
known recipe (30 epochs of 45,000 training images, batch 128; problems/recipes.py).

Random inputs (no dataset needed); SGD steps with momentum and weight decay as in pretraining,
evaluation in batches of 256 without gradients as in `error_rate`. torch's default threads.

    python bench/training_speed.py [--train-batches 5] [--eval-batches 3]
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from hamp_bench.problems.networks import build_network

EPOCHS, TRAIN_IMAGES, BATCH = 30, 45_000, 128  # the CIFAR-10 recipe and split


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-batches", type=int, default=5)
    ap.add_argument("--eval-batches", type=int, default=3)
    args = ap.parse_args()
    torch.manual_seed(0)
    net = build_network("vgg16", 3, 10, 32)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x, y = torch.randn(BATCH, 3, 32, 32), torch.randint(0, 10, (BATCH,))

    def step():
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    net.train()
    step()  # warm-up
    t = time.perf_counter()
    for _ in range(args.train_batches):
        step()
    train_ips = args.train_batches * BATCH / (time.perf_counter() - t)

    net.eval()
    xe = torch.randn(256, 3, 32, 32)
    with torch.no_grad():
        net(xe)  # warm-up
        t = time.perf_counter()
        for _ in range(args.eval_batches):
            net(xe)
    eval_ips = args.eval_batches * 256 / (time.perf_counter() - t)

    print(
        f"VGG-16 (CIFAR variant, 32x32), torch {torch.__version__} CPU, "
        f"{torch.get_num_threads()} threads"
    )
    print(f"  training  : {train_ips:.0f} images/s (batch {BATCH}, SGD)")
    print(f"  evaluation: {eval_ips:.0f} images/s (batch 256, no gradients)")
    print(
        f"  pretraining on CIFAR-10 ({EPOCHS} epochs x {TRAIN_IMAGES:,} images): "
        f"about {EPOCHS * TRAIN_IMAGES / train_ips / 3600:.1f} hours of training steps"
    )


if __name__ == "__main__":
    main()
