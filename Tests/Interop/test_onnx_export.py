"""`netspec export --format onnx` (docs/INTEROP.md): for every spec in specs/ (the large ones
reduced with --set) and every example, the exported model passes onnx's full checker, and
onnxruntime's outputs on the same inputs equal `netspec predict -o out.npy` with the same
weights, within |ort - netspec| <= 1e-5 * max(1, |netspec|) element by element.

Weights: the spec's initialization (the export's default) is compared through a safetensors file
rebuilt from the model's initializers (NetSpec's names; the recurrent layers' ONNX weights
turned back into PyTorch's layout), so predict runs the very weights the model holds; four
quick specs with data are also trained for one epoch and exported with --weights. Inputs: rows of the
spec's CSV data, else random values of the input's dtype. Every model also runs at two batch
sizes (the batch dim is dynamic), which must give the same outputs per sample. Small specs (ZOO)
reach every op and option the specs leave out; --training is checked for each loss.
"""

import gzip
import pathlib

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import numpy_helper
from safetensors.numpy import save_file

REDUCED = ["--no-expect"]

# (spec, --set overrides, sizes of symbolic dims other than N, CSV data (path, columns), vocab of
# int32 inputs, whether it trains quickly)
CASES = {
    "specs/lenet5.yaml": dict(data=("Examples/data/mnist_5k.csv.gz", 784)),
    "specs/mlp_digits.yaml": dict(data=("Examples/data/digits.csv.gz", 64), train=True),
    "specs/lstm.yaml": dict(sets=["hidden=16"], dims={"T": 7}),
    "specs/alexnet.yaml": dict(sets=["size=63", "base=4", "hidden=32", "classes=10"]),
    "specs/vgg16.yaml": dict(sets=["size=32", "base=4", "hidden=32", "classes=10"]),
    "specs/resnet18.yaml": dict(sets=["size=32", "base=4", "classes=10"]),
    "specs/resnet50.yaml": dict(sets=["size=32", "base=4", "classes=10"]),
    "specs/transformer.yaml": dict(
        sets=["vocab=50", "d_model=32", "heads=4", "d_ff=64", "layers=2"], dims={"S": 6, "T": 5}, vocab=50),
    "Examples/adding_lstm.yaml": dict(dims={"T": 9}),
    "Examples/mobilenet_v2.yaml": dict(sets=["size=32", "unit=1", "classes=5"]),
    "Examples/efficientnet_b0.yaml": dict(sets=["size=32", "unit=1", "classes=5"]),
    "Examples/convnext_t.yaml": dict(
        sets=["size=32", "width=8", "depth1=1", "depth2=1", "depth3=2", "depth4=1", "classes=5"]),
    "Examples/breast_cancer.yaml": dict(data=("Examples/data/breast_cancer.csv", 30), train=True, standardized=True),
    "Examples/cnn_digits.yaml": dict(data=("Examples/data/digits.csv.gz", 64), train=True),
    "Examples/diabetes.yaml": dict(
        data=("Examples/data/diabetes_data_raw.csv.gz", 10), train=True, standardized=True),
    "Examples/digits_regularization.yaml": dict(data=("Examples/data/digits.csv.gz", 64)),
    "Examples/sort_transformer.yaml": dict(dims={"T": 8}, vocab=10),
    "Examples/seq2seq_reverse.yaml": dict(sets=["dim=8", "hidden=16"], dims={"T": 6}, vocab=10),
    "Examples/unet.yaml": dict(sets=["size=16", "base=4"]),
    "Examples/unet_shapes.yaml": dict(sets=["size=16", "base=4"]),
    # Evaluation mode: the Gaussian sample is the mean, so ONNX Runtime, predict and model.py agree.
    "Examples/vae_mnist.yaml": dict(data=("Examples/data/mnist_5k.csv.gz", 784)),
    "Examples/vit_b16.yaml": dict(
        sets=["image=32", "patch=8", "width=32", "depth=2", "heads=4", "mlp=64", "classes=10"]),
    "Examples/bert_base.yaml": dict(
        sets=["vocab=2", "hidden=32", "layers=2", "heads=4", "intermediate=64", "max_positions=16"], dims={"T": 7},
        vocab=2),
    "Examples/llama_decoder.yaml": dict(
        sets=["vocab=20", "dim=32", "layers=2", "heads=4", "hidden=64"], dims={"T": 7}, vocab=20),
    "Examples/wavenet.yaml": dict(sets=["classes=16", "residual=4", "gate=4", "skip=8", "length=8"], vocab=16),
    "Examples/multitask.yaml": dict(data=("Examples/data/digits.csv.gz", 64), train=True),
}

