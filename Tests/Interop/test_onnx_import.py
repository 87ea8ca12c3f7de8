"""`netspec import` on what torch.onnx.export writes today: the fixture script
(make_onnx_fixtures.py) is run again into a temporary folder, so a change in torch's
exporter that the importer does not follow fails here, and each fresh model is imported,
checked and run by `netspec predict` against torch's and onnxruntime's outputs."""

import csv
import importlib.util
import io
import pathlib

import numpy as np
import onnxruntime
import pytest
import torch
from safetensors.numpy import load_file

HERE = pathlib.Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("make_onnx_fixtures", HERE / "make_onnx_fixtures.py")
fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fixtures)

CLASSIFIERS = ["lenet5", "resnet20", "lstm"]


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_fresh_export_imports_and_predicts_like_torch(netspec, tmp_path, name):
    fixtures.export(name, tmp_path)
    model = tmp_path / f"{name}.onnx"
    reference = load_file(str(tmp_path / f"{name}.reference.safetensors"))
    x, y = reference["input"], reference["output"]

    session = onnxruntime.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": x})[0], y, rtol=1e-4, atol=1e-5)

    out = tmp_path / "imported"
    netspec("import", model, "-o", out, "--name", name)
    netspec("check", out / f"{name}.yaml")
    np.save(tmp_path / "input.npy", x)
    printed = netspec("predict", out / f"{name}.yaml", "--weights", out / "weights.safetensors",
                      "--input", tmp_path / "input.npy").stdout
    rows = list(csv.DictReader(io.StringIO(printed)))
    probabilities = np.exp(y - y.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    assert [int(row["class"]) for row in rows] == list(y.argmax(axis=1))
    for row, expected in zip(rows, probabilities):
        assert float(row["probability"]) == pytest.approx(expected.max(), rel=1e-4)


def test_fresh_transformer_export_imports_and_predicts_like_torch(netspec, tmp_path):
    fixtures.export("transformer", tmp_path)
    reference = load_file(str(tmp_path / "transformer.reference.safetensors"))
    x, y = reference["input"], reference["output"]
    session = onnxruntime.InferenceSession(str(tmp_path / "transformer.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": x})[0], y, rtol=1e-4, atol=1e-5)

    out = tmp_path / "imported"
    netspec("import", tmp_path / "transformer.onnx", "-o", out)
    spec = (out / "transformer.yaml").read_text()
    assert spec.count("- attention: {heads: 2") == 2
    np.save(tmp_path / "input.npy", x)
    printed = netspec("predict", out / "transformer.yaml", "--weights", out / "weights.safetensors",
                      "--input", tmp_path / "input.npy").stdout
    rows = list(csv.DictReader(io.StringIO(printed)))
    values = np.array([[float(row[f"value_{i}"]) for i in range(y[0].size)] for row in rows])
    # predict prints 6 significant digits.
    np.testing.assert_allclose(values, y.reshape(len(y), -1), rtol=1e-4, atol=1e-5)


