import Foundation

/// Renders a ``ModelSummary`` as the text `netspec summary` prints: a layer
/// table with aligned columns (numbers right-aligned, with thousands
/// separators), the totals and the memory estimate.
///
/// ```
/// mlp at N=8
///
/// layer    type   output shape  params   FLOPs
/// -------  -----  ------------  ------  ------
/// x        input  [N, 64]
/// dense_1  dense  [N, 32]        2,080  32.8 K
/// dense_2  dense  [N, 10]          330   5.1 K
/// -------  -----  ------------  ------  ------
/// total                          2,410  37.9 K
/// ```
///
/// A `notes` column appears when a layer is frozen, shares tied parameters,
/// keeps buffers or is the loss: a term of a loss list is noted with its
/// name and weight, and the sum with the objective (`loss = digit + 0.5 x
/// pixels`). A layer with several outputs is followed by one indented row
/// per output, by name (`  enc.h`, `  gate.1`).
public enum SummaryTable {
  /// The whole report, ending with a newline.
  public static func render(_ summary: ModelSummary) -> String {
    var out = heading(summary) + "\n\n"
    out += layerTable(summary).render() + "\n"
    out += totals(summary) + "\n"
    out += memory(summary)
    return out
  }

  /// `lenet5 at N=8, T=50` (or `at fixed sizes` when the shapes have no symbols).
  private static func heading(_ summary: ModelSummary) -> String {
    let at =
      summary.bindings.isEmpty
      ? "at fixed sizes"
      : "at " + summary.bindings.keys.sorted().map { "\($0)=\(summary.bindings[$0]!)" }.joined(separator: ", ")
    return "\(summary.name ?? "model") \(at)"
  }

  private static func layerTable(_ summary: ModelSummary) -> TextTable {
    var table = TextTable(columns: [
      .init("layer"), .init("type"), .init("output shape"), .init("params", right: true),
      .init("FLOPs", right: true), .init("notes", hidesWhenEmpty: true),
    ])
    for input in summary.inputs {
      table.add([input.name, "input", TensorType(input.shape, input.dtype).description, "", "", ""])
    }
    for target in summary.targets {
      table.add([target.name, "target", TensorType(target.shape, target.dtype).description, "", "", ""])
    }
    for layer in summary.layers {
      var notes: [String] = []
      if !layer.trainable { notes.append("frozen") }
      if layer.tiedParameters > 0 { notes.append("shares \(ProgressFormat.grouped(layer.tiedParameters)) tied params") }
      if layer.buffers > 0 { notes.append("\(ProgressFormat.grouped(layer.buffers)) buffer values") }
      if layer.isLoss { notes.append(lossNote(layer, summary.lossTerms)) }
      table.add([
        layer.name, layer.op, layer.outputShape.shapeDescription, ProgressFormat.grouped(layer.parameters),
        HumanUnits.count(layer.flops), notes.joined(separator: ", "),
      ])
      // The first output is the layer's own value when it bears its name.
      let named = layer.outputs.first?.name == layer.name ? layer.outputs.dropFirst() : layer.outputs[...]
      for output in named {
        table.add(["  " + output.name, "", TensorType(output.shape, output.dtype).description, "", "", ""])
      }
    }
    table.addRule()
    table.add(["total", "", "", ProgressFormat.grouped(summary.parameters), HumanUnits.count(summary.flops), ""])
    return table
  }

  /// `loss` for a lone term of weight 1; `loss term `pixels`, weight 0.5` for
  /// a term of a list; `loss = digit + 0.5 x pixels` for their sum.
  private static func lossNote(_ layer: ModelSummary.Layer, _ terms: [ModelSummary.LossTerm]) -> String {
    if let term = terms.first(where: { $0.layer == layer.name }), terms.count > 1 || term.weight != 1 {
      return "loss term `\(term.name)`" + (term.weight == 1 ? "" : ", weight \(weightText(term.weight))")
    }
    guard terms.count > 1 || terms.first.map({ $0.weight != 1 }) == true else { return "loss" }
    return "loss = " + terms.map(objectivePart).joined(separator: " + ")
  }