SAMPLES = 6


def close(actual, expected):
    """The tolerance rule: |a - b| <= 1e-5 * max(1, |b|) for every element."""
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape
    bound = 1e-5 * np.maximum(1, np.abs(expected))
    worst = np.max(np.abs(actual - expected) - bound) if actual.size else 0
    assert worst <= 0, f"outside the tolerance by {worst:g}"


def arguments(case):
    sets = case.get("sets", [])
    return [arg for value in sets for arg in ("--set", value)] + (REDUCED if sets else [])


def read_rows(repo, path, columns):
    """The first SAMPLES rows of a CSV (gzipped or not, comma or space separated), `columns` features."""
    opener = gzip.open if path.endswith(".gz") else open
    rows = []
    with opener(repo / path, "rt") as file:
        for line in file:
            fields = line.replace(",", " ").split()
            try:
                values = [float(field) for field in fields[:columns]]
            except ValueError:
                continue  # a header
            rows.append(values)
            if len(rows) == SAMPLES:
                break
    return np.array(rows, dtype=np.float32)


def inputs_for(model, case, repo):
    """One array per graph input, SAMPLES samples each."""
    rng = np.random.default_rng(0)
    feeds = {}
    for value in model.graph.input:
        dims = [d.dim_value if d.HasField("dim_value") else (SAMPLES if d.dim_param == "N" else case["dims"][d.dim_param])
                for d in value.type.tensor_type.shape.dim]
        if value.type.tensor_type.elem_type == onnx.TensorProto.INT32:
            feeds[value.name] = rng.integers(0, case["vocab"], dims).astype(np.int32)
        elif "data" in case:
            feeds[value.name] = read_rows(repo, *case["data"]).reshape(dims)
        else:
            feeds[value.name] = rng.uniform(-1, 1, dims).astype(np.float32)
    return feeds


def safetensors_from(model, path):
    """The model's initializers under their NetSpec names, the recurrent `W_l<k>`, `R_l<k>` and
    `B_l<k>` turned back into PyTorch's `weight_ih_l<k>`, `weight_hh_l<k>`, `bias_*_l<k>` (and
    `..._l<k>_reverse` for a bidirectional node)."""
    tensors = {}
    to_pytorch = {"LSTM": [0, 2, 3, 1], "GRU": [1, 0, 2]}  # PyTorch gate k is ONNX gate order[k]
    initializers = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    recurrent = {}
    for node in model.graph.node:
        if node.op_type in to_pytorch:
            layer, index = node.input[1].rsplit("/W_l", 1)
            recurrent[node.input[1]] = recurrent[node.input[2]] = recurrent[node.input[3]] = True
            order = to_pytorch[node.op_type]

            def gates(tensor, order=order):
                return np.concatenate([np.split(tensor, len(order))[k] for k in order])

            # A bidirectional node stacks the forward direction, then the reverse one.
            for direction, suffix in enumerate(["", "_reverse"][:len(initializers[node.input[1]])]):
                w, r, b = (initializers[name][direction] for name in node.input[1:4])
                tensors[f"{layer}.weight_ih_l{index}{suffix}"] = gates(w)
                tensors[f"{layer}.weight_hh_l{index}{suffix}"] = gates(r)
                bias_ih, bias_hh = np.split(b, 2)
                tensors[f"{layer}.bias_ih_l{index}{suffix}"] = gates(bias_ih)
                tensors[f"{layer}.bias_hh_l{index}{suffix}"] = gates(bias_hh)
    for name, tensor in initializers.items():
        if "." in name and "/" not in name and name not in recurrent:
            tensors[name] = tensor.astype(np.float32)
    save_file({name: np.ascontiguousarray(t) for name, t in tensors.items()}, str(path))


