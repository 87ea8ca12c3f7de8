import NetSpecDiagnostics
import NetSpecYAML

/// `train.optimizer`: the update rule and its hyperparameters.
///
/// ```yaml
/// optimizer: adam                                   # lr 1e-3
/// optimizer: {sgd: 0.1}                             # lr 0.1
/// optimizer: {sgd: {lr: 0.1, momentum: 0.9, nesterov: true}}
/// optimizer: {adamw: {lr: 3.0e-4, weight_decay: 0.05}}
/// ```
public struct OptimizerSpec: Sendable, Hashable {
  /// The update rule with its own hyperparameters.
  public enum Algorithm: Sendable, Hashable {
    /// Stochastic gradient descent, with heavy-ball or Nesterov momentum.
    case sgd(momentum: Double, nesterov: Bool)
    /// Adam (Kingma & Ba 2015).
    case adam(AdamParameters)
    /// AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay,
    /// `w -= lr * weightDecay * w` each step beside the Adam update.
    case adamw(AdamParameters, weightDecay: Double)

    /// Floats of state kept per trainable parameter: adam and adamw keep two
    /// moments, sgd with momentum a velocity, plain sgd nothing.
    public var stateSlots: Int {
      switch self {
      case .sgd(let momentum, _): momentum == 0 ? 0 : 1
      case .adam, .adamw: 2
      }
    }
  }

  /// Adam's moment decay rates and denominator epsilon.
  public struct AdamParameters: Sendable, Hashable {
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
  }

  public var algorithm: Algorithm
  /// The base learning rate; a schedule scales it per epoch.
  public var learningRate: Double
  /// The `optimizer:` value, or the `train:` section when defaulted.
  public var span: SourceSpan

  /// The optimizer's name as written in a spec.
  public var name: String {
    switch algorithm {
    case .sgd: "sgd"
    case .adam: "adam"
    case .adamw: "adamw"
    }
  }

  static let names = ["sgd", "adam", "adamw"]

  /// Adam with its defaults, used when `train:` names no optimizer.
  static func defaultOptimizer(at span: SourceSpan) -> OptimizerSpec {
    OptimizerSpec(
      algorithm: .adam(AdamParameters(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)),
      learningRate: 1e-3, span: span)
  }

  static func decode(
    _ node: YAMLNode, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> OptimizerSpec? {
    guard
      let tagged = TaggedNode.read(
        node, what: "optimizer", example: "optimizer: {adam: {lr: 0.001}}", &diagnostics),
      tagged.checkName(names, what: "optimizer", &diagnostics)
    else { return nil }
    let keys =
      switch tagged.name {
      case "sgd": ["lr", "momentum", "nesterov"]
      case "adam": ["lr", "beta1", "beta2", "eps"]
      default: ["lr", "beta1", "beta2", "eps", "weight_decay"]
      }
    guard
      let reader = tagged.settings(
        section: "train.optimizer.\(tagged.name)", keys: keys, primary: "lr", resolver: resolver,
        &diagnostics)
    else { return nil }
    // An invalid rate makes the optimizer nil (after its other keys are read),
    // so that nothing is checked against a stand-in rate.
    let lr =
      reader.node("lr") == nil ? (tagged.name == "sgd" ? 0.01 : 1e-3) : reader.number("lr", .positive, &diagnostics)
    guard tagged.name != "sgd" else {
      let momentum = reader.node("momentum") == nil ? 0 : reader.number("momentum", .fraction, &diagnostics)
      let nesterov = reader.bool("nesterov", &diagnostics) ?? false
      if nesterov, momentum == 0, let value = reader.node("nesterov") {
        diagnostics.append(
          Diagnostic(.valueOutOfRange, at: value.span, "Nesterov momentum needs a `momentum` above 0")
            .help("set `momentum` (e.g. `momentum: 0.9`), or remove `nesterov`"))
      }
      return lr.map {
        OptimizerSpec(algorithm: .sgd(momentum: momentum ?? 0, nesterov: nesterov), learningRate: $0, span: tagged.span)
      }
    }
    let adam = AdamParameters(
      beta1: reader.number("beta1", .fraction, &diagnostics) ?? 0.9,
      beta2: reader.number("beta2", .fraction, &diagnostics) ?? 0.999,
      epsilon: reader.number("eps", .positive, &diagnostics) ?? 1e-8)
    let algorithm: Algorithm =
      tagged.name == "adam"
      ? .adam(adam)
      : .adamw(adam, weightDecay: reader.number("weight_decay", .nonNegative, &diagnostics) ?? 0.01)
    return lr.map { OptimizerSpec(algorithm: algorithm, learningRate: $0, span: tagged.span) }
  }
}
