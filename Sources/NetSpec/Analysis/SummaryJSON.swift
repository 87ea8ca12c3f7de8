import NetSpecDiagnostics

extension ModelSummary {
  /// The summary as JSON (`netspec summary --format json`), with a stable schema.
  ///
  /// ## Schema, version 1
  ///
  /// An object whose keys are always present (absent values are `null`):
  ///
  /// | key        | type             | meaning                                                  |
  /// |------------|------------------|----------------------------------------------------------|
  /// | `version`  | integer          | `1`; changes only when a key is removed or changes meaning |
  /// | `name`     | string or null   | the spec's `name:`                                       |
  /// | `bindings` | object           | symbol -> integer value used (`{"N": 8}`)               |
  /// | `inputs`   | array of Tensor  | model inputs, in declaration order                       |
  /// | `targets`  | array of Tensor  | loss targets (empty without `train.loss`)                |
  /// | `layers`   | array of Layer   | every graph node in order; the loss node last            |
  /// | `loss_terms` | array of LossTerm | the terms of `train.loss` in order (empty without one)  |
  /// | `totals`   | Totals           | counts over the whole model                              |
  /// | `memory`   | Memory           | bytes by category at the bindings                        |
  ///
  /// - *Tensor*: `name` (string), `dtype` (`"float32"` or `"int32"`), `shape`
  ///   (array of integers at the bindings), `shape_symbolic` (string, `"[N, 1, 28, 28]"`).
  /// - *Layer*: `name` (dot-qualified node name), `op` (op name), `output_shape`
  ///   (array of integers), `output_shape_symbolic` (string), `params` (elements of
  ///   the parameters the layer owns), `tied_params` (elements it shares with an
  ///   earlier layer, counted there), `buffers` (elements), `trainable` (bool),
  ///   `flops` (integer at the bindings), `flops_symbolic` (string, `"4704*N"`),
  ///   `loss` (bool), `outputs` (array of Tensor: every output by name when the
  ///   layer has several, such as `enc.h` or `gate.1`; else empty).
  /// - *LossTerm*: `name` (the metrics' `train_loss_<name>`), `layer` (its loss
  ///   layer), `weight` (number).
  /// - *Totals*: `params`, `trainable_params`, `frozen_params`, `buffers` (all
  ///   element counts, shared parameters once), `flops` (forward, excluding the
  ///   loss), `loss_flops` (integer or null).
  /// - *Memory*: `optimizer` (`{"name": "adam", "slots": 2}` or null), and bytes:
  ///   `parameters`, `buffers`, `gradients`, `optimizer_state`,
  ///   `forward_activations`, `activations` (2 x forward), `inputs`, `training`,
  ///   `inference` (see ``MemoryEstimate`` for the formulas).
  public var json: JSONValue {
    .object([
      "version": .int(1),
      "name": .nullable(name),
      "bindings": .object(bindings.mapValues { .int($0) }),
      "inputs": .array(inputs.map(\.json)),
      "targets": .array(targets.map(\.json)),
      "layers": .array(layers.map(\.json)),
      "loss_terms": .array(
        lossTerms.map { .object(["name": .string($0.name), "layer": .string($0.layer), "weight": .double($0.weight)]) }
      ),
      "totals": .object([
        "params": .int(parameters),
        "trainable_params": .int(trainableParameters),
        "frozen_params": .int(frozenParameters),
        "buffers": .int(buffers),
        "flops": .int(flops),
        "loss_flops": lossFLOPs.map { .int($0) } ?? .null,
      ]),
      "memory": memory.json,
    ])
  }
}

extension ModelSummary.Tensor {
  var json: JSONValue {
    .object([
      "name": .string(name),
      "dtype": .string(dtype.rawValue),
      "shape": .array(sizes.map { .int($0) }),
      "shape_symbolic": .string(shape.shapeDescription),
    ])
  }
}

extension ModelSummary.Layer {
  var json: JSONValue {
    .object([
      "name": .string(name),
      "op": .string(op),
      "output_shape": .array(outputSizes.map { .int($0) }),
      "output_shape_symbolic": .string(outputShape.shapeDescription),
      "params": .int(parameters),
      "tied_params": .int(tiedParameters),
      "buffers": .int(buffers),
      "trainable": .bool(trainable),
      "flops": .int(flops),
      "flops_symbolic": .string(symbolicFLOPs.description),
      "loss": .bool(isLoss),
      "outputs": .array(outputs.map(\.json)),
    ])
  }
}

extension MemoryEstimate {
  var json: JSONValue {
    .object([
      "optimizer": optimizer.map { .object(["name": .string($0.name), "slots": .int($0.slots)]) } ?? .null,
      "parameters": .int(parameters),
      "buffers": .int(buffers),
      "gradients": .int(gradients),
      "optimizer_state": .int(optimizerState),
      "forward_activations": .int(forwardActivations),
      "activations": .int(activations),
      "inputs": .int(inputs),
      "training": .int(training),
      "inference": .int(inference),
    ])
  }
}