def pytorch_outputs(netspec, spec, case, weights, feeds, tmp_path):
    """The prediction of `netspec export --format pytorch`'s model.py with `weights`, in float64."""
    import importlib
    import sys

    import torch
    from safetensors.torch import load_file

    folder = tmp_path / "pytorch"
    netspec("export", spec, "--format", "pytorch", "-o", folder, *arguments(case))
    sys.modules.pop("model", None)
    sys.path.insert(0, str(folder))
    try:
        module = importlib.import_module("model")
    finally:
        sys.path.remove(str(folder))
    classes = [value for value in vars(module).values() if isinstance(value, type)
               and issubclass(value, torch.nn.Module) and value.__module__ == module.__name__]
    model = classes[-1]()  # the spec's model is written last, after its helper modules
    model.load_state_dict({k: v.double() for k, v in load_file(str(weights)).items()}, strict=True)
    model.double().eval()
    tensors = [torch.tensor(feeds[name], dtype=torch.int64 if dtype == torch.int64 else torch.float64)
               for name, (dtype, _) in module.INPUTS.items()]
    with torch.no_grad():
        result = model(*tensors)
    return (result[module.PREDICTION] if isinstance(result, tuple) else result).float().numpy()


def run(path, feeds):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def check_model(netspec, spec, case, repo, tmp_path, weights=None):
    onnx_path = tmp_path / "model.onnx"
    args = ["export", spec, "--format", "onnx", "-o", onnx_path, *arguments(case)]
    if weights:
        args += ["--weights", weights]
    netspec(*args)
    model = onnx.load(str(onnx_path))
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 17
    feeds = inputs_for(model, case, repo)
    outputs = run(onnx_path, feeds)

    # The batch dim is dynamic: the first two samples alone give the same outputs.
    first = run(onnx_path, {name: value[:2] for name, value in feeds.items()})
    for alone, together in zip(first, outputs):
        close(alone, together[:2])

    if weights is None:
        weights = tmp_path / "initial.safetensors"
        safetensors_from(model, weights)
    if len(feeds) > 1:
        # netspec predict feeds one input: compare with the PyTorch export on the same weights,
        # which test_pytorch_export.py holds to the interpreter within 1e-5.
        close(outputs[0], pytorch_outputs(netspec, spec, case, weights, feeds, tmp_path))
        return outputs
    samples = tmp_path / "samples.npy"
    np.save(samples, next(iter(feeds.values())))
    predicted = tmp_path / "predicted.npy"
    netspec("predict", spec, "--weights", weights, "--input", samples, "-o", predicted, *arguments(case))
    close(outputs[0], np.load(predicted))
    return outputs


@pytest.mark.parametrize("spec", [spec for spec, case in CASES.items() if not case.get("standardized")])
def test_initial_weights_match_predict(netspec, repo, tmp_path, spec):
    check_model(netspec, spec, CASES[spec], repo, tmp_path)


@pytest.mark.parametrize("spec", [spec for spec, case in CASES.items() if case.get("train")])
def test_trained_weights_match_predict(netspec, repo, tmp_path, spec):
    run_dir = tmp_path / "run"
    netspec("train", spec, "--epochs", "1", "-o", run_dir)
    check_model(netspec, spec, CASES[spec], repo, tmp_path, weights=run_dir / "weights.safetensors")


def test_every_spec_and_example_is_covered(repo):
    files = {str(p.relative_to(repo)) for p in [*repo.glob("specs/*.yaml"), *repo.glob("Examples/*.yaml")]}
    assert files == set(CASES)


def test_training_export_outputs_the_loss(netspec, repo, tmp_path):
    """--training: the targets are inputs and the loss an output, equal to the loss computed from
    the logits output (cross-entropy, mean over the batch)."""
    onnx_path = tmp_path / "model.onnx"
    netspec("export", "specs/mlp_digits.yaml", "--format", "onnx", "--training", "-o", onnx_path)
    model = onnx.load(str(onnx_path))
    onnx.checker.check_model(model, full_check=True)
    assert [value.name for value in model.graph.input] == ["pixels", "label"]
    rows = read_rows(repo, "Examples/data/digits.csv.gz", 65)
    pixels, labels = rows[:, :64], rows[:, 64].astype(np.int32)
    logits, loss = run(onnx_path, {"pixels": pixels, "label": labels})
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    close(loss, -log_probabilities[np.arange(len(labels)), labels].mean())


