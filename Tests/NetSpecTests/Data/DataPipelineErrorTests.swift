import Foundation
import NetSpecDiagnostics
import Testing

@testable import NetSpec

/// One failing data section: the files to write, the spec, and the one
/// diagnostic expected (code, the source text under its caret, a fragment of
/// its message or help).
struct DataErrorCase: Sendable, CustomTestStringConvertible {
  var files: [String: String]
  var inputs = "x: [N, 4]"
  var layers = "- dense: 3"
  var loss = "cross_entropy"
  var data: String
  var code: DiagnosticCode
  var at: String
  var mentions: String

  var testDescription: String { mentions }
}

private let fourByThree = (0..<6).map { "\($0),1,2,3,\($0 % 3)" }.joined(separator: "\n")

@Suite("Data pipeline errors")
struct DataPipelineErrorTests {
  static let cases: [DataErrorCase] = [
    DataErrorCase(
      files: ["a.csv": "1,2,3,4,0\n1,2,3\n"], data: "train: {csv: a.csv}", code: .badData, at: "a.csv",
      mentions: "`a.csv`: line 2 has 3 columns, but line 1 has 5"),
    DataErrorCase(
      files: ["a.csv": "1,2,3,4,0\n1,2,x,4,0\n"], data: "train: {csv: a.csv}", code: .badData, at: "a.csv",
      mentions: "line 2, column 3: `x` is not a number"),
    DataErrorCase(
      files: ["a.csv": "1,2,3,4,0\n1,2,3,nan,0\n"], data: "train: {csv: a.csv}", code: .badData, at: "a.csv",
      mentions: "`nan` is not a finite number"),
    DataErrorCase(
      files: ["a.csv": ""], data: "train: {csv: a.csv}", code: .badData, at: "a.csv", mentions: "holds no data"),
    DataErrorCase(
      files: ["a.csv.gz": "1,2,3,4,0\n"], data: "train: {csv: a.csv.gz}", code: .badData, at: "a.csv.gz",
      mentions: "not gzip-compressed"),
    DataErrorCase(
      files: ["a.csv": fourByThree], data: "train: {csv: a.csv, label: 7}", code: .badData, at: "7",
      mentions: "`label` is column 7, but the rows have 5 columns"),
    DataErrorCase(
      files: ["a.csv": fourByThree], data: "train: {csv: a.csv, label: species}", code: .badData, at: "species",
      mentions: "no header row"),
    DataErrorCase(
      files: ["a.csv": fourByThree], inputs: "x: [N, 1, 2, 2]", layers: "- flatten\n- dense: 3",
      data: "train: {csv: a.csv}", code: .badShape, at: "{csv: a.csv}", mentions: "add `reshape: [1, 2, 2]`"),
    DataErrorCase(
      files: ["a.csv": fourByThree], inputs: "x: [N, 1, 3, 3]", layers: "- flatten\n- dense: 3",
      data: "train: {csv: a.csv, reshape: [1, 3, 3]}", code: .badShape, at: "[1, 3, 3]",
      mentions: "`reshape` makes samples of 9 values, but the samples of `a.csv` have 4"),
    DataErrorCase(
      files: ["a.csv": fourByThree], inputs: "x: [N, 5]", data: "train: {csv: a.csv}", code: .badShape,
      at: "{csv: a.csv}", mentions: "the samples of `a.csv` have shape [4], but the input `x` takes [5]"),
    DataErrorCase(
      files: ["a.csv": fourByThree], layers: "- dense: 2", data: "train: {csv: a.csv}", code: .badData,
      at: "{csv: a.csv}", mentions: "sample 2 of `a.csv` has the label 2, but the model has 2 classes"),
    DataErrorCase(
      files: ["a.csv": "1,2,3,4,0.5\n"], data: "train: {csv: a.csv}", code: .badData, at: "{csv: a.csv}",
      mentions: "has the label 0.5, which is not a class index"),
    DataErrorCase(
      files: ["a.csv": fourByThree], loss: "mse", data: "train: {csv: a.csv, one_hot: false}", code: .badData,
      at: "{csv: a.csv, one_hot: false}", mentions: "remove `one_hot: false`"),
    DataErrorCase(
      files: ["a.csv": fourByThree], data: "train: {csv: a.csv, label_dtype: float32}", code: .badData,
      at: "{csv: a.csv, label_dtype: float32}", mentions: "`label_dtype` is float32"),
    DataErrorCase(
      files: ["a.csv": fourByThree], layers: "- dense: 2", loss: "mse", data: "train: {csv: a.csv}",
      code: .badData, at: "{csv: a.csv}", mentions: "has the label 2, but the model has 2 classes"),
    DataErrorCase(
      files: ["x.csv": "1,2,3,4\n5,6,7,8\n", "y.csv": "1\n2\n3\n"], layers: "- dense: 1", loss: "mse",
      data: "train: {csv: {inputs: x.csv, labels: y.csv}}", code: .badData, at: "y.csv",
      mentions: "`y.csv` holds 3 labels, but `x.csv` holds 2 samples"),
    DataErrorCase(
      files: ["x.csv": "1,2,3,4\n", "y.csv": "1,2\n"], layers: "- dense: 1", loss: "mse",
      data: "train: {csv: {inputs: x.csv, labels: y.csv}}", code: .badData,
      at: "{csv: {inputs: x.csv, labels: y.csv}}",
      mentions: "the labels of `x.csv` are [2] per sample, but the loss compares against [N, 1]"),
    DataErrorCase(
      files: ["a.csv": fourByThree], data: "train: {csv: a.csv}\nsplit: {validation: 0.5, test: 0.45}",
      code: .badData, at: "{validation: 0.5, test: 0.45}", mentions: "leaves none of the 6 samples"),
    DataErrorCase(
      files: ["a.csv": (0..<3).map { "\($0),1,2,3,0" }.joined(separator: "\n")],
      inputs: "x: [N, 1, 3, 3]", layers: "- flatten\n- dense: 3",
      data: "train: {csv: a.csv, reshape: [1, 2, 2]}\naugment: [{random_crop: {size: 3}}]", code: .badShape,
      at: "{random_crop: {size: 3}}", mentions: "the crop window is 3x3, larger than the 2x2 samples padded by 0"),
    DataErrorCase(
      files: ["a.csv": fourByThree], inputs: "x: [4, 4]", data: "train: {csv: a.csv}", code: .badShape,
      at: "x", mentions: "first axis `N`"),
    DataErrorCase(
      files: ["a.csv": "1.5,2,3,4,0\n"], inputs: "x: {shape: [N, 4], dtype: int32}",
      layers: "- embedding: {vocab: 5, dim: 2}\n- flatten\n- dense: 3", data: "train: {csv: a.csv}",
      code: .badData, at: "{csv: a.csv}", mentions: "holds 1.5, but the input `x` takes int32 ids"),
    DataErrorCase(
      files: ["a.csv": fourByThree], inputs: "a: [N, 4], b: [N, 4]", layers: "- concat: {from: [a, b]}\n- dense: 3",
      data: "train: {csv: a.csv, input: a}", code: .badData, at: "{csv: a.csv, input: a}",
      mentions: "the model has 2 inputs, but a data source feeds only one (`a`)"),
  ]

