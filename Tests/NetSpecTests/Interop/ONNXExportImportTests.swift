import Foundation
import NetSpecDiagnostics
import ONNXProto
import Testing

@testable import NetSpec

/// NetSpec's own exports read back by `netspec import` without Python: the
/// layers whose export is several ONNX nodes (adaptive pooling by averaging
/// matrices, token embeddings, position tables cut to a symbolic length,
/// attention with masks and rotary embeddings) come back as the one layer
/// they were, with their weights, and the final states nobody reads are
/// left out.
@Suite struct ONNXExportImportTests {
  /// The spec exported with its initial weights, then imported.
  static func roundTrip(_ yaml: String) throws -> (exported: Onnx_ModelProto, imported: ImportedModel) {
    let model = try ONNXExportTests.export(ONNXExportTests.checked(yaml))
    let imported = try ONNXImporter.importModel(at: ONNXTestModels.write(model, name: "model.onnx"), name: "model")
    return (model, imported)
  }

  static func layers(_ model: ImportedModel) -> [String] {
    model.spec.split(separator: "\n").filter { $0.hasPrefix("  - ") }.map { String($0.dropFirst(4)) }
  }

  /// The initializer's values as the model stores them.
  static func values(_ model: Onnx_ModelProto, _ name: String) -> [Float]? {
    model.graph.initializer.first { $0.name == name }.map { tensor in
      tensor.floatData.isEmpty
        ? tensor.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } : tensor.floatData
    }
  }

  /// Output sizes that do not divide the input's export as averaging matrices;
  /// they import as `adaptive_avgpool2d` again (rows, then columns, folded).
  @Test func adaptivePoolingByMatricesIsOneLayer() throws {
    let (_, imported) = try Self.roundTrip(
      """
      netspec: 1
      inputs: {x: [N, 2, 7, 5]}
      layers:
        - adaptive_avgpool2d: {output: 3, name: a1}
        - adaptive_avgpool2d: {output: [2, 5], from: x, name: a2}
        - adaptive_avgpool2d: {output: [1, 2], from: x, name: a3}
        - flatten: {from: a1, name: f1}
        - flatten: {from: a2, name: f2}
        - flatten: {from: a3, name: f3}
        - concat: {from: [f1, f2, f3], axis: -1, name: all}
      """)
    let layers = Self.layers(imported)
    #expect(layers.contains("adaptive_avgpool2d: {output: 3, name: a1}"), "\(layers)")
    #expect(layers.contains("adaptive_avgpool2d: {output: [2, 5], name: a2, from: x}"), "\(layers)")
    #expect(layers.contains("adaptive_avgpool2d: {output: [1, 2], name: a3, from: x}"), "\(layers)")
    #expect(!layers.contains { $0.hasPrefix("dense") })
  }

  /// A constant that does not average adaptive pooling's windows is no pooling: NS0751 names it.
  @Test func otherConstantMatricesAreNamed() throws {
    let model = ONNXTestModels.model(
      [ONNXTestModels.node("MatMul", "/m/MatMul", ["a", "x"], ["y"])],
      initializers: [ONNXTestModels.tensor("a", [2, 3], [1, 0, 0, 0, 1, 1])], input: [nil, 1, 3, 3])
    let rendered = try ONNXImportDiagnosticsTests.render(model)
    #expect(rendered.hasPrefix("model.onnx: error[NS0751]: `MatMul` of a constant by a computed tensor"), "\(rendered)")
  }

  /// int32 token ids are an int32 input; `Gather` of the table and the `Mul`
  /// by sqrt(dim) are one `embedding` with `scale`; the sinusoidal table cut to
  /// `T` is `positional_encoding`; the causal attention is one `attention`.
  @Test func tokenModelsComeBackLayerForLayer() throws {
    let (exported, imported) = try Self.roundTrip(
      """
      netspec: 1
      inputs: {ids: {shape: [N, T], dtype: int32}}
      layers:
        - embedding: {vocab: 11, dim: 8, scale: true, name: embed}
        - positional_encoding: {max_length: 20, name: positions}
        - attention: {heads: 2, causal: true, name: attn}
        - dense: {units: 11, name: logits}
      """)
    #expect(imported.spec.contains("  ids: {shape: [N, T], dtype: int32}\n"))
    #expect(
      Self.layers(imported) == [
        "embedding: {vocab: 11, dim: 8, scale: true, name: embed}",
        "positional_encoding: {max_length: 20, name: positions}", "attention: {heads: 2, causal: true, name: attn}",
        "dense: {units: 11, name: logits}",
      ])
    for name in ["embed.weight", "attn.query.weight", "attn.output.bias", "logits.weight"] {
      #expect(imported.weights[name]?.values == Self.values(exported, name), "\(name)")
    }
  }

  /// A learned table cut to `T`, a padding mask, rotary embeddings with another
  /// base and an attention without biases: the attributes and weights come back.
  @Test func attentionOptionsAndLearnedPositionsComeBack() throws {
    let (exported, imported) = try Self.roundTrip(
      """
      netspec: 1
      inputs: {x: [N, T, 8], keep: [N, T]}
      layers:
        - positional_encoding: {kind: learned, max_length: 12, from: x, name: positions}
        - attention: {heads: 2, rotary: true, rotary_base: 100, padding_mask: true, causal: true, from: [positions, keep], name: a}
        - attention: {heads: 2, bias: false, name: b}
      """)
    let layers = Self.layers(imported)
    #expect(
      layers.contains("positional_encoding: {kind: learned, max_length: 12, name: positions, from: x}"), "\(layers)")
    #expect(
      layers.contains(
        "attention: {heads: 2, causal: true, padding_mask: true, rotary: true, rotary_base: 100.0, name: a, from: [positions, keep]}"
      ), "\(layers)")
    #expect(layers.contains("attention: {heads: 2, bias: false, name: b}"), "\(layers)")
    #expect(imported.weights["positions.weight"]?.values == Self.values(exported, "positions.weight"))
    #expect(imported.weights["b.key.weight"]?.values == Self.values(exported, "b.key.weight"))
  }

  /// The final states every `lstm` layer's export writes, read by nothing, make no layers.
  @Test func unreadFinalStatesAreLeftOut() throws {
    let (_, imported) = try Self.roundTrip(
      """
      netspec: 1
      inputs: {x: [N, T, 3]}
      layers:
        - lstm: {hidden: 4, layers: 2, returns: last, name: rnn}
        - dense: {units: 2, name: out}
      """)
    #expect(
      Self.layers(imported) == [
        "lstm: {hidden: 4, layers: 2, returns: last, name: rnn}", "dense: {units: 2, name: out}",
      ])
  }

  /// A one-layer stack's final states: read beside its sequences they are its
  /// `.h` and `.c` outputs; unsqueezed into another stack, its initial states.
  @Test func oneLayerStatesComeBackAsNamedOutputs() throws {
    let (_, imported) = try Self.roundTrip(
      """
      netspec: 1
      inputs: {a: [N, 5, 3], b: [N, 5, 3]}
      layers:
        - lstm: {hidden: 4, returns: last, from: a, name: enc}
        - lstm: {hidden: 4, from: [b, enc.h, enc.c], name: dec}
        - gru: {hidden: 2, from: dec, name: g}
        - flatten: {from: g, name: steps}
        - concat: {from: [steps, g.h, dec.c], axis: -1, name: all}
      """)
    let layers = Self.layers(imported)
    #expect(layers.contains("lstm: {hidden: 4, name: dec, from: [b, enc, enc.c]}"), "\(layers)")
    #expect(layers.contains("gru: {hidden: 2, name: g}"), "\(layers)")
    #expect(layers.last == "concat: {axis: -1, name: all, from: [steps, g.h, dec.c]}", "\(layers)")
  }

  /// Bidirectional stacks come back as one layer each, their weights under
  /// their names (`..._l1_reverse`); a stack's final states (the `Concat` of
  /// every layer's) are its `.h` and `.c`, and rows of them gathered per layer
  /// another stack's initial states; the last step of a bidirectional layer
  /// (`Slice`, `Squeeze`) is `returns: last`.
  @Test func bidirectionalStacksAndTheirStatesComeBack() throws {
    let (exported, imported) = try Self.roundTrip(
      """
      netspec: 1
      inputs: {x: [N, T, 4]}
      layers:
        - lstm: {hidden: 3, layers: 2, bidirectional: true, name: enc}
        - gru: {hidden: 3, layers: 2, bidirectional: true, from: [enc, enc.h], name: g}
        - lstm: {hidden: 2, bidirectional: true, returns: last, from: g, name: top}
        - flatten: {from: g.h, name: states}
        - flatten: {from: enc.c, name: cells}
        - concat: {from: [top, states, cells], axis: -1, name: all}
      """)
    let layers = Self.layers(imported)
    #expect(layers.first == "lstm: {hidden: 3, bidirectional: true, layers: 2, name: enc}", "\(layers)")
    #expect(
      layers.contains("gru: {hidden: 3, bidirectional: true, layers: 2, name: g, from: [enc, enc.h]}"), "\(layers)")
    #expect(layers.contains("lstm: {hidden: 2, bidirectional: true, returns: last, name: top}"), "\(layers)")
    #expect(layers.contains("flatten: {name: states, from: g.h}"), "\(layers)")
    #expect(layers.contains("flatten: {name: cells, from: enc.c}"), "\(layers)")
    #expect(layers.count == 6, "\(layers)")
    // ONNX's reverse direction of layer 1, gates i, o, f, c, is PyTorch's i, f, g, o.
    let w = try #require(Self.values(exported, "enc/W_l1"))
    let block = 3 * 6
    let reverse = Array(w[(4 * block)...])
    let expected = [0, 2, 3, 1].flatMap { reverse[($0 * block)..<(($0 + 1) * block)] }
    #expect(imported.weights["enc.weight_ih_l1_reverse"]?.values == expected)
  }

  /// Two-layer stacks whose states pass on: the encoder's `.h` and `.c` start
  /// the decoder (`Gather` of one row per layer, then `Transpose`), which
  /// reads them whole; the decoder's cell states are read as `dec.c`.
  @Test func multiLayerStatesComeBackWhole() throws {
    let (_, imported) = try Self.roundTrip(
      """
      netspec: 1
      inputs: {x: [N, T, 6]}
      layers:
        - split: {sizes: [2, 4], axis: -1, name: parts}
        - lstm: {hidden: 3, layers: 2, from: parts.1, name: enc}
        - lstm: {hidden: 3, layers: 2, returns: last, from: [parts.0, enc.h, enc.c], name: dec}
        - flatten: {from: dec.c, name: cells}
        - concat: {from: [dec, cells], axis: -1, name: all}
      """)
    let layers = Self.layers(imported)
    #expect(
      layers.contains("lstm: {hidden: 3, layers: 2, returns: last, name: dec, from: [parts.0, enc.h, enc.c]}"),
      "\(layers)")
    #expect(!layers.contains { $0.hasPrefix("slice") || $0.hasPrefix("select") }, "\(layers)")
  }

  /// Outputs with computed sizes (a flatten over `T`) are pinned in
  /// `expect:` like the others, and the imported spec checks.
  @Test func computedOutputSizesArePinned() throws {
    let (_, imported) = try Self.roundTrip(
      """
      netspec: 1
      inputs: {x: [N, T, 2]}
      layers:
        - dense: {units: 3, name: d}
        - flatten: {name: flat}
        - mean: {axes: [1], from: d, name: pooled}
      outputs: [flat, pooled]
      """)
    #expect(
      imported.spec.contains("  params: 9\n  outputs:\n    flat: [N, 3*T]\n    pooled: [N, 3]\n"), "\(imported.spec)")
  }

  /// A stack's final states as a model output the way torch returns `h_n`,
  /// `[layers·directions, N, H]` (the `Concat` without the transpose), are
  /// NS0751 at the output, which says to transpose them.
  @Test func finalStatesThatAreNotBatchFirstAreNamed() throws {
    var model = try ONNXExportTests.export(
      ONNXExportTests.checked(
        """
        netspec: 1
        inputs: {x: [N, T, 4]}
        layers:
          - lstm: {hidden: 3, layers: 2, bidirectional: true, name: enc}
          - flatten: {from: enc.h, name: states}
        """))
    let concat = try #require(model.graph.node.first { $0.opType == "Concat" })
    model.graph.output[0].name = concat.output[0]
    let rendered = try ONNXImportDiagnosticsTests.render(model)
    #expect(rendered.contains("error[NS0751]: a model output whose batch axis is not first"), "\(rendered)")
    #expect(rendered.contains("return h_n.transpose(0, 1)"), "\(rendered)")
  }
}