class MixedNet(torch.nn.Module):
    """The layers of torch.nn the importer reads beyond LeNet, ResNet, LSTM and the encoder,
    in PyTorch's own export forms: GroupNorm (Reshape, InstanceNormalization, Reshape, Mul, Add: one
    group_norm),
    SiLU (x * Sigmoid(x)), exact GELU (Div, Erf, Add, Mul, Mul), Mish, Softplus with beta (Mul,
    Softplus, Div: torch writes no threshold), ELU,
    Hardsigmoid, Hardswish, ReLU6 (Clip), ConvTranspose2d, Upsample (nearest and bilinear),
    ReflectionPad2d, PixelShuffle, InstanceNorm2d, Conv1d and MaxPool1d with ceil_mode, a mean
    and LayerNorm."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.gn = nn.GroupNorm(2, 8)
        self.up = nn.ConvTranspose2d(8, 8, 2, stride=2)
        self.shuffle = nn.PixelShuffle(2)
        self.pad = nn.ReflectionPad2d(1)
        self.c2 = nn.Conv2d(2, 4, 3, groups=2)
        self.inorm = nn.InstanceNorm2d(4, affine=True)
        self.bilinear = nn.Upsample(scale_factor=0.5, mode="bilinear")
        self.nearest = nn.Upsample(scale_factor=2)
        self.c1d = nn.Conv1d(4, 4, 3, padding=1)
        self.pool = nn.MaxPool1d(3, stride=2, ceil_mode=True)
        self.fc = nn.Linear(4, 6)
        self.ln = nn.LayerNorm(6)
        self.acts = nn.ModuleList([nn.SiLU(), nn.Mish(), nn.Softplus(beta=2), nn.ELU(0.5), nn.Hardsigmoid(),
                                   nn.Hardswish(), nn.ReLU6(), nn.GELU()])

    def forward(self, x):
        a = self.acts
        x = a[0](self.gn(self.c1(x)))
        x = a[1](self.up(x))
        x = a[2](self.c2(self.pad(self.shuffle(x))))
        x = a[3](self.inorm(x))
        x = a[4](self.nearest(self.bilinear(x)))
        x = self.pool(a[5](self.c1d(torch.flatten(x, 2))))
        return self.ln(a[7](a[6](self.fc(x.mean(-1)))))


def test_torch_layer_forms_import_and_predict_like_torch(netspec, tmp_path):
    torch.manual_seed(4)
    model = MixedNet().eval()
    with torch.no_grad():  # affine weights other than ones and zeros
        for module in (model.gn, model.inorm, model.ln):
            module.weight.uniform_(0.5, 1.5)
            module.bias.uniform_(-0.5, 0.5)
    x = torch.randn(3, 3, 6, 6)
    path = tmp_path / "mixed.onnx"
    torch.onnx.export(model, (x,), str(path), input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}}, opset_version=17, dynamo=False)
    out = tmp_path / "imported"
    netspec("import", path, "-o", out)
    spec = (out / "mixed.yaml").read_text()
    for line in ["group_norm: {groups: 2", "conv_transpose2d", "pixel_shuffle", "pad: {padding: [1, 1, 1, 1], mode: reflect",
                 "instance_norm: {affine: true", "upsample: {scale_factor: 0.5, mode: bilinear", "conv1d",
                 "maxpool1d: {kernel: 3, stride: 2, ceil_mode: true", "silu", "mish", "multiply: {scalar: 2.0",
                 "softplus", "elu: {alpha: 0.5", "hardsigmoid", "hardswish", "relu6", "gelu: {approximate: none",
                 "layernorm"]:
        assert line in spec, f"{line} not in\n{spec}"
    np.save(tmp_path / "input.npy", x.numpy())
    netspec("predict", out / "mixed.yaml", "--weights", out / "weights.safetensors", "--input",
            tmp_path / "input.npy", "-o", tmp_path / "predicted.npy")
    with torch.no_grad():
        expected = model(x).numpy()
    np.testing.assert_allclose(np.load(tmp_path / "predicted.npy"), expected, rtol=1e-4, atol=1e-5)


class Recurrences(torch.nn.Module):
    """Bidirectional and multi-layer nn.LSTM and nn.GRU with states in and out: a two-layer
    bidirectional LSTM starts from initial states given batch first ([N, 4, 3], transposed in the
    model: torch slices them per layer), its final hidden states start a two-layer bidirectional
    GRU, a one-layer LSTM reads the GRU's sequence; the output concatenates the last step, the
    encoder's sequence flattened over T (a computed size, [N, 6*T]), and the GRU's and LSTM's final
    states batch first."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.enc = nn.LSTM(4, 3, 2, batch_first=True, bidirectional=True)
        self.dec = nn.GRU(4, 3, 2, batch_first=True, bidirectional=True)
        self.top = nn.LSTM(6, 2, batch_first=True)

    def forward(self, x, y, h0, c0):
        out, (h, c) = self.enc(x, (h0.transpose(0, 1).contiguous(), c0.transpose(0, 1).contiguous()))
        seq, g = self.dec(y, h)
        last, _ = self.top(seq)
        return torch.cat([last[:, -1], out.flatten(1), g.transpose(0, 1).flatten(1),
                          c.transpose(0, 1).flatten(1)], -1)


