"""`netspec export --format pytorch` against the interpreter and under torchrun (docs/SCALING.md).

numerics: every spec of specs/ (reduced with --set) and Examples/*.yaml is exported with
NetSpec's initial weights (init.safetensors); the exported module, in float64, writes two
oracle fixtures per spec in the format of Tests/Oracle/make_fixtures.py (outputs, loss and
gradients of one pass, within 1e-5 relative; parameters after 10 optimizer steps of
train.py's optimizer, within 1e-4), and `swift test` replays them on the interpreter
(OracleInterpreterTests with NETSPEC_ORACLE_FIXTURES). Models with batchnorm run in training
mode (batch statistics of 8 samples); a model with dropout is compared in evaluation mode
(PyTorch's masks are its own). Where float32 itself cannot reach the base tolerance (deep
batchnorm stacks; Adam steps on attention's key bias, whose gradient is zero in exact
arithmetic), a tensor's limit is 10 times the largest error of PyTorch's own float32 run and
of two float64 runs from inputs and weights jittered by one float32 ulp.

scale-out: torchrun --nproc_per_node=2 (Gloo) trains the exported LeNet-5 on the bundled
MNIST 5k for one epoch and matches a one-process run with the same global batch; netspec
eval scores its weights as train.py did, and netspec compile takes the spec (the emitted
model equals the interpreter: EmittedModelTests).
"""

import importlib
import gzip
import json
import math
import os
import pathlib
import re
import subprocess
import sys
import zlib

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

REPO = pathlib.Path(__file__).resolve().parents[2]
# Examples too large to run at full size here, reduced.
EXAMPLE_SETTINGS = {
    "vit_b16.yaml": ["image=32", "patch=8", "width=16", "depth=2", "heads=2", "mlp=32", "classes=5"],
    "unet.yaml": ["size=16", "base=4"],
    "unet_shapes.yaml": ["size=16", "base=4"],
    "mobilenet_v2.yaml": ["size=16", "unit=1", "classes=5"],
    "efficientnet_b0.yaml": ["size=16", "unit=1", "classes=5"],
    "convnext_t.yaml": [
        "size=32", "width=8", "depth1=1", "depth2=1", "depth3=2", "depth4=1", "classes=5", "stochastic_depth=0"],
    "bert_base.yaml": ["vocab=8", "hidden=16", "layers=2", "heads=2", "intermediate=32", "max_positions=8", "dropout=0"],
    "llama_decoder.yaml": ["vocab=8", "dim=16", "layers=2", "heads=2", "hidden=24"],
    "wavenet.yaml": ["classes=16", "residual=4", "gate=4", "skip=8", "length=4"],
}
SPECS = [
    ("specs/lenet5.yaml", []),
    ("specs/mlp_digits.yaml", []),
    ("specs/alexnet.yaml", ["size=63", "base=4", "hidden=16", "classes=5"]),
    ("specs/vgg16.yaml", ["size=32", "base=2", "hidden=16", "classes=5"]),
    ("specs/resnet18.yaml", ["size=32", "base=4", "classes=5"]),
    ("specs/resnet50.yaml", ["size=32", "base=4", "classes=5"]),
    ("specs/lstm.yaml", ["hidden=8", "classes=3"]),
    ("specs/transformer.yaml", ["vocab=20", "d_model=8", "heads=2", "d_ff=16", "layers=1"]),
    # Bidirectional lstm and gru stacks whose final states start another.
    ("Tests/Interop/Specs/bidirectional_states.yaml", []),
] + [(str(p.relative_to(REPO)), EXAMPLE_SETTINGS.get(p.name, [])) for p in sorted((REPO / "Examples").glob("*.yaml"))]
DIMS = {"T": 3, "S": 4}
BATCH = 2
# Batch statistics of more samples keep a deep ResNet's batchnorm better conditioned.
NORMALIZED_BATCH = 8
# A tensor's limit is NOISE times PyTorch's own float32 error where that exceeds the base
# tolerance: deep batchnorm stacks and Adam on a gradient that is zero in exact arithmetic
# (attention's key bias) amplify rounding in any float32 implementation.
NOISE = 10
STEPS = 10


