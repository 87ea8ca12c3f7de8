import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// A spec whose layers have several outputs (an `lstm`'s final states, a
/// `split`'s parts, a block's `outputs:`), with a loss of two weighted,
/// named terms, one scoring the model input: `summary` and `graph` show
/// every output by name, and the terms and their objective.
let secondaryOutputsSpec = """
  netspec: 1
  name: heads
  inputs: {x: [N, 4, 6]}
  blocks:
    unit:
      outputs: [out, skip]
      layers:
        - split: {chunks: 2, axis: -1, name: gate}
        - tanh: {from: gate.0, name: filter}
        - sigmoid: {from: gate.1, name: mask}
        - multiply: {from: [filter, mask], name: skip}
        - concat: {from: [skip, skip], axis: -1, name: out}
  layers:
    - lstm: {hidden: 6, name: enc}
    - unit: {name: stack}
      repeat: 2
    - add: {from: [stack.0.skip, stack.1.skip], name: skips}
    - flatten
    - concat: {from: [flatten_1, enc.h], axis: -1}
    - dense: {units: 3, name: logits}
  outputs: [logits, stack]
  train:
    loss:
      - {cross_entropy: {from: logits, name: digit}}
      - {mse: {from: stack, target: x, weight: 0.5, name: pixels}}

  """

@Suite struct SecondaryOutputSummaryTests {
  @Test func theTableListsEveryOutputAndTheLossTerms() throws {
    let spec = try #require(checkedSpec(secondaryOutputsSpec))
    let text = SummaryTable.render(try ModelSummary(spec, bindings: ["N": 2]))
    #expect(
      text.contains(
        """
        enc               lstm           [N, 4, 6]        336  4.6 K
          enc.h                          [N, 6]
          enc.c                          [N, 6]
        stack.0.gate      split          [N, 4, 3]          0      0
          stack.0.gate.0                 [N, 4, 3]
          stack.0.gate.1                 [N, 4, 3]
        stack.0.filter    tanh           [N, 4, 3]          0     96
        """), "\(text)")
    #expect(
      text.contains(
        """
        loss_digit        cross_entropy  []                 0     24  loss term `digit`
        loss_pixels       mse            []                 0    144  loss term `pixels`, weight 0.5
        loss              loss_sum       []                 0      4  loss = digit + 0.5 x pixels
        """), "\(text)")
  }

  @Test func aLoneLossIsNotedAsBefore() throws {
    let spec = try #require(checkedSpec(mlpSpec + "train: {loss: cross_entropy}\n"))
    let text = SummaryTable.render(try ModelSummary(spec, bindings: ["N": 2]))
    #expect(text.contains(/\nloss +cross_entropy +\[\] +0 +[0-9.]+ +loss\n/), "\(text)")
  }

  @Test func theJSONHasTheOutputsAndTheTerms() throws {
    let spec = try #require(checkedSpec(secondaryOutputsSpec))
    let summary = try ModelSummary(spec, bindings: ["N": 2])
    let enc = try #require(summary.layers.first { $0.name == "enc" })
    #expect(enc.outputs.map(\.name) == ["enc", "enc.h", "enc.c"])
    #expect(enc.outputs.map(\.sizes) == [[2, 4, 6], [2, 6], [2, 6]])
    #expect(summary.layers.first { $0.name == "logits" }?.outputs == [])
    #expect(
      summary.lossTerms == [
        .init(name: "digit", layer: "loss_digit", weight: 1), .init(name: "pixels", layer: "loss_pixels", weight: 0.5),
      ])
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(summary.json.serialized(.prettySorted).utf8)) as? [String: Any])
    let terms = try #require(object["loss_terms"] as? [[String: Any]])
    #expect(terms.map { $0["name"] as? String } == ["digit", "pixels"])
    #expect(terms.map { $0["layer"] as? String } == ["loss_digit", "loss_pixels"])
    #expect(terms.map { $0["weight"] as? Double } == [1, 0.5])
    let layers = try #require(object["layers"] as? [[String: Any]])
    let outputs = try #require(layers.first { $0["name"] as? String == "enc" }?["outputs"] as? [[String: Any]])
    #expect(outputs.map { $0["name"] as? String } == ["enc", "enc.h", "enc.c"])
    #expect(outputs.map { $0["shape_symbolic"] as? String } == ["[N, 4, 6]", "[N, 6]", "[N, 6]"])
  }
}
