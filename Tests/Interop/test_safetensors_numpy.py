"""Weights written by `netspec train` are read by the safetensors library and give, in a
NumPy forward pass, the probabilities that `netspec predict` prints."""

import csv
import gzip
import io

import numpy as np
from safetensors.numpy import load_file


def test_mlp_weights_predict_like_numpy(netspec, repo, tmp_path):
    run = tmp_path / "run"
    netspec("train", "specs/mlp_digits.yaml", "--epochs", "2", "-o", run)
    weights = load_file(str(run / "weights.safetensors"))
    assert {name: tensor.shape for name, tensor in weights.items()} == {
        "hidden1.weight": (128, 64), "hidden1.bias": (128,),
        "hidden2.weight": (64, 128), "hidden2.bias": (64,),
        "logits.weight": (10, 64), "logits.bias": (10,),
    }

    with gzip.open(repo / "Examples/data/digits.csv.gz", "rt") as file:
        rows = [list(map(float, row)) for _, row in zip(range(40), csv.reader(file))]
    samples = np.array(rows, dtype=np.float32)[:, :64]
    samples_file = tmp_path / "samples.csv"
    np.savetxt(samples_file, samples, delimiter=",", fmt="%g")

    x = samples / 16
    for layer in ("hidden1", "hidden2"):
        x = np.maximum(x @ weights[f"{layer}.weight"].T + weights[f"{layer}.bias"], 0)
    logits = x @ weights["logits.weight"].T + weights["logits.bias"]
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)

    printed = netspec("predict", "specs/mlp_digits.yaml", "--weights", run / "weights.safetensors",
                      "--input", samples_file).stdout
    table = list(csv.DictReader(io.StringIO(printed)))
    assert len(table) == len(samples)
    for row, expected in zip(table, probabilities):
        assert int(row["class"]) == int(expected.argmax())
        assert abs(float(row["probability"]) - float(expected.max())) < 1e-5
