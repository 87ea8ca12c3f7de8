#!/usr/bin/env python3
"""PyTorch reference fixtures for NetSpec's oracle tests (Tests/NetSpecTests/Oracle).

Every case is one small safetensors file in Tests/Oracle/Fixtures/ holding a
one-layer (or small) NetSpec model's spec text and what PyTorch computes for it:

  metadata   spec (the NetSpec YAML), kind (op, model or optimizer), batch,
             training ("true"/"false": the mode of the forward pass), steps
             (optimizer updates; 0 for op and model cases) and note (why a case
             is shaped as it is, or where NetSpec intentionally differs).
  input.X    every model input X with its batch axis (int32 token ids as floats)
  target     the loss's target (class indices as floats)
  param.P    every parameter and buffer P under NetSpec's name (`layer.weight`),
             before the forward pass
  output     the prediction the loss scores
  loss       the loss, shape [1]
  grad.input.X, grad.param.P
             gradients of the loss with respect to each float input and each
             trainable parameter
  after.P    a parameter or buffer after the run: batchnorm's running
             statistics after the forward pass, or every trainable parameter
             after `steps` optimizer updates

Op cases put the op under test before an `mse` loss whose target is chosen so
that the gradient arriving at the op's output is a fixed random upstream
gradient g: target = y - g * M / 2 for the M elements of y, since
d mean((y - t)^2) / dy = 2 (y - t) / M. Loss ops are tested directly (their
upstream gradient is 1). PyTorch computes in float64 from the float32 values
stored, so the fixtures are exact references and the Swift tests' float32
tolerance measures NetSpec alone.

Run from the repository root (needs torch and numpy; the files are written
here, in the safetensors format, so that their bytes are deterministic):

    python3 -m venv .venv && .venv/bin/pip install torch numpy
    .venv/bin/python Tests/Oracle/make_fixtures.py

It rewrites Tests/Oracle/Fixtures/ deterministically (seeds are per case), so
the committed files change only when a case does. See docs/TESTING.md.
"""

import json
import math
import pathlib
import shutil
import warnings
import zlib

import numpy as np
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent / "Fixtures"
F64 = torch.float64
CASES = []


def case(fn):
    """Registers a case builder."""
    CASES.append(fn)
    return fn


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def uniform(rng, shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape).astype(np.float32)


def t64(array, grad=False):
    return torch.tensor(np.asarray(array, dtype=np.float64), dtype=F64, requires_grad=grad)


def f32(tensor):
    return tensor.detach().to(torch.float32).numpy().copy()


def input_yaml(name, shape, ids):
    dims = ", ".join(["N"] + [str(d) for d in shape])
    return f"{name}: {{shape: [{dims}], dtype: int32}}" if ids else f"{name}: [{dims}]"


def spec_text(name, inputs, layers, train):
    lines = ["netspec: 1", f"name: {name}", "inputs:"]
    lines += [f"  {input_yaml(k, v.shape[1:], ids)}" for k, (v, ids) in inputs.items()]
    lines += ["layers:"] + [f"  - {layer}" for layer in layers]
    lines += [f"train: {train}", ""]
    return "\n".join(lines)


def write(name, spec, kind, batch, tensors, training=True, steps=0, note=""):
    metadata = {
        "spec": spec, "kind": kind, "batch": str(batch), "training": "true" if training else "false",
        "steps": str(steps), "note": note,
    }
    save_safetensors(OUT / f"{name}.safetensors", tensors, metadata)


def save_safetensors(path, tensors, metadata):
    """Writes float32 tensors in the safetensors format with a sorted header, so the
    same case gives the same bytes (safetensors' own writer orders metadata at random)."""
    header, chunks, offset = {"__metadata__": metadata}, [], 0
    for key in sorted(tensors):
        data = np.ascontiguousarray(tensors[key], dtype="<f4")
        header[key] = {"dtype": "F32", "shape": list(data.shape), "data_offsets": [offset, offset + data.nbytes]}
        chunks.append(data.tobytes())
        offset += data.nbytes
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + b"".join(chunks))


def op_case(name, layer, inputs, params, forward, *, training=True, buffers=(), loss=None, note=""):
    """One op before an mse loss that delivers a random upstream gradient (or, with
    `loss`, the loss op itself scoring the identity of its input).

    inputs: name -> (float32 array with batch, is_ids); params: NetSpec name -> array;
    forward(x, p) -> y from float64 tensors (buffers are updated in place)."""
    rng = rng_for(name + "/upstream")
    batch = next(iter(inputs.values()))[0].shape[0]
    x = {k: t64(v, grad=not ids) for k, (v, ids) in inputs.items()}
    p = {k: t64(v, grad=k not in buffers) for k, v in params.items()}
    tensors = {f"input.{k}": v for k, (v, _) in inputs.items()}
    tensors.update({f"param.{k}": v for k, v in params.items()})
    if loss is None:
        y = forward(x, p)
        g = rng.standard_normal(tuple(y.shape))
        target = (y.detach().numpy() - g * y.numel() / 2).astype(np.float32)
        value = ((y - t64(target)) ** 2).mean()
        train = "{loss: mse, optimizer: sgd}"
    else:
        y, target, value = forward(x, p)
        train = f"{{loss: {loss}, optimizer: sgd}}"
    value.backward()
    tensors["target"] = target
    tensors["output"] = f32(y)
    tensors["loss"] = f32(value.reshape(1))
    for k, v in x.items():
        if v.requires_grad:
            tensors[f"grad.input.{k}"] = f32(v.grad)
    for k, v in p.items():
        if k in buffers:
            tensors[f"after.{k}"] = f32(v)
        else:
            tensors[f"grad.param.{k}"] = f32(v.grad)
    write(name, spec_text(name, inputs, [layer], train), "op", batch, tensors, training=training, note=note)


def one_input(name, shape, batch=3, ids=None):
    rng = rng_for(name)
    if ids is not None:
        return {"x": (rng.integers(0, ids, size=(batch, *shape)).astype(np.float32), True)}
    return {"x": (uniform(rng, (batch, *shape)), False)}


def params_for(name, shapes, scale=0.5):
    rng = rng_for(name + "/params")
    return {k: uniform(rng, s, -scale, scale) for k, s in shapes.items()}


ACTIVATIONS = {
    None: lambda y: y, "relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
    "gelu": lambda y: F.gelu(y, approximate="tanh"), "silu": F.silu, "relu6": F.relu6, "hardtanh": F.hardtanh,
    "hardswish": F.hardswish, "hardsigmoid": F.hardsigmoid, "mish": F.mish, "softplus": F.softplus, "elu": F.elu,
    "selu": F.selu, "leaky_relu": F.leaky_relu,
}

# ---------------------------------------------------------------- layers


def dense_case(name, units, shape, activation=None, bias=True):
    inputs = one_input(name, shape)
    shapes = {"layer.weight": (units, shape[-1])}
    if bias:
        shapes["layer.bias"] = (units,)
    attributes = [f"units: {units}"] + ([f"activation: {activation}"] if activation else [])
    attributes += [] if bias else ["bias: false"]
    layer = f"dense: {{{', '.join(attributes)}, name: layer}}"
    op_case(
        name, layer, inputs, params_for(name, shapes),
        lambda x, p: ACTIVATIONS[activation](F.linear(x["x"], p["layer.weight"], p.get("layer.bias"))))


@case
def dense_cases():
    dense_case("dense", 3, [4])
    dense_case("dense_tanh_rank3", 5, [2, 3], "tanh")
    dense_case("dense_relu_no_bias", 2, [6], "relu", bias=False)
    dense_case("dense_gelu", 3, [4], "gelu")
    dense_case("dense_sigmoid", 3, [4], "sigmoid")
    dense_case("dense_silu", 3, [4], "silu")
    dense_case("dense_relu6", 3, [4], "relu6")
    dense_case("dense_hardtanh", 3, [4], "hardtanh")
    dense_case("dense_mish", 3, [4], "mish")
    dense_case("dense_softplus", 3, [4], "softplus")
    dense_case("dense_selu", 3, [4], "selu")
    dense_case("dense_leaky_relu", 3, [4], "leaky_relu")


def pair(v):
    return v if isinstance(v, (list, tuple)) else [v, v]


