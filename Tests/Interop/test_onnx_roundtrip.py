"""ONNX round trips (docs/INTEROP.md).

Import then export: each torch-exported fixture, imported by `netspec import` and
exported again by `netspec export --format onnx` with the imported weights, gives
onnxruntime the outputs of the original model.

Export then import: a spec exported with weights other than its initial ones and imported again has the
same layers, parameter count and weights, and `netspec predict` gives the same
outputs for both.
"""

import gzip
import importlib.util
import json
import pathlib

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from safetensors.numpy import load_file

FIXTURES = ["lenet5", "resnet20", "lstm", "transformer"]


def outputs(model_path, inputs):
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: inputs})[0]


@pytest.mark.parametrize("name", FIXTURES)
def test_import_then_export_keeps_the_outputs(netspec, repo, tmp_path, name):
    original = repo / "Tests/Interop/Fixtures" / f"{name}.onnx"
    netspec("import", original, "-o", tmp_path / "imported")
    exported = tmp_path / "again.onnx"
    netspec("export", tmp_path / "imported" / f"{name}.yaml", "--format", "onnx",
            "--weights", tmp_path / "imported" / "weights.safetensors", "-o", exported)
    onnx.checker.check_model(onnx.load(str(exported)), full_check=True)
    inputs = load_file(str(repo / "Tests/Interop/Fixtures" / f"{name}.reference.safetensors"))["input"]
    expected, actual = outputs(original, inputs), outputs(exported, inputs)
    assert actual.shape == expected.shape
    assert np.all(np.abs(actual - expected) <= 1e-5 * np.maximum(1, np.abs(expected))), \
        f"largest difference {np.abs(actual - expected).max()}"


SPEC = """netspec: 1
name: small_cnn
inputs:
  image: [N, 1, 12, 12]
layers:
  - conv2d: {filters: 4, kernel: 3, padding: 1, activation: relu, name: conv1}
  - batchnorm: {name: bn1}
  - maxpool2d: 2
  - conv2d: {filters: 6, kernel: 3, name: conv2}
  - flatten
  - dense: {units: 16, activation: tanh, name: hidden}
  - dense: {units: 3, name: logits}
train: {loss: cross_entropy, optimizer: adam}
"""


def test_export_then_import_keeps_the_graph_and_weights(netspec, tmp_path):
    spec = tmp_path / "small_cnn.yaml"
    spec.write_text(SPEC)
    rng = np.random.default_rng(5)
    weights = {}
    summary = json.loads(netspec("summary", spec, "--format", "json").stdout)
    exported = tmp_path / "small_cnn.onnx"
    netspec("export", spec, "--format", "onnx", "-o", exported)
    # The export's initial weights, perturbed so that batchnorm's statistics are not 0 and 1.
    model = onnx.load(str(exported))
    for initializer in model.graph.initializer:
        values = onnx.numpy_helper.to_array(initializer).astype(np.float32)
        if initializer.name.startswith("bn1.running_var"):
            values = values * rng.uniform(0.5, 2.0, values.shape).astype(np.float32)
        elif "." in initializer.name:
            values = values + rng.normal(0, 0.05, values.shape).astype(np.float32)
        weights[initializer.name] = values
    from safetensors.numpy import save_file
    save_file(weights, str(tmp_path / "weights.safetensors"), metadata={"netspec": "1"})
    netspec("export", spec, "--format", "onnx", "--weights", tmp_path / "weights.safetensors", "-o", exported)

    netspec("import", exported, "-o", tmp_path / "imported")
    imported_spec = tmp_path / "imported" / "small_cnn.yaml"
    again = json.loads(netspec("summary", imported_spec, "--format", "json").stdout)
    assert again["totals"]["params"] == summary["totals"]["params"]
    assert again["totals"]["buffers"] == summary["totals"]["buffers"]
    ops = lambda s: [layer["op"] for layer in s["layers"] if not layer["loss"]]
    assert ops(again) == ops(summary)

    imported = load_file(str(tmp_path / "imported" / "weights.safetensors"))
    assert sorted(imported) == sorted(weights)
    for name, values in weights.items():
        assert np.array_equal(imported[name], values), name

    samples = rng.normal(0, 1, (5, 1, 12, 12)).astype(np.float32)
    np.save(tmp_path / "samples.npy", samples)
    netspec("predict", spec, "--weights", tmp_path / "weights.safetensors", "--input", tmp_path / "samples.npy",
            "-o", tmp_path / "before.npy")
    netspec("predict", imported_spec, "--weights", tmp_path / "imported" / "weights.safetensors",
            "--input", tmp_path / "samples.npy", "-o", tmp_path / "after.npy")
    before, after = np.load(tmp_path / "before.npy"), np.load(tmp_path / "after.npy")
    assert np.all(np.abs(after - before) <= 1e-5 * np.maximum(1, np.abs(before)))