def test_torch_bidirectional_stacks_with_states_import_and_predict_like_onnxruntime(netspec, tmp_path):
    torch.manual_seed(5)
    model = Recurrences().eval()
    n, t = 3, 5
    feeds = {"x": torch.randn(n, t, 4), "y": torch.randn(n, t, 4), "h0": torch.randn(n, 4, 3),
             "c0": torch.randn(n, 4, 3)}
    path = tmp_path / "recurrences.onnx"
    torch.onnx.export(model, tuple(feeds.values()), str(path), input_names=list(feeds), output_names=["output"],
                      dynamic_axes={"x": {0: "batch", 1: "T"}, "y": {0: "batch", 1: "T"}, "h0": {0: "batch"},
                                    "c0": {0: "batch"}}, opset_version=17, dynamo=False)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    expected = session.run(None, {k: v.numpy() for k, v in feeds.items()})[0]
    with torch.no_grad():
        np.testing.assert_allclose(expected, model(*feeds.values()).numpy(), rtol=1e-4, atol=1e-5)

    out = tmp_path / "imported"
    netspec("import", path, "-o", out)
    spec = (out / "recurrences.yaml").read_text()
    for line in ["lstm: {hidden: 3, bidirectional: true, layers: 2, name: enc, from: [x, h0, c0]}",
                 "gru: {hidden: 3, bidirectional: true, layers: 2, name: dec, from: [y, enc.h]}",
                 "lstm: {hidden: 2, returns: last, name: top}", "*T + "]:
        assert line in spec, f"{line} not in\n{spec}"
    netspec("check", out / "recurrences.yaml")
    files = []
    for name, value in feeds.items():
        np.save(tmp_path / f"{name}.npy", value.numpy())
        files += ["--input", f"{name}={tmp_path / name}.npy"]
    netspec("predict", out / "recurrences.yaml", "--weights", out / "weights.safetensors", *files,
            "-o", tmp_path / "predicted.npy")
    np.testing.assert_allclose(np.load(tmp_path / "predicted.npy"), expected, rtol=1e-5, atol=1e-5)


class StatesOut(torch.nn.Module):
    """A bidirectional LSTM returning its final states as torch does, [layers·directions, N, H]."""

    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(4, 3, 2, batch_first=True, bidirectional=True)

    def forward(self, x):
        return self.rnn(x)[1][0]


def test_torch_states_that_are_not_batch_first_are_named(netspec, tmp_path):
    path = tmp_path / "states.onnx"
    torch.onnx.export(StatesOut().eval(), (torch.randn(2, 5, 4),), str(path), input_names=["x"],
                      output_names=["h"], dynamic_axes={"x": {0: "batch", 1: "T"}}, opset_version=17, dynamo=False)
    result = netspec("import", path, "-o", tmp_path / "imported", check=False)
    assert result.returncode == 1
    assert "NS0751" in result.stderr and "batch axis is not first" in result.stderr, result.stderr
    assert "h_n.transpose(0, 1)" in result.stderr, result.stderr


class StatesIn(torch.nn.Module):
    """A bidirectional LSTM started from states as torch takes them, [layers·directions, N, H]."""

    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(4, 3, 2, batch_first=True, bidirectional=True)

    def forward(self, x, h0, c0):
        return self.rnn(x, (h0, c0))[0]


def test_torch_initial_states_that_are_not_batch_first_are_named(netspec, tmp_path):
    path = tmp_path / "states.onnx"
    torch.onnx.export(StatesIn().eval(), (torch.randn(2, 5, 4), torch.randn(4, 2, 3), torch.randn(4, 2, 3)), str(path),
                      input_names=["x", "h0", "c0"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch", 1: "T"}, "h0": {1: "batch"}, "c0": {1: "batch"}},
                      opset_version=17, dynamo=False)
    result = netspec("import", path, "-o", tmp_path / "imported", check=False)
    assert result.returncode == 1
    assert "NS0751" in result.stderr and "h_0 [layers·directions, N, H]" in result.stderr, result.stderr
    assert "transpose them in the model" in result.stderr, result.stderr
