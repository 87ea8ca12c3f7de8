import Foundation
import NetSpecDiagnostics
import NetSpecYAML

/// A layer's `init:`: the initializers of its parameters, replacing the op's
/// defaults (PyTorch's). Either one method for all the layer's weights
/// (`init: xavier_uniform`, `init: {normal: {std: 0.02}}`) or one per
/// parameter (`init: {weight: {kaiming_normal: relu}, bias: zeros}`). The
/// methods and their formulas are PyTorch's `torch.nn.init` ones, with fans
/// from the parameter's shape as `_calculate_fan_in_and_fan_out` computes them.
struct LayerInitialization {
  let resolver: ValueResolver
  /// The op, for messages.
  let op: String

  /// The method names, with their settings; the first setting is the one a
  /// scalar (`normal: 0.02`) sets.
  static let methods: [String: [String]] = [
    "zeros": [], "ones": [], "constant": ["value"], "normal": ["std"], "uniform": ["bound", "a", "b"],
    "xavier_uniform": ["gain"], "xavier_normal": ["gain"], "glorot_uniform": ["gain"], "glorot_normal": ["gain"],
    "kaiming_uniform": ["nonlinearity", "mode", "a"], "kaiming_normal": ["nonlinearity", "mode", "a"],
    "he_uniform": ["nonlinearity", "mode", "a"], "he_normal": ["nonlinearity", "mode", "a"],
    "orthogonal": ["gain"],
  ]

