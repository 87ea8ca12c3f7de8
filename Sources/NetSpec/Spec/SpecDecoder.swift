import NetSpecDiagnostics
import NetSpecYAML

/// Turns a parsed YAML document into a ``SpecDocument``, reporting every
/// structural problem it finds (unknown keys, wrong kinds, bad shapes).
public enum SpecDecoder {
  /// The format versions this build reads.
  public static let supportedVersions = 1...1

  /// Top-level keys of a spec.
  public static let topLevelKeys = [
    "netspec", "name", "description", "vars", "inputs", "blocks", "layers", "outputs",
    "train", "data", "expect", "decode",
  ]

  /// Keys of a block definition.
  static let blockKeys = ["inputs", "args", "layers", "outputs"]

  /// Decodes `root`; `overrides` are `--set name=value` pairs already parsed.
  public static func decode(
    _ root: YAMLNode, file: SourceFile, overrides: [String: SpecValue.Kind] = [:],
    _ diagnostics: inout DiagnosticBag
  ) -> SpecDocument? {
    guard let top = MappingReader(root, section: "spec", keys: topLevelKeys, &diagnostics) else {
      return nil
    }
    let version = decodeVersion(top, &diagnostics)
    let variables = decodeVariables(top, overrides: overrides, &diagnostics)
    let resolver = ValueResolver(variables: variables)
    let (inputs, rejectedInputs) = decodeInputs(top, resolver: resolver, &diagnostics)
    let (blocks, rejectedBlocks) = decodeBlocks(top.node("blocks"), &diagnostics)
    let layers = decodeTopLevelLayers(top, &diagnostics)
    let outputs = top.node("outputs").flatMap {
      decodeReferences($0, what: "outputs", resolver: resolver, &diagnostics)
    }
    let document = SpecDocument(
      file: file, version: version ?? 1,
      name: top.string("name", &diagnostics),
      description: top.string("description", &diagnostics),
      variables: variables, inputs: inputs, rejectedInputs: rejectedInputs, blocks: blocks,
      rejectedBlocks: rejectedBlocks, layers: layers, outputs: outputs,
      train: top.node("train").flatMap { TrainSpec.decode($0, resolver: resolver, &diagnostics) },
      data: top.node("data").flatMap { DataSpec.decode($0, resolver: resolver, &diagnostics) },
      expect: top.node("expect").flatMap { ExpectSpec.decode($0, resolver: resolver, &diagnostics) },
      decode: top.node("decode").flatMap { DecodeSpec.decode($0, resolver: resolver, &diagnostics) })
    SectionChecks.check(document, &diagnostics)
    return document
  }

  private static func decodeVersion(_ top: MappingReader, _ diagnostics: inout DiagnosticBag) -> Int? {
    guard let value = top.value("netspec", &diagnostics) else {
      if top.node("netspec") == nil {
        diagnostics.append(
          Diagnostic(
            .unsupportedVersion, at: top.entries.first?.key.span ?? top.span,
            "the spec does not say which format version it uses"
          )
          .help("add `netspec: 1` as the first line"))
      }
      return nil
    }
    guard let v = value.intValue, supportedVersions.contains(v) else {
      diagnostics.append(
        Diagnostic(.unsupportedVersion, at: value.span, "unsupported format version `\(value)`")
          .help("this netspec reads `netspec: \(supportedVersions.upperBound)`"))
      return nil
    }
    return v
  }

