import NetSpecDiagnostics

/// Constructors for the JSON Schema (draft 2020-12) fragments that
/// ``JSONSchemaExporter`` and ``SpecSchema`` assemble. Every scalar value in a
/// spec may also be written as an expression (`$channels * 2`, `1/255`), so the
/// typed constructors accept the `expression` definition beside their type.
enum SchemaNode {
  /// `{"$ref": "#/$defs/<name>"}`.
  static func ref(_ name: String) -> JSONValue {
    .object(["$ref": .string("#/$defs/\(name)")])
  }

  /// A spec expression or `$variable`, evaluated by `netspec check`.
  static let expression = ref("expression")

  /// A value matching any of `schemas`, or an expression unless `expressions` is false.
  static func anyOf(_ schemas: [JSONValue], expressions: Bool = true) -> JSONValue {
    let all = expressions ? schemas + [expression] : schemas
    return all.count == 1 ? all[0] : .object(["anyOf": .array(all)])
  }

  /// An integer in `range` (bounds at ±2^53 or beyond are left open), or an expression.
  static func integer(_ range: ClosedRange<Int>) -> JSONValue {
    anyOf([rawInteger(range)])
  }

  /// An integer in `range` without the expression alternative.
  static func rawInteger(_ range: ClosedRange<Int>) -> JSONValue {
    var schema: [String: JSONValue] = ["type": .string("integer")]
    if range.lowerBound > -Dim.limit { schema["minimum"] = .int(range.lowerBound) }
    if range.upperBound < Dim.limit { schema["maximum"] = .int(range.upperBound) }
    return .object(schema)
  }

  /// A number in `interval`, or an expression.
  static func number(_ interval: Interval) -> JSONValue {
    var schema: [String: JSONValue] = ["type": .string("number")]
    schema[interval.lowerIsOpen ? "exclusiveMinimum" : "minimum"] = .double(interval.lower)
    if let upper = interval.upper {
      schema[interval.upperIsOpen ? "exclusiveMaximum" : "maximum"] = .double(upper)
    }
    return anyOf([.object(schema)])
  }

  /// A number in `range` (the upper bound excluded when `exclusiveUpper`), or an expression.
  static func number(_ range: ClosedRange<Double>, exclusiveUpper: Bool) -> JSONValue {
    number(
      Interval(
        lower: range.lowerBound, lowerIsOpen: false, upper: range.upperBound, upperIsOpen: exclusiveUpper))
  }

  /// `true` or `false`, or an expression.
  static let boolean = anyOf([.object(["type": .string("boolean")])])

  /// Any string.
  static let string: JSONValue = .object(["type": .string("string")])

  /// One of `words`, or an expression.
  static func words(_ words: [String]) -> JSONValue {
    anyOf([.object(["enum": .strings(words)])])
  }

  /// A list of `items`.
  static func array(_ items: JSONValue, count: ClosedRange<Int>? = nil, minItems: Int? = nil) -> JSONValue {
    var schema: [String: JSONValue] = ["type": .string("array"), "items": items]
    if let count {
      schema["minItems"] = .int(count.lowerBound)
      schema["maxItems"] = .int(count.upperBound)
    }
    if let minItems { schema["minItems"] = .int(minItems) }
    return .object(schema)
  }

  /// An object with exactly the given properties (`additionalProperties: false`).
  static func closedObject(
    _ properties: [String: JSONValue], required: [String] = [], description: String? = nil
  ) -> JSONValue {
    var schema: [String: JSONValue] = [
      "type": .string("object"), "properties": .object(properties),
      "additionalProperties": .bool(false),
    ]
    if !required.isEmpty { schema["required"] = .strings(required) }
    if let description { schema["description"] = .string(description) }
    return .object(schema)
  }

  /// A mapping from any key to `values`.
  static func map(_ values: JSONValue, keys: JSONValue? = nil, description: String? = nil) -> JSONValue {
    var schema: [String: JSONValue] = ["type": .string("object"), "additionalProperties": values]
    if let keys { schema["propertyNames"] = keys }
    if let description { schema["description"] = .string(description) }
    return .object(schema)
  }

  /// `schema` with its `description` set (an object schema; a `$ref` gets the
  /// description beside it, which draft 2020-12 allows).
  static func described(_ schema: JSONValue, _ description: String) -> JSONValue {
    schema.adding("description", .string(description))
  }

  /// A choice written as a bare word or as `{name: settings}` (losses,
  /// optimizers, schedules, augmentations, layers): exactly one of `choices`.
  static func tagged(_ choices: [Choice]) -> JSONValue {
    var branches: [JSONValue] = []
    let bare = choices.filter(\.allowsBareName)
    if !bare.isEmpty {
      // `enumDescriptions` (an annotation editors read: VS Code, yaml-language-server)
      // documents each name in completion lists.
      branches.append(
        .object([
          "type": .string("string"), "enum": .strings(bare.map(\.name)),
          "enumDescriptions": .strings(bare.map(\.description)),
        ]))
    }
    branches += choices.map(\.objectForm)
    return .object(["oneOf": .array(branches)])
  }

  /// One alternative of a tagged choice.
  struct Choice {
    var name: String
    var description: String
    /// The settings inside `{name: {...}}`, by key.
    var settings: [String: JSONValue]
    var required: [String]
    /// The setting a scalar value stands for (`{adam: 0.01}` is the `lr`).
    var primary: String?
    /// Keys allowed beside `name` in the outer mapping (a layer's `name`,
    /// `from`, ...), also allowed inside the settings.
    var siblings: [String: JSONValue] = [:]

    /// Whether the bare word is complete: no setting is required.
    var allowsBareName: Bool { required.isEmpty }

    /// `{name: settings | primary value | null}` plus the sibling keys.
    var objectForm: JSONValue {
      var forms = [
        closedObject(settings.merging(siblings) { own, _ in own }, required: required)
      ]
      if let primary, required.allSatisfy({ $0 == primary }), let value = settings[primary] {
        forms.append(value)
      }
      if allowsBareName { forms.append(.object(["type": .string("null")])) }
      let value = described(anyOf(forms, expressions: false), description)
      var properties = siblings
      properties[name] = value
      return closedObject(properties, required: [name])
    }
  }
}

extension JSONValue {
  /// An object with `key` set to `value` (other values are returned unchanged).
  func adding(_ key: String, _ value: JSONValue) -> JSONValue {
    guard case .object(var members) = self else { return self }
    members.removeAll { $0.key == key }
    members.append((key, value))
    return .object(members)
  }
}