def test_standardized_spec_needs_trained_weights(netspec, tmp_path):
    result = netspec("export", "Examples/breast_cancer.yaml", "--format", "onnx", "-o", tmp_path / "m.onnx",
                     check=False)
    assert result.returncode == 1
    assert "hold no training statistics" in result.stderr


# Small specs that reach every op and option the specs above leave out (one input each, so that
# `netspec predict` is the oracle): (spec text, sizes of symbolic dims, input range).
ACTIVATIONS = ["gelu: {approximate: none}", "gelu", "mish", "softplus: {beta: 2, threshold: 1}", "softplus",
               "hardswish", "hardsigmoid", "selu", "elu: {alpha: 0.5}", "leaky_relu: 0.2", "relu6",
               "hardtanh: {min_val: -0.5, max_val: 0.7}", "silu", "sigmoid", "tanh", "relu", "softmax: 0"]
FUSABLE = ["relu", "sigmoid", "tanh", "gelu", "leaky_relu", "silu", "relu6", "hardtanh", "hardswish",
           "hardsigmoid", "mish", "softplus", "elu", "selu"]


def branches(layers, width):
    """Each layer on the input x, named b<i>, then all of them concatenated."""
    lines = []
    for i, layer in enumerate(layers):
        op, _, rest = layer.partition(":")
        rest = rest.strip()
        attributes = rest[1:-1] + ", " if rest.startswith("{") else ""
        primary = {"softmax": "axis", "leaky_relu": "slope"}
        if rest and not rest.startswith("{"):
            attributes = f"{primary[op]}: {rest}, "
        lines.append(f"  - {op}: {{{attributes}from: x, name: b{i}}}")
    names = ", ".join(f"b{i}" for i in range(len(layers)))
    return (f"netspec: 1\ninputs: {{x: [N, {width}]}}\nlayers:\n" + "\n".join(lines)
            + f"\n  - concat: {{from: [{names}], axis: 1}}\n")