def export(netspec, spec, settings, folder):
    args = ["export", spec, "--format", "pytorch", "-o", folder]
    for item in settings:
        args += ["--set", item]
    if settings:
        args.append("--no-expect")
    netspec(*args)


def load_project(folder):
    """model.py and train.py of an export, as fresh modules."""
    for name in ("model", "train"):
        sys.modules.pop(name, None)
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("model"), importlib.import_module("train")
    finally:
        sys.path.remove(str(folder))


def save_fixture(path, tensors, metadata):
    """float32 tensors in the safetensors format, as make_fixtures.py writes them."""
    header, chunks, offset = {"__metadata__": metadata}, [], 0
    for key in sorted(tensors):
        data = np.ascontiguousarray(tensors[key], dtype="<f4")
        header[key] = {"dtype": "F32", "shape": list(data.shape), "data_offsets": [offset, offset + data.nbytes]}
        chunks.append(data.tobytes())
        offset += data.nbytes
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + b"".join(chunks))


def f32(tensor):
    return tensor.detach().to(torch.float32).numpy().copy()


def fresh_model(model_module, initial, dtype=torch.float64, jitter=None):
    model = getattr(model_module, [n for n in dir(model_module) if isinstance(getattr(model_module, n), type)
                                   and issubclass(getattr(model_module, n), torch.nn.Module)
                                   and getattr(model_module, n).__module__ == model_module.__name__
                                   and n not in ("Attention", "BatchNorm", "LearnedPositions")][0])()
    model.load_state_dict({k: jittered(v.to(dtype), jitter) for k, v in initial.items()}, strict=True)
    return model.to(dtype)


def jittered(tensor, seed):
    """`tensor` with every element moved by up to one float32 ulp (seed None: unchanged)."""
    if seed is None or not tensor.is_floating_point():
        return tensor
    generator = torch.Generator().manual_seed(seed + tensor.numel())
    noise = torch.rand(tensor.shape, generator=generator, dtype=torch.float64) * 2 - 1
    return tensor * (1 + noise.to(tensor.dtype) * 2.0 ** -24)


def prediction_of(model_module, outputs):
    return outputs[model_module.PREDICTION] if isinstance(outputs, tuple) else outputs


def make_inputs(model_module, model, rng, batch):
    vocab = min([m.num_embeddings for m in model.modules() if isinstance(m, torch.nn.Embedding)] or [2])
    inputs = {}
    for name, (dtype, shape) in model_module.INPUTS.items():
        sizes = [batch] + [DIMS[d] if isinstance(d, str) else d for d in shape]
        if dtype == torch.int64:
            inputs[name] = (rng.integers(0, vocab, size=sizes).astype(np.float32), True)
        else:
            inputs[name] = (rng.uniform(-1, 1, size=sizes).astype(np.float32), False)
    return inputs


def tensors_of(inputs, grad, dtype=torch.float64, jitter=None):
    return [torch.tensor(v, dtype=torch.int64) if ids
            else jittered(torch.tensor(v, dtype=dtype), jitter).requires_grad_(grad)
            for v, ids in inputs.values()]


def is_stochastic(model_module, model, inputs):
    outputs = []
    for seed in (1, 2):
        torch.manual_seed(seed)
        model.train()
        with torch.no_grad():
            outputs.append(prediction_of(model_module, model(*tensors_of(inputs, False))))
    return not torch.equal(*outputs)


