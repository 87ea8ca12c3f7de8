"""The PyTorch and onnxruntime side of SpeedBench (main.swift beside this file).

Usage: python reference.py CONFIG.json THREADS          # serve requests
       python reference.py CONFIG.json THREADS rss MODEL STEPS

CONFIG.json (written by SpeedBench) lists the models: the `netspec export --format
pytorch` project directory (model.py, train.py, init.safetensors), the `netspec export
--format onnx` file, and the batch as raw float32 files (inputs, labels). Both
frameworks start from NetSpec's initial weights and use THREADS threads
(torch.set_num_threads, ORT's intra_op_num_threads; SpeedBench also sets
OMP_NUM_THREADS).

Serving: first prints `ready torch=VERSION|missing ort=VERSION|missing numpy=VERSION|missing`,
then answers each request line `MODEL KIND STEPS WARMUP` with one line:
`SECONDS_PER_STEP FIRST_LOSS` (torch_train), `SECONDS_PER_PASS` (torch_infer, ort_infer
at the full batch, ort_latency at batch 1), `missing PACKAGE is not installed` when a
package the kind needs is not installed (SpeedBench notes it and goes on), or
`failed REASON` when the measurement raised (SpeedBench exits with status 1 at its end).
The rss form trains MODEL for STEPS steps in this fresh process and prints its `VmHWM`
line (`VmHWM: unknown` when a package is missing).
"""

import importlib.util
import json
import pathlib
import sys
import time

try:
    import numpy as np
    numpy_version = np.__version__
except ImportError:
    np, numpy_version = None, "missing"

config = json.loads(pathlib.Path(sys.argv[1]).read_text())
threads = int(sys.argv[2])
batch = config["batch"]

try:
    import torch
    torch.set_num_threads(threads)
    torch_version = torch.__version__
except ImportError:
    torch, torch_version = None, "missing"
try:
    import onnxruntime as ort
    ort_version = ort.__version__
except ImportError:
    ort, ort_version = None, "missing"
try:
    import safetensors.torch
except ImportError:
    safetensors = None


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class Case:
    """One model: its batch, and lazily its PyTorch project and ORT sessions."""

    def __init__(self, entry):
        self.entry = entry
        shape = [batch] + entry["input_shape"]
        self.inputs = np.fromfile(entry["inputs"], dtype=np.float32).reshape(shape)
        self.labels = np.fromfile(entry["labels"], dtype=np.float32)
        self.project = None
        self.sessions = None

    def torch_project(self):
        """The exported train.py (which imports the exported model.py as `model`)."""
        if self.project is None:
            folder = pathlib.Path(self.entry["pytorch"])
            load_module("model", folder / "model.py")
            self.project = load_module("train_" + self.entry["name"], folder / "train.py")
        return self.project

    def network(self):
        project = self.torch_project()
        network = project.Model()
        initial = pathlib.Path(self.entry["pytorch"]) / "init.safetensors"
        network.load_state_dict(safetensors.torch.load_file(str(initial)))
        return project, network

    def session(self):
        if self.sessions is None:
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            self.sessions = ort.InferenceSession(self.entry["onnx"], options, providers=["CPUExecutionProvider"])
        return self.sessions


def timed(steps, body):
    start = time.perf_counter()
    for _ in range(steps):
        body()
    return (time.perf_counter() - start) / steps


def torch_train(case, steps, warmup):
    project, network = case.network()
    network.train()
    optimizer = project.make_optimizer(network)
    rate = project.OPTIMIZER["lr"]
    x, target = torch.from_numpy(case.inputs), torch.from_numpy(case.labels)
    losses = []

    def step():
        value = project.training_step(network, optimizer, [x], target, rate)[0]
        if not losses:
            losses.append(float(value))

    for _ in range(warmup):
        step()
    return "%.9g %.9g" % (timed(steps, step), losses[0])


def torch_infer(case, steps, warmup):
    _, network = case.network()
    network.eval()
    x = torch.from_numpy(case.inputs)
    with torch.inference_mode():
        for _ in range(warmup):
            network(x)
        return "%.9g" % timed(steps, lambda: network(x))


def ort_infer(case, steps, warmup, rows):
    session = case.session()
    feed = {session.get_inputs()[0].name: np.ascontiguousarray(case.inputs[:rows])}
    for _ in range(warmup):
        session.run(None, feed)
    return "%.9g" % timed(steps, lambda: session.run(None, feed))


def missing(kind):
    """The first package KIND needs that is not installed, or None."""
    needed = [("numpy", np)]
    if kind.startswith("torch"):
        needed += [("torch", torch), ("safetensors", safetensors)]
    if kind.startswith("ort"):
        needed.append(("onnxruntime", ort))
    return next((name for name, module in needed if module is None), None)


def answer(case, kind, steps, warmup):
    if missing(kind):
        return "missing %s is not installed" % missing(kind)
    if kind == "torch_train":
        return torch_train(case, steps, warmup)
    if kind == "torch_infer":
        return torch_infer(case, steps, warmup)
    if kind == "ort_infer":
        return ort_infer(case, steps, warmup, batch)
    if kind == "ort_latency":
        return ort_infer(case, steps, warmup, 1)
    return "failed unknown kind " + kind


def main():
    if len(sys.argv) == 6 and sys.argv[3] == "rss":
        if missing("torch_train"):
            print("%s missing\nVmHWM: unknown" % missing("torch_train"), flush=True)
            return
        cases = {entry["name"]: Case(entry) for entry in config["models"]}
        print(torch_train(cases[sys.argv[4]], int(sys.argv[5]), 1))
        status = pathlib.Path("/proc/self/status").read_text().splitlines()
        print(next((line for line in status if line.startswith("VmHWM:")), "VmHWM: unknown"), flush=True)
        return
    print("ready torch=%s ort=%s numpy=%s" % (torch_version, ort_version, numpy_version), flush=True)
    cases = {entry["name"]: Case(entry) for entry in config["models"]} if np is not None else {}
    for line in sys.stdin:
        words = line.split()
        try:
            reply = answer(cases.get(words[0]), words[1], int(words[2]), int(words[3]))
        except Exception as error:  # report, keep serving the other cases
            reply = "failed " + (type(error).__name__ + ": " + str(error)).replace("\n", " ")[:300]
        print(reply, flush=True)


main()