def test_an_imported_model_fine_tunes_and_compiles(netspec, repo, tmp_path):
    """The imported LeNet-5, given bundled MNIST digits as data, trains from its
    imported weights (`--init-from --strict` loads every tensor) and compiles."""
    imported = tmp_path / "imported"
    netspec("import", repo / "Tests/Interop/Fixtures/lenet5.onnx", "-o", imported)
    spec = imported / "lenet5.yaml"
    # The first 300 of the bundled MNIST digits: one epoch stays short in a debug build.
    with gzip.open(repo / "Examples/data/mnist_5k.csv.gz", "rt") as file:
        rows = [next(file) for _ in range(300)]
    data = tmp_path / "mnist_300.csv"
    data.write_text("".join(rows))
    text = spec.read_text().replace("train:  #", "train:\n  epochs: 1\n  batch_size: 64\n  seed: 3\n  _:  #", 1)
    text = text.replace("  _:  # ONNX models hold no training settings: choose the loss and optimizer\n", "")
    text += f"data:\n  train: {{csv: {data}, label: last, scale: 1/255, reshape: [1, 28, 28]}}\n"
    text += "  split: {validation: 0.1, test: 0.1, shuffle: true}\n"
    spec.write_text(text)
    run = netspec("train", spec, "--init-from", imported / "weights.safetensors", "--strict", "-o", tmp_path / "run")
    assert "loaded 10, skipped 0, left initialized 0" in run.stdout, run.stdout
    netspec("compile", spec, "-o", tmp_path / "swift")
    assert (tmp_path / "swift" / "NetSpecRuntime.swift").exists()


@pytest.mark.parametrize("spec, data", [
    ("specs/mlp_digits.yaml", "Examples/data/digits.csv.gz"),
    ("Examples/breast_cancer.yaml", "Examples/data/breast_cancer.csv"),
])
def test_input_preprocessing_survives_export_and_import(netspec, repo, tmp_path, spec, data):
    """A spec that scales (`scale: 1/16`) or standardizes its data exports its preprocessing
    as Mul/Sub/Div nodes; the import folds them into statistics its weights carry, so the
    imported spec, without `data:`, predicts what the original does from the same raw rows."""
    netspec("train", spec, "--epochs", "1", "-o", tmp_path / "run")
    weights = tmp_path / "run" / "weights.safetensors"
    netspec("export", spec, "--format", "onnx", "--weights", weights, "-o", tmp_path / "model.onnx")
    netspec("import", tmp_path / "model.onnx", "-o", tmp_path / "imported")
    imported = tmp_path / "imported" / "model.yaml"
    assert "data:" not in imported.read_text()
    opener = gzip.open if data.endswith(".gz") else open
    with opener(repo / data, "rt") as file:
        # The first line may be a header (breast_cancer.csv's is scikit-learn's counts): skip it.
        rows = [line.rsplit(",", 1)[0] for _, line in zip(range(31), file)][1:]
    samples = tmp_path / "samples.csv"
    samples.write_text("\n".join(rows) + "\n")
    netspec("predict", spec, "--weights", weights, "--input", samples, "-o", tmp_path / "before.npy")
    netspec("predict", imported, "--weights", tmp_path / "imported" / "weights.safetensors", "--input", samples,
            "-o", tmp_path / "after.npy")
    before, after = np.load(tmp_path / "before.npy"), np.load(tmp_path / "after.npy")
    assert before.shape == after.shape and len(before) == len(rows)
    assert np.all(np.abs(after - before) <= 1e-5 * np.maximum(1, np.abs(before))), np.abs(after - before).max()
    # Exported again, the imported model gives onnxruntime the same outputs.
    netspec("export", imported, "--format", "onnx", "--weights", tmp_path / "imported" / "weights.safetensors",
            "-o", tmp_path / "again.onnx")
    values = np.loadtxt(samples, delimiter=",", dtype=np.float32, ndmin=2)
    first, second = outputs(tmp_path / "model.onnx", values), outputs(tmp_path / "again.onnx", values)
    assert np.all(np.abs(second - first) <= 1e-5 * np.maximum(1, np.abs(first))), np.abs(second - first).max()


