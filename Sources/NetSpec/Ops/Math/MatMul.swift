import NetSpecKernels

/// Batched matrix product of two inputs (`torch.matmul` for inputs of rank 3 or
/// more): `[N, ..., M, K] x [N, ..., K, P] -> [N, ..., M, P]`. The leading axes
/// (the batch axis and any others) must be equal in both inputs: they are not
/// broadcast, so a shared matrix is a `dense` layer or is expanded first.
public struct MatMul: Operator {
  public static let schema = OpSchema(
    name: "matmul", category: .merge,
    summary: "Batched matrix product [N, ..., M, K] x [N, ..., K, P] -> [N, ..., M, P] (equal leading axes).",
    inputs: .exactly(2))

  public init(_ attributes: Attributes) {}

  public func infer(_ inputs: [TensorType]) throws(ShapeError) -> Inference {
    let (a, b) = (inputs[0], inputs[1])
    try ShapeRules.requireFloat(a, input: 0)
    try ShapeRules.requireFloat(b, input: 1)
    try ShapeRules.requireRank(a, atLeast: 3, layout: "[N, ..., M, K]")
    try ShapeRules.requireRank(b, atLeast: 3, layout: "[N, ..., K, P]", input: 1)
    guard a.rank == b.rank, a.shape.dropLast(2) == b.shape.dropLast(2) else {
      throw ShapeError(
        a.rank == b.rank ? .shapeMismatch : .rankMismatch,
        "the leading axes of input 1 \(b.shape.shapeDescription) must equal those of input 0 \(a.shape.shapeDescription)",
        input: 1,
        help: "matmul multiplies matrices pairwise over equal leading axes; `expand` or `reshape` to match them")
    }
    let (m, k, p) = (a.shape[a.rank - 2], a.shape[a.rank - 1], b.shape[b.rank - 1])
    guard b.shape[b.rank - 2] == k else {
      throw ShapeError(
        .shapeMismatch,
        "input 1 \(b.shape.shapeDescription) has \(b.shape[b.rank - 2]) rows, but input 0 "
          + "\(a.shape.shapeDescription) has \(k) columns",
        input: 1, help: "the second-to-last axis of input 1 must equal the last axis of input 0")
    }
    let output = TensorType(Array(a.shape.dropLast()) + [p])
    let flops = try ShapeRules.multiply(
      ShapeRules.product(Array(a.shape.dropLast(2)) + [m, k, p], what: "products"), Dim(2))
    return Inference(outputs: [output], flops: flops)
  }
}

extension MatMul: ExecutableOperator {
  public static let examples = [
    OpExample(inputs: [.batch(2, 3), .batch(3, 4)]),
    OpExample(inputs: [.batch(2, 3, 4), .batch(2, 4, 1)]),
  ]
  public var backwardReads: BackwardReads { .inputsOnly }

  /// `(products, m, k, n)` per sample.
  private func sizes(_ shapes: OpShapes) -> (products: Int, m: Int, k: Int, n: Int) {
    let (a, b) = (shapes.inputs[0], shapes.inputs[1])
    return (a.dropLast(2).reduce(1, *), a[a.count - 2], a[a.count - 1], b[b.count - 1])
  }

  /// One GEMM per matrix pair (``MatMulKernels``).
  public func forward(_ k: Kernel) {
    let s = sizes(k.shapes)
    MatMulKernels.forward(
      y: k.outputs[0], a: k.inputs[0], b: k.inputs[1], products: k.batch * s.products, m: s.m, k: s.k, n: s.n,
      pool: k.pool)
  }

  /// `dA = dY B^T`, `dB = A^T dY` per pair.
  public func backward(_ k: Kernel) {
    let s = sizes(k.shapes)
    MatMulKernels.backward(
      da: k.inputGradients[0], db: k.inputGradients[1], dy: k.outputGradients[0], a: k.inputs[0], b: k.inputs[1],
      products: k.batch * s.products, m: s.m, k: s.k, n: s.n, accumulateA: k.accumulateInput[0],
      accumulateB: k.accumulateInput[1], pool: k.pool)
  }
}

extension MatMul: EmittableOperator {
  func emitForward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let z = sizes(s.shapes)
    code.call(
      "MatMulKernels.forward",
      [
        "y": s.output(0), "a": s.input(0), "b": s.input(1), "products": StepEmission.rows(z.products),
        "m": "\(z.m)", "k": "\(z.k)", "n": "\(z.n)", "pool": "pool",
      ])
  }

  func emitBackward(_ s: StepEmission, _ code: inout SwiftWriter) {
    let z = sizes(s.shapes)
    code.call(
      "MatMulKernels.backward",
      [
        "da": s.inputGradient(0) ?? "nil", "db": s.inputGradient(1) ?? "nil", "dy": s.outputGradient(0),
        "a": s.input(0), "b": s.input(1), "products": StepEmission.rows(z.products), "m": "\(z.m)", "k": "\(z.k)",
        "n": "\(z.n)", "accumulateA": "\(s.accumulatesInput(0))", "accumulateB": "\(s.accumulatesInput(1))",
        "pool": "pool",
      ])
  }
}

extension MatMul: TorchExportable {
  public func torchForward(_ layer: TorchLayer) throws(TorchExportError) -> String {
    "torch.matmul(\(layer.inputs[0]), \(layer.inputs[1]))"
  }
}

extension MatMul: ONNXExportable {
  /// `MatMul`, whose batched form is numpy's (and torch's).
  func exportONNX(_ onnx: ONNXNodeContext) {
    onnx.add("MatMul", onnx.inputs, onnx.outputs)
  }
}
