import Foundation
import NetSpecDiagnostics
import NetSpecYAML
import Testing

@testable import NetSpec

@Suite("JSONSchemaExporter")
struct JSONSchemaExporterTests {
  let schema = JSONSchemaExporter.schema

  @Test("the schema is valid, deterministic JSON in the 2020-12 dialect")
  func validJSON() throws {
    let text = schema.serialized(.prettySorted)
    #expect(text == JSONSchemaExporter.schema.serialized(.prettySorted))
    let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(object["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
    #expect(schema["required"] == .strings(["netspec", "inputs", "layers"]))
  }

  @Test("the schema has an `$id` naming the format version")
  func identifier() {
    #expect(schema["$id"] == .string("urn:netspec:spec-schema:\(SpecDecoder.supportedVersions.upperBound)"))
  }

  @Test("every bare op name carries its summary for editor completion")
  func bareNameDescriptions() throws {
    let bare = try #require(schema["$defs"]?["layer"]?["oneOf"]?.elements?.first)
    let names = try #require(bare["enum"]?.elements)
    let descriptions = try #require(bare["enumDescriptions"]?.elements)
    #expect(names.count == descriptions.count)
    for (name, description) in zip(names, descriptions) {
      guard case .string(let op) = name else { continue }
      #expect(description == .string(try #require(OpRegistry.op(named: op)).schema.summary), "\(op)")
    }
  }

  @Test("no keyword that draft-07 editors do not know")
  func draft07Keywords() {
    let newer: Set<String> = [
      "unevaluatedProperties", "unevaluatedItems", "prefixItems", "$dynamicRef", "$dynamicAnchor",
      "$anchor", "$recursiveRef", "dependentRequired", "dependentSchemas", "minContains", "maxContains",
    ]
    func keywords(_ node: JSONValue) -> Set<String> {
      switch node {
      case .object(let members):
        // Property names are data, not keywords.
        let nested = members.flatMap { key, value in
          key == "properties" || key == "$defs" ? (value.keys ?? []).compactMap { value[$0] } : [value]
        }
        return Set(members.map(\.key)).union(nested.flatMap(keywords))
      case .array(let items): return Set(items.flatMap(keywords))
      default: return []
      }
    }
    #expect(keywords(schema).isDisjoint(with: newer))
  }

  @Test("every layer op is in `layer` with its attributes, defaults and primary form")
  func layerOps() throws {
    let branches = try #require(schema["$defs"]?["layer"]?["oneOf"]?.elements)
    let bare = try #require(branches.first?["enum"]?.elements)
    let ops = OpRegistry.all.map { $0.schema }.filter { $0.category != .loss }
    #expect(branches.count == ops.count + 1)
    for op in ops {
      let required = op.attributes.filter { if case .required = $0.defaultValue { true } else { false } }.map(\.name)
      #expect(bare.contains(.string(op.name)) == required.isEmpty, "bare `\(op.name)`")
      let branch = try #require(branches.first { $0["required"] == .strings([op.name]) }, "op \(op.name)")
      #expect(branch["additionalProperties"] == .bool(false))
      #expect(Set(try #require(branch["properties"]?.keys)) == Set([op.name] + LayerDecl.commonKeys))
      let value = try #require(branch["properties"]?[op.name])
      #expect(value["description"] == .string(op.summary))
      let forms = value["anyOf"]?.elements ?? [value]
      let attributes = try #require(forms.first { $0["type"] == .string("object") })
      #expect(attributes["additionalProperties"] == .bool(false))
      #expect(
        Set(try #require(attributes["properties"]?.keys))
          == Set(op.attributes.map(\.name) + LayerDecl.commonKeys), "attributes of \(op.name)")
      #expect(attributes["required"] == (required.isEmpty ? nil : .strings(required)))
      for attribute in op.attributes {
        let property = try #require(attributes["properties"]?[attribute.name])
        #expect(property["description"]?.text?.contains(attribute.doc) == true)
        if case .value(let v) = attribute.defaultValue {
          #expect(property["default"] == JSONSchemaExporter.json(v), "default of \(op.name).\(attribute.name)")
        }
      }
      let shorthand = op.primary.map { primary in required.allSatisfy { $0 == primary } } ?? false
      #expect(forms.count == 1 + (shorthand ? 1 : 0) + (required.isEmpty ? 1 : 0), "forms of \(op.name)")
    }
  }

  @Test("every loss op is in `loss` with `from` and `target`")
  func lossOps() throws {
    let branches = try #require(schema["$defs"]?["loss"]?["oneOf"]?.elements)
    for op in OpRegistry.all.map({ $0.schema }).filter({ $0.category == .loss }) {
      let branch = try #require(branches.first { $0["required"] == .strings([op.name]) }, "loss \(op.name)")
      let value = try #require(branch["properties"]?[op.name])
      let attributes = try #require((value["anyOf"]?.elements ?? [value]).first { $0["type"] == .string("object") })
      #expect(
        Set(try #require(attributes["properties"]?.keys)) == Set(op.attributes.map(\.name) + LossDecl.ownKeys))
    }
  }

  @Test("the sections describe exactly the keys their decoders read")
  func sectionKeys() throws {
    let defs = try #require(schema["$defs"])
    let sections: [(String, JSONValue?, [String])] = [
      ("top level", schema["properties"], SpecDecoder.topLevelKeys),
      ("train", defs["train"]?["properties"], TrainSpec.keys),
      ("data", defs["data"]?["properties"], DataSpec.keys),
      ("data source", defs["dataSource"]?["properties"], DataSource.formats + DataSource.options),
      ("expect", defs["expect"]?["properties"], ExpectSpec.keys),
      (
        "expect.layers", defs["expect"]?["properties"]?["layers"]?["additionalProperties"]?["properties"],
        ExpectedLayer.keys
      ),
    ]
    for (name, properties, keys) in sections {
      let properties = try #require(properties, "\(name) properties")
      #expect(Set(try #require(properties.keys)) == Set(keys), "keys of \(name)")
      for key in keys {
        #expect(properties[key] != .object([:]), "\(name) key `\(key)` is not described")
      }
    }
  }

  @Test(
    "specs and examples validate; mistakes do not (python3 + jsonschema)",
    .enabled(if: Python.hasJSONSchema, "needs python3 with the `jsonschema` package"))
  func pythonValidation() throws {
    var cases: [(name: String, yaml: String, valid: Bool)] = []
    for (index, example) in validExamples.enumerated() {
      cases.append(("valid example \(index + 1)", example, true))
    }
    for (index, example) in invalidExamples.enumerated() {
      cases.append(("invalid example \(index + 1)", example, false))
    }
    // Every checked-in spec that netspec accepts must satisfy the schema.
    let specs = packageRoot.appendingPathComponent("specs")
    let files = (try? FileManager.default.contentsOfDirectory(atPath: specs.path)) ?? []
    for file in files.sorted() where file.hasSuffix(".yaml") {
      let path = specs.appendingPathComponent(file).path
      var diagnostics = DiagnosticBag()
      if Frontend.load(path: path, &diagnostics) != nil {
        cases.append(("specs/\(file)", try String(contentsOfFile: path, encoding: .utf8), true))
      }
    }
    let results = try Python.validate(schema: schema, instances: cases.map { try instance($0.yaml) })
    for (c, error) in zip(cases, results) {
      if c.valid {
        #expect(error == nil, "\(c.name) should validate:\n\(error ?? "")\n\(c.yaml)")
      } else {
        #expect(error != nil, "\(c.name) should not validate:\n\(c.yaml)")
      }
    }
  }

  @Test("the examples agree with netspec itself")
  func examplesAgreeWithFrontend() {
    for example in validExamples {
      _ = checkedSpec(example)
    }
    for example in invalidExamples {
      var diagnostics = DiagnosticBag()
      #expect(Frontend.check(SourceFile(path: "t.yaml", text: example), &diagnostics) == nil, "\(example)")
    }
  }

  @Test("with blocks, an unknown layer key is left to netspec check (documented limitation)")
  func blocksArePermissive() throws {
    let yaml = """
      netspec: 1
      inputs: {x: [N, 4]}
      blocks:
        pair:
          layers: [{dense: 4}, relu]
      layers:
        - pair
        - dense2: 3

      """
    var diagnostics = DiagnosticBag()
    #expect(Frontend.check(SourceFile(path: "t.yaml", text: yaml), &diagnostics) == nil)
    if Python.hasJSONSchema {
      #expect(try Python.validate(schema: schema, instances: [instance(yaml)]) == [nil])
    }
  }
}

// MARK: - Examples

private let validExamples = [
  mlpSpec,
  """
  netspec: 1
  name: lenet5
  inputs:
    image: [N, 1, 28, 28]
  layers:
    - conv2d: {filters: 6, kernel: 5, padding: 2}
    - tanh
    - avgpool2d: 2
    - conv2d: {filters: 16, kernel: 5, name: conv2}
    - tanh:
    - maxpool2d: {kernel: [2, 2], stride: 2}
    - flatten
    - dense: {units: 120, activation: tanh}
    - dropout: 0.25
    - dense: {units: 10}
      name: logits
  train:
    loss: {cross_entropy: {target: label}}
    optimizer: {adam: {lr: 1.0e-3}}
    weight_decay: 0
    batch_size: 64
    epochs: 15
  expect:
    params: 51902
    outputs: {logits: [N, 10]}
    layers: {conv2: {params: 2416, output: [N, 16, 10, 10]}}

  """,
  """
  netspec: 1
  name: language
  vars: {c: 16, extra: 0, dilations: [1, 2, 4], source: x}
  inputs:
    x: [N, 16, 1, 32]
  layers:
    - conv2d: {filters: 16, kernel: 1, groups: max(1, $c // 4), from: $source, init: {kaiming_normal: relu}}
    - conv2d: {filters: 16, kernel: [1, 2], dilation: [1, 2 ** ($index % 10)], init: {weight: orthogonal, bias: zeros}}
      repeat: 3
    - conv2d:
        filters: 16
        kernel: 1
        dilation: $dilations[$index]
      repeat: $extra
    - flatten
    - dense: {units: 4, init: xavier_uniform}

  """,
  """
  netspec: 1
  name: seq
  vars: {d_model: 16, heads: 2, vocab: 10}
  inputs:
    tokens: {shape: [N, T], dtype: int32}
  layers:
    - embedding: {vocab: $vocab, dim: $d_model, name: embed}
    - positional_encoding
    - attention: {heads: $heads, causal: true}
    - layernorm
    - dense: {units: $d_model * 2, activation: gelu}
    - dense: $d_model
    - dropout: 0.1
    - dense: {units: $vocab, bias: false, tie: embed, name: logits}
  train:
    loss: {cross_entropy: {label_smoothing: 0.1}}
    optimizer: {adamw: {lr: 3.0e-4, weight_decay: 0.05}}
    schedule: {cosine: {min_lr: 1.0e-5, warmup_epochs: 1}}
    batch_size: 16
    epochs: 3
    clip_grad_norm: 1.0
    metrics: [accuracy, loss]
    early_stopping: {monitor: val_loss, patience: 2}
    seed: 7
  data:
    train: {synthetic: {task: reverse, samples: 200, length: 8, vocab: 10}}
    split: {validation: 0.1, shuffle: true}
  expect:
    outputs: {logits: [N, T, 10]}

  """,
  """
  netspec: 1
  name: tiny_resnet
  vars: {classes: 10, width: 8}
  inputs:
    image: [N, 3, 16, 16]
  blocks:
    basic:
      args: {channels: required, stride: 1}
      layers:
        - conv2d: {filters: $channels, kernel: 3, stride: $stride, padding: 1, bias: false}
        - batchnorm
        - relu
        - conv2d: {filters: $channels, kernel: [3, 3], padding: same, bias: false}
        - batchnorm: {name: body}
        - add: {from: [body, input]}
        - relu
  layers:
    - conv2d: {filters: $width, kernel: 3, padding: 1, name: stem}
    - basic: {channels: $width}
      repeat: 2
      name: stage
    - basic: $width
    - global_avgpool
    - flatten
    - dense: {units: $classes, name: logits}
  outputs: [logits]
  train:
    loss: {cross_entropy: {from: logits, target: label}}
    optimizer: {sgd: {lr: 0.1, momentum: 0.9, nesterov: true}}
    schedule: {step: {every: 2, gamma: 0.5}}
    batch_size: all
  expect:
    params: 3866

  """,
]

/// Mistakes in specs without blocks, each a single edit of a valid spec.
private let invalidExamples = [
  // A misspelled op.
  mlpSpec.replacingOccurrences(of: "- dense: 10", with: "- dense2: 10"),
  mlpSpec.replacingOccurrences(of: "- dense: 10", with: "- conv2: {filters: 6, kernel: 5}"),
  // A bare op that needs attributes.
  mlpSpec.replacingOccurrences(of: "- dense: 10", with: "- dense"),
  // An unknown attribute, a missing one, a bad choice, out of range.
  mlpSpec.replacingOccurrences(of: "{units: 32, activation: relu}", with: "{units: 32, unit: 4}"),
  mlpSpec.replacingOccurrences(of: "{units: 32, activation: relu}", with: "{activation: relu}"),
  mlpSpec.replacingOccurrences(of: "activation: relu", with: "activation: rleu"),
  mlpSpec.replacingOccurrences(of: "- dense: 10", with: "- dropout: 1.5"),
  // Two ops in one item.
  mlpSpec.replacingOccurrences(of: "- dense: 10", with: "- {dense: 10, relu: null}"),
  // Top-level mistakes.
  mlpSpec.replacingOccurrences(of: "netspec: 1", with: "netspec: 2"),
  mlpSpec.replacingOccurrences(of: "layers:", with: "layer:"),
  mlpSpec.replacingOccurrences(of: "inputs: {x: [N, 64]}", with: "inputs: {x: [N, 0]}"),
  // Sections.
  mlpSpec + "train: {loss: cross_entropy, optimizer: {adma: 0.1}}\n",
  mlpSpec + "train: {optimizer: adam}\n",
  mlpSpec + "train: {loss: cross_entropy, epochs: 0}\n",
  mlpSpec + "train: {loss: cross_entropy, schedule: step}\n",
  mlpSpec + "expect: {parameters: 10}\n",
  mlpSpec + "expect: {layers: {dense_1: {param: 2080}}}\n",
]

// MARK: - Support

/// The package root, from this file's path.
private let packageRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

/// A spec as the JSON instance an editor's YAML language server sees, with
/// plain scalars typed as netspec types them (YAML 1.2 core schema).
private func instance(_ yaml: String) throws -> JSONValue {
  switch YAMLParser.parse(SourceFile(path: "t.yaml", text: yaml)) {
  case .success(let node): return json(node)
  case .failure(let error): throw error
  }
}

private func json(_ node: YAMLNode) -> JSONValue {
  switch node {
  case .scalar(let scalar):
    return JSONSchemaExporter.json(ScalarReader.kind(of: scalar))
  case .sequence(let items, _):
    return .array(items.map(json))
  case .mapping(let entries, _):
    return .object(Dictionary(entries.map { ($0.key.value, json($0.value)) }) { first, _ in first })
  }
}

/// python3 with the `jsonschema` package, when installed.
private enum Python {
  static let hasJSONSchema = (try? ChildProcess.run(["python3", "-c", "import jsonschema"]).status) == 0

  /// Checks the schema against the 2020-12 metaschema, then validates each
  /// instance: nil when valid, else the first error message.
  static func validate(schema: JSONValue, instances: [JSONValue]) throws -> [String?] {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("netspec-schema-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let schemaPath = folder.appendingPathComponent("schema.json").path
    try schema.serialized(.prettySorted).write(toFile: schemaPath, atomically: true, encoding: .utf8)
    var paths: [String] = []
    for (index, instance) in instances.enumerated() {
      let path = folder.appendingPathComponent("instance\(index).json").path
      try instance.serialized(.prettySorted).write(toFile: path, atomically: true, encoding: .utf8)
      paths.append(path)
    }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../Python/validate_schema.py").standardizedFileURL.path
    let (status, output) = try ChildProcess.run(["python3", script, schemaPath] + paths)
    guard status == 0,
      let results = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [Any]
    else {
      Issue.record("python3 failed (\(status)): \(output)")
      return instances.map { _ in "python3 failed" }
    }
    return results.map { $0 as? String }
  }
}

extension JSONValue {
  /// An object's keys.
  fileprivate var keys: [String]? {
    if case .object(let members) = self { return members.map(\.key) }
    return nil
  }

  fileprivate var elements: [JSONValue]? {
    if case .array(let items) = self { return items }
    return nil
  }

  fileprivate var text: String? {
    if case .string(let text) = self { return text }
    return nil
  }
}