ZOO = {
    "activations": (branches(ACTIVATIONS, 6), {}, 6),
    "fused": (branches([f"dense: {{units: 3, activation: {a}}}" for a in FUSABLE], 5), {}, 3),
    "convolutions": ("""netspec: 1
inputs: {x: [N, 4, 9, 8]}
layers:
  - conv2d: {filters: 6, kernel: [3, 2], stride: [2, 1], padding: same, dilation: 2, groups: 2, activation: gelu}
  - maxpool2d: {kernel: 3, stride: 2, padding: 1}
  - conv2d: {filters: 4, kernel: 1, bias: false, name: c2}
  - avgpool2d: {kernel: 3, stride: 1, padding: 1, count_include_pad: false, from: c2, name: p1}
  - avgpool2d: {kernel: 2, padding: 1, from: c2, name: p2}
  - adaptive_avgpool2d: {output: 3, from: p1, name: a1}
  - adaptive_avgpool2d: {output: [1, 2], from: p1, name: a2}
  - flatten: {from: a1, name: f1}
  - flatten: {from: a2, name: f2}
  - global_avgpool: {from: p2, name: g}
  - concat: {from: [f1, f2, g], axis: -1}
  - lrn: {size: 3, alpha: 0.5, beta: 0.6, k: 1.5, from: c2, name: n}
  - flatten: {start_axis: 2, from: n, name: f3}
  - batchnorm: {from: f3, name: bn}
""", {}, 1),
    "shapes_and_merges": ("""netspec: 1
inputs: {x: [N, T, 6]}
layers:
  - reshape: {shape: [-1, 3, 2], name: r}
  - transpose: {perm: [0, 1, 3, 2]}
  - reshape: {shape: [-1, 6], name: back}
  - add: {from: [x, back, x]}
  - multiply: {from: [add_1, x, back], name: m}
  - layernorm: {eps: 0.01}
  - softmax: {axis: 1}
  - dropout: 0.3
  - drop_path: 0.2
  - dense: {units: 4, bias: false}
""", {"T": 5}, 1),
    "resampling": ("""netspec: 1
inputs: {x: [N, 3, 4, 5]}
layers:
  - conv2d: {filters: 4, kernel: 1, name: f}
  - upsample: {scale_factor: 2, from: f, name: u1}
  - upsample: {size: [7, 9], mode: bilinear, from: f, name: u2}
  - upsample: {scale_factor: 1.5, mode: bilinear, align_corners: true, from: f, name: u3}
  - pad: {padding: [1, 2, 2, 1], mode: reflect, from: f, name: p1}
  - pad: {padding: [0, 3, 1, 0], value: 0.5, from: f, name: p2}
  - flatten: {start_axis: 2, from: p2, name: q}
  - pad: {padding: [2, 1], mode: replicate, from: q, name: p3}
  - pixel_unshuffle: {downscale_factor: 2, from: u1, name: s1}
  - pixel_shuffle: {upscale_factor: 2, from: s1, name: s2}
  - flatten: {from: s2, name: a}
  - flatten: {from: u2, name: b}
  - flatten: {from: u3, name: c}
  - flatten: {from: p1, name: d}
  - flatten: {from: p3, name: e}
  - concat: {from: [a, b, c, d, e], axis: 1}
""", {}, 1),
    "grouped_normalization": ("""netspec: 1
inputs: {x: [N, 4, 3, 3]}
layers:
  - conv2d: {filters: 6, kernel: 1}
  - group_norm: {groups: 3, eps: 0.001}
  - instance_norm: {affine: true}
  - instance_norm
  - group_norm: {groups: 2, affine: false}
  - layernorm: {axis: 1}
  - layernorm: {axes: [-2, -1]}
  - reshape: {shape: [6, 9]}
  - group_norm: 2
  - rms_norm
  - rms_norm: {eps: 1.0e-5}
""", {}, 1),
    "arithmetic": ("""netspec: 1
inputs: {x: [N, 3, 4]}
layers:
  - mean: {axes: -1, keepdims: true, name: mu}
  - subtract: {from: [x, mu], name: centred}
  - max: {axes: 2, keepdims: true, from: x, name: peak}
  - abs: {from: peak, name: magnitude}
  - add: {scalar: 1, name: d}
  - divide: {from: [centred, d], name: q}
  - multiply: {from: [q, mu, x], name: m}
  - square
  - add: 0.5
  - sqrt
  - log
  - neg
  - exp: {name: e}
  - gaussian_sample: {from: [q, e], name: z}
  - multiply: 2
  - subtract: 0.25
  - divide: {scalar: 3, name: third}
  - add: {from: [third, magnitude], name: s}
  - max: {axes: [1, 2], keepdims: true, name: top}
  - sum: {axes: -1, keepdims: true, from: s}
  - multiply: {from: [sum_1, mu, top]}
  - flatten
""", {}, 1),
    "sequences": ("""netspec: 1
inputs: {x: [N, T, 8]}
layers:
  - positional_encoding: {kind: learned, max_length: 12}
  - attention: {heads: 2, bias: false, name: self}
  - gru: {hidden: 5, layers: 2}
  - gru: {hidden: 3, returns: last}
""", {"T": 7}, 1),
    "static_sequences": ("""netspec: 1
inputs: {x: [N, 6, 8]}
layers:
  - positional_encoding
  - attention: {heads: 4, causal: true}
  - lstm: {hidden: 4, layers: 2, returns: last}
""", {}, 1),
    "convolution_family": ("""netspec: 1
inputs: {x: [N, 4, 7, 6]}
layers:
  - conv_transpose2d: {filters: 4, kernel: 3, stride: 2, padding: 1, output_padding: 1, groups: 2, activation: tanh}
  - conv_transpose2d: {filters: 3, kernel: [2, 3], dilation: 2, bias: false, name: t2}
  - maxpool2d: {kernel: 3, stride: 2, ceil_mode: true}
  - avgpool2d: {kernel: 3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false, name: p2}
  - reshape: {shape: [3, -1], from: t2, name: seq}
  - conv1d: {filters: 4, kernel: 2, dilation: 2, padding: [2, 0], activation: relu}
  - conv1d: {filters: 4, kernel: 4, stride: 2, padding: same, groups: 2}
  - maxpool1d: {kernel: 3, stride: 2, ceil_mode: true}
  - conv_transpose1d: {filters: 3, kernel: 3, stride: 2, output_padding: 1}
  - avgpool1d: {kernel: 3, stride: 2, padding: 1, count_include_pad: false}
  - flatten: {name: f1}
  - flatten: {from: p2, name: f2}
  - concat: {from: [f1, f2], axis: -1}
""", {}, 1),
    "states_and_split": ("""netspec: 1
inputs: {x: [N, T, 6]}
layers:
  - split: {sizes: [2, 4], axis: -1, name: parts}
  - lstm: {hidden: 3, layers: 2, from: parts.1, name: enc}
  - lstm: {hidden: 3, layers: 2, from: [parts.0, enc.h, enc.c], name: dec}
  - gru: {hidden: 4, from: dec, name: g}
  - gru: {hidden: 4, from: [dec, g.h], returns: last, name: g2}
  - flatten: {from: dec.c, name: cells}
  - concat: {from: [g2, g.h, cells], axis: -1}
""", {"T": 5}, 1),
    "bidirectional": ("""netspec: 1
inputs: {x: [N, T, 4]}
layers:
  - lstm: {hidden: 3, layers: 2, bidirectional: true, name: enc}
  - gru: {hidden: 3, layers: 2, bidirectional: true, from: [enc, enc.h], name: g}
  - lstm: {hidden: 2, bidirectional: true, returns: last, from: g, name: top}
  - flatten: {from: g.h, name: states}
  - flatten: {from: enc.c, name: cells}
  - concat: {from: [top, states, cells], axis: -1}
""", {"T": 5}, 1),
    "tokens": ("""netspec: 1
inputs: {ids: {shape: [N, T], dtype: int32}}
layers:
  - embedding: {vocab: 11, dim: 8, scale: true}
  - positional_encoding: {max_length: 20}
  - attention: {heads: 2, causal: true}
  - dense: {units: 11}
""", {"T": 6}, 11),
    "tensors": ("""netspec: 1
inputs: {x: [N, 6, 4]}
layers:
  - dense: {units: 4, name: d}
  - slice: {axis: 1, start: -5, step: 2, name: s}
  - select: {axis: -1, index: 1, from: d, name: c}
  - unsqueeze: {axis: -1}
  - expand: {shape: [-1, 3], name: e}
  - matmul: {from: [e, s], name: m}
  - slice: {axis: 2, end: 1}
  - squeeze: {axis: 2, name: q}
  - parameter: {shape: [3], init: {normal: {std: 1}}, name: p}
  - constant: {shape: [2], value: 0.5, from: q, name: k}
  - concat: {from: [q, p, k], axis: -1}
""", {}, 1),
    "masked_attention": ("""netspec: 1
inputs: {x: [N, 5, 8]}
layers:
  - dense: {units: 1, name: score}
  - relu
  - squeeze: {axis: -1, name: keep}
  - attention: {heads: 2, padding_mask: true, causal: true, from: [x, keep], name: a}
  - attention: {heads: 2, rotary: true, rotary_base: 100, padding_mask: true, from: [a, keep]}
  - attention: {heads: 4, rotary: true}
""", {}, 1),
    "rotary": ("""netspec: 1
inputs: {x: [N, T, 12]}
layers:
  - rotary: {heads: 3, name: side_by_side}
  - reshape: [-1, 2, 6]
  - transpose: {perm: [0, 2, 1, 3]}
  - rotary: {base: 100}
  - transpose: {perm: [0, 2, 1, 3]}
  - reshape: [-1, 12]
  - attention: {heads: 2, rotary: true}
""", {"T": 5}, 1),
}


