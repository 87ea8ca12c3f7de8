import Foundation
import Testing

@testable import NetSpec

@Suite struct OpReferenceTests {
  static let docsPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/OPS.md").path

  /// docs/OPS.md is generated; regenerate with `swift run netspec ops --markdown > docs/OPS.md`.
  @Test func docsAreUpToDate() throws {
    let committed = try String(contentsOfFile: Self.docsPath, encoding: .utf8)
    #expect(committed == OpReference.markdown(), "regenerate with `swift run netspec ops --markdown > docs/OPS.md`")
  }

  @Test func everyOpHasASection() {
    let text = OpReference.markdown()
    for op in OpRegistry.all {
      #expect(text.contains("### `\(op.schema.name)`"))
    }
  }
}

/// The default initializations of docs/OPS.md, read off the ops' shape rules.
@Suite struct InitializationReferenceTests {
  typealias Row = InitializationReference.Row

  @Test func denseUsesFanIn() {
    #expect(
      InitializationReference.rows(for: Dense.self) == [
        Row(parameter: "weight", isBuffer: false, initialization: "U(-k, k), k = 1/sqrt(fan_in)"),
        Row(parameter: "bias", isBuffer: false, initialization: "U(-k, k), k = 1/sqrt(fan_in)"),
      ])
  }

  @Test func batchNormHasOnesZerosAndBuffers() {
    #expect(
      InitializationReference.rows(for: BatchNorm.self) == [
        Row(parameter: "weight", isBuffer: false, initialization: "ones"),
        Row(parameter: "bias", isBuffer: false, initialization: "zeros"),
        Row(parameter: "running_mean", isBuffer: true, initialization: "zeros"),
        Row(parameter: "running_var", isBuffer: true, initialization: "ones"),
      ])
  }

  /// `weight_hh` alone also fits `1/sqrt(fan_in)`; the quantity that explains
  /// every parameter of the op wins.
  @Test func recurrentWeightsAllReadHidden() {
    for op in [LSTM.self, GRU.self] as [any Operator.Type] {
      let rows = InitializationReference.rows(for: op)
      // weight_ih, weight_hh, bias_ih, bias_hh of two layers, forward and `_reverse`.
      #expect(rows.count == 16)
      #expect(rows.allSatisfy { $0.initialization == "U(-k, k), k = 1/sqrt(hidden)" })
    }
  }

  @Test func attentionUsesGlorotForProjectionsAndFanInForTheOutput() {
    let rows = InitializationReference.rows(for: MultiHeadAttention.self)
    #expect(rows.first { $0.parameter == "query.weight" }?.initialization == "U(-k, k), k = sqrt(6/(fan_in + fan_out))")
    #expect(rows.first { $0.parameter == "output.weight" }?.initialization == "U(-k, k), k = 1/sqrt(fan_in)")
    #expect(rows.first { $0.parameter == "output.bias" }?.initialization == "zeros")
  }

  @Test func embeddingDependsOnScale() {
    #expect(
      InitializationReference.rows(for: Embedding.self) == [
        Row(
          parameter: "weight", isBuffer: false,
          initialization: "N(0, 1) with `scale: false`; N(0, 1/sqrt(dim)) with `scale: true`")
      ])
    #expect(
      InitializationReference.rows(for: PositionalEncoding.self) == [
        Row(parameter: "weight", isBuffer: false, initialization: "N(0, 0.02)")
      ])
  }

  @Test func opsWithoutParametersHaveNoRows() {
    #expect(InitializationReference.rows(for: ReLU.self).isEmpty)
    #expect(!OpReference.section(ReLU.self).contains("| parameter |"))
    #expect(OpReference.section(Conv2D.self).contains("| `weight` | U(-k, k), k = 1/sqrt(fan_in) |"))
  }
}
