import NetSpecKernels

/// An op the Swift emitter writes specialized code for: its forward and
/// backward steps as statements with every size, offset and attribute a
/// literal. Each op conforms in its own file, next to its interpreter kernels,
/// and the emitted statements call the same runtime kernels (GEMM, im2col,
/// activations) so both backends compute the same values.
protocol EmittableOperator: ExecutableOperator {
  /// Writes the statements of a forward step.
  func emitForward(_ step: StepEmission, _ code: inout SwiftWriter)
  /// Writes the statements of a backward step.
  func emitBackward(_ step: StepEmission, _ code: inout SwiftWriter)
}

/// What an op's emitter sees of one planned step: the names of its buffers
/// and its static shapes. The step becomes a function in the style of llm.c's
/// `train_gpt2.c`: each buffer the emitter asks for becomes a parameter named
/// for its role (`output`, `input`, `weight`, `dWeight`, `dInput`, ...), written
/// ones first, then those read, and the call site passes its arena offset. The
/// batch size is `n`; `training`, `inference`, `seed`, `forwardPasses` and
/// `pool` (the model's modes, seed, forward-pass count and thread pool) become
/// parameters when the body uses them.
struct StepEmission {
  let plan: ExecutionPlan
  let step: ExecutionPlan.Step
  /// The parameters the body has used so far.
  let arguments = StepArguments()
  var shapes: OpShapes { step.shapes }
  var node: Node { plan.graph.nodes[step.node] }

  private func buffer(_ id: ExecutionPlan.BufferID) -> String {
    let offset = plan.buffers[id].offset
    return offset == 0 ? "activations" : "activations + \(offset)"
  }

  private func parameterSlot(_ id: ParameterID, in arena: String) -> String {
    let offset = plan.slot(of: id).offset
    return offset == 0 ? arena : "\(arena) + \(offset)"
  }

  /// `base`, or `base<i>` when the node has several.
  private func role(_ base: String, _ i: Int, of count: Int) -> String { count == 1 ? base : "\(base)\(i)" }

  func input(_ i: Int) -> String {
    arguments.use(role("input", i, of: step.inputs.count), buffer(step.inputs[i]), .input, i)
  }
  func output(_ i: Int) -> String {
    arguments.use(role("output", i, of: step.outputs.count), buffer(step.outputs[i]), .output, i)
  }
  func saved(_ i: Int) -> String {
    arguments.use(role("saved", i, of: step.saved.count), buffer(step.saved[i]), .saved, i)
  }
  var workspace: String { arguments.use("workspace", buffer(step.workspace!), .scratch) }
  /// ``workspace``, or `nil` for a step that has none (a convolution whose path reads none).
  var workspaceIfAny: String { step.workspace == nil ? "nil" : workspace }
  func outputGradient(_ i: Int) -> String {
    arguments.use(
      role("dOutput", i, of: step.outputGradients.count), buffer(step.outputGradients[i]), .outputGradient, i)
  }
  /// Where input `i`'s gradient goes; nil when the plan needs none.
  func inputGradient(_ i: Int) -> String? {
    step.inputGradients[i].map {
      arguments.use(role("dInput", i, of: step.inputGradients.count), buffer($0), .inputGradient, i)
    }
  }
  func accumulatesInput(_ i: Int) -> Bool { step.accumulateInput[i] }
  /// The ReLU output whose mask input 0's gradient gets as it is written, if
  /// the plan folds it (``ExecutionPlan/Step/inputGradientMask``).
  var inputGradientMask: String? {
    step.inputGradientMask.map { arguments.use("reluMask", buffer($0), .mask) }
  }
  /// The pooling this convolution runs in its output pass, if the plan fuses
  /// one (``ExecutionPlan/Step/fusedPooling``).
  var fusedPooling: FusedPoolingEmission? {
    step.fusedPooling.map { fused in
      let operation = plan.graph.nodes[fused.node].op as! any PlanePooling
      return FusedPoolingEmission(
        operation: operation, geometry: operation.geometry(fused.shapes), fused: fused, emission: self)
    }
  }
  /// The fused pooling's output (`pooled`).
  fileprivate var pooledOutput: String { arguments.use("pooled", buffer(step.fusedPooling!.output), .output, 1) }
  /// The fused pooling's saved state (`pooledSaved`), if it has any.
  fileprivate var pooledSaved: String? {
    step.fusedPooling!.saved.map { arguments.use("pooledSaved", buffer($0), .saved, 1) }
  }
  /// The fused pooling's output gradient (`dPooled`).
  fileprivate var pooledOutputGradient: String {
    arguments.use("dPooled", buffer(step.fusedPooling!.outputGradient!), .outputGradient)
  }
  /// The batchnorm this convolution folds into its weights, if the plan
  /// fuses one (``ExecutionPlan/Step/foldedNormalization``).
  var foldedNormalization: FoldedNormalizationEmission? {
    step.foldedNormalization.map { folded in
      let norm = plan.graph.nodes[folded.normalization]
      let slot = { (name: String, id: ParameterID, role: StepArguments.Role, i: Int) in
        arguments.use(name, parameterSlot(id, in: "parameters"), role, i)
      }
      return FoldedNormalizationEmission(
        normWeight: slot("normWeight", norm.parameters[0].id, .parameter, 2),
        normBias: slot("normBias", norm.parameters[1].id, .parameter, 3),
        runningMean: slot("runningMean", norm.buffers[0].id, .state, 0),
        runningVariance: slot("runningVariance", norm.buffers[1].id, .state, 1),
        epsilon: StepEmission.literal((norm.op as! any FoldableNormalization).eps),
        activation: folded.activation.map { (plan.graph.nodes[$0].op as! any ElementwiseActivation).kernel },
        weight: arguments.use("foldedWeight", buffer(folded.weight), .scratch, 1),
        bias: arguments.use("foldedBias", buffer(folded.bias), .scratch, 2),
        output: folded.output.map { arguments.use("foldedOutput", buffer($0), .output, 1) })
    }
  }
  func parameter(_ i: Int) -> String {
    let (name, id) = node.parameters[i]
    return arguments.use(SwiftNames.identifier(name), parameterSlot(id, in: "parameters"), .parameter, i)
  }
  /// Non-trainable state `i` of the node (batchnorm's running statistics).
  func stateBuffer(_ i: Int) -> String {
    let (name, id) = node.buffers[i]
    return arguments.use(SwiftNames.identifier(name), parameterSlot(id, in: "parameters"), .state, i)
  }
  /// Where parameter `i`'s gradient goes; nil for frozen parameters.
  func parameterGradient(_ i: Int) -> String? {
    let (name, id) = node.parameters[i]
    guard plan.graph.parameters[id].trainable else { return nil }
    return arguments.use(SwiftNames.identifier("d " + name), parameterSlot(id, in: "gradients"), .parameterGradient, i)
  }
  func accumulatesParameter(_ i: Int) -> Bool { step.accumulateParameter[i] }