@pytest.mark.parametrize("name", list(ZOO))
def test_every_op_matches_predict(netspec, repo, tmp_path, name):
    text, dims, extent = ZOO[name]
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(text)
    case = dict(dims=dims, vocab=extent)
    onnx_path = tmp_path / "model.onnx"
    netspec("export", spec, "--format", "onnx", "-o", onnx_path)
    model = onnx.load(str(onnx_path))
    onnx.checker.check_model(model, full_check=True)
    feeds = {name: value * extent if value.dtype == np.float32 else value
             for name, value in inputs_for(model, case, repo).items()}
    outputs = run(onnx_path, feeds)
    weights = tmp_path / "initial.safetensors"
    safetensors_from(model, weights)
    samples = tmp_path / "samples.npy"
    np.save(samples, next(iter(feeds.values())))
    predicted = tmp_path / "predicted.npy"
    netspec("predict", spec, "--weights", weights, "--input", samples, "-o", predicted)
    close(outputs[0], np.load(predicted))


@pytest.mark.parametrize("loss, target", [("mse", "float32"), ("binary_cross_entropy", "float32"),
                                          ("{cross_entropy: {label_smoothing: 0.1}}", "int32")])
def test_training_losses(netspec, repo, tmp_path, loss, target):
    """--training with each loss: its output equals the loss computed in NumPy from the logits."""
    units = 3 if target == "int32" else 2
    spec = tmp_path / "loss.yaml"
    spec.write_text(f"""netspec: 1
inputs: {{x: [N, 4]}}
layers:
  - dense: {{units: {units}, name: logits}}
train: {{loss: {loss}, optimizer: sgd}}
""")
    onnx_path = tmp_path / "model.onnx"
    netspec("export", spec, "--format", "onnx", "--training", "-o", onnx_path)
    model = onnx.load(str(onnx_path))
    onnx.checker.check_model(model, full_check=True)
    rng = np.random.default_rng(1)
    x = rng.uniform(-3, 3, (5, 4)).astype(np.float32)
    target_name = model.graph.input[1].name
    if target == "int32":
        y = rng.integers(0, units, (5,)).astype(np.int32)
    else:
        y = rng.uniform(0, 1, (5, units)).astype(np.float32)
    logits, loss_value = run(onnx_path, {"x": x, target_name: y})
    logits = logits.astype(np.float64)
    if loss == "mse":
        expected = ((logits - y) ** 2).mean()
    elif target == "float32":
        expected = (-(y * np.log(1 / (1 + np.exp(-logits))) + (1 - y) * np.log(1 - 1 / (1 + np.exp(-logits))))).mean()
    else:
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        smoothed = 0.9 * logp[np.arange(5), y] + 0.1 * logp.mean(axis=1)
        expected = -smoothed.mean()
    close(loss_value, expected)