  @Test(arguments: cases)
  func reported(_ errorCase: DataErrorCase) throws {
    let folder = fixtureFolder()
    for (name, text) in errorCase.files { folder.write(name, text) }
    let yaml = trainingSpec(
      inputs: errorCase.inputs, layers: errorCase.layers, loss: errorCase.loss, data: errorCase.data)
    var diagnostics = DiagnosticBag()
    let file = SourceFile(path: folder.appendingPathComponent("spec.yaml").path, text: yaml)
    var found: [Diagnostic]
    if let spec = Frontend.check(file, &diagnostics), let data = spec.document.data {
      let prepared = DataPipeline.load(data, for: spec.graph, seed: 1, &diagnostics)
      #expect(prepared == nil)
    }
    found = diagnostics.sorted
    #expect(found.count == 1, "\(found.map { "\($0.code.name): \($0.message)" })")
    let diagnostic = try #require(found.first)
    #expect(diagnostic.code == errorCase.code, "\(diagnostic.code.name): \(diagnostic.message)")
    #expect(spanText(diagnostic) == errorCase.at)
    #expect(fullText(diagnostic).contains(errorCase.mentions), "\(fullText(diagnostic))")
  }

  @Test func twoBrokenFilesAreBothReported() {
    let folder = fixtureFolder()
    folder.write("x.csv", "1,2,a,4\n")
    folder.write("y.csv", "1\n\n2 3\n")
    let yaml = trainingSpec(
      layers: "- dense: 1", loss: "mse", data: "train: {csv: {inputs: x.csv, labels: y.csv}}")
    guard let spec = checkedSpec(yaml, in: folder) else { return }
    let (prepared, diagnostics) = loadData(spec)
    #expect(prepared == nil)
    #expect(diagnostics.map(spanText) == ["x.csv", "y.csv"])
    #expect(diagnostics.last?.message.contains("line 3 has 2 columns, but line 1 has 1") == true)
  }

  @Test func standardizeBelongsToTheTrainingSource() throws {
    let decoded = try decodeSection(
      "data", "data: {train: {csv: ../data/train.csv}, test: {csv: ../data/test.csv, standardize: true}}",
      path: sectionSpecPath, DataSpec.decode)
    #expect(decoded.diagnostics.map(\.code) == [.unknownKey])
    let diagnostic = try #require(decoded.diagnostics.first)
    #expect(decoded.text(at: diagnostic) == "standardize")
    #expect(diagnostic.message == "`standardize` applies to `data.train` only")
  }

  @Test func separateLabelsFileForm() throws {
    let decoded = try decodeSection(
      "data", "data: {train: {csv: {inputs: ../data/train.csv, labels: ../data/test.csv}}}", path: sectionSpecPath,
      DataSpec.decode)
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    guard case .csvFiles(let inputs, let labels) = decoded.value?.train.format else {
      Issue.record("not a csv pair")
      return
    }
    #expect(inputs.resolvedPath == dataFile("train.csv"))
    #expect(labels.resolvedPath == dataFile("test.csv"))

    let withLabel = try decodeSection(
      "data", "data: {train: {csv: {inputs: ../data/train.csv, labels: ../data/test.csv}, label: 0}}",
      path: sectionSpecPath, DataSpec.decode)
    #expect(withLabel.diagnostics.map(\.code) == [.unknownKey])
    #expect(withLabel.diagnostics.first.flatMap(withLabel.text(at:)) == "label")
    let missing = try decodeSection(
      "data", "data: {train: {csv: {inputs: ../data/train.csv}}}", path: sectionSpecPath, DataSpec.decode)
    #expect(missing.diagnostics.map(\.code) == [.missingKey])
  }
}