def run_once(model_module, initial, inputs, target, training, dtype, jitter):
    """One forward and backward pass: the output, loss, gradients and buffers afterwards."""
    model = fresh_model(model_module, initial, dtype, jitter)
    model.train(training)
    xs = tensors_of(inputs, True, dtype, jitter)
    outputs = model(*xs)
    prediction = prediction_of(model_module, outputs)
    if hasattr(model_module, "loss_terms"):  # a loss of several terms
        terms = model_module.loss_terms(outputs if isinstance(outputs, tuple) else (outputs,), xs,
                                        torch.tensor(target, dtype=dtype))
        value = sum(model_module.LOSS_WEIGHTS[name] * term for name, term in terms.items())
    else:
        value = model_module.loss(prediction, torch.tensor(target, dtype=dtype))
    value.backward()
    tensors = {"output": f32(prediction), "loss": f32(value.reshape(1))}
    for (name, (_, ids)), x in zip(inputs.items(), xs):
        if not ids:
            # An attention mask reaches the output through `mask != 0` only: its gradient is 0.
            tensors[f"grad.input.{name}"] = f32(x.grad if x.grad is not None else torch.zeros_like(x))
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            grad = parameter.grad if parameter.grad is not None else torch.zeros_like(parameter)
            tensors[f"grad.param.{name}"] = f32(grad)
    for name, buffer in model.named_buffers():
        if name in initial:
            tensors[f"after.{name}"] = f32(buffer)
    return tensors


def run_steps(model_module, train_module, initial, inputs, target, training, dtype, jitter):
    """STEPS updates of train.py's optimizer: the losses and the parameters afterwards."""
    model = fresh_model(model_module, initial, dtype, jitter)
    model.train(training)
    optimizer = train_module.make_optimizer(model)
    target_tensor = torch.tensor(target, dtype=dtype)
    losses = []
    for _ in range(STEPS):
        value = train_module.training_step(
            model, optimizer, tensors_of(inputs, False, dtype, jitter), target_tensor, train_module.OPTIMIZER["lr"])[0]
        losses.append(value.item())
    tensors = {"loss": np.array(losses[:1], dtype=np.float32), "losses": np.array(losses, dtype=np.float32)}
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            tensors[f"after.{name}"] = f32(parameter)
    return tensors


def relative_error(got, expected):
    """The Swift tests' measure (OracleComparison): the largest difference over the largest magnitude."""
    return float(np.abs(got - expected).max() / max(np.abs(expected).max(), 1e-3)) if expected.size else 0.0


def tolerances(run, reference, base):
    """Per-tensor limits where float32 itself strays: NOISE times the largest error of PyTorch's
    own float32 run and of float64 runs from inputs and parameters jittered by one float32 ulp."""
    noisy = [run(torch.float32, None)] + [run(torch.float64, seed) for seed in (1, 2)]
    limits = {}
    for name, expected in reference.items():
        noise = max(relative_error(other[name], expected) for other in noisy)
        if NOISE * noise > base:
            limits[name] = f"{NOISE * noise:.3g}"
    return ",".join(f"{name}={limit}" for name, limit in sorted(limits.items()))


def class_target(score, shape, rng):
    """Class indices for logits of `shape`: classes on the last axis, or on axis 1 (PyTorch's
    [N, C, ...], `cross_entropy: {axis: 1}`) when the exported loss (`score` of a target) reads
    them there."""
    for axis in (len(shape) - 1, 1):
        target = rng.integers(0, shape[axis], size=shape[:axis] + shape[axis + 1:]).astype(np.float32)
        try:
            score(torch.tensor(target, dtype=torch.float64))
        except RuntimeError:
            continue
        return target
    raise AssertionError(f"no class axis of logits {shape} fits the exported loss")


def scorer(model_module, model, inputs, shape):
    """The exported loss of a target: `loss` of logits of `shape`, or for a loss of several terms
    `loss_terms` of the model's outputs on `inputs` (terms may read inputs, such as an
    autoencoder's reconstruction target)."""
    def score(target):
        if not hasattr(model_module, "loss_terms"):
            return model_module.loss(torch.zeros(shape, dtype=torch.float64), target)
        xs = tensors_of(inputs, False)
        with torch.no_grad():
            outputs = model(*xs)
        return model_module.loss_terms(outputs if isinstance(outputs, tuple) else (outputs,), xs, target)
    return score


