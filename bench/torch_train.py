"""PyTorch 1.13 baseline for bench/train.sh: the same models, data, batch and solver
as examples/lenet.nn and examples/mlp.nn, timed the same way (one epoch of Fashion-MNIST
training, images/s over the epoch's training steps); and BVLC AlexNet (examples/alexnet.nn)
on synthetic 227x227 batches of 16, images/s over STEPS steps after one warm-up step."""
import gzip
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def idx(path):
    with gzip.open(path) as f:
        magic, = struct.unpack(">i", f.read(4))
        dims = struct.unpack(">" + "i" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 20, 5), nn.Conv2d(20, 50, 5)
        self.ip1, self.ip2 = nn.Linear(800, 500), nn.Linear(500, 10)

    def forward(self, x):
        x = F.max_pool2d(self.conv1(x), 2, 2)
        x = F.max_pool2d(self.conv2(x), 2, 2)
        return self.ip2(F.relu(self.ip1(x.flatten(1))))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.out = nn.Linear(784, 512), nn.Linear(512, 512), nn.Linear(512, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x.flatten(1)))
        return self.out(F.relu(self.fc2(x)))


class AlexNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 96, 11, stride=4)
        self.conv2 = nn.Conv2d(96, 256, 5, padding=2, groups=2)
        self.conv3 = nn.Conv2d(256, 384, 3, padding=1)
        self.conv4 = nn.Conv2d(384, 384, 3, padding=1, groups=2)
        self.conv5 = nn.Conv2d(384, 256, 3, padding=1, groups=2)
        self.fc6, self.fc7, self.fc8 = nn.Linear(9216, 4096), nn.Linear(4096, 4096), nn.Linear(4096, 1000)
        self.lrn = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75)

    def forward(self, x):
        x = F.max_pool2d(self.lrn(F.relu(self.conv1(x))), 3, 2)
        x = F.max_pool2d(self.lrn(F.relu(self.conv2(x))), 3, 2)
        x = F.relu(self.conv4(F.relu(self.conv3(x))))
        x = F.max_pool2d(F.relu(self.conv5(x)), 3, 2)
        x = F.dropout(F.relu(self.fc6(x.flatten(1))), 0.5, self.training)
        x = F.dropout(F.relu(self.fc7(x)), 0.5, self.training)
        return self.fc8(x)


def alexnet(steps=10, batch=16):
    model = AlexNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    images = torch.rand(batch, 3, 227, 227)
    labels = torch.randint(0, 1000, (batch,))
    for i in range(steps + 1):
        if i == 1:
            start = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start
    print(f"images/s {steps * batch / seconds:.1f} ms/step {1000 * seconds / steps:.0f} loss {loss.item():.4f}")


def main():
    model_name = sys.argv[1]
    torch.set_num_threads(2)
    torch.manual_seed(0)
    if model_name == "alexnet":
        return alexnet()
    images = torch.from_numpy(idx(f"{DATA}/train-images-idx3-ubyte.gz").astype(np.float32) / 255).unsqueeze(1)
    labels = torch.from_numpy(idx(f"{DATA}/train-labels-idx1-ubyte.gz").astype(np.int64))
    model = LeNet() if model_name == "lenet" else Mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    batch = 64
    order = torch.randperm(len(images))
    steps = len(images) // batch
    start = time.perf_counter()
    for i in range(steps):
        idx_ = order[i * batch:(i + 1) * batch]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images[idx_]), labels[idx_])
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start
    print(f"images/s {steps * batch / seconds:.0f} loss {loss.item():.4f}")


main()
