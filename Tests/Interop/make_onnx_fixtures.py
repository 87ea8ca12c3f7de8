"""Builds the ONNX import fixtures: small models exported by torch.onnx.export.

Run from the repository root with the interop virtual environment:

    .venv/bin/python Tests/Interop/make_onnx_fixtures.py [OUT_DIR]

For each model it writes OUT_DIR/<name>.onnx and OUT_DIR/<name>.reference.safetensors
(the tensors `input`, 4 samples, and `output`, torch's outputs for them in eval mode).
OUT_DIR defaults to Tests/Interop/Fixtures. Seeds are fixed, so a rerun writes the
same weights. The exporter is torch's TorchScript-based one (dynamo=False, opset 17):
it needs no extra package and its graphs are what most deployed ONNX files look like.
The batch axis is dynamic (`N`), and the sequence models' time axis (`T`).

- lenet5: LeNet-5 for 1x28x28 (tanh, average pooling).
- resnet20: the CIFAR ResNet-20 of He et al. (3x32x32, 3 stages of 3 basic blocks,
  16/32/64 channels), option B shortcuts (1x1 convolution + batch norm where the shape
  changes); exported in eval mode, so the exporter folds each batch norm into its conv.
- transformer: a 2-layer nn.TransformerEncoder (d_model 16, 2 heads, feed-forward 32),
  batch_first, over [N, 6, 16], then a linear head.
- lstm: a 2-layer LSTM (8 -> 16) over [N, 5, 8] whose last step feeds a linear classifier.
"""

import pathlib
import sys
import warnings

import torch
import torch.nn as nn
from safetensors.torch import save_file


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.pool1 = nn.AvgPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool2 = nn.AvgPool2d(2)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool1(torch.tanh(self.conv1(x)))
        x = self.pool2(torch.tanh(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = torch.tanh(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.fc3(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + self.shortcut(x))


class ResNet20(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        blocks, cin = [], 16
        for cout, stride in [(16, 1), (32, 2), (64, 2)]:
            for i in range(3):
                blocks.append(BasicBlock(cin, cout, stride if i == 0 else 1))
                cin = cout
        self.layers = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.relu(self.bn(self.conv(x)))
        x = self.pool(self.layers(x))
        return self.fc(torch.flatten(x, 1))


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        return self.head(self.encoder(x))


class LSTMClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True)
        self.fc = nn.Linear(16, 3)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y[:, -1])


# The batch axis is dynamic everywhere; the sequence models' time axis too.
DYNAMIC = {
    "lenet5": {"input": {0: "N"}, "output": {0: "N"}},
    "resnet20": {"input": {0: "N"}, "output": {0: "N"}},
    "transformer": {"input": {0: "N", 1: "T"}, "output": {0: "N", 1: "T"}},
    "lstm": {"input": {0: "N", 1: "T"}, "output": {0: "N"}},
}


def randomize_batchnorm(model):
    """Non-trivial running statistics and affine parameters, so folding them is tested."""
    generator = torch.Generator().manual_seed(7)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            n = module.num_features
            module.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
            module.running_var.copy_(torch.rand(n, generator=generator) * 0.5 + 0.75)
            module.weight.data.copy_(torch.rand(n, generator=generator) * 0.5 + 0.75)
            module.bias.data.copy_(torch.randn(n, generator=generator) * 0.1)


MODELS = {
    "lenet5": (LeNet5, [1, 28, 28]),
    "resnet20": (ResNet20, [3, 32, 32]),
    "transformer": (Transformer, [6, 16]),
    "lstm": (LSTMClassifier, [5, 8]),
}


def export(name, out):
    """Exports one model and its reference outputs into `out`."""
    make, sample = MODELS[name]
    torch.manual_seed(0)
    model = make()
    randomize_batchnorm(model)
    model.eval()
    x = torch.randn(4, *sample, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        y = model(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, (x,), str(out / f"{name}.onnx"), dynamo=False, opset_version=17,
            input_names=["input"], output_names=["output"],
            dynamic_axes=DYNAMIC[name],
        )
    save_file({"input": x.contiguous(), "output": y.contiguous()}, str(out / f"{name}.reference.safetensors"))


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).parent / "Fixtures"
    out.mkdir(parents=True, exist_ok=True)
    for name in MODELS:
        export(name, out)


if __name__ == "__main__":
    main()