def conv_case(name, shape, filters, kernel, stride=1, padding=0, dilation=1, groups=1, bias=True,
              activation=None, note=""):
    inputs = one_input(name, shape, batch=2)
    kh, kw = pair(kernel)
    shapes = {"layer.weight": (filters, shape[0] // groups, kh, kw)}
    if bias:
        shapes["layer.bias"] = (filters,)
    attributes = [f"filters: {filters}", f"kernel: {kernel}"]
    for key, value, default in [("stride", stride, 1), ("padding", padding, 0), ("dilation", dilation, 1),
                                ("groups", groups, 1)]:
        if value != default:
            attributes.append(f"{key}: {value}")
    attributes += [] if bias else ["bias: false"]
    attributes += [f"activation: {activation}"] if activation else []
    layer = f"conv2d: {{{', '.join(attributes)}, name: layer}}"
    torch_padding = padding if isinstance(padding, str) else tuple(pair(padding))

    def forward(x, p):
        inputs = x["x"]
        padding_arg = torch_padding
        if padding == "same" and pair(stride) != [1, 1]:
            sides = []
            for size, k, s, d in reversed(list(zip(shape[1:], [kh, kw], pair(stride), pair(dilation)))):
                total = max((-(-size // s) - 1) * s + (k - 1) * d + 1 - size, 0)
                sides += [total // 2, total - total // 2]
            inputs, padding_arg = F.pad(inputs, sides), 0
        y = F.conv2d(inputs, p["layer.weight"], p.get("layer.bias"), tuple(pair(stride)), padding_arg,
                     tuple(pair(dilation)), groups)
        return ACTIVATIONS[activation](y)

    op_case(name, layer, inputs, params_for(name, shapes), forward, note=note)


@case
def conv_cases():
    conv_case("conv2d", [2, 5, 5], 3, 3)
    conv_case("conv2d_stride_padding", [3, 7, 6], 4, 3, stride=2, padding=1, activation="relu")
    conv_case("conv2d_rect_groups", [4, 9, 8], 6, [3, 2], stride=[2, 1], padding=1, groups=2,
              activation="gelu")
    conv_case("conv2d_dilation", [2, 7, 7], 3, 3, dilation=2, padding=[2, 1], activation="tanh")
    conv_case("conv2d_depthwise", [3, 6, 5], 3, 3, groups=3, padding=1, bias=False, activation="sigmoid")
    conv_case("conv2d_same_odd", [2, 5, 6], 2, 3, padding="same")
    conv_case("conv2d_same_even", [2, 5, 6], 2, [2, 4], padding="same",
              note="an even kernel pads one more after than before, as PyTorch's padding='same'")
    conv_case("conv2d_same_stride", [2, 7, 6], 3, 3, stride=2, padding="same", activation="relu",
              note="padding: same at stride 2 follows TensorFlow (total padding (out - 1) * stride + kernel - in, "
              "the odd one after), written out for PyTorch, whose padding='same' needs stride 1")
    conv_case("conv2d_pointwise", [4, 3, 3], 5, 1)
    conv_case("conv2d_rect_padding", [2, 4, 6], 3, [1, 2], padding=[0, 1], bias=False)
    conv_case("conv2d_hardswish", [2, 5, 5], 3, 3, padding=1, activation="hardswish")
    conv_case("conv2d_hardsigmoid", [2, 5, 5], 3, 3, activation="hardsigmoid")
    conv_case("conv2d_elu", [3, 5, 4], 2, 3, padding=1, activation="elu")

# ---------------------------------------------------------------- pooling


def pool_case(name, op, shape, attributes, forward, batch=2):
    inputs = one_input(name, shape, batch=batch)
    op_case(name, f"{op}: {{{attributes}, name: layer}}", inputs, {}, lambda x, p: forward(x["x"]))


@case
def pooling_cases():
    pool_case("maxpool2d", "maxpool2d", [2, 4, 4], "kernel: 2", lambda x: F.max_pool2d(x, 2))
    pool_case("maxpool2d_stride_padding", "maxpool2d", [2, 5, 5], "kernel: 3, stride: 2, padding: 1",
              lambda x: F.max_pool2d(x, 3, 2, 1))
    pool_case("maxpool2d_overlap", "maxpool2d", [1, 4, 5], "kernel: 3, stride: 1",
              lambda x: F.max_pool2d(x, 3, 1))
    pool_case("maxpool2d_rect", "maxpool2d", [2, 6, 7], "kernel: [2, 3], stride: [2, 2], padding: [1, 1]",
              lambda x: F.max_pool2d(x, (2, 3), (2, 2), (1, 1)))
    pool_case("avgpool2d", "avgpool2d", [2, 4, 4], "kernel: 2", lambda x: F.avg_pool2d(x, 2))
    pool_case("avgpool2d_padding_include", "avgpool2d", [2, 5, 5], "kernel: 3, stride: 2, padding: 1",
              lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=True))
    pool_case("avgpool2d_padding_exclude", "avgpool2d", [2, 5, 5],
              "kernel: 3, stride: 2, padding: 1, count_include_pad: false",
              lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False))
    pool_case("avgpool2d_overlap", "avgpool2d", [1, 4, 5], "kernel: 3, stride: 1",
              lambda x: F.avg_pool2d(x, 3, 1))
    pool_case("avgpool2d_rect", "avgpool2d", [2, 6, 7], "kernel: [2, 3], padding: [1, 1], count_include_pad: false",
              lambda x: F.avg_pool2d(x, (2, 3), None, (1, 1), count_include_pad=False))
    pool_case("adaptive_avgpool2d", "adaptive_avgpool2d", [2, 5, 5], "output: 2",
              lambda x: F.adaptive_avg_pool2d(x, 2))
    pool_case("adaptive_avgpool2d_grow", "adaptive_avgpool2d", [1, 3, 6], "output: 4",
              lambda x: F.adaptive_avg_pool2d(x, 4))
    pool_case("adaptive_avgpool2d_rect", "adaptive_avgpool2d", [2, 7, 3], "output: [3, 2]",
              lambda x: F.adaptive_avg_pool2d(x, (3, 2)))
    inputs = one_input("global_avgpool", [3, 4, 5])
    op_case("global_avgpool", "global_avgpool: {name: layer}", inputs, {}, lambda x, p: x["x"].mean((2, 3)))

# ---------------------------------------------------------------- shape and merging


@case
def shape_cases():
    def simple(name, shape, layer, forward, batch=3):
        op_case(name, layer, one_input(name, shape, batch=batch), {}, lambda x, p: forward(x["x"]))

    simple("flatten", [2, 3, 4], "flatten", lambda x: x.flatten(1))
    simple("flatten_axis2", [2, 3, 4], "flatten: 2", lambda x: x.flatten(2))
    simple("flatten_negative_axis", [2, 3, 4, 2], "flatten: -2", lambda x: x.flatten(-2))
    simple("reshape", [12], "reshape: [3, 4]", lambda x: x.reshape(-1, 3, 4))
    simple("reshape_inferred", [3, 4], "reshape: [2, -1]", lambda x: x.reshape(-1, 2, 6))
    simple("transpose", [3, 4], "transpose: [0, 2, 1]", lambda x: x.permute(0, 2, 1))
    simple("transpose_rank4", [2, 3, 4], "transpose: [0, 3, 1, 2]", lambda x: x.permute(0, 3, 1, 2))
    simple("transpose_rank4_other", [2, 3, 2], "transpose: [0, 2, 3, 1]", lambda x: x.permute(0, 2, 3, 1))


def merge_case(name, op, shapes, attributes, forward):
    rng = rng_for(name)
    names = ["a", "b", "c"][: len(shapes)]
    inputs = {k: (uniform(rng, (3, *s)), False) for k, s in zip(names, shapes)}
    extra = f", {attributes}" if attributes else ""
    layer = f"{op}: {{from: [{', '.join(names)}]{extra}, name: layer}}"
    op_case(name, layer, inputs, {}, lambda x, p: forward([x[k] for k in names]))


@case
def merge_cases():
    merge_case("concat", "concat", [[2, 3], [4, 3]], "", lambda xs: torch.cat(xs, 1))
    merge_case("concat_last_axis", "concat", [[2, 3], [2, 1], [2, 2]], "axis: -1", lambda xs: torch.cat(xs, -1))
    merge_case("concat_axis2", "concat", [[3, 2, 2], [3, 1, 2]], "axis: 2", lambda xs: torch.cat(xs, 2))
    merge_case("add", "add", [[2, 3], [2, 3]], "", lambda xs: xs[0] + xs[1])
    merge_case("add_three", "add", [[4], [4], [4]], "", lambda xs: xs[0] + xs[1] + xs[2])
    merge_case("multiply", "multiply", [[2, 3], [2, 3]], "", lambda xs: xs[0] * xs[1])
    merge_case("multiply_three", "multiply", [[5], [5], [5]], "", lambda xs: xs[0] * xs[1] * xs[2])

# ---------------------------------------------------------------- activations and dropout


@case
def activation_cases():
    def simple(name, shape, layer, forward, training=True, note="", scale=1.0):
        inputs = {k: (v * np.float32(scale), ids) for k, (v, ids) in one_input(name, shape).items()}
        op_case(name, layer, inputs, {}, lambda x, p: forward(x["x"]), training=training, note=note)

    simple("relu", [3, 4], "relu", F.relu)
    simple("sigmoid", [3, 4], "sigmoid", torch.sigmoid)
    simple("tanh", [3, 4], "tanh", torch.tanh)
    simple("leaky_relu", [3, 4], "leaky_relu", lambda x: F.leaky_relu(x, 0.01))
    simple("leaky_relu_slope", [3, 4], "leaky_relu: 0.2", lambda x: F.leaky_relu(x, 0.2))
    simple("gelu", [3, 4], "gelu", lambda x: F.gelu(x, approximate="tanh"),
           note="NetSpec's gelu defaults to the tanh approximation (PyTorch's default is approximate='none')")
    simple("gelu_exact", [3, 4], "gelu: none", lambda x: F.gelu(x, approximate="none"))
    simple("silu", [3, 4], "silu", F.silu)
    # Inputs scaled past the kinks (relu6 at 0 and 6, hardswish and hardsigmoid at
    # +-3, the hardtanh bounds, softplus's threshold) so both sides of each are compared.
    simple("relu6", [3, 4], "relu6", F.relu6, scale=8)
    simple("hardtanh", [3, 4], "hardtanh", F.hardtanh, scale=2)
    simple("hardtanh_bounds", [2, 5], "hardtanh: {min_val: -0.5, max_val: 2}",
           lambda x: F.hardtanh(x, -0.5, 2), scale=3)
    simple("hardswish", [3, 4], "hardswish", F.hardswish, scale=5)
    simple("hardsigmoid", [3, 4], "hardsigmoid", F.hardsigmoid, scale=5)
    simple("mish", [3, 4], "mish", F.mish, scale=4)
    simple("softplus", [3, 4], "softplus", F.softplus, scale=4)
    simple("softplus_beta_threshold", [2, 5], "softplus: {beta: 2, threshold: 3}",
           lambda x: F.softplus(x, 2, 3), scale=4)
    simple("elu", [3, 4], "elu", F.elu, scale=3)
    simple("elu_alpha", [2, 5], "elu: 0.5", lambda x: F.elu(x, 0.5), scale=3)
    simple("selu", [3, 4], "selu", F.selu, scale=3)
    simple("softmax", [5], "softmax", lambda x: F.softmax(x, -1))
    simple("softmax_axis1", [2, 3, 2], "softmax: 1", lambda x: F.softmax(x, 1))
    simple("softmax_axis_negative2", [3, 4, 2], "softmax: -2", lambda x: F.softmax(x, -2))
    simple("softmax_batch_axis", [3], "softmax: 0", lambda x: F.softmax(x, 0))
    simple("dropout_eval", [3, 4], "dropout: 0.3", lambda x: x, training=False,
           note="evaluation mode: the identity; training masks come from NetSpec's own generator, "
           "so they cannot match PyTorch's")
    simple("dropout_rate_zero", [2, 2, 3], "dropout: 0", lambda x: x)

# ---------------------------------------------------------------- normalization


def batchnorm_case(name, shape, momentum=None, eps=None, training=True, batch=4):
    rng = rng_for(name + "/params")
    channels = shape[0]
    params = {
        "layer.weight": uniform(rng, (channels,), 0.5, 1.5), "layer.bias": uniform(rng, (channels,), -0.5, 0.5),
        "layer.running_mean": uniform(rng, (channels,), -0.3, 0.3),
        "layer.running_var": uniform(rng, (channels,), 0.5, 2.0),
    }
    attributes = [f"momentum: {momentum}"] if momentum is not None else []
    attributes += [f"eps: {eps}"] if eps is not None else []
    layer = f"batchnorm: {{{', '.join(attributes + ['name: layer'])}}}"

    def forward(x, p):
        return F.batch_norm(
            x["x"], p["layer.running_mean"], p["layer.running_var"], p["layer.weight"], p["layer.bias"],
            training, 0.1 if momentum is None else momentum, 1e-5 if eps is None else eps)

    op_case(name, layer, one_input(name, shape, batch=batch), params, forward, training=training,
            buffers=("layer.running_mean", "layer.running_var"),
            note="running_var is updated with the unbiased batch variance, as PyTorch")


@case
def normalization_cases():
    batchnorm_case("batchnorm2d", [3, 4, 5])
    batchnorm_case("batchnorm1d", [4], momentum=0.5, eps=1e-3, batch=5)
    batchnorm_case("batchnorm1d_sequence", [3, 6], eps=0.1, batch=2)
    batchnorm_case("batchnorm2d_eval", [3, 2, 2], training=False)

    for name, shape, eps in [("layernorm", [3, 5], None), ("layernorm_eps", [6], 0.01)]:
        rng = rng_for(name + "/params")
        d = shape[-1]
        params = {"layer.weight": uniform(rng, (d,), 0.5, 1.5), "layer.bias": uniform(rng, (d,), -0.5, 0.5)}
        layer = f"layernorm: {{eps: {eps}, name: layer}}" if eps else "layernorm: {name: layer}"
        op_case(name, layer, one_input(name, shape), params,
                lambda x, p, d=d, eps=eps: F.layer_norm(x["x"], (d,), p["layer.weight"], p["layer.bias"],
                                                        eps or 1e-5))

    for name, shape, size, alpha, beta, k in [
        ("lrn", [5, 2, 3], 3, 0.5, 0.75, 2.0), ("lrn_even_size", [6, 3], 4, 1.0, 0.5, 1.0),
        ("lrn_default", [3, 2, 2], 2, 1e-4, 0.75, 1.0), ("lrn_wide", [4, 2, 2], 9, 0.8, 1.0, 1.0),
    ]:
        attributes = [f"size: {size}"]
        attributes += [f"alpha: {alpha}"] if alpha != 1e-4 else []
        attributes += [f"beta: {beta}"] if beta != 0.75 else []
        attributes += [f"k: {k}"] if k != 1.0 else []
        op_case(name, f"lrn: {{{', '.join(attributes)}, name: layer}}", one_input(name, shape, batch=2), {},
                lambda x, p, s=size, a=alpha, b=beta, kk=k: F.local_response_norm(x["x"], s, a, b, kk))

# ---------------------------------------------------------------- embeddings


@case
def embedding_cases():
    for name, vocab, dim, scale, shape in [("embedding", 5, 3, False, [4]),
                                           ("embedding_scaled", 4, 6, True, [2, 3])]:
        rng = rng_for(name + "/params")
        params = {"layer.weight": uniform(rng, (vocab, dim))}
        layer = f"embedding: {{vocab: {vocab}, dim: {dim}{', scale: true' if scale else ''}, name: layer}}"
        op_case(name, layer, one_input(name, shape, ids=vocab), params,
                lambda x, p, dim=dim, scale=scale: F.embedding(x["x"].long(), p["layer.weight"])
                * (math.sqrt(dim) if scale else 1.0))

    def sinusoidal(steps, width):
        table = np.zeros((steps, width))
        for t in range(steps):
            for i in range(0, width, 2):
                angle = t / 10000 ** (i / width)
                table[t, i] = math.sin(angle)
                if i + 1 < width:
                    table[t, i + 1] = math.cos(angle)
        return torch.tensor(table, dtype=F64)

    op_case("positional_encoding", "positional_encoding: {name: layer}", one_input("positional_encoding", [3, 4]),
            {}, lambda x, p: x["x"] + sinusoidal(3, 4))
    op_case("positional_encoding_learned", "positional_encoding: {kind: learned, max_length: 5, name: layer}",
            one_input("positional_encoding_learned", [3, 2]),
            params_for("positional_encoding_learned", {"layer.weight": (5, 2)}),
            lambda x, p: x["x"] + p["layer.weight"][:3])

# ---------------------------------------------------------------- attention


def attention(p, prefix, query, memory, heads, bias=True, mask=None):
    """torch.nn.MultiheadAttention run on NetSpec's parameters (`prefix.query.weight`, ...):
    its packed in_proj_weight is NetSpec's query, key and value weights stacked in that order."""
    width = query.shape[-1]
    module = torch.nn.MultiheadAttention(width, heads, bias=bias, batch_first=True, dtype=F64)
    names = ["query", "key", "value"]
    weights = {"in_proj_weight": torch.cat([p[f"{prefix}.{n}.weight"] for n in names]),
               "out_proj.weight": p[f"{prefix}.output.weight"]}
    if bias:
        weights["in_proj_bias"] = torch.cat([p[f"{prefix}.{n}.bias"] for n in names])
        weights["out_proj.bias"] = p[f"{prefix}.output.bias"]
    y, _ = torch.func.functional_call(module, weights, (query, memory, memory),
                                      {"attn_mask": mask, "need_weights": False})
    return y


def attention_case(name, steps, width, heads, causal=False, bias=True, memory_steps=None, dropout=0.0):
    rng = rng_for(name)
    inputs = {"x": (uniform(rng, (2, steps, width)), False)}
    if memory_steps:
        inputs["memory"] = (uniform(rng, (2, memory_steps, width)), False)
    shapes = {}
    for projection in ["query", "key", "value", "output"]:
        shapes[f"layer.{projection}.weight"] = (width, width)
        if bias:
            shapes[f"layer.{projection}.bias"] = (width,)
    attributes = [f"heads: {heads}"] + (["causal: true"] if causal else []) + ([] if bias else ["bias: false"])
    attributes += ["from: [x, memory]"] if memory_steps else []
    attributes += [f"dropout: {dropout}"] if dropout else []
    layer = f"attention: {{{', '.join(attributes)}, name: layer}}"

    def forward(x, p):
        mask = torch.triu(torch.ones(steps, steps, dtype=torch.bool), 1) if causal else None
        return attention(p, "layer", x["x"], x["memory"] if memory_steps else x["x"], heads, bias, mask)

    op_case(name, layer, inputs, params_for(name, shapes), forward, training=not dropout,
            note="evaluation mode: no dropout on the attention weights" if dropout else "")


@case
def attention_cases():
    attention_case("attention", 4, 6, 2)
    attention_case("attention_one_head", 3, 4, 1)
    attention_case("attention_causal_no_bias", 5, 8, 4, causal=True, bias=False)
    attention_case("attention_cross", 3, 6, 3, memory_steps=5)
    attention_case("attention_dropout_eval", 4, 4, 2, dropout=0.3)

# ---------------------------------------------------------------- recurrent


def recurrent_case(name, kind, steps, features, hidden, layers=1, returns="sequences", batch=3):
    rng = rng_for(name)
    inputs = {"x": (uniform(rng, (batch, steps, features)), False)}
    gates = 4 if kind == "lstm" else 3
    shapes = {}
    for layer in range(layers):
        size = features if layer == 0 else hidden
        shapes[f"layer.weight_ih_l{layer}"] = (gates * hidden, size)
        shapes[f"layer.weight_hh_l{layer}"] = (gates * hidden, hidden)
        shapes[f"layer.bias_ih_l{layer}"] = (gates * hidden,)
        shapes[f"layer.bias_hh_l{layer}"] = (gates * hidden,)
    attributes = [f"hidden: {hidden}"] + ([f"layers: {layers}"] if layers > 1 else [])
    attributes += ["returns: last"] if returns == "last" else []
    layer = f"{kind}: {{{', '.join(attributes)}, name: layer}}"

    def forward(x, p):
        y = recurrence(kind, p, "layer", x["x"], hidden, layers)
        return y if returns == "sequences" else y[:, -1]

    op_case(name, layer, inputs, params_for(name, shapes), forward)


def recurrence(kind, p, prefix, x, hidden, layers):
    """torch.nn.LSTM or GRU (batch_first) run on NetSpec's parameters, whose names
    (`weight_ih_l0`, ...) and gate order are PyTorch's."""
    cls = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
    module = cls(x.shape[-1], hidden, layers, batch_first=True, dtype=F64)
    weights = {k[len(prefix) + 1:]: v for k, v in p.items() if k.startswith(prefix + ".")}
    y, _ = torch.func.functional_call(module, weights, (x,))
    return y


@case
def recurrent_cases():
    for kind in ["lstm", "gru"]:
        recurrent_case(kind, kind, 4, 2, 3)
        recurrent_case(f"{kind}_last", kind, 3, 3, 2, returns="last")
        recurrent_case(f"{kind}_two_layers", kind, 3, 2, 3, layers=2)
        recurrent_case(f"{kind}_two_layers_last_one_step", kind, 1, 3, 2, layers=2, returns="last", batch=2)

# ---------------------------------------------------------------- losses


@case
def loss_cases():
    def loss_case(name, loss, shape, target, forward, identity):
        op_case(name, identity, one_input(name, shape, batch=4), {},
                lambda x, p: (x["x"], target, forward(x["x"], t64(target))), loss=loss)

    rng = rng_for("loss_targets")
    bce = F.binary_cross_entropy_with_logits
    loss_case("mse_loss", "mse", [3], uniform(rng, (4, 3)), F.mse_loss, "reshape: [3]")
    loss_case("mse_loss_rank3", "mse", [2, 3], uniform(rng, (4, 2, 3)), F.mse_loss, "reshape: [2, 3]")
    classes = rng.integers(0, 4, size=(4,)).astype(np.float32)
    loss_case("cross_entropy", "cross_entropy", [4], classes,
              lambda x, t: F.cross_entropy(x, t.long()), "reshape: [4]")
    sequence = rng.integers(0, 5, size=(4, 3)).astype(np.float32)
    loss_case("cross_entropy_sequence_smoothing", "{cross_entropy: {label_smoothing: 0.1}}", [3, 5], sequence,
              lambda x, t: F.cross_entropy(x.transpose(1, 2), t.long(), label_smoothing=0.1), "reshape: [3, 5]")
    labels = (rng.uniform(size=(4,)) < 0.5).astype(np.float32)
    loss_case("binary_cross_entropy", "binary_cross_entropy", [1], labels.reshape(4, 1), bce, "reshape: [1]")
    loss_case("binary_cross_entropy_multilabel", "binary_cross_entropy", [3],
              uniform(rng, (4, 3), 0, 1), bce, "reshape: [3]")
    loss_case("cross_entropy_smoothing", "{cross_entropy: {label_smoothing: 0.2}}", [6],
              rng.integers(0, 6, size=(4,)).astype(np.float32),
              lambda x, t: F.cross_entropy(x, t.long(), label_smoothing=0.2), "reshape: [6]")
    loss_case("binary_cross_entropy_rank1", "binary_cross_entropy", [], labels, bce, "dropout: 0")

# ---------------------------------------------------------------- whole models


def model_case(name, inputs, layers, loss, build, target, note=""):
    """A small model: build(x, p) -> prediction; p holds every parameter by NetSpec name."""
    params = build(None, None)
    x = {k: t64(v, grad=not ids) for k, (v, ids) in inputs.items()}
    p = {k: t64(v, grad=not k.endswith(("running_mean", "running_var"))) for k, v in params.items()}
    y = build(x, p)
    if loss == "cross_entropy":
        value = F.cross_entropy(y.reshape(-1, y.shape[-1]), t64(target).long().reshape(-1))
    else:
        value = F.mse_loss(y, t64(target))
    value.backward()
    tensors = {f"input.{k}": v for k, (v, _) in inputs.items()}
    tensors.update({f"param.{k}": v for k, v in params.items()})
    tensors.update(target=target, output=f32(y), loss=f32(value.reshape(1)))
    for k, v in x.items():
        if v.requires_grad:
            tensors[f"grad.input.{k}"] = f32(v.grad)
    for k, v in p.items():
        if v.requires_grad:
            tensors[f"grad.param.{k}"] = f32(v.grad)
        else:
            tensors[f"after.{k}"] = f32(v)
    batch = next(iter(inputs.values()))[0].shape[0]
    spec = spec_text(name, inputs, layers, f"{{loss: {loss}, optimizer: sgd}}")
    write(name, spec, "model", batch, tensors, note=note)


@case
def model_cases():
    rng = rng_for("mlp")
    inputs = {"x": (uniform(rng, (5, 6)), False)}

    def mlp(x, p):
        if p is None:
            return params_for("mlp", {"h.weight": (8, 6), "h.bias": (8,), "out.weight": (3, 8), "out.bias": (3,)})
        return F.linear(F.relu(F.linear(x["x"], p["h.weight"], p["h.bias"])), p["out.weight"], p["out.bias"])

    model_case("model_mlp", inputs, ["dense: {units: 8, activation: relu, name: h}", "dense: {units: 3, name: out}"],
               "cross_entropy", mlp, rng.integers(0, 3, size=(5,)).astype(np.float32),
               note="the ReLU mask folds into the next layer's input-gradient GEMM")

    rng = rng_for("convnet")
    inputs = {"x": (uniform(rng, (4, 2, 8, 8)), False)}

    def convnet(x, p):
        if p is None:
            q = params_for("convnet", {"c1.weight": (4, 2, 3, 3), "c2.weight": (6, 4, 3, 3), "c2.bias": (6,),
                                       "out.weight": (3, 6), "out.bias": (3,)})
            r = rng_for("convnet/bn")
            q.update({"bn.weight": uniform(r, (4,), 0.5, 1.5), "bn.bias": uniform(r, (4,), -0.5, 0.5),
                      "bn.running_mean": np.zeros(4, np.float32), "bn.running_var": np.ones(4, np.float32)})
            return q
        h = F.conv2d(x["x"], p["c1.weight"], None, 1, 1)
        h = F.relu(F.batch_norm(h, p["bn.running_mean"], p["bn.running_var"], p["bn.weight"], p["bn.bias"], True))
        h = F.max_pool2d(h, 2)
        h = F.relu(F.conv2d(h, p["c2.weight"], p["c2.bias"], 1, 1))
        h = F.avg_pool2d(h, 2)
        return F.linear(h.mean((2, 3)), p["out.weight"], p["out.bias"])

    model_case("model_convnet", inputs, [
        "conv2d: {filters: 4, kernel: 3, padding: 1, bias: false, name: c1}", "batchnorm: {name: bn}", "relu",
        "maxpool2d: 2", "conv2d: {filters: 6, kernel: 3, padding: 1, activation: relu, name: c2}", "avgpool2d: 2",
        "global_avgpool", "dense: {units: 3, name: out}",
    ], "cross_entropy", convnet, rng.integers(0, 3, size=(4,)).astype(np.float32),
        note="c2's average pooling is fused into its output pass")

    rng = rng_for("lstm_model")
    inputs = {"x": (uniform(rng, (3, 5, 4)), False)}
    lstm_shapes = {}
    for layer, size in [(0, 4), (1, 6)]:
        lstm_shapes.update({f"rnn.weight_ih_l{layer}": (24, size), f"rnn.weight_hh_l{layer}": (24, 6),
                            f"rnn.bias_ih_l{layer}": (24,), f"rnn.bias_hh_l{layer}": (24,)})

    def lstm_model(x, p):
        if p is None:
            return params_for("lstm_model", {**lstm_shapes, "out.weight": (3, 6), "out.bias": (3,)})
        y = recurrence("lstm", p, "rnn", x["x"], 6, 2)
        return F.linear(y[:, -1], p["out.weight"], p["out.bias"])

    model_case("model_lstm", inputs, ["lstm: {hidden: 6, layers: 2, returns: last, name: rnn}",
                                      "dense: {units: 3, name: out}"],
               "cross_entropy", lstm_model, rng.integers(0, 3, size=(3,)).astype(np.float32))

    rng = rng_for("tied_embedding")
    inputs = {"tokens": (rng.integers(0, 6, size=(3, 4)).astype(np.float32), True)}

    def tied(x, p):
        if p is None:
            return params_for("tied_embedding", {"embed.weight": (6, 4), "h.weight": (4, 4), "h.bias": (4,)})
        e = F.embedding(x["tokens"].long(), p["embed.weight"])
        h = torch.tanh(F.linear(e, p["h.weight"], p["h.bias"]))
        return F.linear(h, p["embed.weight"])

    model_case("model_tied_embedding", inputs, [
        "embedding: {vocab: 6, dim: 4, name: embed}", "dense: {units: 4, activation: tanh, name: h}",
        "dense: {units: 6, bias: false, tie: embed, name: out}",
    ], "cross_entropy", tied, rng.integers(0, 6, size=(3, 4)).astype(np.float32),
        note="the output layer shares the embedding's weight: both uses' gradients add up")

    rng = rng_for("transformer_layer")
    width, ff, steps = 8, 16, 5
    inputs = {"x": (uniform(rng, (2, steps, width)), False)}
    shapes = {}
    for projection in ["query", "key", "value", "output"]:
        shapes[f"attn.{projection}.weight"] = (width, width)
        shapes[f"attn.{projection}.bias"] = (width,)
    shapes.update({"ff1.weight": (ff, width), "ff1.bias": (ff,), "ff2.weight": (width, ff), "ff2.bias": (width,),
                   "out.weight": (4, width), "out.bias": (4,)})

    def encoder(x, p):
        if p is None:
            q = params_for("transformer_layer", shapes)
            r = rng_for("transformer_layer/norms")
            for norm in ["n1", "n2"]:
                q[f"{norm}.weight"] = uniform(r, (width,), 0.5, 1.5)
                q[f"{norm}.bias"] = uniform(r, (width,), -0.5, 0.5)
            return q
        a = attention(p, "attn", x["x"], x["x"], 2)
        h = F.layer_norm(a + x["x"], (width,), p["n1.weight"], p["n1.bias"])
        f = F.linear(F.relu(F.linear(h, p["ff1.weight"], p["ff1.bias"])), p["ff2.weight"], p["ff2.bias"])
        h = F.layer_norm(f + h, (width,), p["n2.weight"], p["n2.bias"])
        return F.linear(h, p["out.weight"], p["out.bias"])

    model_case("model_transformer_layer", inputs, [
        "attention: {heads: 2, name: attn}", "add: {from: [attn, x]}", "layernorm: {name: n1}",
        "dense: {units: 16, activation: relu, name: ff1}", "dense: {units: 8, name: ff2}", "add: {from: [ff2, n1]}",
        "layernorm: {name: n2}", "dense: {units: 4, name: out}",
    ], "cross_entropy", encoder, rng.integers(0, 4, size=(2, steps)).astype(np.float32),
        note="a post-norm encoder layer (torch.nn.TransformerEncoderLayer's order) without dropout")

# ---------------------------------------------------------------- optimizers


def optimizer_case(name, optimizer_yaml, make, extra_train="", steps=3, clip=None, note=""):
    rng = rng_for("optimizer")
    inputs = {"x": (uniform(rng, (4, 5)), False)}
    target = uniform(rng, (4, 3))
    params = params_for("optimizer", {"h.weight": (4, 5), "h.bias": (4,), "out.weight": (3, 4), "out.bias": (3,)})
    p = {k: t64(v, grad=True) for k, v in params.items()}
    optimizer = make(list(p.values()))
    x = t64(inputs["x"][0])
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        y = F.linear(torch.tanh(F.linear(x, p["h.weight"], p["h.bias"])), p["out.weight"], p["out.bias"])
        value = F.mse_loss(y, t64(target))
        value.backward()
        losses.append(value.item())
        if clip:
            torch.nn.utils.clip_grad_norm_(list(p.values()), clip)
        optimizer.step()
    tensors = {"input.x": inputs["x"][0], "target": target, "loss": np.array(losses[:1], np.float32),
               "losses": np.array(losses, np.float32)}
    tensors.update({f"param.{k}": v for k, v in params.items()})
    tensors.update({f"after.{k}": f32(v) for k, v in p.items()})
    train = f"{{loss: mse, optimizer: {optimizer_yaml}{extra_train}}}"
    spec = spec_text(name, inputs, ["dense: {units: 4, activation: tanh, name: h}", "dense: {units: 3, name: out}"],
                     train)
    write(name, spec, "optimizer", 4, tensors, steps=steps, note=note)


@case
def optimizer_cases():
    optim = torch.optim
    optimizer_case("optimizer_sgd", "{sgd: {lr: 0.1}}", lambda ps: optim.SGD(ps, lr=0.1))
    optimizer_case("optimizer_sgd_momentum", "{sgd: {lr: 0.1, momentum: 0.9}}",
                   lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), steps=4)
    optimizer_case("optimizer_sgd_nesterov", "{sgd: {lr: 0.1, momentum: 0.8, nesterov: true}}",
                   lambda ps: optim.SGD(ps, lr=0.1, momentum=0.8, nesterov=True), steps=4)
    optimizer_case("optimizer_sgd_weight_decay", "{sgd: {lr: 0.1, momentum: 0.5}}",
                   lambda ps: optim.SGD(ps, lr=0.1, momentum=0.5, weight_decay=0.05), extra_train=", weight_decay: 0.05",
                   note="train.weight_decay is L2 added to the gradient, as SGD's weight_decay")
    optimizer_case("optimizer_sgd_nesterov_weight_decay", "{sgd: {lr: 0.05, momentum: 0.9, nesterov: true}}",
                   lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.02),
                   extra_train=", weight_decay: 0.02", steps=4)
    optimizer_case("optimizer_adam", "{adam: {lr: 0.01}}", lambda ps: optim.Adam(ps, lr=0.01), steps=4)
    optimizer_case("optimizer_adam_options", "{adam: {lr: 0.02, beta1: 0.8, beta2: 0.99, eps: 1.0e-6}}",
                   lambda ps: optim.Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6))
    optimizer_case("optimizer_adam_weight_decay", "{adam: {lr: 0.01}}",
                   lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.1), extra_train=", weight_decay: 0.1",
                   note="train.weight_decay with adam is L2 added to the gradient, as Adam's weight_decay")
    optimizer_case("optimizer_adamw", "{adamw: {lr: 0.01, weight_decay: 0.05}}",
                   lambda ps: optim.AdamW(ps, lr=0.01, weight_decay=0.05), steps=4)
    optimizer_case("optimizer_sgd_clip", "{sgd: {lr: 0.5}}", lambda ps: optim.SGD(ps, lr=0.5),
                   extra_train=", clip_grad_norm: 0.05", clip=0.05, note="clip_grad_norm as torch.nn.utils.clip_grad_norm_")

