import Foundation
import NetSpecDiagnostics
import NetSpecYAML
import Testing

@testable import NetSpec

private func data(_ yaml: String) throws -> DecodedSection<DataSpec> {
  try decodeSection("data", yaml, path: sectionSpecPath, DataSpec.decode)
}

@Suite("data: section")
struct DataSpecTests {
  @Test func defaults() throws {
    let decoded = try data("data: {train: {csv: ../data/train.csv}}")
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    let spec = try #require(decoded.value)
    guard case .csv(let path, let label, let labelSpan) = spec.train.format else {
      Issue.record("not csv: \(spec.train.format)")
      return
    }
    #expect(path.path == "../data/train.csv")
    #expect(path.resolvedPath == dataFile("train.csv"))
    #expect("\(path.span.start)" == "1:21")
    #expect(label == .last)
    #expect("\(labelSpan.start)" == "1:16")  // the `csv` key
    #expect(spec.train.scale == nil)
    #expect(!spec.train.standardize)
    #expect(spec.train.reshape == nil)
    #expect(spec.train.labelDType == nil)
    #expect(spec.train.input == nil)
    #expect(spec.train.oneHot == nil)
    #expect(spec.test == nil)
    #expect(spec.split == DataSplit(validation: 0, test: 0, shuffle: true, span: spec.span))
    #expect(spec.augmentations.isEmpty)
  }

  /// The `data:` section of the sketch in DESIGN.md.
  @Test func designSketch() throws {
    let decoded = try data(
      """
      data:
        train: {csv: ../data/mnist_5k.csv.gz, label: last, scale: 1/255, reshape: [1, 28, 28]}
        split: {validation: 0.1, test: 0.1, shuffle: true}
        augment: [{random_shift: 2}]
      """)
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    let spec = try #require(decoded.value)
    guard case .csv(let path, .last, _) = spec.train.format else {
      Issue.record("not csv with the last column as label: \(spec.train.format)")
      return
    }
    #expect(path.resolvedPath == dataFile("mnist_5k.csv.gz"))
    #expect(spec.train.scale == 1.0 / 255)
    #expect(spec.train.reshape?.sizes == [1, 28, 28])
    #expect("\(try #require(spec.train.reshape?.span.start))" == "2:77")
    #expect(spec.split.validation == 0.1)
    #expect(spec.split.test == 0.1)
    #expect(spec.split.shuffle)
    #expect(spec.augmentations.map(\.kind) == [.randomShift(pixels: 2)])
    #expect("\(try #require(spec.augmentations.first?.span.start))" == "4:13")
  }

  @Test func everyOption() throws {
    let decoded = try data(
      """
      data:
        train:
          csv: ../data/train.csv
          label: species
          scale: 0.5
          standardize: true
          reshape: [4]
          label_dtype: int32
          input: features
          one_hot: false
        test: {csv: ../data/test.csv, label: 0}
        split: {validation: 0.2, shuffle: false}
        augment: [{gaussian_noise: 0.1}]
      """)
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    let spec = try #require(decoded.value)
    guard case .csv(_, let label, let labelSpan) = spec.train.format,
      case .csv(let testPath, let testLabel, _) = spec.test?.format
    else {
      Issue.record("not csv sources")
      return
    }
    #expect(label == .name("species"))
    #expect("\(labelSpan.start)" == "4:12")
    #expect(spec.train.scale == 0.5)
    #expect(spec.train.standardize)
    #expect(spec.train.reshape?.sizes == [4])
    #expect(spec.train.labelDType == .int32)
    #expect(spec.train.input?.name == "features")
    #expect("\(try #require(spec.train.input?.span.start))" == "9:12")
    #expect(spec.train.oneHot == false)
    #expect(testPath.resolvedPath == dataFile("test.csv"))
    #expect(testLabel == .index(0))
    #expect(spec.split == DataSplit(validation: 0.2, test: 0, shuffle: false, span: spec.split.span))
    #expect(spec.augmentations.map(\.kind) == [.gaussianNoise(std: 0.1)])
  }

