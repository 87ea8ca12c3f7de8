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