# ---------------------------------------------------------------- the convolution family


def conv_family_case(name, op, shape, filters, weight_shape, attributes, forward, activation=None, bias=True):
    """A conv1d, conv_transpose1d or conv_transpose2d layer; forward(x, weight, bias) is PyTorch's."""
    inputs = one_input(name, shape, batch=2)
    shapes = {"layer.weight": weight_shape}
    if bias:
        shapes["layer.bias"] = (filters,)
    attributes = [f"filters: {filters}"] + attributes + ([] if bias else ["bias: false"])
    attributes += [f"activation: {activation}"] if activation else []
    layer = f"{op}: {{{', '.join(attributes)}, name: layer}}"
    op_case(name, layer, inputs, params_for(name, shapes),
            lambda x, p: ACTIVATIONS[activation](forward(x["x"], p["layer.weight"], p.get("layer.bias"))))


@case
def conv_family_cases():
    conv_family_case("conv_transpose2d", "conv_transpose2d", [3, 3, 4], 2, (3, 2, 2, 2), ["kernel: 2", "stride: 2"],
                     lambda x, w, b: F.conv_transpose2d(x, w, b, 2))
    conv_family_case("conv_transpose2d_padding", "conv_transpose2d", [4, 3, 3], 6, (4, 3, 3, 2),
                     ["kernel: [3, 2]", "stride: 2", "padding: 1", "output_padding: 1", "groups: 2"],
                     lambda x, w, b: F.conv_transpose2d(x, w, b, 2, 1, 1, 2), activation="relu")
    conv_family_case("conv_transpose2d_dilation", "conv_transpose2d", [2, 4, 3], 3, (2, 3, 3, 3),
                     ["kernel: 3", "stride: [1, 2]", "padding: [2, 1]", "dilation: 2", "output_padding: [1, 0]"],
                     lambda x, w, b: F.conv_transpose2d(x, w, b, (1, 2), (2, 1), (1, 0), 1, 2), bias=False,
                     activation="tanh")
    conv_family_case("conv1d", "conv1d", [3, 8], 4, (4, 3, 3), ["kernel: 3"], lambda x, w, b: F.conv1d(x, w, b))
    conv_family_case("conv1d_stride_groups", "conv1d", [4, 9], 6, (6, 2, 3),
                     ["kernel: 3", "stride: 2", "padding: 1", "groups: 2"],
                     lambda x, w, b: F.conv1d(x, w, b, 2, 1, 1, 2), activation="gelu")
    conv_family_case("conv1d_causal_dilated", "conv1d", [2, 8], 3, (3, 2, 2), ["kernel: 2", "dilation: 4",
                     "padding: [4, 0]"], lambda x, w, b: F.conv1d(F.pad(x, (4, 0)), w, b, dilation=4),
                     activation="sigmoid")
    conv_family_case("conv1d_same", "conv1d", [2, 7], 2, (2, 2, 4), ["kernel: 4", "padding: same"],
                     lambda x, w, b: F.conv1d(x, w, b, padding="same"))
    conv_family_case("conv_transpose1d", "conv_transpose1d", [3, 5], 4, (3, 4, 3),
                     ["kernel: 3", "stride: 2", "padding: 1", "output_padding: 1", "groups: 1"],
                     lambda x, w, b: F.conv_transpose1d(x, w, b, 2, 1, 1), activation="tanh")
    conv_family_case("conv_transpose1d_dilation_groups", "conv_transpose1d", [4, 4], 2, (4, 1, 2),
                     ["kernel: 2", "dilation: 3", "groups: 2"],
                     lambda x, w, b: F.conv_transpose1d(x, w, b, 1, 0, 0, 2, 3))
    pool_case("maxpool1d", "maxpool1d", [3, 8], "kernel: 2", lambda x: F.max_pool1d(x, 2))
    pool_case("maxpool1d_ceil", "maxpool1d", [2, 8], "kernel: 3, stride: 2, padding: 1, ceil_mode: true",
              lambda x: F.max_pool1d(x, 3, 2, 1, ceil_mode=True))
    pool_case("avgpool1d", "avgpool1d", [2, 7], "kernel: 3, stride: 2, padding: 1, count_include_pad: false",
              lambda x: F.avg_pool1d(x, 3, 2, 1, count_include_pad=False))
    pool_case("avgpool1d_ceil", "avgpool1d", [2, 8], "kernel: 3, stride: 2, padding: 1, ceil_mode: true",
              lambda x: F.avg_pool1d(x, 3, 2, 1, ceil_mode=True))
    pool_case("maxpool2d_ceil", "maxpool2d", [2, 6, 7], "kernel: 3, stride: 2, ceil_mode: true",
              lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True))
    pool_case("avgpool2d_ceil", "avgpool2d", [2, 6, 7], "kernel: 3, stride: 2, padding: 1, ceil_mode: true",
              lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True))
    pool_case("avgpool2d_ceil_exclude", "avgpool2d", [2, 6, 7],
              "kernel: 3, stride: 2, ceil_mode: true, count_include_pad: false",
              lambda x: F.avg_pool2d(x, 3, 2, ceil_mode=True, count_include_pad=False))