  /// `digit` or `0.5 x pixels`: one term of the objective.
  static func objectivePart(_ term: ModelSummary.LossTerm) -> String {
    term.weight == 1 ? term.name : "\(weightText(term.weight)) x \(term.name)"
  }

  /// A weight in its shortest form: `0.5`, `2`, `1e-05`.
  static func weightText(_ weight: Double) -> String { String(format: "%g", weight) }

  private static func totals(_ summary: ModelSummary) -> String {
    var lines = [
      "parameters: \(ProgressFormat.grouped(summary.parameters)) (trainable \(ProgressFormat.grouped(summary.trainableParameters)), frozen \(ProgressFormat.grouped(summary.frozenParameters)))",
      "buffers:    \(ProgressFormat.grouped(summary.buffers))",
    ]
    var flops = "FLOPs:      \(HumanUnits.count(summary.flops)) per forward pass"
    if let loss = summary.lossFLOPs { flops += " (+ \(HumanUnits.count(loss)) loss)" }
    lines.append(flops)
    return lines.joined(separator: "\n") + "\n"
  }

  private static func memory(_ summary: ModelSummary) -> String {
    let m = summary.memory
    let optimizerNote =
      m.optimizer.map { "\($0.name): \($0.slots) value\($0.slots == 1 ? "" : "s") per trainable parameter" }
      ?? "the spec has no `train:`"
    var table = TextTable(columns: [.init(""), .init("", right: true), .init("")])
    table.add(["  parameters", HumanUnits.bytes(m.parameters), ""])
    table.add(["  buffers", HumanUnits.bytes(m.buffers), ""])
    table.add(["  gradients", HumanUnits.bytes(m.gradients), "trainable parameters only"])
    table.add(["  optimizer state", HumanUnits.bytes(m.optimizerState), optimizerNote])
    table.add([
      "  activations", HumanUnits.bytes(m.activations),
      "2 x \(HumanUnits.bytes(m.forwardActivations)) forward outputs (values and their gradients)",
    ])
    table.add(["  inputs", HumanUnits.bytes(m.inputs), "one batch of inputs and targets"])
    table.add(["  training", HumanUnits.bytes(m.training), "total for one training step"])
    table.add(["  inference", HumanUnits.bytes(m.inference), "parameters, buffers, forward outputs, inputs"])
    return "memory (float32):\n" + table.render(header: false)
  }
}

/// A plain-text table: columns padded to their widest cell, two spaces apart,
/// trailing spaces trimmed, rules of dashes under the header and where added.
struct TextTable {
  struct Column {
    var title: String
    var rightAligned: Bool
    /// Leave the column out when none of its cells has text.
    var hidesWhenEmpty: Bool

    init(_ title: String, right: Bool = false, hidesWhenEmpty: Bool = false) {
      self.title = title
      self.rightAligned = right
      self.hidesWhenEmpty = hidesWhenEmpty
    }
  }

  /// A row of cells, or nil for a rule.
  private var rows: [[String]?] = []
  private var columns: [Column]

  init(columns: [Column]) {
    self.columns = columns
  }

  mutating func add(_ cells: [String]) { rows.append(cells) }

  mutating func addRule() { rows.append(nil) }

  /// The table, each line ending with a newline; with `header`, the column
  /// titles and a rule first.
  func render(header: Bool = true) -> String {
    let cells = rows.compactMap { $0 }
    let shown = columns.indices.filter { i in
      !columns[i].hidesWhenEmpty || cells.contains { !$0[i].isEmpty }
    }
    let widths = columns.indices.map { i in
      max(header ? columns[i].title.count : 0, cells.map { $0[i].count }.max() ?? 0)
    }
    func line(_ row: [String]) -> String {
      let padded = shown.map { i in
        let gap = String(repeating: " ", count: widths[i] - row[i].count)
        return columns[i].rightAligned ? gap + row[i] : row[i] + gap
      }
      return String(padded.joined(separator: "  ").reversed().drop { $0 == " " }.reversed()) + "\n"
    }
    let rule = line(widths.map { String(repeating: "-", count: $0) })
    var out = header ? line(columns.map(\.title)) + rule : ""
    for row in rows {
      out += row.map(line) ?? rule
    }
    return out
  }
}