  /// `vars:` values are literals (or expressions over earlier vars); `--set`
  /// overrides replace them and must name a declared variable (reported at
  /// `vars:`, or at the whole spec when it has none).
  private static func decodeVariables(
    _ top: MappingReader, overrides: [String: SpecValue.Kind], _ diagnostics: inout DiagnosticBag
  ) -> [String: SpecValue.Kind] {
    var variables: [String: SpecValue.Kind] = [:]
    let node = top.node("vars")
    if let node {
      switch node {
      case .mapping(let entries, _):
        for entry in entries {
          let name = entry.key.value
          guard isIdentifier(name) else {
            diagnostics.append(
              Diagnostic(.badExpression, at: entry.key.span, "`\(name)` is not a valid variable name")
                .help("use letters, digits and `_`, starting with a letter"))
            continue
          }
          if let override = overrides[name] {
            variables[name] = override
          } else if let value = ValueResolver(variables: variables).resolve(entry.value, &diagnostics) {
            variables[name] = value.kind
          }
        }
      default:
        diagnostics.append(
          Diagnostic(.typeMismatch, at: node.span, "`vars` must be a mapping of names to values"))
      }
    }
    for name in overrides.keys.sorted() where variables[name] == nil {
      var diagnostic = Diagnostic(
        .badOverride, at: node?.span ?? top.span, "`--set \(name)=...` names no variable of this spec")
      if let suggestion = Suggestions.closest(to: name, in: variables.keys) {
        diagnostic = diagnostic.help("did you mean `\(suggestion)`?")
      } else {
        diagnostic = diagnostic.help(
          variables.isEmpty
            ? "this spec declares no `vars:`"
            : "its variables are \(Suggestions.list(variables.keys.sorted()))")
      }
      diagnostics.append(diagnostic)
    }
    return variables
  }

  private static func isIdentifier(_ name: String) -> Bool {
    guard let first = name.first, first.isLetter || first == "_" else { return false }
    return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && name.allSatisfy(\.isASCII)
  }

  /// The spec's layers; a missing `layers:` is reported unless a misspelled key
  /// (`layer:`) was already reported for it, and an empty list is reported here.
  private static func decodeTopLevelLayers(_ top: MappingReader, _ diagnostics: inout DiagnosticBag) -> [LayerDecl] {
    guard let node = top.node("layers") else {
      top.requireKey(
        "layers", allowed: topLevelKeys, help: "list the model's layers under `layers:`", &diagnostics)
      return []
    }
    if case .sequence(let items, let span) = node, items.isEmpty {
      diagnostics.append(
        Diagnostic(.layerCount, at: span, "the spec has no layers")
          .help("list the model's layers under `layers:`"))
    }
    return decodeLayers(node, section: "layers", &diagnostics)
  }

