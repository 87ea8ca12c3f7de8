import NetSpecDiagnostics

/// The JSON Schema (draft 2020-12) of the spec language, for editors and CI
/// (`netspec schema`). The layer and loss parts are generated from
/// ``OpRegistry``: each op's name, summary, attributes (kind, range, default,
/// documentation) and primary attribute; the fixed sections come from
/// ``SpecSchema``. Output is deterministic (keys sorted, ops in registry order).
///
/// A layer item is `oneOf`:
/// - a bare op name, for ops whose attributes all have defaults (`- relu`);
/// - `{op: {attributes}}`, `{op: primary-value}` (`- dense: 10`, only when the
///   primary attribute is the only required one) or `{op: null}`, with the
///   common layer keys (`name`, `from`, `repeat`, `tie`, `trainable`, `init`) allowed
///   beside the op key and inside the attribute mapping; no other key.
///
/// Block invocations (`- basic: {channels: 64}`) name blocks the spec defines
/// itself, which a static schema cannot know. The schema therefore allows them
/// only in specs that have a `blocks:` section (and inside block bodies): there a
/// layer may also be any key that is not an op name, with arguments of any
/// value. Specs without blocks keep the strict form, so a misspelled op
/// (`conv2: ...`) is an error in the editor; in specs with blocks it is left to
/// `netspec check`, which reports it with a suggestion.
///
/// The schema uses no keyword that is new in draft 2019-09 or 2020-12 (only the
/// `$defs` location), so editors that implement draft-07 validate it the same way.
///
/// ```swift
/// print(JSONSchemaExporter.schema.serialized(.prettySorted), terminator: "")
/// ```
public enum JSONSchemaExporter {
  /// The schema's `$schema` dialect.
  public static let dialect = "https://json-schema.org/draft/2020-12/schema"

  /// The schema's `$id`: a name, not a location to fetch (editors take the
  /// schema from the file the `# yaml-language-server: $schema=` line or their
  /// settings name); it changes with the spec format's version.
  public static var identifier: String { "urn:netspec:spec-schema:\(SpecDecoder.supportedVersions.upperBound)" }

  /// The whole schema.
  public static var schema: JSONValue {
    var defs = SpecSchema.definitions
    defs["layer"] = strictLayer
    defs["layerOrBlock"] = layerOrBlock
    defs["loss"] = loss
    var root = SpecSchema.root
    root["$schema"] = .string(dialect)
    root["$id"] = .string(identifier)
    root["title"] = .string("NetSpec spec, format version \(SpecDecoder.supportedVersions.upperBound)")
    // Layers may invoke blocks only when the spec defines some.
    root["if"] = .object(["required": .strings(["blocks"])])
    root["then"] = layerItems("layerOrBlock")
    root["else"] = layerItems("layer")
    root["$defs"] = .object(defs)
    return .object(root)
  }

  /// The ops a layer may name (every op but the losses), in registry order.
  private static var layerOps: [OpSchema] {
    OpRegistry.all.map { $0.schema }.filter { $0.category != .loss }
  }

  private static func layerItems(_ definition: String) -> JSONValue {
    .object(["properties": .object(["layers": .object(["items": SchemaNode.ref(definition)])])])
  }

  /// A built-in op layer, in any of its forms.
  private static var strictLayer: JSONValue {
    SchemaNode.described(
      SchemaNode.tagged(layerOps.map { choice(for: $0, siblings: SpecSchema.commonLayerKeys) }),
      "A layer: a bare op name (`relu`), `{op: {attribute: value}}` or `{op: primary-value}` (`dense: 10`).")
  }

  /// A built-in op layer or an invocation of a block the spec defines.
  private static var layerOrBlock: JSONValue {
    let opNames: JSONValue = .object(["enum": .strings(OpRegistry.all.map { $0.schema.name })])
    var blockKeys = SpecSchema.commonLayerKeys
    for key in ["tie", "trainable", "init"] {
      blockKeys[key] = .bool(false)
    }
    let bareBlock: JSONValue = .object([
      "type": .string("string"), "not": opNames,
      "description": .string("A block without required arguments, by name."),
    ])
    let invocation: JSONValue = .object([
      "type": .string("object"),
      "description": .string(
        "A block invocation: `{block: {argument: value}}`, `{block: first-argument-value}` or `{block: null}`. The schema cannot see which blocks exist; `netspec check` can."
      ),
      "properties": .object(blockKeys),
      "propertyNames": .object(["not": opNames]),
      "additionalProperties": SchemaNode.anyOf(
        [SchemaNode.map(SchemaNode.ref("value")), SchemaNode.ref("value")], expressions: false),
      // At least one key that is not a common layer key: the block's name.
      "not": .object(["propertyNames": .object(["enum": .strings(LayerDecl.commonKeys)])]),
    ])
    return .object([
      "description": .string("A layer, or an invocation of a block defined under `blocks:`."),
      "oneOf": .array([SchemaNode.ref("layer"), bareBlock, invocation]),
    ])
  }