# ---------------------------------------------------------------- resampling and more normalization


@case
def resampling_cases():
    def simple(name, shape, layer, forward, batch=2):
        op_case(name, layer, one_input(name, shape, batch=batch), {}, lambda x, p: forward(x["x"]))

    simple("upsample_nearest", [2, 3, 2], "upsample: 2", lambda x: F.interpolate(x, scale_factor=2))
    simple("upsample_nearest_fractional", [1, 4, 5], "upsample: 1.5", lambda x: F.interpolate(x, scale_factor=1.5),
           batch=3)
    simple("upsample_nearest_size", [2, 3, 2], "upsample: {size: [5, 7]}", lambda x: F.interpolate(x, size=(5, 7)))
    simple("upsample_bilinear", [2, 3, 4], "upsample: {scale_factor: 2, mode: bilinear}",
           lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False))
    simple("upsample_bilinear_size", [1, 3, 2], "upsample: {size: [4, 5], mode: bilinear}",
           lambda x: F.interpolate(x, size=(4, 5), mode="bilinear", align_corners=False))
    simple("upsample_bilinear_align_corners", [2, 3, 3], "upsample: {size: [5, 4], mode: bilinear, align_corners: true}",
           lambda x: F.interpolate(x, size=(5, 4), mode="bilinear", align_corners=True))
    simple("pad_constant", [2, 3, 4], "pad: [1, 2, 0, 1]", lambda x: F.pad(x, (1, 2, 0, 1)))
    simple("pad_constant_value_1d", [3, 4], "pad: {padding: [2, 1], value: 0.5}", lambda x: F.pad(x, (2, 1), value=0.5))
    simple("pad_reflect", [2, 3, 4], "pad: {padding: [3, 1, 2, 2], mode: reflect}",
           lambda x: F.pad(x, (3, 1, 2, 2), mode="reflect"))
    simple("pad_reflect_1d", [2, 5], "pad: {padding: [2, 4], mode: reflect}", lambda x: F.pad(x, (2, 4), mode="reflect"))
    simple("pad_replicate", [2, 2, 3], "pad: {padding: [2, 1, 1, 3], mode: replicate}",
           lambda x: F.pad(x, (2, 1, 1, 3), mode="replicate"))
    simple("pad_replicate_1d", [3, 2], "pad: {padding: [1, 3], mode: replicate}",
           lambda x: F.pad(x, (1, 3), mode="replicate"))
    simple("pixel_shuffle", [8, 2, 3], "pixel_shuffle: 2", lambda x: F.pixel_shuffle(x, 2))
    simple("pixel_shuffle_3", [9, 2, 1], "pixel_shuffle: 3", lambda x: F.pixel_shuffle(x, 3))
    simple("pixel_unshuffle", [2, 4, 6], "pixel_unshuffle: 2", lambda x: F.pixel_unshuffle(x, 2))