  /// The well-declared inputs, and those rejected after an error.
  private static func decodeInputs(
    _ top: MappingReader, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> ([InputDecl], RejectedInputs) {
    var rejected = RejectedInputs()
    guard let node = top.node("inputs") else {
      top.requireKey(
        "inputs", allowed: topLevelKeys, help: "declare the model inputs, e.g. `inputs: {x: [N, 64]}`", &diagnostics)
      rejected.isWholeSection = true
      return ([], rejected)
    }
    guard case .mapping(let entries, _) = node else {
      diagnostics.append(
        Diagnostic(.typeMismatch, at: node.span, "`inputs` must map input names to shapes")
          .help("for example `inputs: {image: [N, 1, 28, 28]}`"))
      rejected.isWholeSection = true
      return ([], rejected)
    }
    var inputs: [InputDecl] = []
    for entry in entries {
      if let input = decodeInput(entry, resolver: resolver, &diagnostics) {
        inputs.append(input)
      } else {
        rejected.names.insert(entry.key.value)
      }
    }
    return (inputs, rejected)
  }

  /// One input, `x: [N, 64]` or `x: {shape: [N, T], dtype: int32}`; nil after
  /// reporting a bad name, shape or dtype.
  private static func decodeInput(
    _ entry: YAMLEntry, resolver: ValueResolver, _ diagnostics: inout DiagnosticBag
  ) -> InputDecl? {
    let nameIsValid = ValueCheck.name(entry.key.value, of: "input", at: entry.key.span, &diagnostics)
    var shapeNode = entry.value
    var dtype = DType.float32
    if case .mapping = entry.value {
      guard
        let reader = MappingReader(
          entry.value, section: entry.key.value, keys: ["shape", "dtype"], resolver: resolver, &diagnostics)
      else { return nil }
      guard let shape = reader.node("shape") else {
        reader.requireKey("shape", help: "write the input's shape, e.g. `shape: [N, T]`", &diagnostics)
        return nil
      }
      shapeNode = shape
      if let word = reader.choice("dtype", ["float32", "int32"], &diagnostics) {
        dtype = DType(rawValue: word)!
      } else if reader.node("dtype") != nil {
        return nil
      }
    }
    guard let shape = decodeShape(shapeNode, resolver: resolver, &diagnostics), nameIsValid else { return nil }
    return InputDecl(
      name: entry.key.value, nameSpan: entry.key.span, type: TensorType(shape, dtype), span: entry.value.span)
  }

  /// A shape list: positive integers and symbol names (`[N, 1, 28, 28]`).
  /// `computedSizes` also reads sizes such as `2*T + 6` (`expect:` shapes, which
  /// name what the front end infers); input shapes hold integers and symbols.
  static func decodeShape(
    _ node: YAMLNode, resolver: ValueResolver, computedSizes: Bool = false, _ diagnostics: inout DiagnosticBag
  ) -> Shape? {
    guard case .sequence(let items, _) = node else {
      diagnostics.append(
        Diagnostic(.badShape, at: node.span, "a shape must be a list of sizes, found \(node.kindDescription)")
          .help("for example `[N, 1, 28, 28]`: integers, and symbols such as N for the batch"))
      return nil
    }
    var shape: Shape = []
    var ok = true
    for item in items {
      guard let value = resolver.resolve(item, &diagnostics) else {
        ok = false
        continue
      }
      if let dim = dimension(value.kind, computedSizes: computedSizes) {
        shape.append(dim)
      } else {
        diagnostics.append(
          Diagnostic(.badShape, at: value.span, "`\(value)` is not a valid dimension")
            .help(
              computedSizes
                ? "dimensions are positive integers, symbols such as `N` or `T`, or sizes computed from them such as `2*T + 6`"
                : "dimensions are positive integers or symbols such as `N` or `T`"))
        ok = false
      }
    }
    guard ok else { return nil }
    guard shape.elementCount != nil else {
      diagnostics.append(
        Diagnostic(
          .dimensionOverflow, at: node.span,
          "the shape \(shape.shapeDescription) holds more than 2^53 elements per tensor"
        )
        .help("tensor sizes must stay below 2^53 (9007199254740992) elements"))
      return nil
    }
    return shape
  }

  /// One entry of a shape list as a dimension; nil when it is not one.
  private static func dimension(_ kind: SpecValue.Kind, computedSizes: Bool) -> Dim? {
    switch kind {
    case .int(let v) where v > 0 && v <= Dim.limit: return Dim(v)
    case .string(let s) where isIdentifier(s): return .symbol(s)
    case .string(let s) where computedSizes:
      guard let dim = Dim(parsing: s), dim.staticValue.map({ $0 > 0 }) ?? true else { return nil }
      return dim
    default: return nil
    }
  }

  /// The well-declared blocks by name, and the names of those rejected after an
  /// error (a bad name, a malformed definition).
  private static func decodeBlocks(
    _ node: YAMLNode?, _ diagnostics: inout DiagnosticBag
  ) -> ([String: BlockDecl], Set<String>) {
    guard let node else { return ([:], []) }
    guard case .mapping(let entries, _) = node else {
      diagnostics.append(Diagnostic(.typeMismatch, at: node.span, "`blocks` must map block names to definitions"))
      return ([:], [])
    }
    var blocks: [String: BlockDecl] = [:]
    var rejected: Set<String> = []
    for entry in entries {
      let name = entry.key.value
      if OpRegistry.op(named: name) != nil {
        diagnostics.append(
          Diagnostic(.duplicateName, at: entry.key.span, "block `\(name)` has the name of a built-in op")
            .help("rename the block, e.g. `\(name)_block`"))
        continue
      }
      let nameIsValid = ValueCheck.name(name, of: "block", at: entry.key.span, &diagnostics)
      if let block = decodeBlock(entry, &diagnostics), nameIsValid {
        blocks[name] = block
      } else {
        rejected.insert(name)
      }
    }
    return (blocks, rejected)
  }

  /// One block definition, `name: {inputs: ..., args: ..., layers: ...}`; nil
  /// after reporting a malformed part.
  private static func decodeBlock(_ entry: YAMLEntry, _ diagnostics: inout DiagnosticBag) -> BlockDecl? {
    let name = entry.key.value
    guard let reader = MappingReader(entry.value, section: name, keys: blockKeys, &diagnostics) else { return nil }
    var inputNames = ["input"]
    if let node = reader.node("inputs") {
      guard let refs = decodeReferences(node, what: "inputs", &diagnostics) else { return nil }
      inputNames = refs.map(\.name)
    }
    var arguments: [(name: String, defaultValue: YAMLNode?, span: SourceSpan)] = []
    if let args = reader.node("args") {
      guard case .mapping(let argEntries, _) = args else {
        diagnostics.append(
          Diagnostic(.typeMismatch, at: args.span, "`args` must map argument names to defaults")
            .help("write `required` for an argument without a default"))
        return nil
      }
      arguments = argEntries.map { arg in
        let isRequired: Bool
        if case .scalar(let s) = arg.value, s.style == .plain, s.value == "required" {
          isRequired = true
        } else {
          isRequired = false
        }
        return (arg.key.value, isRequired ? nil : arg.value, arg.key.span)
      }
    }
    guard let layersNode = reader.node("layers") else {
      reader.requireKey("layers", allowed: blockKeys, help: "list the block's layers under `layers:`", &diagnostics)
      return nil
    }
    var outputs: [Reference]?
    if let node = reader.node("outputs") {
      guard let refs = decodeReferences(node, what: "outputs", &diagnostics) else { return nil }
      outputs = refs
    }
    return BlockDecl(
      name: name, nameSpan: entry.key.span, inputs: inputNames, arguments: arguments,
      layers: decodeLayers(layersNode, section: "\(name).layers", &diagnostics), outputs: outputs)
  }

  /// A list of layer items; an item that is not a layer is reported and kept as
  /// a ``LayerDecl/rejected(at:)`` stand-in.
  static func decodeLayers(_ node: YAMLNode, section: String, _ diagnostics: inout DiagnosticBag) -> [LayerDecl] {
    guard case .sequence(let items, _) = node else {
      diagnostics.append(
        Diagnostic(.typeMismatch, at: node.span, "`\(section)` must be a list of layers")
          .help("start each layer with `- `, e.g. `- dense: 10`"))
      return []
    }
    return items.map { decodeLayer($0, &diagnostics) ?? .rejected(at: $0.span) }
  }

  /// One layer item: `relu`, `dense: 10`, `conv2d: {filters: 6, kernel: 5}`, with
  /// optional common keys beside the op or inside its attribute mapping.
  static func decodeLayer(_ node: YAMLNode, _ diagnostics: inout DiagnosticBag) -> LayerDecl? {
    switch node {
    case .scalar(let s) where !s.isNull:
      return LayerDecl(
        op: s.value, opSpan: s.span, attributes: [], shorthand: nil, span: s.span)
    case .mapping(let entries, let span):
      let opEntries = entries.filter { !LayerDecl.commonKeys.contains($0.key.value) }
      guard opEntries.count == 1, let opEntry = opEntries.first else {
        let message =
          opEntries.isEmpty
          ? "this layer names no op"
          : "a layer names exactly one op, found \(opEntries.count): "
            + opEntries.map { "`\($0.key.value)`" }.joined(separator: ", ")
        diagnostics.append(
          Diagnostic(.typeMismatch, at: opEntries.dropFirst().first?.key.span ?? span, message)
            .help(
              "start a new list item (`- `) for each layer; common keys are \(Suggestions.list(LayerDecl.commonKeys))"))
        return nil
      }
      var layer = LayerDecl(
        op: opEntry.key.value, opSpan: opEntry.key.span, attributes: [], shorthand: nil, span: span)
      var common: [String: YAMLEntry] = [:]
      for entry in entries where LayerDecl.commonKeys.contains(entry.key.value) {
        common[entry.key.value] = entry
      }
      switch opEntry.value {
      case .mapping(let attributes, _):
        for attribute in attributes {
          guard LayerDecl.commonKeys.contains(attribute.key.value) else {
            layer.attributes.append(attribute)
            continue
          }
          if let earlier = common[attribute.key.value] {
            diagnostics.append(
              Diagnostic(
                .duplicateKey, at: attribute.key.span, "`\(attribute.key.value)` is given twice for this layer"
              )
              .label(earlier.key.span, "also given here"))
          }
          common[attribute.key.value] = attribute
        }
      case .scalar(let s) where s.isNull:
        break
      default:
        layer.shorthand = opEntry.value
      }
      layer.name = common["name"]?.value
      layer.from = common["from"]?.value
      layer.repeatCount = common["repeat"]?.value
      layer.tie = common["tie"]?.value
      layer.trainable = common["trainable"]?.value
      layer.initialization = common["init"]?.value
      return layer
    default:
      diagnostics.append(
        Diagnostic(
          .typeMismatch, at: node.span, "a layer must be an op name or `op: attributes`, found \(node.kindDescription)"
        )
        .help("for example `- relu` or `- dense: {units: 10}`"))
      return nil
    }
  }

  /// A name or list of names (`from: x`, `from: [a, b]`, `outputs: [logits]`).
  /// A plain scalar that mentions `$` is resolved with `resolver`: to a name,
  /// or (standing for the whole value) to a list of names.
  static func decodeReferences(
    _ node: YAMLNode, what: String, resolver: ValueResolver = ValueResolver(), _ diagnostics: inout DiagnosticBag
  ) -> [Reference]? {
    switch node {
    case .scalar(let s) where !s.isNull:
      return references(s, what: what, resolver: resolver, allowsList: true, &diagnostics)
    case .sequence(let items, _):
      var refs: [Reference] = []
      for item in items {
        guard case .scalar(let s) = item, !s.isNull else {
          diagnostics.append(Diagnostic(.typeMismatch, at: item.span, "`\(what)` lists names of layers or inputs"))
          return nil
        }
        guard let resolved = references(s, what: what, resolver: resolver, allowsList: false, &diagnostics) else {
          return nil
        }
        refs += resolved
      }
      return refs
    default:
      diagnostics.append(
        Diagnostic(.typeMismatch, at: node.span, "`\(what)` must be a name or a list of names"))
      return nil
    }
  }

  /// The names one scalar of a reference list stands for.
  private static func references(
    _ scalar: YAMLScalar, what: String, resolver: ValueResolver, allowsList: Bool, _ diagnostics: inout DiagnosticBag
  ) -> [Reference]? {
    guard scalar.style == .plain, scalar.value.contains("$") else {
      return [Reference(scalar.value, span: scalar.span)]
    }
    guard let value = resolver.resolve(scalar, &diagnostics) else { return nil }
    if allowsList, let items = value.listValue {
      var refs: [Reference] = []
      for item in items {
        guard let name = item.stringValue else { return notAName(item, what: what, at: scalar.span, &diagnostics) }
        refs.append(Reference(name, span: scalar.span))
      }
      return refs
    }
    guard let name = value.stringValue else { return notAName(value, what: what, at: scalar.span, &diagnostics) }
    return [Reference(name, span: scalar.span)]
  }

  private static func notAName(
    _ value: SpecValue, what: String, at span: SourceSpan, _ diagnostics: inout DiagnosticBag
  ) -> [Reference]? {
    diagnostics.append(
      Diagnostic(
        .typeMismatch, at: span, "`\(what)` names layers or inputs; this is \(value.kindDescription) `\(value)`"
      )
      .help("give the variable a layer or input name, e.g. `vars: {source: encoder}`"))
    return nil
  }
}
