import NetSpecKernels

/// The arithmetic merge ops (`add`, `subtract`, `multiply`, `divide`): `a op b`
/// folded left over their inputs with NumPy broadcasting
/// (``ShapeRules/broadcast(_:)``), or `x op scalar` for one input and a
/// `scalar` attribute. Their kernels are ``BroadcastKernels``: inputs of the
/// output's shape take its plain loops, a broadcast input its strided runs,
/// and its gradient is summed over the axes it is broadcast along.
protocol ElementwiseArithmetic: EmittableOperator {
  /// What the op computes of two values.
  static var operation: BinaryOperation { get }
  /// The right-hand operand of a one-input application (`multiply: 0.5`).
  var scalar: Double? { get }
}

extension ElementwiseArithmetic {
  /// The `scalar` attribute of every arithmetic merge (its primary attribute).
  static func scalarAttribute(_ op: String, _ meaning: String) -> AttributeSpec {
    .optional(
      "scalar", .float(-1e30...1e30),
      "a number to \(meaning) a single input (then the op takes one input, e.g. `\(op): 0.5`)")
  }

  /// The output type: the broadcast of the inputs, or the single input with a
  /// `scalar`; the input count is checked against the scalar's presence.
  func inferArithmetic(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let name = Self.schema.name
    if scalar != nil {
      guard inputs.count == 1 else {
        throw ShapeError(
          .wrongInputCount, "`\(name)` with a `scalar` takes one input, got \(inputs.count)", attribute: "scalar",
          help: "remove `scalar` to \(name) the inputs together, or give one input in `from:`")
      }
      try ShapeRules.requireFloat(inputs[0])
      return Inference(outputs: [inputs[0]], flops: ShapeRules.flops(inputs[0], perElement: 1))
    }
    guard inputs.count >= 2 else {
      throw ShapeError(
        .wrongInputCount, "`\(name)` needs two inputs, or one and a `scalar`",
        help: "list the inputs in `from:` (`from: [a, b]`), or give a number: `\(name): {scalar: 2}`")
    }
    let output = try ShapeRules.broadcast(inputs)
    return Inference(outputs: [output], flops: ShapeRules.flops(output, perElement: inputs.count - 1))
  }

  /// The geometry of `left op right` (per-sample shapes) over the output.
  static func geometry(_ shapes: OpShapes, _ left: [Int], _ right: [Int]) -> BroadcastGeometry {
    BroadcastGeometry(space: shapes.outputs[0], a: left, b: right)
  }

  /// `BroadcastGeometry(...)` for emitted code, as ``geometry(_:_:_:)``.
  static func geometryLiteral(_ shapes: OpShapes, _ left: [Int], _ right: [Int]) -> String {
    "BroadcastGeometry(space: \(shapes.outputs[0]), a: \(left), b: \(right))"
  }

  /// The product of all inputs but `i` and `last` is formed in the workspace,
  /// then `last` is applied while reducing onto input `i` (multiply with more
  /// than two inputs); with two inputs `others` is empty.
  static func gradientPlan(input i: Int, of n: Int) -> (others: [Int], last: Int) {
    let last = i == n - 1 ? n - 2 : n - 1
    return ((0..<n).filter { $0 != i && $0 != last }, last)
  }

  public func workspace(_ shapes: OpShapes) -> Int {
    Self.operation == .multiply && shapes.inputs.count > 2 ? shapes.outputCount(0) : 0
  }

  public var backwardReads: BackwardReads {
    scalar != nil || Self.operation == .add || Self.operation == .subtract ? .nothing : .inputsOnly
  }

  public func forward(_ k: Kernel) {
    if let scalar {
      return BroadcastKernels.scalarForward(
        Self.operation, y: k.outputs[0], x: k.inputs[0], scalar: Float(scalar), count: k.batch * k.shapes.inputCount(0),
        pool: k.pool)
    }
    let out = k.shapes.outputs[0]
    BroadcastKernels.forward(
      Self.operation, y: k.outputs[0], a: k.inputs[0], b: k.inputs[1], batch: k.batch,
      geometry: Self.geometry(k.shapes, k.shapes.inputs[0], k.shapes.inputs[1]), pool: k.pool)
    for i in 2..<max(2, k.inputs.count) {
      BroadcastKernels.forward(
        Self.operation, y: k.outputs[0], a: k.outputs[0], b: k.inputs[i], batch: k.batch,
        geometry: Self.geometry(k.shapes, out, k.shapes.inputs[i]), pool: k.pool)
    }
  }