@case
def grouped_normalization_cases():
    def affine_params(name, channels):
        rng = rng_for(name + "/params")
        return {"layer.weight": uniform(rng, (channels,), 0.5, 1.5), "layer.bias": uniform(rng, (channels,), -0.5, 0.5)}

    for name, shape, groups, eps, affine in [
        ("group_norm", [6, 2, 3], 3, None, True), ("group_norm_one_group", [4, 5], 1, 1e-3, True),
        ("group_norm_no_affine", [4, 2, 2], 2, None, False), ("group_norm_features", [6], 3, 0.01, True),
    ]:
        params = affine_params(name, shape[0]) if affine else {}
        attributes = [f"groups: {groups}"] + ([f"eps: {eps}"] if eps else []) + ([] if affine else ["affine: false"])
        op_case(name, f"group_norm: {{{', '.join(attributes)}, name: layer}}", one_input(name, shape), params,
                lambda x, p, g=groups, e=eps, a=affine: F.group_norm(
                    x["x"], g, p["layer.weight"] if a else None, p["layer.bias"] if a else None, e or 1e-5))

    for name, shape, affine, eps in [
        ("instance_norm", [3, 4, 5], False, None), ("instance_norm_affine", [2, 3, 2], True, None),
        ("instance_norm_1d", [4, 6], True, 0.01),
    ]:
        params = affine_params(name, shape[0]) if affine else {}
        attributes = (["affine: true"] if affine else []) + ([f"eps: {eps}"] if eps else [])
        op_case(name, f"instance_norm: {{{', '.join(attributes + ['name: layer'])}}}", one_input(name, shape),
                params, lambda x, p, a=affine, e=eps: F.instance_norm(
                    x["x"], weight=p["layer.weight"] if a else None, bias=p["layer.bias"] if a else None,
                    eps=e or 1e-5),
                note="PyTorch's InstanceNorm defaults: no running statistics, affine only when asked")

    for name, shape, eps in [("rms_norm", [3, 5], None), ("rms_norm_eps", [6], 1e-6), ("rms_norm_wide", [2, 8], 0.1)]:
        d = shape[-1]
        params = {"layer.weight": uniform(rng_for(name + "/params"), (d,), 0.5, 1.5)}
        layer = f"rms_norm: {{eps: {eps}, name: layer}}" if eps else "rms_norm: {name: layer}"
        # eps=None is the input dtype's machine epsilon: float32's, as NetSpec computes in float32.
        op_case(name, layer, one_input(name, shape), params,
                lambda x, p, d=d, eps=eps: F.rms_norm(x["x"], (d,), p["layer.weight"],
                                                      eps or float(torch.finfo(torch.float32).eps)),
                note="without eps, float32's machine epsilon (PyTorch's eps=None on float32 inputs)")

    for name, shape, layer, axes in [
        ("layernorm_channels_first", [4, 3, 2], "axis: 1", [1]),
        ("layernorm_two_axes", [2, 3, 4], "axes: [-2, -1]", [2, 3]),
        ("layernorm_middle_axes", [3, 2, 4], "axes: [1, 2]", [1, 2]),
    ]:
        normalized = [shape[a - 1] for a in axes]
        rng = rng_for(name + "/params")
        params = {"layer.weight": uniform(rng, normalized, 0.5, 1.5), "layer.bias": uniform(rng, normalized, -0.5, 0.5)}

        def forward(x, p, axes=axes, normalized=normalized):
            rank = x["x"].dim()
            perm = [a for a in range(rank) if a not in axes] + axes
            inverse = [perm.index(a) for a in range(rank)]
            moved = x["x"].permute(*perm)
            return F.layer_norm(moved, normalized, p["layer.weight"], p["layer.bias"], 1e-5).permute(*inverse)

        op_case(name, f"layernorm: {{{layer}, name: layer}}", one_input(name, shape), params, forward,
                note="ConvNeXt's channels-first LayerNorm is the axis: 1 case")


# ---------------------------------------------------------------- tensors and indexing