  @Test(arguments: [
    ("last", LabelColumn.last), ("first", .first), ("3", .index(3)), ("0", .index(0)), ("species", .name("species")),
    ("\"7\"", .name("7")),
  ])
  func labelColumns(yaml: String, expected: LabelColumn) throws {
    let decoded = try data("data: {train: {csv: ../data/train.csv, label: \(yaml)}}")
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    guard case .csv(_, let label, _) = decoded.value?.train.format else {
      Issue.record("not csv")
      return
    }
    #expect(label == expected)
  }

  @Test(arguments: [("true" as String?, CSVHeader.present), ("false", .absent), ("auto", .auto), (nil, .auto)])
  func csvHeaders(yaml: String?, expected: CSVHeader) throws {
    let decoded = try data("data: {train: {csv: ../data/train.csv\(yaml.map { ", header: \($0)" } ?? "")}}")
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    #expect(decoded.value?.train.header == expected)
  }

  @Test func otherFormats() throws {
    let decoded = try data(
      """
      data:
        train: {npy: {inputs: ../data/x.npy, labels: ../data/y.npy}}
        test: {idx: {images: ../data/images.gz, labels: ../data/labels.gz}, scale: 1/255, one_hot: true}
      """)
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    let spec = try #require(decoded.value)
    guard case .npy(let inputs, let labels) = spec.train.format,
      case .idx(let images, let imageLabels) = spec.test?.format
    else {
      Issue.record("wrong formats")
      return
    }
    #expect(
      [inputs, labels, images, imageLabels].map(\.resolvedPath)
        == ["x.npy", "y.npy", "images.gz", "labels.gz"].map(dataFile))
    #expect(spec.test?.oneHot == true)
  }

  @Test(
    arguments: [
      ("{task: copy, samples: 100, length: 8}", SyntheticData.Task.copy, 100, 8, 10),
      ("{task: reverse, samples: 1, length: 1, vocab: 2}", .reverse, 1, 1, 2),
      ("{task: sort, samples: 5000, length: 12, vocab: 100}", .sort, 5000, 12, 100),
      ("{task: adding, samples: 1000, length: 50}", .adding, 1000, 50, nil),
    ] as [(String, SyntheticData.Task, Int, Int, Int?)])
  func synthetic(yaml: String, task: SyntheticData.Task, samples: Int, length: Int, vocab: Int?) throws {
    let decoded = try data("data: {train: {synthetic: \(yaml)}}")
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    guard case .synthetic(let synthetic) = decoded.value?.train.format else {
      Issue.record("not synthetic")
      return
    }
    #expect(synthetic.task == task)
    #expect(synthetic.samples == samples)
    #expect(synthetic.length == length)
    #expect(synthetic.vocab == vocab)
  }

  @Test(arguments: [
    ("{random_shift: 2}", Augmentation.Kind.randomShift(pixels: 2)),
    ("{random_shift: {pixels: 3}}", .randomShift(pixels: 3)),
    ("{random_crop: 28}", .randomCrop(height: 28, width: 28, padding: 0)),
    ("{random_crop: {size: [24, 32], padding: 4}}", .randomCrop(height: 24, width: 32, padding: 4)),
    ("horizontal_flip", .horizontalFlip(probability: 0.5)),
    ("{horizontal_flip: 1}", .horizontalFlip(probability: 1)),
    ("{horizontal_flip: {probability: 0.25}}", .horizontalFlip(probability: 0.25)),
    ("{gaussian_noise: 0.05}", .gaussianNoise(std: 0.05)),
  ])
  func augmentations(yaml: String, kind: Augmentation.Kind) throws {
    let decoded = try data("data: {train: {csv: ../data/train.csv}, augment: [\(yaml)]}")
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    #expect(decoded.value?.augmentations.map(\.kind) == [kind])
  }

  @Test(arguments: [
    // Structure
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, tset: {csv: ../data/test.csv}}", .unknownKey, at: "tset",
      "did you mean `test`?"),
    SectionErrorCase(
      "data: {split: {validation: 0.1}}", .missingKey, at: "{split: {validation: 0.1}}", "train: {csv: data/train.csv}"),
    SectionErrorCase("data: ../data/train.csv", .typeMismatch, at: "../data/train.csv", "must be a mapping"),
    // Sources
    SectionErrorCase(
      "data: {train: {scale: 0.5}}", .missingKey, at: "{scale: 0.5}", "`csv`, `npy`, `idx` or `synthetic`"),
    SectionErrorCase("data: {train: {cvs: ../data/train.csv}}", .unknownKey, at: "cvs", "did you mean `csv`?"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv, npy: {inputs: ../data/x.npy, labels: ../data/y.npy}}}", .badData,
      at: "npy", "`data.test`"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv, lable: first}}", .unknownKey, at: "lable", "did you mean `label`?"),
    SectionErrorCase("data: {train: {csv: [a.csv]}}", .typeMismatch, at: "[a.csv]", "must be a file path"),
    SectionErrorCase("data: {train: {csv: }}", .typeMismatch, at: "", "must be a file path"),
    SectionErrorCase("data: {train: {csv: ''}}", .badData, at: "''", "is empty"),
    SectionErrorCase("data: {train: {csv: \"a\\0b.csv\"}}", .badData, at: "\"a\\0b.csv\"", "NUL"),
    SectionErrorCase(
      "data: {train: {csv: ../data/missing.csv}}", .badData, at: "../data/missing.csv", dataFile("missing.csv")),
    SectionErrorCase("data: {train: {csv: ../data/folder}}", .badData, at: "../data/folder", "is a folder"),
    SectionErrorCase("data: {train: {csv: data/train.csv}}", .badData, at: "data/train.csv", "spec's folder"),
    SectionErrorCase(
      "data: {train: {npy: ../data/x.npy}}", .typeMismatch, at: "../data/x.npy", "{inputs: PATH, labels: PATH}"),
    SectionErrorCase(
      "data: {train: {npy: {inputs: ../data/x.npy}}}", .missingKey, at: "{inputs: ../data/x.npy}", "labels: PATH"),
    SectionErrorCase(
      "data: {train: {idx: {images: ../data/images.gz, label: ../data/labels.gz}}}", .unknownKey, at: "label",
      "did you mean `labels`?"),
    SectionErrorCase(
      "data: {train: {npy: {inputs: ../data/x.npy, labels: ../data/y.npy}, label: last}}", .unknownKey, at: "label",
      "`labels` file"),
    SectionErrorCase(
      "data: {train: {synthetic: {task: copy, samples: 1, length: 1}, label: 0}}", .unknownKey, at: "label",
      "make their own labels"),
    // Options
    SectionErrorCase("data: {train: {csv: ../data/train.csv, label: -1}}", .valueOutOfRange, at: "-1", "count from 0"),
    SectionErrorCase("data: {train: {csv: ../data/train.csv, label: 1.5}}", .typeMismatch, at: "1.5", "header name"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv, label: [0]}}", .typeMismatch, at: "[0]", "must name a column"),
    SectionErrorCase("data: {train: {csv: ../data/train.csv, scale: 0}}", .valueOutOfRange, at: "0", "> 0"),
    SectionErrorCase("data: {train: {csv: ../data/train.csv, scale: 1/0}}", .arithmeticError, at: "1/0", "zero"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv, scale: half}}", .typeMismatch, at: "half", "must be a number"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv, standardize: yes}}", .typeMismatch, at: "yes", "`true` or `false`"),
    SectionErrorCase("data: {train: {csv: ../data/train.csv, reshape: [1, 0, 28]}}", .badShape, at: "0", ">= 1"),
    SectionErrorCase("data: {train: {csv: ../data/train.csv, reshape: [N, 28]}}", .badShape, at: "N", "batch axis"),
    SectionErrorCase("data: {train: {csv: ../data/train.csv, reshape: []}}", .badShape, at: "[]", "non-empty list"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv, reshape: 784}}", .badShape, at: "784", "reshape: [1, 28, 28]"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv, reshape: [100000000, 100000000]}}", .dimensionOverflow,
      at: "[100000000, 100000000]", "values per sample"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv, label_dtype: int64}}", .valueOutOfRange, at: "int64",
      "did you mean `int32`?"),
    SectionErrorCase("data: {train: {csv: ../data/train.csv, input: 3}}", .typeMismatch, at: "3", "must be a name"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv, label_dtype: int32, one_hot: true}}", .badData, at: "true",
      "one-hot labels are float32"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv, header: maybe}}", .valueOutOfRange, at: "maybe",
      "allowed values: `true`, `false`"),
    SectionErrorCase(
      "data: {train: {npy: {inputs: ../data/x.npy, labels: ../data/y.npy}, header: true}}", .unknownKey,
      at: "header", "applies only to `csv` sources"),
    // Synthetic data
    SectionErrorCase(
      "data: {train: {synthetic: {task: sortt, samples: 1, length: 1}}}", .valueOutOfRange, at: "sortt",
      "did you mean `sort`?"),
    SectionErrorCase(
      "data: {train: {synthetic: {task: copy, length: 4}}}", .missingKey, at: "{task: copy, length: 4}",
      "is missing `samples`"),
    SectionErrorCase(
      "data: {train: {synthetic: {task: copy, samples: 0, length: 4}}}", .valueOutOfRange, at: "0", "1...100000000"),
    SectionErrorCase(
      "data: {train: {synthetic: {task: copy, samples: 100000, length: 100000}}}", .valueOutOfRange, at: "100000",
      "fewer or shorter"),
    SectionErrorCase(
      "data: {train: {synthetic: {task: copy, samples: 1, length: 4, vocab: 1}}}", .valueOutOfRange, at: "1",
      "2...1000000"),
    SectionErrorCase(
      "data: {train: {synthetic: {task: adding, samples: 1, length: 4, vocab: 5}}}", .unknownKey, at: "vocab",
      "remove `vocab`"),
    SectionErrorCase(
      "data: {train: {synthetic: {task: adding, samples: 1, length: 1}}}", .valueOutOfRange, at: "1", "at least 2"),
    SectionErrorCase(
      "data: {train: {synthetic: {task: copy, sample: 1, length: 1}}}", .unknownKey, at: "sample",
      "did you mean `samples`?"),
    // Split
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, split: {validation: 1}}", .valueOutOfRange, at: "1", "[0, 1)"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, split: {test: -0.1}}", .valueOutOfRange, at: "-0.1", "[0, 1)"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, split: {validation: 0.5, test: 0.5}}", .valueOutOfRange, at: "0.5",
      "no training data"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, test: {csv: ../data/test.csv}, split: {test: 0.1}}", .badData, at: "0.1",
      "given twice"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, split: {shuffle: 1}}", .typeMismatch, at: "1", "`true` or `false`"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, split: {validaton: 0.1}}", .unknownKey, at: "validaton",
      "did you mean `validation`?"),
    // Augmentation
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: {random_shift: 2}}", .typeMismatch, at: "{random_shift: 2}",
      "must be a list"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [{random_shfit: 2}]}", .valueOutOfRange, at: "random_shfit",
      "did you mean `random_shift`?"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [rotate]}", .valueOutOfRange, at: "rotate",
      "`random_shift`, `random_crop`, `horizontal_flip` or `gaussian_noise`"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [random_shift]}", .missingKey, at: "random_shift",
      "{random_shift: 2}"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [{random_shift: 0}]}", .valueOutOfRange, at: "0", ">= 1"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [{random_shift: 2, horizontal_flip: 0.5}]}", .typeMismatch,
      at: "horizontal_flip", "names one choice"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [{random_crop: {padding: 2}}]}", .missingKey,
      at: "{padding: 2}", "size: 28"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [{random_crop: [1, 2, 3]}]}", .typeMismatch, at: "[1, 2, 3]",
      "[height, width]"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [{random_crop: [24, 0]}]}", .valueOutOfRange, at: "0",
      "crop width"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [{random_crop: {size: 24, padding: -1}}]}", .valueOutOfRange,
      at: "-1", ">= 0"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [{horizontal_flip: 0}]}", .valueOutOfRange, at: "0", "(0, 1]"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [{horizontal_flip: 1.5}]}", .valueOutOfRange, at: "1.5",
      "(0, 1]"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [{gaussian_noise: -1}]}", .valueOutOfRange, at: "-1", "> 0"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [gaussian_noise]}", .missingKey, at: "gaussian_noise",
      "{gaussian_noise: 0.1}"),
    SectionErrorCase(
      "data: {train: {csv: ../data/train.csv}, augment: [{gaussian_noise: {sigma: 1, std: 0.1}}]}", .unknownKey,
      at: "sigma", "takes `std`"),
  ])
  func errors(_ error: SectionErrorCase) throws {
    error.check(try data(error.yaml))
  }

  @Test func missingFileNamesTheResolvedPathAndKeepsTheSource() throws {
    let decoded = try data(
      """
      data:
        train:
          csv: ../data/nope.csv.gz
      """)
    #expect(decoded.summary == ["bad-data 3:10"])
    #expect(
      decoded.diagnostics.first?.helps == [
        "looked for `\(dataFile("nope.csv.gz"))`; relative paths start at the spec's folder `\(sectionFixture.appendingPathComponent("specs").path)`"
      ])
    // The source is still decoded, so later checks can run.
    #expect(decoded.value != nil)
  }

  @Test func absolutePathsAreKept() throws {
    let decoded = try data("data: {train: {csv: \(dataFile("train.csv"))}}")
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    guard case .csv(let path, _, _) = decoded.value?.train.format else {
      Issue.record("not csv")
      return
    }
    #expect(path.resolvedPath == dataFile("train.csv"))
  }

  @Test func pathVariables() throws {
    let decoded = try decodeSection(
      "data", "data: {train: {csv: $file}}", path: sectionSpecPath,
      variables: ["file": .string("../data/train.csv")], DataSpec.decode)
    #expect(decoded.diagnostics.isEmpty, "\(decoded.summary)")
    guard case .csv(let path, _, _) = decoded.value?.train.format else {
      Issue.record("not csv")
      return
    }
    #expect(path.path == "../data/train.csv")
    #expect(path.resolvedPath == dataFile("train.csv"))
  }

  @Test func reportsEveryProblem() throws {
    let decoded = try data(
      """
      data:
        train: {csv: ../data/gone.csv, label: -2, scale: 0, reshape: [0]}
        test: {synthetic: {task: copy, samples: 0, length: 3}}
        split: {validation: 0.7, test: 0.4}
        augment: [{random_shift: 0}, flip]
      """)
    #expect(
      decoded.summary == [
        "bad-data 2:16", "value-out-of-range 2:41", "value-out-of-range 2:52", "bad-shape 2:65",
        "value-out-of-range 3:43", "value-out-of-range 4:34", "value-out-of-range 5:28", "value-out-of-range 5:32",
      ])
  }

  @Test func aMisnamedRequiredKeyIsAlsoMissing() throws {
    // `sigma` is too far from `std` to be taken for a typo of it.
    let decoded = try data("data: {train: {csv: ../data/train.csv}, augment: [{gaussian_noise: {sigma: 1}}]}")
    #expect(decoded.summary == ["missing-key 1:68", "unknown-key 1:69"])
  }

  @Test func unknownFormatKeyIsNotAlsoAMissingSource() throws {
    let decoded = try data("data: {train: {cvs: ../data/train.csv}}")
    #expect(decoded.summary == ["unknown-key 1:16"])
    #expect(decoded.value == nil)
  }
}