  /// `nonlinearity` choices of the kaiming methods.
  static let nonlinearities = ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]

  /// `parameters` with `node`'s initializers applied; nil after reporting.
  func apply(_ node: YAMLNode, to parameters: [ParameterSpec], _ reported: inout DiagnosticBag) -> [ParameterSpec]? {
    var diagnostics = DiagnosticBag()
    defer { reported.append(contentsOf: diagnostics.diagnostics) }
    guard !parameters.isEmpty else {
      diagnostics.append(
        Diagnostic(.unknownKey, at: node.span, "`\(op)` has no parameters to initialize")
          .help("remove `init`; it applies to layers with weights"))
      return nil
    }
    var result = parameters
    for (target, method) in assignments(node, parameters: parameters, &diagnostics) ?? [] {
      let chosen =
        target.map { name in parameters.indices.filter { parameters[$0].name == name } }
        ?? parameters.indices.filter { parameters[$0].name.contains("weight") }
      guard !chosen.isEmpty else {
        diagnostics.append(
          Diagnostic(.unknownKey, at: node.span, "`\(op)` has no weights for `init` to initialize")
            .help("name its parameters: \(Suggestions.list(parameters.map(\.name)))"))
        return nil
      }
      for index in chosen {
        if let initializer = initializer(method, for: parameters[index], &diagnostics) {
          result[index].initializer = initializer
        }
      }
    }
    // Every method that fails reports why.
    return diagnostics.hasErrors ? nil : result
  }

  /// A method as written: its name and settings node.
  private struct Method {
    var name: String
    var span: SourceSpan
    var settings: YAMLNode?
  }

  /// Which parameter (nil: all weights) gets which method; nil after reporting.
  private func assignments(_ node: YAMLNode, parameters: [ParameterSpec], _ diagnostics: inout DiagnosticBag)
    -> [(String?, Method)]?
  {
    if case .mapping(let entries, _) = node, entries.count == 1, Self.methods[entries[0].key.value] != nil {
      return method(node, &diagnostics).map { [(nil, $0)] }
    }
    guard case .mapping(let entries, _) = node else {
      return method(node, &diagnostics).map { [(nil, $0)] }
    }
    let names = parameters.map(\.name)
    var result: [(String?, Method)] = []
    for entry in entries {
      let key = entry.key.value
      guard names.contains(key) else {
        var diagnostic = Diagnostic(.unknownKey, at: entry.key.span, "`\(op)` has no parameter `\(key)`")
        if Self.methods[key] != nil {
          diagnostic = diagnostic.help(
            "a method alone initializes all weights (`init: {\(key): ...}`); per parameter, write `init: {weight: \(key)}`"
          )
        } else if let suggestion = Suggestions.didYouMean(key, in: names + Self.methods.keys.sorted()) {
          diagnostic = diagnostic.help(suggestion)
        } else {
          diagnostic = diagnostic.help("its parameters are \(Suggestions.list(names))")
        }
        diagnostics.append(diagnostic)
        continue
      }
      if let method = method(entry.value, &diagnostics) { result.append((key, method)) }
    }
    return result
  }

  /// `name` or `{name: settings}`; nil after reporting an unknown method.
  private func method(_ node: YAMLNode, _ diagnostics: inout DiagnosticBag) -> Method? {
    let written: Method
    switch node {
    case .scalar(let s) where !s.isNull:
      written = Method(name: s.value, span: s.span, settings: nil)
    case .mapping(let entries, _) where entries.count == 1:
      let settings: YAMLNode? = if case .scalar(let s) = entries[0].value, s.isNull { nil } else { entries[0].value }
      written = Method(name: entries[0].key.value, span: entries[0].key.span, settings: settings)
    default:
      diagnostics.append(
        Diagnostic(.typeMismatch, at: node.span, "an initializer is a method name or `{method: settings}`")
          .help("for example `zeros`, `{normal: {std: 0.02}}` or `{kaiming_normal: relu}`"))
      return nil
    }
    guard Self.methods[written.name] != nil else {
      var diagnostic = Diagnostic(.unknownKey, at: written.span, "unknown initializer `\(written.name)`")
      if let suggestion = Suggestions.didYouMean(written.name, in: Self.methods.keys.sorted()) {
        diagnostic = diagnostic.help(suggestion)
      } else {
        diagnostic = diagnostic.help("the methods are \(Suggestions.list(Self.methods.keys.sorted()))")
      }
      diagnostics.append(diagnostic)
      return nil
    }
    return written
  }

  /// The initializer `method` gives `parameter`; nil after reporting.
  private func initializer(_ method: Method, for parameter: ParameterSpec, _ diagnostics: inout DiagnosticBag)
    -> Initializer?
  {
    guard let settings = settings(method, &diagnostics) else { return nil }
    func number(_ key: String, _ fallback: Double, in range: ClosedRange<Double>) -> Double? {
      guard let value = settings[key] else { return fallback }
      return ValueCheck.double(value, in: range, what: "`\(key)`", &diagnostics)
    }
    let finite = -1e30...1e30
    switch method.name {
    case "zeros": return .zeros
    case "ones": return .ones
    case "constant":
      guard settings["value"] != nil else {
        diagnostics.append(
          Diagnostic(.missingKey, at: method.span, "`constant` needs a value").help("write `{constant: 0.1}`"))
        return nil
      }
      return number("value", 0, in: finite).map { .constant($0) }
    case "normal":
      return number("std", 1, in: 0...1e30).map { .normal(std: $0) }
    case "uniform":
      if let bound = settings["bound"] {
        guard settings["a"] == nil, settings["b"] == nil else {
          diagnostics.append(
            Diagnostic(.typeMismatch, at: bound.span, "`uniform` takes `bound` or `a` and `b`, not both")
              .help("`bound: c` is `a: -c, b: c`"))
          return nil
        }
        return ValueCheck.double(bound, in: 0...1e30, what: "`bound`", &diagnostics).map { .uniform(bound: $0) }
      }
      guard let a = number("a", 0, in: finite), let b = number("b", 1, in: finite) else { return nil }
      guard a <= b else {
        diagnostics.append(
          Diagnostic(
            .valueOutOfRange, at: settings["b"]?.span ?? method.span, "`uniform` needs a <= b, got \(a) > \(b)"))
        return nil
      }
      return .uniformRange(low: a, high: b)
    case "orthogonal":
      guard fans(of: parameter, method: method, &diagnostics) != nil, let gain = number("gain", 1, in: finite)
      else { return nil }
      let rows = parameter.shape[0] / parameter.rowBlocks
      return .orthogonal(gain: gain, rows: rows, columns: parameter.count / parameter.shape[0])
    case "xavier_uniform", "glorot_uniform", "xavier_normal", "glorot_normal":
      guard let (fanIn, fanOut) = fans(of: parameter, method: method, &diagnostics),
        let gain = number("gain", 1, in: finite)
      else { return nil }
      let std = gain * (2 / Double(fanIn + fanOut)).squareRoot()
      return method.name.hasSuffix("uniform") ? .uniform(bound: 3.0.squareRoot() * std) : .normal(std: std)
    default:
      guard let (fanIn, fanOut) = fans(of: parameter, method: method, &diagnostics),
        let slope = number("a", 0, in: finite)
      else { return nil }
      let mode = settings["mode"].flatMap {
        ValueCheck.choice($0, ["fan_in", "fan_out"], what: "`mode`", &diagnostics)
      }
      let nonlinearity = settings["nonlinearity"].flatMap {
        ValueCheck.choice($0, Self.nonlinearities, what: "`nonlinearity`", &diagnostics)
      }
      if settings["mode"] != nil, mode == nil { return nil }
      if settings["nonlinearity"] != nil, nonlinearity == nil { return nil }
      let fan = mode == "fan_out" ? fanOut : fanIn
      let std = Self.gain(nonlinearity ?? "leaky_relu", slope: slope) / Double(fan).squareRoot()
      return method.name.hasSuffix("uniform") ? .uniform(bound: 3.0.squareRoot() * std) : .normal(std: std)
    }
  }

  /// PyTorch's `calculate_gain`.
  static func gain(_ nonlinearity: String, slope: Double) -> Double {
    switch nonlinearity {
    case "tanh": 5.0 / 3
    case "relu": 2.0.squareRoot()
    case "leaky_relu": (2 / (1 + slope * slope)).squareRoot()
    case "selu": 0.75
    default: 1
    }
  }

  /// PyTorch's fans of a weight of rank >= 2: `fan_in = shape[1]·receptive`,
  /// `fan_out = shape[0]·receptive`, `receptive` the product of the other axes
  /// (a convolution `[out, in/groups, kh, kw]` has `fan_in = in/groups·kh·kw`).
  static func fans(of shape: [Int]) -> (fanIn: Int, fanOut: Int)? {
    guard shape.count >= 2 else { return nil }
    let receptive = shape.dropFirst(2).reduce(1, *)
    return (shape[1] * receptive, shape[0] * receptive)
  }

  private func fans(of parameter: ParameterSpec, method: Method, _ diagnostics: inout DiagnosticBag)
    -> (Int, Int)?
  {
    if let fans = Self.fans(of: parameter.shape) { return fans }
    diagnostics.append(
      Diagnostic(
        .valueOutOfRange, at: method.span,
        "`\(method.name)` needs a weight with 2 or more axes; `\(parameter.name)` is \(parameter.shape)"
      )
      .help("initialize it with `zeros`, `constant`, `normal` or `uniform`, e.g. `init: {\(parameter.name): zeros}`"))
    return nil
  }

  /// The method's settings by name: a scalar sets the first one; nil after
  /// reporting an unknown setting or a scalar for a method without settings.
  private func settings(_ method: Method, _ diagnostics: inout DiagnosticBag) -> [String: SpecValue]? {
    let keys = Self.methods[method.name] ?? []
    guard let node = method.settings else { return [:] }
    if case .mapping = node {
      guard let reader = MappingReader(node, section: method.name, keys: keys, resolver: resolver, &diagnostics)
      else { return nil }
      var values: [String: SpecValue] = [:]
      var failed = reader.entries.contains { !keys.contains($0.key.value) }
      for key in keys where reader.node(key) != nil {
        if let value = reader.value(key, &diagnostics) { values[key] = value } else { failed = true }
      }
      return failed ? nil : values
    }
    guard let first = keys.first else {
      diagnostics.append(
        Diagnostic(.typeMismatch, at: node.span, "`\(method.name)` takes no settings")
          .help("write `\(method.name)` alone"))
      return nil
    }
    return resolver.resolve(node, &diagnostics).map { [first: $0] }
  }
}