@case
def tensor_cases():
    def simple(name, shape, layer, forward, batch=3):
        op_case(name, layer, one_input(name, shape, batch=batch), {}, lambda x, p: forward(x["x"]))

    simple("slice", [5, 2], "slice: {end: 3}", lambda x: x[:, :3])
    simple("slice_negative_start", [2, 5], "slice: {axis: -1, start: -4, step: 2}", lambda x: x[..., -4::2])
    simple("slice_axis2", [2, 4, 3], "slice: {axis: 2, start: 1, end: -1}", lambda x: x[:, :, 1:-1])
    simple("select", [3, 4], "select: 0", lambda x: x[:, 0])
    simple("select_negative", [2, 3, 2], "select: {axis: -2, index: -1}", lambda x: x[:, :, -1])
    simple("squeeze", [2, 1, 3], "squeeze: 2", lambda x: x.squeeze(2))
    simple("unsqueeze", [2, 3], "unsqueeze: -1", lambda x: x.unsqueeze(-1))
    simple("expand", [2, 1, 3], "expand: [-1, 4, 3]", lambda x: x.expand(-1, -1, 4, 3))
    merge_case("matmul", "matmul", [[2, 3], [3, 4]], "", lambda xs: xs[0] @ xs[1])
    merge_case("matmul_batched", "matmul", [[2, 3, 4], [2, 4, 2]], "", lambda xs: torch.matmul(xs[0], xs[1]))
    inputs = one_input("parameter", [4, 3])
    op_case("parameter", "parameter: {shape: [2, 3], name: layer}", inputs,
            params_for("parameter", {"layer.weight": (2, 3)}),
            lambda x, p: p["layer.weight"].expand(3, 2, 3) + 0 * x["x"].sum(),
            note="the input is read for its batch size only: its gradient is 0")
    op_case("constant", "constant: {shape: [2, 2], value: 1.5}", one_input("constant", [3]), {},
            lambda x, p: torch.full((3, 2, 2), 1.5, dtype=F64) + 0 * x["x"].sum(),
            note="torch.full; the input is read for its batch size only")