  public func backward(_ k: Kernel) {
    let (out, dy, n) = (k.shapes.outputs[0], k.outputGradients[0], k.inputs.count)
    for i in 0..<n {
      guard let dx = k.inputGradients[i] else { continue }
      let shape = k.shapes.inputs[i]
      if let scalar {
        BroadcastKernels.scalarBackward(
          Self.operation, dx: dx, dy: dy, scalar: Float(scalar), count: k.batch * k.shapes.inputCount(0),
          accumulate: k.accumulateInput[i], pool: k.pool)
      } else if Self.operation == .add && shape == out {
        CopyKernel.copy(dy, dx, count: k.batch * k.shapes.outputCount(0), accumulate: k.accumulateInput[i])
      } else if Self.operation == .add {
        BroadcastKernels.sum(
          y: dx, x: dy, scale: 1, batch: k.batch, geometry: Self.geometry(k.shapes, out, shape),
          accumulate: k.accumulateInput[i])
      } else if Self.operation == .multiply {
        let plan = Self.gradientPlan(input: i, of: n)
        var partial = UnsafePointer(dy)
        if !plan.others.isEmpty {
          CopyKernel.copy(dy, k.workspace!, count: k.batch * k.shapes.outputCount(0))
          for j in plan.others {
            BroadcastKernels.forward(
              .multiply, y: k.workspace!, a: k.workspace!, b: k.inputs[j], batch: k.batch,
              geometry: Self.geometry(k.shapes, out, k.shapes.inputs[j]), pool: k.pool)
          }
          partial = UnsafePointer(k.workspace!)
        }
        BroadcastKernels.backward(
          .multiply, dx: dx, dy: partial, a: k.inputs[i], b: k.inputs[plan.last], operand: 0, batch: k.batch,
          geometry: Self.geometry(k.shapes, shape, k.shapes.inputs[plan.last]), accumulate: k.accumulateInput[i],
          pool: k.pool)
      } else {
        BroadcastKernels.backward(
          Self.operation, dx: dx, dy: dy, a: k.inputs[0], b: k.inputs[1], operand: i, batch: k.batch,
          geometry: Self.geometry(k.shapes, k.shapes.inputs[0], k.shapes.inputs[1]), accumulate: k.accumulateInput[i],
          pool: k.pool)
      }
    }
  }

  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let operation = Self.operation.swiftLiteral
    if let scalar {
      return code.call(
        "BroadcastKernels.scalarForward",
        [
          "": operation, "y": s.output(0), "x": s.input(0), "scalar": StepEmission.literal(scalar),
          "count": StepEmission.rows(s.shapes.inputCount(0)), "pool": "pool",
        ])
    }
    let out = s.shapes.outputs[0]
    for i in 1..<s.step.inputs.count {
      let left = i == 1 ? s.shapes.inputs[0] : out
      code.call(
        "BroadcastKernels.forward",
        [
          "": operation, "y": s.output(0), "a": i == 1 ? s.input(0) : s.output(0), "b": s.input(i), "batch": "n",
          "geometry": Self.geometryLiteral(s.shapes, left, s.shapes.inputs[i]), "pool": "pool",
        ])
    }
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let (out, n) = (s.shapes.outputs[0], s.step.inputs.count)
    for i in 0..<n {
      guard let dx = s.inputGradient(i) else { continue }
      let (shape, accumulate) = (s.shapes.inputs[i], "\(s.accumulatesInput(i))")
      if let scalar {
        code.call(
          "BroadcastKernels.scalarBackward",
          [
            "": Self.operation.swiftLiteral, "dx": dx, "dy": s.outputGradient(0),
            "scalar": StepEmission.literal(scalar), "count": StepEmission.rows(s.shapes.inputCount(0)),
            "accumulate": accumulate, "pool": "pool",
          ])
      } else if Self.operation == .add && shape == out {
        code.call(
          "CopyKernel.copy",
          [
            "": s.outputGradient(0), "": dx, "count": StepEmission.rows(s.shapes.outputCount(0)),
            "accumulate": accumulate,
          ])
      } else if Self.operation == .add {
        code.call(
          "BroadcastKernels.sum",
          [
            "y": dx, "x": s.outputGradient(0), "scale": "1", "batch": "n",
            "geometry": Self.geometryLiteral(s.shapes, out, shape), "accumulate": accumulate,
          ])
      } else if Self.operation == .multiply {
        let plan = Self.gradientPlan(input: i, of: n)
        var partial = s.outputGradient(0)
        if !plan.others.isEmpty {
          code.call(
            "CopyKernel.copy",
            ["": s.outputGradient(0), "": s.workspace, "count": StepEmission.rows(s.shapes.outputCount(0))])
          for j in plan.others {
            code.call(
              "BroadcastKernels.forward",
              [
                "": ".multiply", "y": s.workspace, "a": s.workspace, "b": s.input(j), "batch": "n",
                "geometry": Self.geometryLiteral(s.shapes, out, s.shapes.inputs[j]), "pool": "pool",
              ])
          }
          partial = s.workspace
        }
        code.call(
          "BroadcastKernels.backward",
          [
            "": ".multiply", "dx": dx, "dy": partial, "a": s.input(i), "b": s.input(plan.last), "operand": "0",
            "batch": "n", "geometry": Self.geometryLiteral(s.shapes, shape, s.shapes.inputs[plan.last]),
            "accumulate": accumulate, "pool": "pool",
          ])
      } else {
        code.call(
          "BroadcastKernels.backward",
          [
            "": Self.operation.swiftLiteral, "dx": dx, "dy": s.outputGradient(0), "a": s.input(0), "b": s.input(1),
            "operand": "\(i)", "batch": "n",
            "geometry": Self.geometryLiteral(s.shapes, s.shapes.inputs[0], s.shapes.inputs[1]),
            "accumulate": accumulate, "pool": "pool",
          ])
      }
    }
  }
}