def test_training_objective_of_terms(netspec, tmp_path):
    """--training with a list of terms: the loss output is the weighted sum of a per-position
    cross_entropy (class axis 1, ignore_index, reduction sum) and a kl_divergence, in NumPy."""
    spec = tmp_path / "objective.yaml"
    spec.write_text("""netspec: 1
inputs: {x: [N, 4]}
layers:
  - dense: {units: 3, name: mu}
  - dense: {units: 3, name: logvar, from: x}
  - dense: {units: 6, from: mu}
  - reshape: {shape: [3, 2], name: scores}
outputs: [scores, mu, logvar]
train:
  loss:
    - {cross_entropy: {from: scores, axis: 1, ignore_index: 2, reduction: sum}}
    - {kl_divergence: {from: [mu, logvar], weight: 0.5}}
  optimizer: sgd
""")
    onnx_path = tmp_path / "model.onnx"
    netspec("export", spec, "--format", "onnx", "--training", "-o", onnx_path)
    model = onnx.load(str(onnx_path))
    onnx.checker.check_model(model, full_check=True)
    rng = np.random.default_rng(2)
    x = rng.uniform(-2, 2, (5, 4)).astype(np.float32)
    y = rng.integers(0, 3, (5, 2)).astype(np.int32)
    scores, mu, logvar, loss_value = (v.astype(np.float64) for v in run(onnx_path, {"x": x, "label": y}))
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    picked = np.take_along_axis(logp, y[:, None, :].astype(np.int64), axis=1)[:, 0, :]
    cross_entropy = -(picked * (y != 2)).sum()
    kl = -0.5 * (1 + logvar - mu ** 2 - np.exp(logvar)).sum() / len(x)
    close(loss_value, cross_entropy + 0.5 * kl)


def test_training_needs_a_loss(netspec, tmp_path):
    spec = tmp_path / "no_loss.yaml"
    spec.write_text("netspec: 1\ninputs: {x: [N, 4]}\nlayers:\n  - dense: 2\n")
    result = netspec("export", spec, "--format", "onnx", "--training", "-o", tmp_path / "m.onnx", check=False)
    assert result.returncode == 1
    assert "--training exports the loss" in result.stderr
    assert not (tmp_path / "m.onnx").exists()