  /// `train.loss`: a loss op, with the prediction (`from`) and target names.
  private static var loss: JSONValue {
    let losses = OpRegistry.all.map { $0.schema }.filter { $0.category == .loss }
    return SchemaNode.described(
      SchemaNode.tagged(
        losses.map { op in
          // `loss: {mse: 0.5}` has no meaning: a loss's value is always a mapping.
          var loss = choice(for: op, settings: SpecSchema.lossKeys)
          loss.primary = nil
          return loss
        }),
      "The loss to minimize: `mse` or `{cross_entropy: {from: logits, target: label}}`.")
  }

  /// One op as a tagged choice: its attributes as the settings.
  static func choice(
    for op: OpSchema, siblings: [String: JSONValue] = [:], settings: [String: JSONValue] = [:]
  ) -> SchemaNode.Choice {
    var attributes = settings
    for attribute in op.attributes {
      attributes[attribute.name] = schema(for: attribute)
    }
    let required = op.attributes.compactMap { attribute -> String? in
      if case .required = attribute.defaultValue { return attribute.name }
      return nil
    }
    return SchemaNode.Choice(
      name: op.name, description: op.summary, settings: attributes, required: required,
      primary: op.primary, siblings: siblings)
  }

  /// An attribute's value schema: its kind and range, its documentation and default.
  static func schema(for attribute: AttributeSpec) -> JSONValue {
    var description = "\(attribute.doc): \(attribute.kind.expectation)"
    var schema = schema(for: attribute.kind)
    switch attribute.defaultValue {
    case .required:
      description += " (required)"
    case .value(let value):
      description += "; default \(text(value))"
      schema = schema.adding("default", json(value))
    case .optional:
      break
    }
    return SchemaNode.described(schema, description + ".")
  }

  /// The values an attribute kind accepts, each alternative also as an expression.
  static func schema(for kind: AttributeKind) -> JSONValue {
    switch kind {
    case .int(let range):
      return SchemaNode.integer(range)
    case .float(let range, let exclusiveUpper):
      return SchemaNode.number(range, exclusiveUpper: exclusiveUpper)
    case .bool:
      return SchemaNode.boolean
    case .choice(let words):
      return SchemaNode.words(words)
    case .pair(let range):
      return SchemaNode.anyOf([
        SchemaNode.rawInteger(range), SchemaNode.array(SchemaNode.integer(range), count: 2...2),
      ])
    case .padding:
      let range = 0...4096
      return SchemaNode.anyOf([
        SchemaNode.rawInteger(range), SchemaNode.array(SchemaNode.integer(range), count: 2...2),
        .object(["enum": .strings(["same", "valid"])]),
      ])
    case .shape:
      return SchemaNode.array(
        SchemaNode.anyOf([
          SchemaNode.rawInteger(1...Dim.limit), .object(["const": .int(-1)]), SpecSchema.symbol,
        ]))
    case .ints:
      return SchemaNode.array(SchemaNode.integer(-Dim.limit...Dim.limit))
    case .axes:
      let range = ShapeRules.axisRange
      return SchemaNode.anyOf([SchemaNode.rawInteger(range), SchemaNode.array(SchemaNode.integer(range))])
    case .reference:
      return SchemaNode.string
    }
  }

  /// A default as written in YAML: `1`, `0.5`, `tanh`, `[1, 1]`.
  private static func text(_ value: SpecValue.Kind) -> String {
    switch value {
    case .int(let v): String(v)
    case .float(let v): formatNumber(v)
    case .bool(let v): String(v)
    case .string(let v): v
    case .list(let items): "[" + items.map { text($0.kind) }.joined(separator: ", ") + "]"
    case .null: "null"
    }
  }

  /// A spec value as JSON (for `default`).
  static func json(_ value: SpecValue.Kind) -> JSONValue {
    switch value {
    case .int(let v): .int(v)
    case .float(let v): .double(v)
    case .bool(let v): .bool(v)
    case .string(let v): .string(v)
    case .list(let items): .array(items.map { json($0.kind) })
    case .null: .null
    }
  }
}
