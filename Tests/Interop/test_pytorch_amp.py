"""`python train.py --amp` of `netspec export --format pytorch` on the CPU (docs/SCALING.md).

--amp runs the forward pass under bfloat16 autocast on a CPU (and on GPUs with bf16; float16
with a gradient scaler on older GPUs, which this machine has none of). Checked here: the layers
of exported models compute in bfloat16 under train.py's `Precision`, while parameters and
gradients stay float32, and a few of train.py's training steps on one batch lower the loss;
and a whole `train.py --amp` run says what it does and its loss falls from epoch to epoch.
"""

import json
import os
import subprocess
import sys
import zlib

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from test_pytorch_export import class_target, export, fresh_model, is_stochastic, load_project, make_inputs, \
    prediction_of, scorer, tensors_of

# Models of several kinds of layers (convolutions, batchnorm, recurrences, attention, two loss
# terms), reduced as in test_pytorch_export.py.
SPECS = [
    ("specs/lenet5.yaml", []),
    ("specs/resnet18.yaml", ["size=32", "base=4", "classes=5"]),
    ("specs/lstm.yaml", ["hidden=8", "classes=3"]),
    ("specs/transformer.yaml", ["vocab=20", "d_model=8", "heads=2", "d_ff=16", "layers=1"]),
    ("Examples/vae_mnist.yaml", ["hidden=16", "latent=4"]),
]
BATCH = 8
STEPS = 25


def batch_and_target(model_module, train_module, model, rng):
    """A batch of inputs and a target for the exported loss, as test_pytorch_export.py makes them
    (with `model` in float64)."""
    inputs = make_inputs(model_module, model, rng, BATCH)
    with torch.no_grad():
        shape = tuple(prediction_of(model_module, model(*tensors_of(inputs, False))).shape)
    if train_module.LOSS == "cross_entropy":
        return inputs, class_target(scorer(model_module, model, inputs, shape), shape, rng)
    if train_module.LOSS == "binary_cross_entropy":
        return inputs, (rng.uniform(size=shape) < 0.5).astype(np.float32)
    return inputs, rng.uniform(-1, 1, size=shape).astype(np.float32)


@pytest.mark.parametrize("spec,settings", SPECS, ids=[s for s, _ in SPECS])
def test_amp_steps_lower_the_loss_on_the_cpu(netspec, tmp_path, spec, settings):
    export(netspec, spec, settings, tmp_path)
    model_module, train_module = load_project(tmp_path)
    precision = train_module.Precision(torch.device("cpu"), amp=True)
    assert precision.dtype == torch.bfloat16 and not precision.scaler.is_enabled()
    assert precision.describe() == "mixed precision: bfloat16 autocast on cpu"
    torch.manual_seed(0)
    initial = load_file(str(tmp_path / "init.safetensors"))
    rng = np.random.default_rng(zlib.crc32(spec.encode()))
    inputs, target = batch_and_target(model_module, train_module, fresh_model(model_module, initial), rng)
    model = fresh_model(model_module, initial, torch.float32)
    # Dropout's masks would make the losses noisy: such a model trains in evaluation mode.
    model.train(not is_stochastic(model_module, fresh_model(model_module, initial), inputs))
    computed = []
    hooks = [m.register_forward_hook(lambda m, i, out: computed.append(out.dtype))
             for m in model.modules() if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d, torch.nn.Conv1d))]
    optimizer = train_module.make_optimizer(model)
    xs, y = tensors_of(inputs, False, torch.float32), torch.tensor(target, dtype=torch.float32)
    losses = []
    for _ in range(STEPS):
        value, prediction, _ = train_module.training_step(
            model, optimizer, xs, y, train_module.OPTIMIZER["lr"], precision)
        losses.append(value.item())
    for hook in hooks:
        hook.remove()
    assert computed and set(computed) == {torch.bfloat16}, computed
    assert value.dtype == torch.float32 and prediction.dtype == torch.float32
    assert all(p.dtype == torch.float32 and (p.grad is None or p.grad.dtype == torch.float32)
               for p in model.parameters())
    assert all(np.isfinite(losses)), losses
    assert losses[-1] < 0.95 * losses[0], losses


def test_train_py_amp_run_on_the_cpu(netspec, tmp_path):
    """The digits MLP for 3 epochs with --amp: it prints what it does, and the loss falls."""
    export(netspec, "specs/mlp_digits.yaml", [], tmp_path)
    result = subprocess.run(
        [sys.executable, "train.py", "--amp", "--epochs", "3", "-o", str(tmp_path / "run")], cwd=tmp_path,
        capture_output=True, text=True, timeout=600, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.splitlines()[0] == "mixed precision: bfloat16 autocast on cpu", result.stdout
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    losses = [record["train_loss"] for record in records]
    assert len(losses) == 3 and all(np.isfinite(losses)), records
    assert losses[2] < losses[1] < losses[0], losses
    weights = load_file(str(tmp_path / "run" / "weights.safetensors"))
    assert all(tensor.dtype == torch.float32 for tensor in weights.values())