@pytest.mark.parametrize("spec,settings", SPECS, ids=[s for s, _ in SPECS])
def test_fixtures_from_export(netspec, tmp_path_factory, spec, settings, fixture_folder):
    """Writes the spec's two fixtures; test_interpreter_matches_exports replays them all."""
    folder = tmp_path_factory.mktemp("export")
    export(netspec, spec, settings, folder)
    model_module, train_module = load_project(folder)
    initial = load_file(str(folder / "init.safetensors"))
    rng = np.random.default_rng(zlib.crc32(spec.encode()))
    model = fresh_model(model_module, initial)
    assert sorted(model.state_dict()) == sorted(initial), "state_dict names are NetSpec's"
    normalized = any(type(m).__name__ == "BatchNorm" for m in model.modules())
    batch = NORMALIZED_BATCH if normalized else BATCH
    inputs = make_inputs(model_module, model, rng, batch)
    training = not is_stochastic(model_module, model, inputs)
    with torch.no_grad():
        shape = tuple(prediction_of(model_module, model(*tensors_of(inputs, False))).shape)
    if train_module.LOSS == "cross_entropy":
        target = class_target(scorer(model_module, model, inputs, shape), shape, rng)
    elif train_module.LOSS == "binary_cross_entropy":
        target = (rng.uniform(size=shape) < 0.5).astype(np.float32)
    else:
        target = rng.uniform(-1, 1, size=shape).astype(np.float32)
    base = {f"input.{k}": v for k, (v, _) in inputs.items()}
    base.update({f"param.{k}": v.numpy() for k, v in initial.items()})
    base["target"] = target
    key = pathlib.Path(spec).stem
    metadata = {
        "spec": (REPO / spec).read_text(), "path": str(REPO / spec), "kind": "model", "batch": str(batch),
        "training": "true" if training else "false", "steps": "0", "note": f"exported {spec}",
        "set": ",".join(settings), "dims": ",".join(f"{k}={v}" for k, v in DIMS.items()), "tolerance": "1e-5",
    }

    def one_pass(dtype, jitter):
        return run_once(model_module, initial, inputs, target, training, dtype, jitter)

    reference = one_pass(torch.float64, None)
    metadata["tolerances"] = tolerances(one_pass, reference, 1e-5)
    save_fixture(fixture_folder / f"{key}.safetensors", dict(base, **reference), metadata)

    def steps(dtype, jitter):
        return run_steps(model_module, train_module, initial, inputs, target, training, dtype, jitter)

    reference = steps(torch.float64, None)
    save_fixture(fixture_folder / f"{key}_steps.safetensors", dict(base, **reference),
                 dict(metadata, steps=str(STEPS), tolerance="1e-4", tolerances=tolerances(steps, reference, 1e-4)))


def test_interpreter_matches_exports(fixture_folder):
    """The interpreter replays every fixture the exports wrote (swift test, no Python there)."""
    fixtures = sorted(fixture_folder.glob("*.safetensors"))
    assert len(fixtures) == 2 * len(SPECS), "run the whole file: the fixture tests write them"
    result = subprocess.run(
        ["swift", "test", "--filter", "OracleInterpreterTests/interpreterMatchesPyTorch"], cwd=REPO,
        env=dict(os.environ, NETSPEC_ORACLE_FIXTURES=str(fixture_folder)), capture_output=True, text=True,
        timeout=3000)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert re.search(rf"interpreterMatchesPyTorch\(_:\) with {len(fixtures)} test cases passed", output), output[-3000:]