extension ElementwiseArithmetic {
  /// `a op b op c ...` in Python, or `x op scalar` (`+`, `-`, `*`, `/`).
  func arithmeticTorchForward(_ layer: TorchLayer) -> String {
    let symbol =
      switch Self.operation {
      case .add: " + "
      case .subtract: " - "
      case .multiply: " * "
      case .divide: " / "
      }
    if let scalar { return "\(layer.x)\(symbol)\(TorchLayer.number(scalar))" }
    return layer.inputs.joined(separator: symbol)
  }

  /// A chain of `opType` nodes in the kernel's order, or one with a scalar
  /// constant (ONNX broadcasts as NumPy does).
  func exportArithmetic(_ onnx: ONNXNodeContext, _ opType: String) {
    if let scalar {
      return onnx.add(opType, [onnx.inputs[0], onnx.scalar("scalar", Float(scalar))], onnx.outputs)
    }
    var result = onnx.inputs[0]
    for (i, operand) in onnx.inputs.enumerated().dropFirst() {
      let next = i == onnx.inputs.count - 1 ? onnx.outputs[0] : onnx.temporary("partial")
      onnx.add(opType, [result, operand], [next])
      result = next
    }
  }
}

extension ShapeRules {
  /// The NumPy broadcast of float inputs of one rank: on each axis the sizes
  /// must be equal (symbolic sizes too) or 1, and the output takes the size
  /// that is not 1. Every input carries the batch axis `N` first, so ranks must
  /// match (NumPy aligns trailing axes, which would line `N` up with a feature
  /// axis); the error names the input, both shapes and the axis at fault.
  public static func broadcast(_ inputs: [TensorType]) throws(ShapeError) -> TensorType {
    for (i, x) in inputs.enumerated() { try requireFloat(x, input: i) }
    var shape = inputs[0].shape
    for (i, x) in inputs.enumerated().dropFirst() {
      guard x.rank == shape.count else {
        throw ShapeError(
          .rankMismatch,
          "input \(i) has shape \(x.shape.shapeDescription), which has rank \(x.rank), not \(shape.count) "
            + "as \(shape.shapeDescription)",
          input: i,
          help: "broadcasting inputs have one rank, the batch axis first; add size-1 axes with `reshape` "
            + "(e.g. [N, C, 1, 1] against [N, C, H, W])")
      }
      for axis in shape.indices where shape[axis] != x.shape[axis] {
        if x.shape[axis] == Dim(1) { continue }
        guard shape[axis] == Dim(1) else {
          throw ShapeError(
            .shapeMismatch,
            "input \(i) has shape \(x.shape.shapeDescription), which does not broadcast with "
              + "\(shape.shapeDescription): axis \(axis) is \(x.shape[axis]) against \(shape[axis])",
            input: i, help: "on each axis the sizes must be equal or one of them 1 (NumPy broadcasting)")
        }
        shape[axis] = x.shape[axis]
      }
    }
    return TensorType(shape)
  }
}
