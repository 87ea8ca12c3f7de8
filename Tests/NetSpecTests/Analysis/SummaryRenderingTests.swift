import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

@Suite("Summary rendering")
struct SummaryRenderingTests {
  @Test("text report of the minimal spec at batch 8")
  func textGolden() throws {
    let spec = try #require(checkedSpec(mlpSpec))
    let text = SummaryTable.render(try ModelSummary(spec, bindings: ["N": 8]))
    #expect(
      text == """
        mlp at N=8

        layer    type   output shape  params   FLOPs
        -------  -----  ------------  ------  ------
        x        input  [N, 64]
        dense_1  dense  [N, 32]        2,080  32.8 K
        dense_2  dense  [N, 10]          330   5.1 K
        -------  -----  ------------  ------  ------
        total                          2,410  37.9 K

        parameters: 2,410 (trainable 2,410, frozen 0)
        buffers:    0
        FLOPs:      37.9 K per forward pass

        memory (float32):
          parameters        9.4 KiB
          buffers               0 B
          gradients         9.4 KiB  trainable parameters only
          optimizer state       0 B  the spec has no `train:`
          activations       2.6 KiB  2 x 1.3 KiB forward outputs (values and their gradients)
          inputs            2.0 KiB  one batch of inputs and targets
          training         23.5 KiB  total for one training step
          inference        12.7 KiB  parameters, buffers, forward outputs, inputs

        """)
  }

  @Test("notes column for tied, frozen, buffered and loss layers")
  func notes() throws {
    let spec = try #require(
      checkedSpec(
        """
        netspec: 1
        inputs: {x: [N, 16]}
        layers:
          - dense: {units: 16, name: a, trainable: false}
          - batchnorm
          - dense: {units: 16, name: b, tie: a}
        train: {loss: mse}

        """))
    let lines = SummaryTable.render(try ModelSummary(spec, bindings: ["N": 1])).split(separator: "\n")
    #expect(lines[1].hasSuffix("notes"))
    #expect(lines.contains { $0.hasPrefix("a ") && $0.hasSuffix("frozen") })
    #expect(lines.contains { $0.hasPrefix("batchnorm_1 ") && $0.hasSuffix("32 buffer values") })
    #expect(lines.contains { $0.hasPrefix("b ") && $0.hasSuffix("shares 272 tied params") })
    #expect(lines.contains { $0.hasPrefix("loss ") && $0.hasSuffix("loss") })
  }

  @Test("JSON report: documented keys and values")
  func json() throws {
    let spec = try #require(checkedSpec(mlpSpec + "train: {loss: cross_entropy, optimizer: adam}\n"))
    let text = try ModelSummary(spec, bindings: ["N": 8]).json.serialized(.prettySorted)
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(
      Set(object.keys) == [
        "version", "name", "bindings", "inputs", "targets", "layers", "loss_terms", "totals", "memory",
      ])
    #expect(object["version"] as? Int == 1)
    #expect(object["bindings"] as? [String: Int] == ["N": 8])
    let layers = try #require(object["layers"] as? [[String: Any]])
    #expect(layers.map { $0["name"] as? String } == ["dense_1", "dense_2", "loss"])
    #expect(layers[0]["output_shape"] as? [Int] == [8, 32])
    #expect(layers[0]["output_shape_symbolic"] as? String == "[N, 32]")
    #expect(layers[0]["params"] as? Int == 2080)
    #expect(layers[0]["flops"] as? Int == 32768)
    #expect(layers[0]["flops_symbolic"] as? String == "4096*N")
    #expect(layers[2]["loss"] as? Bool == true)
    let totals = try #require(object["totals"] as? [String: Any])
    #expect(totals["params"] as? Int == 2410)
    #expect(totals["flops"] as? Int == 37888)
    let memory = try #require(object["memory"] as? [String: Any])
    #expect(memory["optimizer_state"] as? Int == 2 * 2410 * 4)
    #expect((memory["optimizer"] as? [String: Any])?["slots"] as? Int == 2)
    #expect(text.contains(#""shape": [8, 64]"#))
  }
}
