import Foundation

/// Each op's parameters and their default initialization, written
/// symbolically for docs/OPS.md (`U(-k, k), k = 1/sqrt(fan_in)`, not a number).
///
/// Read off the registry: the op's shape rule runs on its examples
/// (``ExecutableOperator/examples``) and the ``Initializer`` it returns for
/// each parameter is matched against formulas in the quantities of that
/// example: the parameter's fan-in and fan-out and the op's integer
/// attributes. A formula is kept when it holds in every example; among those,
/// the quantity that explains the most of the op's parameters wins, so all of
/// an LSTM's read `1/sqrt(hidden)`. When no formula holds in every example
/// (embedding's `scale`), each is given with the attribute values that select it.
enum InitializationReference {
  struct Row: Equatable {
    var parameter: String
    var isBuffer: Bool
    var initialization: String
  }

  /// One candidate reading of an initializer: its text and the quantity it is
  /// written in (for choosing one quantity across an op's parameters).
  private struct Reading: Hashable {
    var text: String
    var basis: String
  }

  /// A parameter's candidate readings in one example.
  private struct Observation {
    var example: Int
    var attributes: Attributes
    var readings: [Reading]
  }

  /// The op's parameters and buffers, in the order of their first appearance
  /// in the examples, with their initialization.
  static func rows(for op: any Operator.Type) -> [Row] {
    guard let examples = (op as? any ExecutableOperator.Type)?.examples else { return [] }
    var order: [String] = []
    var buffers: Set<String> = []
    var observed: [String: [Observation]] = [:]
    for (index, example) in examples.enumerated() {
      let attributes = Attributes(op.schema, example.attributes)
      guard let inference = try? op.init(attributes).infer(example.inputs) else { continue }
      let all = inference.parameters + inference.buffers
      for (position, parameter) in all.enumerated() {
        if observed[parameter.name] == nil { order.append(parameter.name) }
        if position >= inference.parameters.count { buffers.insert(parameter.name) }
        let readings = readings(of: parameter, among: all, at: position, attributes, op.schema)
        observed[parameter.name, default: []].append(
          Observation(example: index, attributes: attributes, readings: readings))
      }
    }
    // Readings that hold in every example of a parameter, and how many parameters each basis explains.
    let general = observed.mapValues { observations in
      observations.dropFirst().reduce(observations[0].readings) { kept, next in
        kept.filter(next.readings.contains)
      }
    }
    var score: [String: Int] = [:]
    for readings in general.values {
      for basis in Set(readings.map(\.basis)) { score[basis, default: 0] += 1 }
    }
    func best(_ readings: [Reading]) -> Reading? {
      readings.enumerated().max { a, b in
        (score[a.element.basis] ?? 0, -a.offset) < (score[b.element.basis] ?? 0, -b.offset)
      }?.element
    }
    return order.map { name in
      let text = best(general[name]!)?.text ?? conditional(observed[name]!, op.schema, choose: best)
      return Row(parameter: name, isBuffer: buffers.contains(name), initialization: text)
    }
  }

  /// Each example's reading, with the choice attributes (booleans and words)
  /// that tell the readings apart: `N(0, 1) with `scale: false`; ...`.
  private static func conditional(
    _ observations: [Observation], _ schema: OpSchema, choose: ([Reading]) -> Reading?
  ) -> String {
    var groups: [(text: String, members: [Observation])] = []
    for observation in observations {
      let text = choose(observation.readings)?.text ?? "?"
      if let index = groups.firstIndex(where: { $0.text == text }) {
        groups[index].members.append(observation)
      } else {
        groups.append((text, [observation]))
      }
    }
    let switches = schema.attributes.filter {
      switch $0.kind {
      case .bool, .choice: true
      default: false
      }
    }
    return groups.map { group in
      let conditions = switches.compactMap { attribute -> String? in
        let values = Set(group.members.map { $0.attributes.values[attribute.name] ?? .null })
        guard values.count == 1, let value = values.first else { return nil }
        let elsewhere = groups.filter { $0.text != group.text }.flatMap(\.members)
        guard !elsewhere.contains(where: { ($0.attributes.values[attribute.name] ?? .null) == value }) else {
          return nil
        }
        return "`\(attribute.name): \(value)`"
      }
      return conditions.isEmpty ? group.text : "\(group.text) with \(conditions.joined(separator: ", "))"
    }.joined(separator: "; ")
  }

  /// The formulas `parameter`'s initializer matches in one example, in order
  /// of preference: a round constant, the op's attributes, fan-in, Glorot's
  /// bound, any other constant.
  private static func readings(
    of parameter: ParameterSpec, among all: [ParameterSpec], at position: Int, _ attributes: Attributes,
    _ schema: OpSchema
  ) -> [Reading] {
    let scale: Double
    let form: (String) -> String
    switch parameter.initializer {
    case .zeros: return [Reading(text: "zeros", basis: "constant")]
    case .ones: return [Reading(text: "ones", basis: "constant")]
    // Only a layer's `init:` chooses these; no op defaults to them.
    case .constant, .uniformRange, .orthogonal:
      return [Reading(text: parameter.initializer.description, basis: "constant")]
    case .uniform(let bound):
      scale = bound
      form = { "U(-k, k), k = \($0)" }
    case .normal(let std):
      scale = std
      form = { "N(0, \($0))" }
    }
    var candidates: [(text: String, basis: String, value: Double)] = []
    let constant = String(format: "%.4g", scale)
    let isRound = Double(String(format: "%.2g", scale)) == scale
    if isRound { candidates.append((constant, "constant", scale)) }
    for attribute in schema.attributes {
      guard case .int(let n) = attributes.values[attribute.name], n > 0 else { continue }
      candidates.append(("1/sqrt(\(attribute.name))", attribute.name, 1 / Double(n).squareRoot()))
    }
    // A bias takes the fan-in of the weight before it.
    let weight = parameter.shape.count >= 2 ? parameter : all[..<position].last { $0.shape.count >= 2 }
    if let weight {
      let receptive = weight.shape.dropFirst(2).reduce(1, *)
      let fanIn = weight.shape[1] * receptive
      let fanOut = weight.shape[0] * receptive
      candidates.append(("1/sqrt(fan_in)", "fan_in", 1 / Double(fanIn).squareRoot()))
      candidates.append(
        ("sqrt(6/(fan_in + fan_out))", "glorot", (6 / Double(fanIn + fanOut)).squareRoot()))
    }
    if !isRound { candidates.append((constant, "constant", scale)) }
    return candidates.filter { abs($0.value - scale) <= 1e-12 * max(scale, 1) }.map {
      Reading(text: form($0.text), basis: $0.basis)
    }
  }
}
