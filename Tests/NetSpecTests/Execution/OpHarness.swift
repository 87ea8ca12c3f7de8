import Foundation
import NetSpecKernels

@testable import NetSpec

/// Runs one op's kernels directly on a small batch: allocates inputs, outputs,
/// parameters, saved state, workspace and gradients, and evaluates the scalar
/// objective L = sum(output * weights) used by the gradient check.
final class OpHarness {
  let op: any ExecutableOperator
  let example: OpExample
  let batch: Int
  let shapes: OpShapes
  let inputIsFloat: [Bool]
  var inputs: [[Float]]
  var parameters: [[Float]]
  var buffers: [[Float]]
  let outputWeights: [[Float]]
  let seed: UInt64 = 7

  init(_ type: any ExecutableOperator.Type, _ example: OpExample, batch: Int = 2) throws {
    let made = type.init(Attributes(type.schema, example.attributes))
    op = made
    self.example = example
    self.batch = batch
    let inference = try made.infer(example.inputs)
    func perSample(_ t: TensorType) -> [Int] {
      t.rank == 0 ? [] : t.shape.dropFirst().map { $0.staticValue! }
    }
    shapes = OpShapes(
      inputs: example.inputs.map(perSample), outputs: inference.outputs.map(perSample),
      parameters: inference.parameters.map(\.shape))
    inputIsFloat = example.inputs.map { $0.dtype == .float32 }
    var random = SplitMix64(seed: 1234)
    inputs = []
    for (i, type) in example.inputs.enumerated() {
      let count = batch * shapes.inputCount(i)
      if i == example.maskInput {
        inputs.append((0..<count).map { _ in random.nextFloat() < 0.3 ? 0 : 1 })
      } else if type.dtype == .int32 {
        inputs.append((0..<count).map { _ in Float(Int(random.next() % UInt64(example.idRange))) })
      } else if example.positive {
        inputs.append((0..<count).map { _ in 0.2 + random.nextFloat() })
      } else if example.avoidZero {
        inputs.append((0..<count).map { _ in (0.2 + 0.8 * random.nextFloat()) * (random.nextFloat() < 0.5 ? -1 : 1) })
      } else {
        inputs.append((0..<count).map { _ in 2 * random.nextFloat() - 1 })
      }
    }
    parameters = inference.parameters.map { spec in
      (0..<spec.count).map { _ in
        switch spec.initializer {
        case .ones: 1 + 0.1 * (2 * random.nextFloat() - 1)
        default: 0.5 * (2 * random.nextFloat() - 1)
        }
      }
    }
    buffers = inference.buffers.map { spec in
      [Float](repeating: spec.initializer == .ones ? 1 : 0, count: spec.count)
    }
    let outputCounts = inference.outputs.map { $0.rank == 0 ? 1 : batch * perSample($0).reduce(1, *) }
    outputWeights = outputCounts.map { count in (0..<count).map { _ in 2 * random.nextFloat() - 1 } }
  }

  func count(output i: Int) -> Int {
    shapes.outputs[i].isEmpty && op is any ObjectiveOperator ? 1 : batch * shapes.outputCount(i)
  }

  /// Runs forward (and optionally backward) and returns the objective, outputs
  /// and gradients.
  func run(
    backward: Bool, training: Bool = true, accumulateInputs: Bool = false, preset: Float = 0
  ) -> (objective: Double, outputs: [[Float]], inputGradients: [[Float]], parameterGradients: [[Float]]) {
    let inputPointers = inputs.map(Self.copy)
    let parameterPointers = parameters.map(Self.copy)
    let bufferPointers = buffers.map(Self.copy)
    let outputPointers = (0..<shapes.outputs.count).map { Self.zeros(count(output: $0)) }
    let savedPointers = op.savedState(shapes).map { Self.zeros(batch * $0) }
    let workspace = Self.zeros(max(1, batch * max(op.workspace(shapes), op.backwardWorkspace(shapes))))
    let outputGradientPointers = outputWeights.map(Self.copy)
    let inputGradientPointers = inputs.map { Self.copy([Float](repeating: preset, count: $0.count)) }
    let parameterGradientPointers = parameters.map { Self.copy([Float](repeating: preset, count: $0.count)) }
    defer {
      for p in inputPointers + parameterPointers + bufferPointers + outputPointers + savedPointers + [workspace]
        + outputGradientPointers + inputGradientPointers + parameterGradientPointers
      {
        p.deallocate()
      }
    }
    var kernel = Kernel(
      batch: batch, shapes: shapes, inputs: inputPointers, outputs: outputPointers, parameters: parameterPointers,
      buffers: bufferPointers, saved: savedPointers, workspace: workspace, training: training, seed: seed,
      pool: ComputePool(threadCount: 1))
    op.forward(kernel)
    var objective: Double = 0
    for (o, weights) in outputWeights.enumerated() {
      for j in weights.indices { objective += Double(outputPointers[o][j]) * Double(weights[j]) }
    }
    if backward {
      kernel.outputGradients = outputGradientPointers
      kernel.inputGradients = inputGradientPointers.enumerated().map { i, p in isDifferentiable(input: i) ? p : nil }
      kernel.accumulateInput = inputPointers.map { _ in accumulateInputs }
      kernel.parameterGradients = parameterGradientPointers
      kernel.accumulateParameter = parameterPointers.map { _ in accumulateInputs }
      op.backward(kernel)
    }
    func read(_ pointers: [UnsafeMutablePointer<Float>], _ counts: [Int]) -> [[Float]] {
      zip(pointers, counts).map { Array(UnsafeBufferPointer(start: $0, count: $1)) }
    }
    return (
      objective, read(outputPointers, outputWeights.map(\.count)), read(inputGradientPointers, inputs.map(\.count)),
      read(parameterGradientPointers, parameters.map(\.count))
    )
  }

  /// Float inputs other than a loss's target get gradients.
  func isDifferentiable(input i: Int) -> Bool {
    inputIsFloat[i] && !(op is any LossOperator && i == 1) && i != example.maskInput
  }

  private static func copy(_ values: [Float]) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: max(values.count, 1))
    p.initialize(repeating: 0, count: max(values.count, 1))
    for (i, v) in values.enumerated() { p[i] = v }
    return p
  }

  private static func zeros(_ count: Int) -> UnsafeMutablePointer<Float> {
    copy([Float](repeating: 0, count: count))
  }

  /// Indices to probe in a tensor of `count` elements (all of a small one).
  static func probes(_ count: Int, limit: Int = 24) -> [Int] {
    guard count > limit else { return Array(0..<count) }
    return (0..<limit).map { $0 * count / limit }
  }
}