def rotate_half(x, base):
    """Hugging Face LLaMA's rotary embedding of x [N, H, T, d]."""
    steps, width = x.shape[-2], x.shape[-1]
    frequencies = base ** (-torch.arange(0, width, 2, dtype=F64) / width)
    angles = torch.arange(steps, dtype=F64)[:, None] * frequencies
    angles = torch.cat([angles, angles], -1)
    first, second = x[..., : width // 2], x[..., width // 2:]
    return x * angles.cos() + torch.cat([-second, first], -1) * angles.sin()


def masked_attention(p, prefix, x, heads, keep=None, causal=False, rotary=None):
    """Attention written out: projections, optional rotary embeddings, scores with
    masked keys at -inf (a fully masked query gets zero weights), softmax, output."""
    n, t, d = x.shape
    def project(name, y):
        return (y @ p[f"{prefix}.{name}.weight"].T + p[f"{prefix}.{name}.bias"]).view(n, t, heads, -1).transpose(1, 2)
    q, k, v = project("query", x), project("key", x), project("value", x)
    if rotary:
        q, k = rotate_half(q, rotary), rotate_half(k, rotary)
    allowed = torch.ones(n, 1, t, t, dtype=torch.bool)
    if keep is not None:
        allowed = allowed & (keep != 0)[:, None, None, :]
    if causal:
        allowed = allowed & torch.ones(t, t, dtype=torch.bool).tril()
    scores = (q @ k.transpose(-2, -1)) / (d // heads) ** 0.5
    weights = torch.softmax(scores.masked_fill(~allowed, float("-inf")), -1).nan_to_num(0.0)
    context = (weights @ v).transpose(1, 2).reshape(n, t, d)
    return context @ p[f"{prefix}.output.weight"].T + p[f"{prefix}.output.bias"]


def masked_attention_case(name, steps, width, heads, causal=False, mask=True, rotary=None):
    rng = rng_for(name)
    inputs = {"x": (uniform(rng, (2, steps, width)), False)}
    if mask:
        keep = (rng.uniform(size=(2, steps)) < 0.6).astype(np.float32)
        keep[0, :] = 0  # one sample fully masked: zero weights, not NaN
        keep[1, 0] = 1
        inputs["mask"] = (keep, False)
    shapes = {}
    for projection in ["query", "key", "value", "output"]:
        shapes[f"layer.{projection}.weight"] = (width, width)
        shapes[f"layer.{projection}.bias"] = (width,)
    attributes = [f"heads: {heads}"] + (["causal: true"] if causal else [])
    attributes += ["padding_mask: true", "from: [x, mask]"] if mask else []
    attributes += ["rotary: true"] + ([] if rotary == 10000 else [f"rotary_base: {rotary}"]) if rotary else []
    layer = f"attention: {{{', '.join(attributes)}, name: layer}}"

    def forward(x, p):
        y = masked_attention(p, "layer", x["x"], heads, x.get("mask"), causal, rotary)
        return y + 0 * x["mask"].sum() if mask else y

    op_case(name, layer, inputs, params_for(name, shapes), forward,
            note="sample 0 has every key masked: its weights are 0 (PyTorch's softmax gives NaN)" if mask else "")


@case
def attention_mask_cases():
    masked_attention_case("attention_padding_mask", 4, 6, 2)
    masked_attention_case("attention_padding_mask_causal", 5, 8, 4, causal=True)
    masked_attention_case("attention_rotary", 4, 8, 2, mask=False, rotary=10000)
    masked_attention_case("attention_rotary_masked_causal", 5, 8, 2, causal=True, rotary=500)
# ---------------------------------------------------------------- several outputs


def recurrent_shapes(prefix, kind, features, hidden, layers):
    gates = 4 if kind == "lstm" else 3
    shapes = {}
    for layer in range(layers):
        size = features if layer == 0 else hidden
        shapes[f"{prefix}.weight_ih_l{layer}"] = (gates * hidden, size)
        shapes[f"{prefix}.weight_hh_l{layer}"] = (gates * hidden, hidden)
        shapes[f"{prefix}.bias_ih_l{layer}"] = (gates * hidden,)
        shapes[f"{prefix}.bias_hh_l{layer}"] = (gates * hidden,)
    return shapes


def recurrence_with_states(kind, p, prefix, x, hidden, layers, initial=None):
    """torch.nn.LSTM or GRU on NetSpec's parameters from NetSpec's batch-first
    initial states ([N, H] for one layer, else [N, L, H]); returns the output
    and the final states in that layout."""
    cls = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
    module = cls(x.shape[-1], hidden, layers, batch_first=True, dtype=F64)
    weights = {k[len(prefix) + 1:]: v for k, v in p.items() if k.startswith(prefix + ".")}
    to_torch = lambda s: s.unsqueeze(0) if s.dim() == 2 else s.transpose(0, 1)
    args = (x,)
    if initial is not None:
        states = tuple(to_torch(s) for s in initial)
        args = (x, states if kind == "lstm" else states[0])
    y, final = torch.func.functional_call(module, weights, args)
    final = final if isinstance(final, tuple) else (final,)
    return y, tuple(s[0] if layers == 1 else s.transpose(0, 1) for s in final)


@case
def multi_output_cases():
    rng = rng_for("split_chunks")
    inputs = {"x": (uniform(rng, (3, 4, 5)), False)}

    def gated(x, p):
        if p is None:
            return {}
        a, b = torch.chunk(x["x"], 2, 1)
        return torch.tanh(a) * torch.sigmoid(b)

    model_case("split_chunks", inputs, [
        "split: {chunks: 2, name: gate}", "tanh: {from: gate.0, name: filter}",
        "sigmoid: {from: gate.1, name: mask}", "multiply: {from: [filter, mask]}",
    ], "mse", gated, uniform(rng, (3, 2, 5)), note="torch.chunk: a gated activation's two halves")

    rng = rng_for("split_sizes")
    inputs = {"x": (uniform(rng, (3, 7)), False)}

    def parts(x, p):
        if p is None:
            return params_for("split_sizes", {"a.weight": (2, 5), "a.bias": (2,)})
        first, second = torch.split(x["x"], [2, 5], -1)
        return torch.cat([first, F.linear(second, p["a.weight"], p["a.bias"])], -1)

    model_case("split_sizes", inputs, [
        "split: {sizes: [2, 5], axis: -1, name: parts}", "dense: {units: 2, from: parts.1, name: a}",
        "concat: {from: [parts.0, a], axis: -1}",
    ], "mse", parts, uniform(rng, (3, 4)), note="torch.split with sizes along the last axis")

    for kind, layers in [("lstm", 1), ("gru", 1), ("lstm", 2), ("gru", 2)]:
        name = f"{kind}_states" + ("_two_layers" if layers > 1 else "")
        rng = rng_for(name)
        inputs = {"src": (uniform(rng, (3, 4, 2)), False), "tgt": (uniform(rng, (3, 3, 2)), False)}
        states = ["enc.h", "enc.c"] if kind == "lstm" else ["enc.h"]
        final = ["dec.h", "dec.c"] if kind == "lstm" else ["dec.h"]
        width = 3 * 3 + len(final) * layers * 3

        def build(x, p, kind=kind, layers=layers, name=name):
            if p is None:
                shapes = recurrent_shapes("enc", kind, 2, 3, layers) | recurrent_shapes("dec", kind, 2, 3, layers)
                return params_for(name, shapes)
            _, initial = recurrence_with_states(kind, p, "enc", x["src"], 3, layers)
            y, last = recurrence_with_states(kind, p, "dec", x["tgt"], 3, layers, initial)
            return torch.cat([y.flatten(1)] + [s.flatten(1) for s in last], -1)

        model_case(name, inputs, [
            f"{kind}: {{hidden: 3, layers: {layers}, from: src, name: enc}}",
            f"{kind}: {{hidden: 3, layers: {layers}, from: [tgt, {', '.join(states)}], name: dec}}",
            "flatten: {from: dec, name: sequence}",
        ] + [f"flatten: {{from: {s}, name: final_{s[-1]}}}" for s in final] + [
            f"concat: {{from: [sequence, {', '.join(f'final_{s[-1]}' for s in final)}], axis: -1}}",
        ], "mse", build, uniform(rng, (3, width)),
            note="an encoder's final states start the decoder, whose output and final states are scored")


# ---------------------------------------------------------------- objectives


@case
def objective_cases():
    """`reduction: sum`, cross_entropy's class axis and ignore_index, and a
    two-term objective: mse on a head plus a weighted kl_divergence of
    (mu, logvar)."""
    def loss_case(name, loss, shape, target, forward, identity):
        op_case(name, identity, one_input(name, shape, batch=4), {},
                lambda x, p: (x["x"], target, forward(x["x"], t64(target))), loss=loss)

    rng = rng_for("objective_targets")
    loss_case("mse_loss_sum", "{mse: {reduction: sum}}", [3], uniform(rng, (4, 3)),
              lambda x, t: F.mse_loss(x, t, reduction="sum"), "reshape: [3]")
    loss_case("binary_cross_entropy_sum", "{binary_cross_entropy: {reduction: sum}}", [2],
              uniform(rng, (4, 2), 0, 1),
              lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="sum"), "reshape: [2]")
    pixels = rng.integers(0, 3, size=(4, 2, 2)).astype(np.float32)
    loss_case("cross_entropy_pixels_ignore", "{cross_entropy: {axis: 1, ignore_index: 1, label_smoothing: 0.1}}",
              [3, 2, 2], pixels,
              lambda x, t: F.cross_entropy(x, t.long(), ignore_index=1, label_smoothing=0.1), "reshape: [3, 2, 2]")
    steps = rng.integers(0, 4, size=(4, 5)).astype(np.float32)
    loss_case("cross_entropy_channels_first_sum", "{cross_entropy: {axis: 1, reduction: sum}}", [4, 5], steps,
              lambda x, t: F.cross_entropy(x, t.long(), reduction="sum"), "reshape: [4, 5]")

    name = "objective_mse_kl"
    inputs = one_input(name, [6], batch=4)
    params = params_for(name, {"mu.weight": (4, 6), "mu.bias": (4,), "logvar.weight": (4, 6), "logvar.bias": (4,),
                               "head.weight": (3, 4), "head.bias": (3,)})
    target = uniform(rng, (4, 3))
    x = t64(inputs["x"][0], grad=True)
    p = {k: t64(v, grad=True) for k, v in params.items()}
    mu = F.linear(x, p["mu.weight"], p["mu.bias"])
    logvar = F.linear(x, p["logvar.weight"], p["logvar.bias"])
    y = F.linear(mu, p["head.weight"], p["head.bias"])
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.shape[0]
    value = F.mse_loss(y, t64(target)) + 0.5 * kl
    value.backward()
    tensors = {"input.x": inputs["x"][0], "target": target, "output": f32(y), "loss": f32(value.reshape(1))}
    tensors.update({f"param.{k}": v for k, v in params.items()})
    tensors.update({f"grad.param.{k}": f32(v.grad) for k, v in p.items()})
    tensors["grad.input.x"] = f32(x.grad)
    layers = ["dense: {units: 4, name: mu}", "dense: {units: 4, name: logvar, from: x}",
              "dense: {units: 3, name: head, from: mu}"]
    spec = spec_text(name, inputs, layers,
                     "{loss: [{mse: {from: head}}, {kl_divergence: {from: [mu, logvar], weight: 0.5}}], "
                     "optimizer: sgd}").replace("train:", "outputs: [head, logvar]\ntrain:")
    write(name, spec, "model", 4, tensors)


@case
def elementwise_cases():
    """Broadcasting arithmetic, scalar forms, reductions, unary math and the
    Gaussian sample (in evaluation mode: NetSpec draws eps from its own
    generator, so a training-mode sample cannot match torch.randn_like)."""
    merge_case("add_broadcast", "add", [[2, 3], [2, 1]], "", lambda xs: xs[0] + xs[1])
    merge_case("subtract_broadcast", "subtract", [[1, 4], [3, 1]], "", lambda xs: xs[0] - xs[1])
    merge_case("multiply_squeeze_excitation", "multiply", [[3, 2, 2], [3, 1, 1]], "", lambda xs: xs[0] * xs[1])
    rng = rng_for("divide_broadcast")
    b = uniform(rng, (3, 1, 3))
    inputs = {"a": (uniform(rng, (3, 2, 3)), False), "b": (np.sign(b) * (np.abs(b) + np.float32(0.5)), False)}
    op_case("divide_broadcast", "divide: {from: [a, b], name: layer}", inputs, {}, lambda x, p: x["a"] / x["b"],
            note="the divisor is kept away from 0")

    def simple(name, shape, layer, forward, positive=False):
        inputs = one_input(name, shape)
        if positive:
            inputs = {k: (np.abs(v) + np.float32(0.2), ids) for k, (v, ids) in inputs.items()}
        op_case(name, layer, inputs, {}, lambda x, p: forward(x["x"]))

    simple("add_scalar", [2, 3], "add: 1.5", lambda x: x + 1.5)
    simple("subtract_scalar", [2, 3], "subtract: {scalar: 2}", lambda x: x - 2)
    simple("multiply_scalar", [2, 3], "multiply: 0.5", lambda x: x * 0.5)
    simple("divide_scalar", [2, 3], "divide: 4", lambda x: x / 4)
    simple("sum_axes", [3, 2, 2], "sum: [2, 3]", lambda x: x.sum(dim=(2, 3)))
    simple("mean_keepdims", [3, 4], "mean: {axes: -1, keepdims: true}", lambda x: x.mean(dim=-1, keepdim=True))
    simple("max_axis", [3, 4], "max: 1", lambda x: x.max(dim=1).values)
    simple("exp", [3, 4], "exp", torch.exp)
    simple("log", [3, 4], "log", torch.log, positive=True)
    simple("sqrt", [3, 4], "sqrt", torch.sqrt, positive=True)
    simple("square", [3, 4], "square", torch.square)
    simple("neg", [3, 4], "neg", torch.neg)
    simple("abs", [3, 4], "abs", torch.abs)
    rng = rng_for("gaussian_sample_eval")
    inputs = {k: (uniform(rng, (3, 4)), False) for k in ["mu", "logvar"]}
    op_case("gaussian_sample_eval", "gaussian_sample: {from: [mu, logvar], name: layer}", inputs, {},
            lambda x, p: x["mu"] + 0 * x["logvar"], training=False,
            note="evaluation mode: the mean mu; training samples draw eps from NetSpec's own generator, "
            "so they cannot match PyTorch's torch.randn_like")

# ---------------------------------------------------------------- WaveNet and multi-task examples


def example_case(name, file, overrides, dims, inputs, target, params, forward, loss, note):
    """A reduced example spec from Examples/ (its text without `data:`, with `set`
    overrides and `dims`): forward(x, p) -> (prediction, loss) in float64."""
    text = (pathlib.Path(__file__).resolve().parents[2] / "Examples" / file).read_text()
    start = text.index("\ndata:\n")
    text = text[:start + 1] + text[text.index("\nexpect:", start) + 1:]
    x = {k: t64(v, grad=not ids) for k, (v, ids) in inputs.items()}
    p = {k: t64(v, grad=True) for k, v in params.items()}
    y, value = forward(x, p)
    value.backward()
    tensors = {f"input.{k}": v for k, (v, _) in inputs.items()}
    tensors.update({f"param.{k}": v for k, v in params.items()})
    tensors.update(target=target, output=f32(y), loss=f32(value.reshape(1)))
    tensors.update({f"grad.input.{k}": f32(v.grad) for k, v in x.items() if v.requires_grad})
    tensors.update({f"grad.param.{k}": f32(v.grad) for k, v in p.items()})
    batch = next(iter(inputs.values()))[0].shape[0]
    metadata = {"spec": text, "kind": "model", "batch": str(batch), "training": "true", "steps": "0",
                "note": note, "set": ",".join(overrides), "dims": ",".join(f"{k}={v}" for k, v in dims.items())}
    save_safetensors(OUT / f"{name}.safetensors", tensors, metadata)


@case
def wavenet_cases():
    """Examples/wavenet.yaml and Examples/multitask.yaml at their reduced sizes."""
    classes, r, g, k, steps = 16, 4, 4, 8, 6
    rng = rng_for("example_wavenet")
    inputs = {"samples": (rng.integers(0, classes, size=(2, steps)).astype(np.float32), True)}
    target = rng.integers(0, classes, size=(2, steps)).astype(np.float32)
    shapes = {"embed.weight": (classes, r)}
    for i in range(29):
        shapes.update({f"stack.{i}.unit.conv.weight": (2 * g, r, 2), f"stack.{i}.unit.conv.bias": (2 * g,),
                       f"stack.{i}.skip.weight": (k, g, 1), f"stack.{i}.skip.bias": (k,),
                       f"stack.{i}.res.weight": (r, g, 1), f"stack.{i}.res.bias": (r,)})
    shapes.update({"last.conv.weight": (2 * g, r, 2), "last.conv.bias": (2 * g,), "last_skip.weight": (k, g, 1),
                   "last_skip.bias": (k,), "hidden.weight": (k, k, 1), "hidden.bias": (k,),
                   "logits.weight": (classes, k, 1), "logits.bias": (classes,)})
    params = params_for("example_wavenet", shapes)

    def gated(p, prefix, h, dilation):
        a, b = F.conv1d(F.pad(h, (dilation, 0)), p[f"{prefix}.weight"], p[f"{prefix}.bias"],
                        dilation=dilation).chunk(2, 1)
        return torch.tanh(a) * torch.sigmoid(b)

    def wavenet(x, p):
        h = F.embedding(x["samples"].long(), p["embed.weight"]).transpose(1, 2)
        skips = []
        for i in range(29):
            z = gated(p, f"stack.{i}.unit.conv", h, 2 ** (i % 10))
            skips.append(F.conv1d(z, p[f"stack.{i}.skip.weight"], p[f"stack.{i}.skip.bias"]))
            h = F.conv1d(z, p[f"stack.{i}.res.weight"], p[f"stack.{i}.res.bias"]) + h
        z = gated(p, "last.conv", h, 2 ** (29 % 10))
        s = F.relu(sum(skips) + F.conv1d(z, p["last_skip.weight"], p["last_skip.bias"]))
        s = F.relu(F.conv1d(s, p["hidden.weight"], p["hidden.bias"]))
        y = F.conv1d(s, p["logits.weight"], p["logits.bias"])
        return y, F.cross_entropy(y, t64(target).long())

    example_case("example_wavenet", "wavenet.yaml", ["classes=16", "residual=4", "gate=4", "skip=8", f"length={steps}"], {},
                 inputs, target, params, wavenet, "cross_entropy",
                 "the 30-layer causal stack: dilations 1..512 pad left only, so most taps read zeros at length 6")

    rng = rng_for("example_multitask")
    hidden, features = 16, 8
    inputs = {"pixels": (uniform(rng, (4, 64), 0, 1), False)}
    target = rng.integers(0, 10, size=(4,)).astype(np.float32)
    params = params_for("example_multitask", {
        "trunk1.weight": (hidden, 64), "trunk1.bias": (hidden,), "features.weight": (features, hidden),
        "features.bias": (features,), "logits.weight": (10, features), "logits.bias": (10,),
        "reconstruction.weight": (64, features), "reconstruction.bias": (64,)})

    def multitask(x, p):
        h = F.relu(F.linear(x["pixels"], p["trunk1.weight"], p["trunk1.bias"]))
        h = F.relu(F.linear(h, p["features.weight"], p["features.bias"]))
        logits = F.linear(h, p["logits.weight"], p["logits.bias"])
        pixels = F.linear(h, p["reconstruction.weight"], p["reconstruction.bias"])
        return logits, F.cross_entropy(logits, t64(target).long()) + 0.5 * F.mse_loss(pixels, x["pixels"].detach())

    example_case("example_multitask", "multitask.yaml", ["hidden=16", "features=8"], {}, inputs, target, params,
                 multitask, "cross_entropy + mse",
                 "two heads; the input is also the pixel head's target, which (as a target) gets no gradient")


@case
def drop_path_cases():
    """Stochastic depth (torchvision's stochastic_depth, mode "row", written here
    in plain torch since torchvision is not a dependency) where its outcome is
    fixed: evaluation mode, rate 0 while training, and rate 1 while training
    (every sample dropped); other rates draw NetSpec's own masks."""
    def stochastic_depth_row(x, p, training):
        if not training or p == 0.0:
            return x
        keep = 1.0 - p
        mask = torch.full([x.shape[0]] + [1] * (x.dim() - 1), keep, dtype=x.dtype).bernoulli()
        return x * (mask / keep if keep > 0.0 else mask)

    def simple(name, shape, rate, training):
        op_case(name, f"drop_path: {rate}", one_input(name, shape), {},
                lambda x, p: stochastic_depth_row(x["x"], rate, training), training=training,
                note="training masks come from NetSpec's own generator; only fixed outcomes are compared")

    simple("drop_path_eval", [2, 3, 3], 0.3, False)
    simple("drop_path_rate_zero", [3, 4], 0.0, True)
    simple("drop_path_rate_one", [2, 2, 3], 1.0, True)


@case
def rotary_cases():
    """The rotary op alone: heads side by side in [N, T, heads*d], and split heads [N, H, T, d]."""
    def side_by_side(x, heads, base):
        n, t, f = x.shape
        return rotate_half(x.view(n, t, heads, f // heads).transpose(1, 2), base).transpose(1, 2).reshape(n, t, f)

    inputs = one_input("rotary_heads", [4, 8], batch=2)
    op_case("rotary_heads", "rotary: {heads: 2, name: layer}", inputs, {},
            lambda x, p: side_by_side(x["x"], 2, 10000.0))
    inputs = one_input("rotary_split_heads", [3, 4, 6], batch=2)
    op_case("rotary_split_heads", "rotary: {base: 500, name: layer}", inputs, {},
            lambda x, p: rotate_half(x["x"], 500.0))


# ---------------------------------------------------------------- bidirectional recurrence and seq2seq


def bidirectional_shapes(prefix, kind, features, hidden, layers):
    """PyTorch's parameters of a bidirectional stack: `weight_ih_l0`, ...,
    `weight_ih_l0_reverse`, ...; layers above the first read 2 * hidden features."""
    gates = 4 if kind == "lstm" else 3
    shapes = {}
    for layer in range(layers):
        size = features if layer == 0 else 2 * hidden
        for suffix in ["", "_reverse"]:
            shapes[f"{prefix}.weight_ih_l{layer}{suffix}"] = (gates * hidden, size)
            shapes[f"{prefix}.weight_hh_l{layer}{suffix}"] = (gates * hidden, hidden)
            shapes[f"{prefix}.bias_ih_l{layer}{suffix}"] = (gates * hidden,)
            shapes[f"{prefix}.bias_hh_l{layer}{suffix}"] = (gates * hidden,)
    return shapes


def bidirectional_recurrence(kind, p, prefix, x, hidden, layers, initial=None):
    """torch.nn.LSTM or GRU(bidirectional=True, batch_first=True) on NetSpec's
    parameters from NetSpec's batch-first initial states ([N, 2L, H], PyTorch's
    h_0 transposed); returns the output [N, T, 2H] and the final states [N, 2L, H]."""
    cls = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
    module = cls(x.shape[-1], hidden, layers, batch_first=True, bidirectional=True, dtype=F64)
    weights = {k[len(prefix) + 1:]: v for k, v in p.items() if k.startswith(prefix + ".")}
    args = (x,)
    if initial is not None:
        states = tuple(s.transpose(0, 1) for s in initial)
        args = (x, states if kind == "lstm" else states[0])
    y, final = torch.func.functional_call(module, weights, args)
    final = final if isinstance(final, tuple) else (final,)
    return y, tuple(s.transpose(0, 1) for s in final)


@case
def bidirectional_cases():
    """bidirectional lstm and gru: output, last step, two layers (the upper one
    reading both directions), and initial and final states [N, 2L, H]."""
    for kind in ["lstm", "gru"]:
        for name, steps, layers, returns in [
            (f"{kind}_bidirectional", 4, 1, "sequences"),
            (f"{kind}_bidirectional_two_layers_last", 3, 2, "last"),
        ]:
            rng = rng_for(name)
            inputs = {"x": (uniform(rng, (3, steps, 2)), False)}
            attributes = ["hidden: 3", "bidirectional: true"] + ([f"layers: {layers}"] if layers > 1 else [])
            attributes += ["returns: last"] if returns == "last" else []

            def forward(x, p, kind=kind, layers=layers, returns=returns):
                y, _ = bidirectional_recurrence(kind, p, "layer", x["x"], 3, layers)
                return y if returns == "sequences" else y[:, -1]

            op_case(name, f"{kind}: {{{', '.join(attributes)}, name: layer}}", inputs,
                    params_for(name, bidirectional_shapes("layer", kind, 2, 3, layers)), forward,
                    note="PyTorch's output[:, -1] for returns: last (the reverse half after one step)")

    for kind, layers in [("lstm", 1), ("gru", 2)]:
        name = f"{kind}_bidirectional_states" + ("_two_layers" if layers > 1 else "")
        rng = rng_for(name)
        inputs = {"src": (uniform(rng, (3, 4, 2)), False), "tgt": (uniform(rng, (3, 3, 2)), False)}
        states = ["enc.h", "enc.c"] if kind == "lstm" else ["enc.h"]
        final = ["dec.h", "dec.c"] if kind == "lstm" else ["dec.h"]
        width = 3 * 6 + len(final) * 2 * layers * 3

        def build(x, p, kind=kind, layers=layers, name=name):
            if p is None:
                shapes = bidirectional_shapes("enc", kind, 2, 3, layers) | bidirectional_shapes("dec", kind, 2, 3, layers)
                return params_for(name, shapes)
            _, initial = bidirectional_recurrence(kind, p, "enc", x["src"], 3, layers)
            y, last = bidirectional_recurrence(kind, p, "dec", x["tgt"], 3, layers, initial)
            return torch.cat([y.flatten(1)] + [s.flatten(1) for s in last], -1)

        attributes = f"hidden: 3, layers: {layers}, bidirectional: true"
        model_case(name, inputs, [
            f"{kind}: {{{attributes}, from: src, name: enc}}",
            f"{kind}: {{{attributes}, from: [tgt, {', '.join(states)}], name: dec}}",
            "flatten: {from: dec, name: sequence}",
        ] + [f"flatten: {{from: {s}, name: final_{s[-1]}}}" for s in final] + [
            f"concat: {{from: [sequence, {', '.join(f'final_{s[-1]}' for s in final)}], axis: -1}}",
        ], "mse", build, uniform(rng, (3, width)),
            note="final states [N, 2L, H] in PyTorch's order (l0, l0_reverse, l1, ...) start a second stack")


@case
def seq2seq_cases():
    """The reduced Examples/seq2seq_reverse.yaml: embeddings, an LSTM encoder
    whose final (h, c) start an LSTM decoder reading the shifted target, and
    per-token cross-entropy."""
    vocab, dim, hidden, batch, steps = 5, 4, 6, 3, 4
    rng = rng_for("model_seq2seq")
    digits = rng.integers(0, vocab, size=(batch, steps))
    target = digits[:, ::-1].copy()
    previous = np.concatenate([np.full((batch, 1), vocab), target[:, :-1]], 1)
    inputs = {"digits": (digits.astype(np.float32), True), "previous": (previous.astype(np.float32), True)}

    def seq2seq(x, p):
        if p is None:
            shapes = {"source_embedding.weight": (vocab, dim), "target_embedding.weight": (vocab + 1, dim),
                      "logits.weight": (vocab, hidden), "logits.bias": (vocab,)}
            shapes |= recurrent_shapes("encoder", "lstm", dim, hidden, 1)
            shapes |= recurrent_shapes("decoder", "lstm", dim, hidden, 1)
            return params_for("model_seq2seq", shapes)
        source = F.embedding(x["digits"].long(), p["source_embedding.weight"])
        _, state = recurrence_with_states("lstm", p, "encoder", source, hidden, 1)
        shifted = F.embedding(x["previous"].long(), p["target_embedding.weight"])
        y, _ = recurrence_with_states("lstm", p, "decoder", shifted, hidden, 1, state)
        return F.linear(y, p["logits.weight"], p["logits.bias"])

    model_case("model_seq2seq", inputs, [
        f"embedding: {{vocab: {vocab}, dim: {dim}, from: digits, name: source_embedding}}",
        f"lstm: {{hidden: {hidden}, returns: last, name: encoder}}",
        f"embedding: {{vocab: {vocab + 1}, dim: {dim}, from: previous, name: target_embedding}}",
        f"lstm: {{hidden: {hidden}, from: [target_embedding, encoder.h, encoder.c], name: decoder}}",
        f"dense: {{units: {vocab}, name: logits}}",
    ], "cross_entropy", seq2seq, target.astype(np.float32),
        note="Examples/seq2seq_reverse.yaml reduced: teacher forcing on the reversed digits")


@case
def vae_cases():
    """Examples/vae_mnist.yaml reduced (16 pixels, hidden 8, latent 4): the encoder's two
    heads, the Gaussian sample in evaluation mode (the mean mu: NetSpec draws eps from its
    own generator, so a training sample cannot match torch.randn_like), the decoder's
    logits, and the two-term objective: binary cross-entropy against the input itself,
    weighted by the pixel count, plus the KL term of (mu, logvar)."""
    name = "vae_reduced"
    pixels, hidden, latent, batch = 16, 8, 4, 4
    rng = rng_for(name)
    inputs = {"image": (uniform(rng, (batch, pixels), 0, 1), False)}
    params = params_for(name, {"fc1.weight": (hidden, pixels), "fc1.bias": (hidden,), "mu.weight": (latent, hidden),
                               "mu.bias": (latent,), "logvar.weight": (latent, hidden), "logvar.bias": (latent,),
                               "fc3.weight": (hidden, latent), "fc3.bias": (hidden,),
                               "logits.weight": (pixels, hidden), "logits.bias": (pixels,)})
    x = t64(inputs["image"][0], grad=True)
    p = {k: t64(v, grad=True) for k, v in params.items()}
    h = F.relu(F.linear(x, p["fc1.weight"], p["fc1.bias"]))
    mu = F.linear(h, p["mu.weight"], p["mu.bias"])
    logvar = F.linear(h, p["logvar.weight"], p["logvar.bias"])
    z = mu
    y = F.linear(F.relu(F.linear(z, p["fc3.weight"], p["fc3.bias"])), p["logits.weight"], p["logits.bias"])
    reconstruction = F.binary_cross_entropy_with_logits(y, x.detach())
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / batch
    value = pixels * reconstruction + kl
    value.backward()
    tensors = {"input.image": inputs["image"][0], "output": f32(y), "loss": f32(value.reshape(1))}
    tensors.update({f"param.{k}": v for k, v in params.items()})
    tensors.update({f"grad.param.{k}": f32(v.grad) for k, v in p.items()})
    tensors["grad.input.image"] = f32(x.grad)
    layers = ["dense: {units: 8, activation: relu, name: fc1}", "dense: {units: 4, name: mu}",
              "dense: {units: 4, from: fc1, name: logvar}", "gaussian_sample: {from: [mu, logvar], name: z}",
              "dense: {units: 8, activation: relu, name: fc3}", "dense: {units: 16, name: logits}"]
    spec = spec_text(name, inputs, layers,
                     "{loss: [{binary_cross_entropy: {from: logits, target: image, weight: 16, name: reconstruction}}, "
                     "{kl_divergence: {from: [mu, logvar], name: kl}}], optimizer: adam}")
    write(name, spec, "model", batch, tensors, training=False,
          note="evaluation mode: the sample is the mean mu; a loss target gets no gradient (as PyTorch's VAE "
          "example's data), so the input's gradient is the encoder's")


def main():
    warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    torch.manual_seed(0)
    for build in CASES:
        build()
    files = sorted(OUT.glob("*.safetensors"))
    total = sum(f.stat().st_size for f in files)
    print(f"wrote {len(files)} fixtures, {total / 1024:.0f} KiB, to {OUT}")


if __name__ == "__main__":
    main()