def test_torchrun_two_processes_match_one(netspec, tmp_path):
    """LeNet-5 for one epoch: 2 Gloo processes against 1 with the same global batch; the
    weights come back to netspec eval (the same test accuracy) and netspec compile."""
    export(netspec, "specs/lenet5.yaml", [], tmp_path)
    python = sys.executable
    runs = {}
    for name, launcher in [("one", [python]), ("two", [python, "-m", "torch.distributed.run", "--nproc_per_node=2"])]:
        result = subprocess.run(
            launcher + ["train.py", "--epochs", "1", "-o", str(tmp_path / name)], cwd=tmp_path, capture_output=True,
            text=True, timeout=900, env=dict(os.environ, OMP_NUM_THREADS="1"))
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        runs[name] = result.stdout
    one = load_file(str(tmp_path / "one" / "weights.safetensors"))
    two = load_file(str(tmp_path / "two" / "weights.safetensors"))
    for name in one:
        assert torch.allclose(one[name], two[name], rtol=1e-3, atol=1e-4), name
    records = [json.loads((tmp_path / n / "metrics.jsonl").read_text().splitlines()[0]) for n in ("one", "two")]
    assert records[0]["step"] == records[1]["step"]
    assert abs(records[0]["train_loss"] - records[1]["train_loss"]) < 1e-4 * abs(records[0]["train_loss"])

    printed = re.search(r"test: loss ([0-9.]+) accuracy ([0-9.]+)", runs["two"])
    assert printed, runs["two"]
    evaluated = netspec("eval", "specs/lenet5.yaml", "--weights", tmp_path / "two" / "weights.safetensors",
                        "-o", tmp_path / "confusion.svg").stdout
    scored = re.search(r"test: loss ([0-9.]+) accuracy ([0-9.]+)%", evaluated)
    assert scored, evaluated
    assert abs(float(scored.group(2)) / 100 - float(printed.group(2))) < 1e-6
    assert abs(float(scored.group(1)) - float(printed.group(1))) < 1e-3
    # The same weights in compiled Swift: the emitted package's tool predicts what netspec does.
    package = tmp_path / "package"
    netspec("compile", "specs/lenet5.yaml", "--package", "-o", package)
    build = subprocess.run(["swift", "build", "-c", "release", "--package-path", str(package)],
                           capture_output=True, text=True, timeout=1200)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    with gzip.open(REPO / "Examples/data/mnist_5k.csv.gz", "rt") as file:
        samples = "".join(",".join(next(file).split(",")[:-1]) + "\n" for _ in range(64))
    (tmp_path / "samples.csv").write_text(samples)
    weights = tmp_path / "two" / "weights.safetensors"
    expected = netspec("predict", "specs/lenet5.yaml", "--weights", weights, "--input", tmp_path / "samples.csv").stdout
    tool = subprocess.run(
        ["swift", "run", "-c", "release", "--package-path", str(package), "--skip-build", "lenet5", "predict",
         "--weights", str(weights), "--input", str(tmp_path / "samples.csv")],
        capture_output=True, text=True, timeout=600)
    assert tool.returncode == 0, tool.stdout[-3000:] + tool.stderr[-3000:]
    assert tool.stdout == expected


@pytest.fixture(scope="module")
def fixture_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fixtures")


TWO_INPUTS = """netspec: 1
name: two_inputs
inputs:
  tokens: {shape: [N, 3], dtype: int32}
  extra: [N, 2]
layers:
  - embedding: {vocab: 5, dim: 4, from: tokens}
  - flatten: {name: flat}
  - concat: {from: [flat, extra]}
  - dense: {units: 16, activation: relu}
  - dense: {units: 2, name: logits}
train: {loss: cross_entropy, optimizer: {adam: {lr: 0.02}}, epochs: 2, batch_size: 16, seed: 5}
data:
  train: SOURCE
  split: {validation: 0.25}
"""