# Export then import for every op: each small spec of test_onnx_export.py's ZOO (which reach every op and
# option with an ONNX form) and every spec and Example (reduced), exported with its initial weights and
# imported again, predicts what onnxruntime computes from the export on the same inputs (1e-5 relative).
_spec = importlib.util.spec_from_file_location("onnx_export_cases", pathlib.Path(__file__).parent / "test_onnx_export.py")
export_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(export_cases)

ROUND_TRIPS = {name: (text, {}, dims, extent) for name, (text, dims, extent) in export_cases.ZOO.items()}
ROUND_TRIPS.update({path: (None, case, case.get("dims", {}), case.get("vocab", 1))
                    for path, case in export_cases.CASES.items() if not case.get("standardized")})

def round_trip_inputs(model, dims, extent):
    rng = np.random.default_rng(3)
    feeds = {}
    for value in model.graph.input:
        shape = [d.dim_value if d.HasField("dim_value") else (4 if d.dim_param == "N" else dims[d.dim_param])
                 for d in value.type.tensor_type.shape.dim]
        if value.type.tensor_type.elem_type == onnx.TensorProto.INT32:
            feeds[value.name] = rng.integers(0, extent, shape).astype(np.int32)
        else:
            feeds[value.name] = rng.uniform(-1, 1, shape).astype(np.float32) * extent
    return feeds


@pytest.mark.parametrize("name", list(ROUND_TRIPS))
def test_every_op_survives_export_and_import(netspec, repo, tmp_path, name):
    text, case, dims, extent = ROUND_TRIPS[name]
    spec = tmp_path / "spec.yaml"
    if text is None:
        spec = repo / name
    else:
        spec.write_text(text)
    exported = tmp_path / "model.onnx"
    netspec("export", spec, "--format", "onnx", "-o", exported, *export_cases.arguments(case))
    result = netspec("import", exported, "-o", tmp_path / "imported", check=False)
    assert result.returncode == 0, result.stderr
    netspec("check", tmp_path / "imported" / "model.yaml")
    model = onnx.load(str(exported))
    feeds = round_trip_inputs(model, dims, extent)
    expected = ort.InferenceSession(str(exported), providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    # One file per input, each given as `--input NAME=FILE` when there are several (the names are kept).
    files = []
    for input_name, values in feeds.items():
        np.save(tmp_path / f"{input_name}.npy", values)
        files += ["--input", f"{input_name}={tmp_path / input_name}.npy" if len(feeds) > 1
                  else tmp_path / f"{input_name}.npy"]
    netspec("predict", tmp_path / "imported" / "model.yaml", "--weights", tmp_path / "imported" / "weights.safetensors",
            *files, "-o", tmp_path / "predicted.npy")
    actual = np.load(tmp_path / "predicted.npy")
    assert actual.shape == expected.shape
    assert np.all(np.abs(actual - expected) <= 1e-5 * np.maximum(1, np.abs(expected))), \
        f"largest difference {np.abs(actual - expected).max()}"