  /// `n * count` as an expression (`n` when `count` is 1).
  static func rows(_ count: Int) -> String { count == 1 ? "n" : "n * \(count)" }
  /// An exact Swift literal for a Float (`0.5`, `1e-05`).
  static func literal(_ value: Float) -> String { value.description }
  static func literal(_ value: Double) -> String { Float(value).description }
}

/// A pooling fused into a convolution's step (``ExecutionPlan/FusedPooling``):
/// the statements that pool, or route the pooled gradient back onto, one
/// output plane inside the convolution's loop over `plane`.
struct FusedPoolingEmission {
  let operation: any PlanePooling
  let geometry: PoolingGeometry
  let fused: ExecutionPlan.FusedPooling
  let emission: StepEmission

  /// `let pooling = PoolingGeometry(...)`, which the other statements use.
  func declareGeometry(_ code: inout SwiftWriter) { operation.declareGeometry(geometry, &code) }

  /// Pools the convolution's output plane at `x`.
  func forward(x: String) -> String {
    operation.forwardPlaneCall(
      x: x, y: "\(emission.pooledOutput) + plane * \(geometry.outputPlane)",
      saved: emission.pooledSaved.map { "\($0) + plane * \(geometry.outputPlane)" })
  }

  /// Writes the convolution's output-plane gradient to `dx`, from the pooled gradient.
  func backward(into dx: String) -> String {
    operation.backwardPlaneCall(
      dy: "\(emission.pooledOutputGradient) + plane * \(geometry.outputPlane)",
      saved: emission.pooledSaved.map { "\($0) + plane * \(geometry.outputPlane)" }, dx: dx, accumulate: false)
  }
}

/// A batchnorm folded into a convolution's step
/// (``ExecutionPlan/FoldedNormalization``): the argument names of what the
/// fold reads and writes.
struct FoldedNormalizationEmission {
  let normWeight: String
  let normBias: String
  let runningMean: String
  let runningVariance: String
  let epsilon: String
  /// The activation fused into the convolution's store.
  let activation: ActivationKernel?
  let weight: String
  let bias: String
  /// Training plans: where an inference pass writes; nil for the step's own output.
  let output: String?

  /// The call folding the statistics into `weight` and `bias` from the
  /// convolution's own weights and bias (`nil` for none).
  func fold(_ code: inout SwiftWriter, weight hostWeight: String, bias hostBias: String, filters: Int, perFilter: Int) {
    code.call(
      "BatchNormKernels.fold",
      [
        "foldedWeight": weight, "foldedBias": bias, "weight": hostWeight, "bias": hostBias, "normWeight": normWeight,
        "normBias": normBias, "runningMean": runningMean, "runningVariance": runningVariance,
        "filters": "\(filters)", "perFilter": "\(perFilter)", "epsilon": epsilon,
      ])
  }
}

/// The parameters of one emitted step function, in llm.c's order: what the
/// step writes (outputs, saved state, running statistics, input and then
/// parameter gradients), then what it reads (inputs, output gradients,
/// parameters, a ReLU mask), then scratch space; by index within each role.
final class StepArguments {
  /// The roles, in parameter order.
  enum Role: Int {
    case output, saved, state, inputGradient, parameterGradient, input, outputGradient, parameter, mask, scratch
  }

  struct Argument {
    var name: String
    /// The arena expression the call site passes.
    var expression: String
    var order: (role: Int, index: Int)
  }

  private(set) var arguments: [Argument] = []

  /// Records `name` (once) and returns it.
  func use(_ name: String, _ expression: String, _ role: Role, _ index: Int = 0) -> String {
    if !arguments.contains(where: { $0.name == name }) {
      arguments.append(Argument(name: name, expression: expression, order: (role.rawValue, index)))
    }
    return name
  }

  /// The arguments in parameter order.
  var ordered: [Argument] { arguments.sorted { $0.order < $1.order } }
}

/// Why a spec cannot be compiled to Swift.
public struct CodegenError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var help: String

  public var description: String { "\(message)\n  help: \(help)" }
}