@pytest.mark.parametrize("source", [
    "{npy: {inputs: {extra: x.npy, tokens: ids.npy}, labels: y.npy}, scale: {extra: 0.5}, standardize: [extra]}",
    "{csv: table.csv, columns: {extra: [x0, x1], tokens: [0, 1, 2]}, label: y, scale: {extra: 4}, "
    "standardize: [extra]}",
])
def test_train_py_feeds_several_inputs(netspec, tmp_path, source):
    """A two-input spec (int32 token ids and scaled, standardized float features; one NPY per
    input, or CSV column groups) trains 2 epochs with train.py, which prepares the data as
    `netspec train` does: the same standardization statistics, stored with the weights."""
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 5, size=(96, 3))
    extra = (rng.random((96, 2)) * 6 + 1).astype(np.float32)
    labels = ((extra[:, 0] > 4) == (ids[:, 0] >= 2)).astype(np.int64)
    np.save(tmp_path / "ids.npy", ids.astype(np.int32))
    np.save(tmp_path / "x.npy", extra)
    np.save(tmp_path / "y.npy", labels)
    rows = ["t0,t1,t2,x0,x1,y"] + [",".join(map(str, [*ids[i], *extra[i], labels[i]])) for i in range(96)]
    (tmp_path / "table.csv").write_text("\n".join(rows) + "\n")
    spec = tmp_path / "two.yaml"
    spec.write_text(TWO_INPUTS.replace("SOURCE", source))
    project = tmp_path / "project"
    netspec("export", spec, "--format", "pytorch", "-o", project)
    result = subprocess.run([sys.executable, "train.py", "--epochs", "2", "-o", str(tmp_path / "torch")],
                            cwd=project, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    records = [json.loads(line) for line in (tmp_path / "torch" / "metrics.jsonl").read_text().splitlines()]
    assert len(records) == 2 and all(np.isfinite(r["train_loss"]) for r in records), records
    netspec("train", spec, "--epochs", "1", "-o", tmp_path / "netspec")

    def statistics(path):
        from safetensors import safe_open
        with safe_open(str(path), "np") as file:
            metadata = file.metadata()
        return [np.array(metadata[key].split(","), dtype=np.float64) for key in ("standardize.mean", "standardize.std")]

    ours = statistics(tmp_path / "netspec" / "weights.safetensors")
    theirs = statistics(tmp_path / "torch" / "weights.safetensors")
    # Token ids are left as they are (mean 0, deviation 1); `extra` is scaled, then standardized.
    assert list(ours[0][:3]) == [0, 0, 0] and list(ours[1][:3]) == [1, 1, 1], ours
    for a, b in zip(ours, theirs):
        assert np.allclose(a, b, rtol=1e-5, atol=1e-6), (ours, theirs)


def test_loss_terms_match_netspec(netspec, tmp_path):
    """The VAE example (reduced): train.py's objective of two terms (binary cross-entropy against
    the input, weighted by the pixel count, and the KL term) scores the test split with the same
    weights as `netspec eval`, term by term, in evaluation mode (the Gaussian sample is the mean,
    so no draw differs); a one-epoch run logs each term as `netspec train` does."""
    settings = ["hidden=16", "latent=4"]
    export(netspec, "Examples/vae_mnist.yaml", settings, tmp_path)
    model_module, train_module = load_project(tmp_path)
    assert model_module.LOSS_WEIGHTS == {"reconstruction": 784, "kl": 1}
    splits, _ = train_module.load_data(REPO / "Examples")
    model = fresh_model(model_module, load_file(str(tmp_path / "init.safetensors")), torch.float32)
    loss, metrics = train_module.evaluate(model, train_module.tensors(splits["test"], "cpu"))
    args = ["eval", "Examples/vae_mnist.yaml", "--weights", tmp_path / "init.safetensors", "--no-expect",
            "-o", tmp_path / "confusion.svg"]
    for item in settings:
        args += ["--set", item]
    printed = netspec(*args).stdout
    scored = re.search(r"test: loss ([0-9.]+) loss_kl ([0-9.]+) loss_reconstruction ([0-9.]+)", printed)
    assert scored, printed
    for value, expected in zip(scored.groups(), [loss, metrics["loss_kl"], metrics["loss_reconstruction"]]):
        assert abs(float(value) - expected) <= 1e-4 * max(1, abs(expected)), (printed, loss, metrics)
    assert abs(loss - (784 * metrics["loss_reconstruction"] + metrics["loss_kl"])) < 1e-3 * loss

    result = subprocess.run([sys.executable, "train.py", "--epochs", "1", "-o", str(tmp_path / "run")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=900, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    record = json.loads((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()[0])
    for key in ["train_loss_reconstruction", "train_loss_kl", "val_loss_reconstruction", "val_loss_kl"]:
        assert math.isfinite(record[key]), record
    assert abs(record["train_loss"] - (784 * record["train_loss_reconstruction"] + record["train_loss_kl"])) \
        < 1e-3 * record["train_loss"]
