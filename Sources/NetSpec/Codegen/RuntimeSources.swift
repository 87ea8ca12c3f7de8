// RuntimeSources.swift: the sources of Sources/NetSpecRuntime, which `netspec compile`
// writes beside every model. Generated: regenerate with
// `NETSPEC_UPDATE_GOLDEN=1 swift test --filter KernelSourceTests`. Do not edit.
// swift-format-ignore-file

/// The NetSpecRuntime sources by file name (see ``KernelSourceEmbedding``).
enum RuntimeSources {
  static let files: [(name: String, text: String)] = [
    (
      "Augmenter.swift",
      ###"""
/// Applies `data.augment` (a list of ``AugmentationStep``) to samples: randomly for training batches, and the
/// evaluation form (the centered window of each random crop; the other
/// augmentations leave samples unchanged) to validation and test sets.
///
/// Image augmentations act on the last two axes (height, width) of a sample;
/// the leading axes are planes (channels). Random draws, per sample and per
/// augmentation in order: `random_shift` draws the row then the column offset
/// (`nextInt(below: 2·pixels + 1) − pixels`); `random_crop` the top then the
/// left corner in the padded image; `horizontal_flip` one `nextFloat()`,
/// flipping when below the probability; `gaussian_noise` one `nextGaussian()`
/// per value, in order.
public struct Augmenter: Sendable {
  public let steps: [AugmentationStep]
  /// The sample shape before each step, and after the last.
  public let shapes: [[Int]]

  /// The augmenter for samples of `inputShape`; `inputShape` must have at
  /// least two axes when an image augmentation is present, and each crop must
  /// fit its padded image.
  public init(_ steps: [AugmentationStep], inputShape: [Int]) {
    self.steps = steps
    var shapes = [inputShape]
    for step in steps {
      var shape = shapes[shapes.count - 1]
      if case .randomCrop(let height, let width, _) = step {
        shape[shape.count - 2] = height
        shape[shape.count - 1] = width
      }
      shapes.append(shape)
    }
    self.shapes = shapes
  }

  /// The shape of an augmented sample.
  public var outputShape: [Int] { shapes[shapes.count - 1] }

  /// Augments one sample from `source` into `target` (`outputShape` values).
  /// `scratch` holds at least twice the largest intermediate sample.
  public func augment(
    _ source: UnsafeBufferPointer<Float>, into target: UnsafeMutableBufferPointer<Float>,
    scratch: UnsafeMutableBufferPointer<Float>, random: inout RandomGenerator
  ) {
    run(source, into: target, scratch: scratch) { step, shape, buffer, spare in
      switch step {
      case .randomShift(let pixels):
        let dy = random.nextInt(below: 2 * pixels + 1) - pixels
        let dx = random.nextInt(below: 2 * pixels + 1) - pixels
        return Self.window(
          buffer, shape: shape, top: -dy, left: -dx, height: shape[shape.count - 2], width: shape[shape.count - 1],
          into: spare)
      case .randomCrop(let height, let width, let padding):
        let top = random.nextInt(below: shape[shape.count - 2] + 2 * padding - height + 1) - padding
        let left = random.nextInt(below: shape[shape.count - 1] + 2 * padding - width + 1) - padding
        return Self.window(buffer, shape: shape, top: top, left: left, height: height, width: width, into: spare)
      case .horizontalFlip(let probability):
        if Double(random.nextFloat()) < probability { Self.flip(buffer, width: shape[shape.count - 1]) }
        return false
      case .gaussianNoise(let std):
        let deviation = Float(std)
        for i in buffer.indices { buffer[i] += deviation * random.nextGaussian() }
        return false
      }
    }
  }

  /// The evaluation form of one sample: each crop's centered window.
  public func center(
    _ source: UnsafeBufferPointer<Float>, into target: UnsafeMutableBufferPointer<Float>,
    scratch: UnsafeMutableBufferPointer<Float>
  ) {
    run(source, into: target, scratch: scratch) { step, shape, buffer, spare in
      guard case .randomCrop(let height, let width, let padding) = step else { return false }
      let top = (shape[shape.count - 2] + 2 * padding - height) / 2 - padding
      let left = (shape[shape.count - 1] + 2 * padding - width) / 2 - padding
      return Self.window(buffer, shape: shape, top: top, left: left, height: height, width: width, into: spare)
    }
  }

  /// Runs the steps on a copy of `source` in the first half of `scratch`;
  /// `apply` transforms its buffer in place (returning false) or writes the
  /// result to the spare half (returning true), which then becomes current.
  private func run(
    _ source: UnsafeBufferPointer<Float>, into target: UnsafeMutableBufferPointer<Float>,
    scratch: UnsafeMutableBufferPointer<Float>,
    _ apply: (AugmentationStep, [Int], UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Bool
  ) {
    let half = scratch.count / 2
    var current = UnsafeMutableBufferPointer(rebasing: scratch[0..<half])
    var spare = UnsafeMutableBufferPointer(rebasing: scratch[half..<(2 * half)])
    _ = current.initialize(from: source)
    for (index, step) in steps.enumerated() {
      let count = shapes[index].reduce(1, *)
      let after = shapes[index + 1].reduce(1, *)
      let wrote = apply(
        step, shapes[index], UnsafeMutableBufferPointer(rebasing: current[0..<count]),
        UnsafeMutableBufferPointer(rebasing: spare[0..<after]))
      if wrote { swap(&current, &spare) }
    }
    _ = target.initialize(from: current[0..<target.count])
  }

  /// The scratch size ``augment(_:into:scratch:random:)`` needs.
  public var scratchCount: Int { 2 * (shapes.map { $0.reduce(1, *) }.max() ?? 0) }

  /// Copies the `height × width` window whose top-left corner is at (`top`,
  /// `left`) of each plane (possibly outside it: zeros there) into `target`.
  /// Returns true (the result is in `target`).
  private static func window(
    _ source: UnsafeMutableBufferPointer<Float>, shape: [Int], top: Int, left: Int, height: Int, width: Int,
    into target: UnsafeMutableBufferPointer<Float>
  ) -> Bool {
    let (rows, columns) = (shape[shape.count - 2], shape[shape.count - 1])
    let planes = shape.dropLast(2).reduce(1, *)
    let first = min(max(0, -left), width)
    let last = max(first, min(width, columns - left))
    for plane in 0..<planes {
      for y in 0..<height {
        let out = (plane * height + y) * width
        let row = top + y
        guard row >= 0, row < rows, first < last else {
          for x in 0..<width { target[out + x] = 0 }
          continue
        }
        let base = (plane * rows + row) * columns + left
        for x in 0..<first { target[out + x] = 0 }
        for x in first..<last { target[out + x] = source[base + x] }
        for x in last..<width { target[out + x] = 0 }
      }
    }
    return true
  }

  /// Mirrors every row of `values` (rows of `width`) in place.
  private static func flip(_ values: UnsafeMutableBufferPointer<Float>, width: Int) {
    var start = 0
    while start < values.count {
      var (i, j) = (start, start + width - 1)
      while i < j {
        values.swapAt(i, j)
        i += 1
        j -= 1
      }
      start += width
    }
  }
}

/// One entry of `data.augment`: a random transformation of each training
/// sample. Image augmentations act on the last two axes (height, width).
public enum AugmentationStep: Sendable, Hashable {
  /// Translate by whole pixels drawn uniformly from `-pixels...pixels` on each
  /// axis, filling with zeros.
  case randomShift(pixels: Int)
  /// Zero-pad by `padding` on each side, then cut a `height` x `width` window
  /// at a uniformly random position. Evaluation uses the centered window.
  case randomCrop(height: Int, width: Int, padding: Int)
  /// Mirror left-right with this probability.
  case horizontalFlip(probability: Double)
  /// Add normal noise with this standard deviation to every value.
  case gaussianNoise(std: Double)
}
"""###
    ),
    (
      "Batcher.swift",
      ###"""
/// Cuts a ``Dataset`` into mini-batches, epoch after epoch.
///
/// Each epoch visits every sample exactly once: in a fresh random order when
/// shuffling (drawn from `seed` and the epoch number, so epoch `k` has the
/// same order however training got there), else in dataset order. Batches
/// hold `batchSize` samples except the last of an epoch, which may be
/// smaller. Training batches may be augmented; the random draws come from
/// their own per-epoch stream, so the same seed gives the same batches.
///
/// ```swift
/// var batches = Batcher(data.train, batchSize: .size(64), shuffle: true, seed: 42)
/// var x = [Float](repeating: 0, count: batches.batchSize * batches.inputStride)
/// var y = [Float](repeating: 0, count: batches.batchSize * batches.labelStride)
/// batches.start(epoch: 0)
/// while let n = x.withUnsafeMutableBufferPointer({ xs in
///   y.withUnsafeMutableBufferPointer { ys in batches.next(inputs: xs, labels: ys) }
/// }) {
///   // the first n samples of x and y are the batch
/// }
/// ```
public struct Batcher: Sendable {
  /// The samples.
  public let dataset: Dataset
  /// Samples per full batch: the dataset's size for `batch_size: all`
  /// (and at most the dataset's size).
  public let batchSize: Int
  /// The shape of one sample in a batch (after augmentation: a random crop
  /// sets the last two sizes).
  public let sampleShape: [Int]
  /// Values per sample in a batch.
  public let inputStride: Int
  /// Values per label.
  public let labelStride: Int

  private let shuffle: Bool
  private let seed: UInt64
  private let augmenter: Augmenter?
  private var order: [Int] = []
  private var position = 0
  private var random: RandomGenerator
  private var scratch: [Float]

  /// A batcher over `dataset`. `augmentations` apply to every sample of every
  /// batch (pass them for the training split only); their crops must fit the
  /// samples (NetSpec's data pipeline checks this).
  public init(
    _ dataset: Dataset, batchSize: BatchSize, shuffle: Bool, augmentations: [AugmentationStep] = [], seed: Int
  ) {
    self.dataset = dataset
    switch batchSize {
    case .all: self.batchSize = max(dataset.count, 1)
    case .size(let size): self.batchSize = max(1, min(size, max(dataset.count, 1)))
    }
    self.shuffle = shuffle
    self.seed = UInt64(truncatingIfNeeded: seed)
    augmenter = augmentations.isEmpty ? nil : Augmenter(augmentations, inputShape: dataset.inputShape)
    sampleShape = augmenter?.outputShape ?? dataset.inputShape
    inputStride = sampleShape.reduce(1, *)
    labelStride = dataset.labelStride
    scratch = [Float](repeating: 0, count: augmenter?.scratchCount ?? 0)
    random = RandomGenerator(seed: self.seed, stream: DataRandomStream.augment(epoch: 0))
    start(epoch: 0)
  }

  /// Batches per epoch: the sample count divided by the batch size, rounded up.
  public var batchesPerEpoch: Int { (dataset.count + batchSize - 1) / batchSize }

  /// Begins epoch `epoch` (counted from 0): a new order and augmentation stream.
  public mutating func start(epoch: Int) {
    let stream = UInt64(truncatingIfNeeded: epoch)
    if shuffle {
      var shuffler = RandomGenerator(seed: seed, stream: DataRandomStream.shuffle(epoch: stream))
      order = shuffler.permutation(dataset.count)
    } else {
      order = Array(0..<dataset.count)
    }
    random = RandomGenerator(seed: seed, stream: DataRandomStream.augment(epoch: stream))
    position = 0
  }

  /// Copies the next batch into `inputs` (`batchSize × inputStride` values,
  /// sample-major) and `labels` (`batchSize × labelStride`), augmenting when
  /// configured. Returns the number of samples in the batch, or nil when the
  /// epoch is over.
  public mutating func next(
    inputs: UnsafeMutableBufferPointer<Float>, labels: UnsafeMutableBufferPointer<Float>
  ) -> Int? {
    guard position < order.count else { return nil }
    let count = min(batchSize, order.count - position)
    precondition(
      inputs.count >= count * inputStride && labels.count >= count * labelStride,
      "batch buffers are too small")
    let (sourceStride, labelStride, inputStride) = (dataset.inputStride, self.labelStride, self.inputStride)
    dataset.inputs.withUnsafeBufferPointer { source in
      for slot in 0..<count {
        let sample = order[position + slot]
        let from = UnsafeBufferPointer(rebasing: source[(sample * sourceStride)..<((sample + 1) * sourceStride)])
        let to = UnsafeMutableBufferPointer(rebasing: inputs[(slot * inputStride)..<((slot + 1) * inputStride)])
        if let augmenter {
          scratch.withUnsafeMutableBufferPointer { scratch in
            augmenter.augment(from, into: to, scratch: scratch, random: &random)
          }
        } else {
          _ = to.initialize(from: from)
        }
      }
    }
    dataset.labels.withUnsafeBufferPointer { source in
      for slot in 0..<count {
        let sample = order[position + slot]
        for k in 0..<labelStride { labels[slot * labelStride + k] = source[sample * labelStride + k] }
      }
    }
    position += count
    return count
  }
}

/// How many samples each gradient step averages over (`train.batch_size`).
public enum BatchSize: Sendable, Hashable {
  /// Full-batch gradient descent: one step per epoch over the whole training split.
  case all
  /// Mini-batches of this many samples (1 is stochastic gradient descent); the
  /// last batch of an epoch may be smaller.
  case size(Int)
}
"""###
    ),
    (
      "CSVReader.swift",
      ###"""
import Foundation

/// Parses CSV text into a ``CSVTable``.
///
/// - Cells are separated by commas when the first line holds a comma, else by
///   runs of spaces or tabs; spaces around cells are ignored; blank lines are
///   skipped; lines end in `\n` or `\r\n`; a UTF-8 byte-order mark is skipped.
/// - A first line with a non-numeric cell is a header: either the
///   scikit-learn form `rows,features,class names...` (its first two cells
///   must then equal the number of data rows and of feature columns) or one
///   name per column.
/// - Numbers are parsed in place from the bytes: whole numbers of up to nine
///   digits directly, anything else with `strtof` (correctly rounded). NaN and
///   infinities are rejected.
public struct CSVReader {
  private let bytes: [UInt8]
  private let comma: Bool

  private static let newline = UInt8(ascii: "\n")
  private static let carriageReturn = UInt8(ascii: "\r")
  private static let space = UInt8(ascii: " ")
  private static let tab = UInt8(ascii: "\t")
  private static let commaByte = UInt8(ascii: ",")

  /// Reads a table from a file's (decompressed) bytes.
  public static func parse(_ contents: [UInt8]) throws(DataFileError) -> CSVTable {
    var bytes = contents
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    bytes.append(0)  // strtof stops at the terminator after the last cell
    guard let first = firstLine(bytes) else {
      throw DataFileError("the file holds no data", help: "write one sample per row, e.g. `5.1,3.5,1.4,0.2,0`")
    }
    let reader = CSVReader(bytes: bytes, comma: bytes[first.range].contains(commaByte))
    let header = reader.cellTexts(first.range)
    let isHeader = header.contains { !isNumber($0) }
    let data =
      isHeader
      ? try reader.readRows(from: first.next, lineNumber: first.number + 1)
      : try reader.readRows(from: first.range.lowerBound, lineNumber: first.number)
    guard data.rows > 0 else {
      throw DataFileError(
        "the file holds a header line but no data rows", help: "write one sample per row after the header")
    }
    var table = CSVTable(values: data.values, rows: data.rows, columns: data.columns)
    if isHeader {
      try apply(header: header, to: &table)
    }
    return table
  }

  /// A line's content (without its end), where the next one starts, and its
  /// number counted from 1.
  private struct Line {
    var range: Range<Int>
    var next: Int
    var number: Int
  }

  /// The first line that is not blank, or nil if there is none (`bytes` ends
  /// with the terminator).
  private static func firstLine(_ bytes: [UInt8]) -> Line? {
    var start = 0
    var number = 1
    let end = bytes.count - 1
    while start < end {
      var stop = start
      while stop < end, bytes[stop] != newline { stop += 1 }
      var contentEnd = stop
      if contentEnd > start, bytes[contentEnd - 1] == carriageReturn { contentEnd -= 1 }
      if bytes[start..<contentEnd].contains(where: { $0 != space && $0 != tab }) {
        return Line(range: start..<contentEnd, next: min(stop + 1, end), number: number)
      }
      start = stop + 1
      number += 1
    }
    return nil
  }

  /// The cells of one line as trimmed strings, quotes removed (header parsing).
  private func cellTexts(_ range: Range<Int>) -> [String] {
    let text = String(decoding: bytes[range], as: UTF8.self)
    let cells =
      comma
      ? text.split(separator: ",", omittingEmptySubsequences: false)
      : text.split(whereSeparator: { $0 == " " || $0 == "\t" })
    return cells.map { cell in
      var trimmed = cell.trimmingCharacters(in: .whitespaces)
      if trimmed.count >= 2, trimmed.first == "\"", trimmed.last == "\"" {
        trimmed = String(trimmed.dropFirst().dropLast())
      }
      return trimmed
    }
  }

  /// True when a header cell is a finite number.
  private static func isNumber(_ text: String) -> Bool {
    guard let value = Float(text) else { return false }
    return value.isFinite
  }

  /// Interprets a header line: scikit-learn counts and class names, or names.
  private static func apply(header: [String], to table: inout CSVTable) throws(DataFileError) {
    if header.count >= 2, let rows = Int(header[0]), let features = Int(header[1]), rows >= 0, features >= 0,
      header.count != table.columns || (rows == table.rows && features == table.columns - 1)
    {
      guard rows == table.rows, features == table.columns - 1 else {
        throw DataFileError(
          "the first line says \(rows) samples of \(features) features (scikit-learn form), but the file has \(table.rows) rows of \(table.columns - 1) features and a label",
          help: "correct the counts in the first line, or remove it")
      }
      table.classNames = Array(header.dropFirst(2))
      return
    }
    guard header.count == table.columns else {
      throw DataFileError(
        "the header line names \(header.count) columns, but the rows have \(table.columns)",
        help: "give one name per column, or remove the header line")
    }
    table.columnNames = header
  }

  /// Parses every data line from `start`.
  private func readRows(from start: Int, lineNumber: Int) throws(DataFileError) -> (
    values: [Float], rows: Int, columns: Int
  ) {
    var values: [Float] = []
    values.reserveCapacity(bytes.count / 2 + 1)  // a cell takes at least two bytes
    var rows = 0
    var columns = 0
    var firstDataLine = lineNumber
    var position = start
    var number = lineNumber
    let failure: DataFileError? = bytes.withUnsafeBufferPointer { buffer in
      let end = buffer.count - 1
      while position < end {
        var cursor = Self.skipBlanks(buffer, position, end)
        if cursor == end || buffer[cursor] == Self.newline {
          position = cursor + 1  // a blank line
          number += 1
          continue
        }
        var cells = 0
        while true {
          // `cursor` is at the start of a cell, after any spaces.
          guard let (value, after) = Self.number(buffer, at: cursor, end: end) else {
            return cellError(buffer, line: number, column: cells + 1, at: cursor, end)
          }
          guard value.isFinite else {
            return DataFileError(
              "line \(number), column \(cells + 1): `\(Self.text(buffer, cursor, end))` is not a finite number",
              help: "replace missing or infinite values with numbers, or remove those rows")
          }
          values.append(value)
          cells += 1
          cursor = Self.skipBlanks(buffer, after, end)
          if cursor == end || buffer[cursor] == Self.newline { break }
          if comma, buffer[cursor] == Self.commaByte {
            cursor = Self.skipBlanks(buffer, cursor + 1, end)
          } else if comma || cursor == after {
            return DataFileError(
              "line \(number): expected \(comma ? "a comma" : "a space") after column \(cells), found \(Self.describe(buffer[cursor]))",
              help: "separate the cells of a row with \(comma ? "commas" : "spaces or tabs")")
          }
        }
        if rows == 0 {
          columns = cells
          firstDataLine = number
        } else if cells != columns {
          return DataFileError(
            "line \(number) has \(cells) columns, but line \(firstDataLine) has \(columns)",
            help: "every row needs the same number of values; check for missing or extra separators")
        }
        rows += 1
        position = cursor + 1
        number += 1
      }
      return nil
    }
    if let failure { throw failure }
    return (values, rows, columns)
  }

  /// The index of the first byte at or after `start` that is not a space, a
  /// tab or the `\r` of a `\r\n` line end.
  private static func skipBlanks(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
    var cursor = start
    while cursor < end {
      let byte = buffer[cursor]
      if byte == Self.space || byte == Self.tab
        || (byte == Self.carriageReturn && (cursor + 1 == end || buffer[cursor + 1] == Self.newline))
      {
        cursor += 1
      } else {
        break
      }
    }
    return cursor
  }

  /// The number starting at `start` and the index after it, or nil if none.
  private static func number(_ buffer: UnsafeBufferPointer<UInt8>, at start: Int, end: Int) -> (Float, Int)? {
    // Fast path: an optionally signed whole number of at most nine digits.
    var cursor = start
    var negative = false
    if cursor < end, buffer[cursor] == UInt8(ascii: "-") || buffer[cursor] == UInt8(ascii: "+") {
      negative = buffer[cursor] == UInt8(ascii: "-")
      cursor += 1
    }
    var whole = 0
    let digitsStart = cursor
    while cursor < end, cursor - digitsStart < 10, buffer[cursor] &- UInt8(ascii: "0") < 10 {
      whole = whole * 10 + Int(buffer[cursor] &- UInt8(ascii: "0"))
      cursor += 1
    }
    let digits = cursor - digitsStart
    if digits > 0, digits < 10, cursor == end || isTerminator(buffer[cursor]) {
      return (Float(negative ? -whole : whole), cursor)
    }
    // Anything else: strtof, which must not skip leading whitespace here.
    guard start < end, !isTerminator(buffer[start]) else { return nil }
    let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
    var stop: UnsafeMutablePointer<CChar>?
    let value = strtof(base + start, &stop)
    guard let stop else { return nil }
    let after = UnsafeRawPointer(stop) - UnsafeRawPointer(base)
    guard after > start, after == end || isTerminator(buffer[after]) else { return nil }
    return (value, after)
  }

  /// Bytes that may follow a number: separators, spaces and line ends.
  private static func isTerminator(_ byte: UInt8) -> Bool {
    byte == commaByte || byte == space || byte == tab || byte == newline || byte == carriageReturn
  }

  /// Up to 24 characters of the cell at `start`, for messages.
  private static func text(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
    var stop = start
    while stop < end, stop - start < 24, !isTerminator(buffer[stop]), buffer[stop] >= 0x20 { stop += 1 }
    return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<stop]), as: UTF8.self)
  }

  /// A byte for messages: "`x`" when printable, else its hex value.
  private static func describe(_ byte: UInt8) -> String {
    (0x21..<0x7F).contains(byte)
      ? "`\(Character(Unicode.Scalar(byte)))`" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
  }

  /// The error for a cell that does not hold a number.
  private func cellError(
    _ buffer: UnsafeBufferPointer<UInt8>, line: Int, column: Int, at start: Int, _ end: Int
  ) -> DataFileError {
    let cell = Self.text(buffer, start, end)
    if !cell.isEmpty {
      return DataFileError(
        "line \(line), column \(column): `\(cell)` is not a number",
        help: "data cells must be numbers; encode categories as class indices 0, 1, 2, …")
    }
    if start < end, !Self.isTerminator(buffer[start]) {
      return DataFileError(
        "line \(line), column \(column): unexpected \(Self.describe(buffer[start]))",
        help: "data files hold numbers, separators and line ends only")
    }
    return DataFileError(
      "line \(line), column \(column) is empty",
      help: "every cell needs a number; check for doubled or trailing \(comma ? "commas" : "separators")")
  }
}
"""###
    ),
    (
      "CSVTable.swift",
      ###"""
/// A numeric table read from a CSV file: every data row has the same number
/// of columns, and every cell is a finite number.
public struct CSVTable: Sendable {
  /// `rows × columns` values, row-major.
  public var values: [Float]
  public var rows: Int
  public var columns: Int
  /// Column names from a header row of names, if the file has one.
  public var columnNames: [String]?
  /// Class names from a scikit-learn header (`150,4,setosa,versicolor,virginica`).
  public var classNames: [String]?

  /// Splits off column `column` as the labels: the other columns are the
  /// features, in order.
  public func split(column: Int) -> (features: [Float], labels: [Float]) {
    var features = [Float]()
    features.reserveCapacity(rows * (columns - 1))
    var labels = [Float]()
    labels.reserveCapacity(rows)
    for row in 0..<rows {
      let start = row * columns
      features.append(contentsOf: values[start..<(start + column)])
      labels.append(values[start + column])
      features.append(contentsOf: values[(start + column + 1)..<(start + columns)])
    }
    return (features, labels)
  }
}

/// Which CSV column holds the label; the other columns are the features.
public enum LabelColumn: Sendable, Hashable {
  case last
  case first
  /// A column index counted from 0.
  case index(Int)
  /// A column named in the header row.
  case name(String)
}
"""###
    ),
    (
      "DataFileError.swift",
      ###"""
/// A problem found while reading or preparing a data file: what went wrong
/// (naming the row, column or byte) and how to fix it. NetSpec's pipeline
/// reports it as `NS0502 bad-data` at the path in the spec that named the file.
public struct DataFileError: Error, Sendable {
  public var message: String
  public var help: String

  public init(_ message: String, help: String) {
    self.message = message
    self.help = help
  }

}
"""###
    ),
    (
      "DataRandomStream.swift",
      ###"""
/// The ``RandomGenerator`` streams the data pipeline draws from, all seeded by
/// `train.seed`. Other users of the seed (initialization, dropout) should
/// pick stream numbers outside these ranges.
public enum DataRandomStream {
  /// The shuffle before splitting off validation and test samples.
  public static let split: UInt64 = 0xDA7A_0001
  /// Synthetic training sequences.
  public static let syntheticTrain: UInt64 = 0xDA7A_0002
  /// Synthetic sequences of a separate `data.test` source.
  public static let syntheticTest: UInt64 = 0xDA7A_0003

  /// The order of the training samples in epoch `epoch`.
  public static func shuffle(epoch: UInt64) -> UInt64 { 0xDA7A_0001_0000_0000 &+ epoch }

  /// The augmentation draws in epoch `epoch`.
  public static func augment(epoch: UInt64) -> UInt64 { 0xDA7A_0002_0000_0000 &+ epoch }
}
"""###
    ),
    (
      "Dataset.swift",
      ###"""
/// Samples and their labels in memory, as float32.
///
/// Sample `i`'s inputs are `inputs[i * inputStride ..< (i + 1) * inputStride]`
/// (row-major in `inputShape`), its label likewise in `labels`. Class indices
/// and token ids are stored as whole-number floats (exact below 2^24): the
/// interpreter keeps every tensor as float32.
public struct Dataset: Sendable {
  /// The number of samples.
  public var count: Int
  /// `count × inputStride` values, sample-major.
  public var inputs: [Float]
  /// The shape of one sample, without the batch axis (`[1, 28, 28]`).
  public var inputShape: [Int]
  /// `count × labelStride` values, sample-major.
  public var labels: [Float]
  /// The shape of one label: `[]` for a class index or a scalar, `[K]` for a
  /// row of K values, `[T]` for a sequence of class indices.
  public var labelShape: [Int]
  /// Class names in index order, when the file names them.
  public var classNames: [String]?

  public init(
    count: Int, inputs: [Float], inputShape: [Int], labels: [Float], labelShape: [Int], classNames: [String]? = nil
  ) {
    self.count = count
    self.inputs = inputs
    self.inputShape = inputShape
    self.labels = labels
    self.labelShape = labelShape
    self.classNames = classNames
  }

  /// Values per sample: the product of `inputShape`.
  public var inputStride: Int { inputShape.reduce(1, *) }
  /// Values per label: the product of `labelShape`.
  public var labelStride: Int { labelShape.reduce(1, *) }

  /// The samples at `indices`, in that order.
  public func subset(_ indices: some Collection<Int>) -> Dataset {
    let inputStride = inputStride
    let labelStride = labelStride
    var inputs = [Float]()
    inputs.reserveCapacity(indices.count * inputStride)
    var labels = [Float]()
    labels.reserveCapacity(indices.count * labelStride)
    for index in indices {
      inputs.append(contentsOf: self.inputs[(index * inputStride)..<((index + 1) * inputStride)])
      labels.append(contentsOf: self.labels[(index * labelStride)..<((index + 1) * labelStride)])
    }
    return Dataset(
      count: indices.count, inputs: inputs, inputShape: inputShape, labels: labels, labelShape: labelShape,
      classNames: classNames)
  }
}
"""###
    ),
    (
      "EarlyStoppingRule.swift",
      ###"""
/// When training stops early (`train.early_stopping`): after `patience`
/// epochs in which the monitored quantity did not improve by more than
/// `minDelta` on its best value.
public struct EarlyStoppingRule: Sendable, Hashable {
  /// The quantity watched at the end of each epoch.
  public enum Monitor: String, Sendable, CaseIterable {
    case valLoss = "val_loss"
    case valAccuracy = "val_accuracy"
    case valMSE = "val_mse"
    case valMAE = "val_mae"
    case loss
    case accuracy

    /// True for accuracies (improving means rising); losses and errors improve
    /// by falling.
    public var higherIsBetter: Bool { self == .valAccuracy || self == .accuracy }

    /// True when measured on the validation split, which must then exist.
    public var needsValidation: Bool { rawValue.hasPrefix("val_") }

    /// The monitored value in `record`; nil when the record lacks it.
    public func value(in record: EpochMetrics) -> Double? {
      switch self {
      case .valLoss: record.validationLoss
      case .valAccuracy: record.validation["accuracy"]
      case .valMSE: record.validation["mse"]
      case .valMAE: record.validation["mae"]
      case .loss: record.trainLoss
      case .accuracy: record.train["accuracy"]
      }
    }
  }

  /// The quantity watched.
  public var monitor: Monitor
  /// Epochs without improvement before stopping.
  public var patience: Int
  /// The smallest change that counts as an improvement.
  public var minDelta: Double
  /// Restore the weights of the best epoch when training ends.
  public var restoreBest: Bool

  public init(monitor: Monitor, patience: Int, minDelta: Double, restoreBest: Bool) {
    self.monitor = monitor
    self.patience = patience
    self.minDelta = minDelta
    self.restoreBest = restoreBest
  }

  /// Whether `value` improves on `best` (always when there is no best yet).
  public func improves(_ value: Double, on best: Double?) -> Bool {
    guard let best else { return true }
    return monitor.higherIsBetter ? value > best + minDelta : value < best - minDelta
  }
}
"""###
    ),
    (
      "EpochMetrics.swift",
      ###"""
/// What one epoch of training measured: one line of the metrics log, one
/// summary line of the progress output, one point of each chart curve.
///
/// Metrics are keyed by name (`accuracy`, `mse`, `mae`, ...); accuracy is a
/// fraction in 0...1. Validation values are absent when there is no
/// validation split.
public struct EpochMetrics: Sendable, Equatable {
  /// The epoch, counted from 1.
  public var epoch: Int
  /// Optimizer steps taken since training began, at the end of this epoch.
  public var step: Int
  /// Mean training loss over the epoch.
  public var trainLoss: Double
  /// Training metrics by name.
  public var train: [String: Double]
  /// Validation loss, when there is a validation split.
  public var validationLoss: Double?
  /// Validation metrics by name.
  public var validation: [String: Double]
  /// The learning rate at the end of the epoch.
  public var learningRate: Double
  /// Wall-clock seconds the epoch took.
  public var seconds: Double
  /// Training samples processed per second.
  public var samplesPerSecond: Double

  /// A record; metrics default to none.
  public init(
    epoch: Int, step: Int, trainLoss: Double, train: [String: Double] = [:],
    validationLoss: Double? = nil, validation: [String: Double] = [:],
    learningRate: Double, seconds: Double, samplesPerSecond: Double
  ) {
    self.epoch = epoch
    self.step = step
    self.trainLoss = trainLoss
    self.train = train
    self.validationLoss = validationLoss
    self.validation = validation
    self.learningRate = learningRate
    self.seconds = seconds
    self.samplesPerSecond = samplesPerSecond
  }

  /// Metric names in reporting order: `accuracy`, `mse`, `mae`, then any
  /// others alphabetically.
  public static func ordered(_ names: some Sequence<String>) -> [String] {
    let known = ["accuracy", "mse", "mae"]
    return names.sorted { a, b in
      let (ra, rb) = (known.firstIndex(of: a) ?? known.count, known.firstIndex(of: b) ?? known.count)
      return ra != rb ? ra < rb : a < b
    }
  }
}
"""###
    ),
    (
      "IDXReader.swift",
      ###"""
/// Reads IDX files, the format of the MNIST distribution: a big-endian header
/// (two zero bytes, an element type, the number of axes, one 32-bit size per
/// axis) followed by the values.
public enum IDXReader {
  public static func read(_ bytes: [UInt8]) throws(DataFileError) -> NumericArray {
    let types: [UInt8: NumericArray.ElementType] = [
      0x08: .uint8, 0x09: .int8, 0x0B: .int16, 0x0C: .int32, 0x0D: .float32, 0x0E: .float64,
    ]
    guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else {
      let found = bytes.prefix(4).map { String($0, radix: 16) }.joined(separator: " ")
      throw DataFileError(
        "not an IDX file: it starts with bytes \(found.isEmpty ? "(none)" : found), not 00 00",
        help: "IDX files start with two zero bytes, an element type and the number of axes (MNIST: 00 00 08 03)")
    }
    guard let element = types[bytes[2]] else {
      throw DataFileError(
        "unknown IDX element type 0x\(String(bytes[2], radix: 16)) in byte 2",
        help: "IDX element types are 08 (ubyte), 09 (byte), 0b (short), 0c (int), 0d (float), 0e (double)")
    }
    let axes = Int(bytes[3])
    guard axes >= 1 else {
      throw DataFileError("the IDX header declares 0 axes", help: "samples must lie along the first axis")
    }
    let dataOffset = 4 + 4 * axes
    guard bytes.count >= dataOffset else {
      throw DataFileError(
        "the header declares \(axes) axes, but the file ends after \(bytes.count) bytes",
        help: "the file is truncated; copy it again")
    }
    let shape = (0..<axes).map { axis in (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * axis + $1]) } }
    let count = try NumericArray.valueCount(shape) { describe(Array($0)) }
    let expected = count * element.size
    let found = bytes.count - dataOffset
    guard found == expected else {
      throw DataFileError(
        "the header's shape \(describe(shape)) needs \(expected) bytes of data, but the file holds \(found)",
        help: found < expected ? "the file is truncated; copy it again" : "the file has extra bytes after the data")
    }
    return try NumericArray(bytes, offset: dataOffset, shape: shape, count: count, element: element, bigEndian: true)
  }

  /// `60000x28x28`, for messages.
  public static func describe(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "x") }
}
"""###
    ),
    (
      "LearningRateSchedule.swift",
      ###"""
import Foundation

/// How the learning rate changes over the epochs, after an optional linear
/// warmup (`train.schedule`).
///
/// With base rate `lr`, `w` warmup epochs and `t` epochs counted from the end of
/// the warmup (of `T = epochs - w`):
/// - warmup: the rate rises linearly, step by step, to `lr` at the end of epoch `w`;
/// - `constant`: `lr`;
/// - `step`: `lr * gamma^floor(t / every)`;
/// - `cosine`: `min_lr + (lr - min_lr) * (1 + cos(pi * t / T)) / 2`.
///
/// ```swift
/// let schedule = LearningRateSchedule(kind: .cosine(minLR: 0), warmupEpochs: 1)
/// schedule.rate(base: 0.1, epoch: 0, epochs: 10, progress: 0.5)  // 0.05
/// ```
public struct LearningRateSchedule: Sendable, Hashable {
  /// The schedule after the warmup.
  public enum Kind: Sendable, Hashable {
    case constant
    /// Multiply the rate by `gamma` every `every` epochs.
    case step(every: Int, gamma: Double)
    /// Cosine annealing from the base rate down to `minLR` at the last epoch.
    case cosine(minLR: Double)
  }

  /// The schedule after the warmup.
  public var kind: Kind
  /// Epochs of linear warmup before `kind` starts; 0 for none.
  public var warmupEpochs: Int

  public init(kind: Kind, warmupEpochs: Int) {
    self.kind = kind
    self.warmupEpochs = warmupEpochs
  }

  /// The learning rate for `epoch` (0-based) of `epochs`, at `progress` (0..<1)
  /// through that epoch (warmup rises per step).
  public func rate(base: Double, epoch: Int, epochs: Int, progress: Double) -> Double {
    if warmupEpochs > 0, epoch < warmupEpochs {
      return base * (Double(epoch) + progress + 1e-9) / Double(warmupEpochs)
    }
    let t = Double(epoch - warmupEpochs)
    let total = Double(max(epochs - warmupEpochs, 1))
    switch kind {
    case .constant: return base
    case .step(let every, let gamma): return base * pow(gamma, (t / Double(every)).rounded(.down))
    case .cosine(let minLR): return minLR + (base - minLR) * (1 + cos(Double.pi * t / total)) / 2
    }
  }
}
"""###
    ),
    (
      "MetricAccumulator.swift",
      ###"""
import Foundation

/// Running sums for the metrics of one pass over a dataset: mean loss, and
/// accuracy (class-index targets) or MSE and MAE (float targets).
public struct MetricAccumulator: Sendable {
  public private(set) var samples = 0
  private var lossSum: Double = 0
  private var correct = 0
  private var positions = 0
  private var squaredError: Double = 0
  private var absoluteError: Double = 0
  private var elements = 0

  public init() {}

  /// How predictions compare with targets.
  public enum TargetKind: Sendable, Equatable {
    /// Logits over `classes` on the last axis against class indices: accuracy.
    case classIndex(classes: Int)
    /// One logit per position against 0/1 targets: accuracy at logit 0.
    case binary
    /// Values against float targets: MSE and MAE.
    case regression
  }

  /// Adds one batch: its mean loss, and predictions against targets.
  public mutating func add(
    loss: Float, batch: Int, prediction: UnsafePointer<Float>, target: UnsafePointer<Float>,
    predictionCount: Int, kind: TargetKind
  ) {
    samples += batch
    lossSum += Double(loss) * Double(batch)
    switch kind {
    case .binary:
      for i in 0..<predictionCount where (prediction[i] > 0) == (target[i] > 0.5) { correct += 1 }
      positions += predictionCount
    case .classIndex(let classes):
      let rows = predictionCount / classes
      for r in 0..<rows {
        let row = prediction + r * classes
        var best = 0
        for c in 1..<classes where row[c] > row[best] { best = c }
        if best == Int(target[r]) { correct += 1 }
      }
      positions += rows
    case .regression:
      for i in 0..<predictionCount {
        let error = Double(prediction[i]) - Double(target[i])
        squaredError += error * error
        absoluteError += abs(error)
      }
      elements += predictionCount
    }
  }

  public var loss: Double { samples == 0 ? .nan : lossSum / Double(samples) }
  /// Fraction of positions whose arg-max class is the target; nil for float targets.
  public var accuracy: Double? { positions == 0 ? nil : Double(correct) / Double(positions) }
  public var mse: Double? { elements == 0 ? nil : squaredError / Double(elements) }
  public var mae: Double? { elements == 0 ? nil : absoluteError / Double(elements) }

  /// The metrics that apply, by name (`accuracy`, or `mse` and `mae`).
  public var named: [String: Double] {
    var result: [String: Double] = [:]
    if let accuracy { result["accuracy"] = accuracy }
    if let mse { result["mse"] = mse }
    if let mae { result["mae"] = mae }
    return result
  }

  /// `loss 0.0412 accuracy 98.61%` (or `mse 0.0123 mae 0.0871`), as
  /// `netspec eval` and the test line of a training run print it.
  public var summary: String {
    var parts = [String(format: "loss %.4f", loss)]
    if let accuracy { parts.append(String(format: "accuracy %.2f%%", accuracy * 100)) }
    if let mse { parts.append(String(format: "mse %.4f", mse)) }
    if let mae { parts.append(String(format: "mae %.4f", mae)) }
    return parts.joined(separator: " ")
  }
}
"""###
    ),
    (
      "NPYReader.swift",
      ###"""
import Foundation

/// Reads NumPy `.npy` files (format versions 1 to 3): little- or big-endian
/// `f4`, `f8`, `i1`, `i2`, `i4`, `i8` and `u1` elements in C order.
public enum NPYReader {
  public static func read(_ bytes: [UInt8]) throws(DataFileError) -> NumericArray {
    let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    guard bytes.count >= 10, bytes.starts(with: magic) else {
      throw DataFileError(
        "not a NumPy .npy file (it does not start with `\\x93NUMPY`)",
        help: "save arrays with `numpy.save`; for text use a `csv` source")
    }
    let version = bytes[6]
    let lengthBytes = version == 1 ? 2 : 4
    guard (1...3).contains(version), bytes.count >= 8 + lengthBytes else {
      throw DataFileError(
        "unsupported .npy format version \(version).\(bytes[7])", help: "save the array with `numpy.save`")
    }
    let headerLength = (0..<lengthBytes).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
    let dataOffset = 8 + lengthBytes + headerLength
    guard dataOffset <= bytes.count else {
      throw DataFileError(
        "the header says it is \(headerLength) bytes long, but the file ends after \(bytes.count) bytes",
        help: "the file is truncated; save it again")
    }
    let header = String(decoding: bytes[(8 + lengthBytes)..<dataOffset], as: UTF8.self)
    let (element, bigEndian) = try elementType(header)
    let shape = try shape(header)
    if try fortranOrder(header), shape.filter({ $0 > 1 }).count > 1 {
      throw DataFileError(
        "the array is stored in Fortran (column-major) order",
        help: "save it in C order: `numpy.save(path, numpy.ascontiguousarray(array))`")
    }
    guard !shape.isEmpty else {
      throw DataFileError(
        "the array is a scalar; samples must lie along the first axis", help: "save an array of shape (samples, ...)")
    }
    let count = try NumericArray.valueCount(shape) { _ in describe(shape) }
    let expected = count * element.size
    let found = bytes.count - dataOffset
    guard found == expected else {
      throw DataFileError(
        "the shape \(describe(shape)) needs \(expected) bytes of data, but the file holds \(found)",
        help: found < expected ? "the file is truncated; save it again" : "the file has extra bytes; save it again")
    }
    return try NumericArray(
      bytes, offset: dataOffset, shape: shape, count: count, element: element, bigEndian: bigEndian)
  }

  /// `(3, 4)` for messages, as NumPy writes shapes.
  public static func describe(_ shape: [Int]) -> String {
    "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
  }

  /// The text after `'key':` in the header dictionary, up to the end.
  private static func value(of key: String, in header: String) throws(DataFileError) -> Substring {
    guard let keyRange = header.range(of: "'\(key)'"),
      let colon = header[keyRange.upperBound...].firstIndex(of: ":")
    else {
      throw DataFileError(
        "the header has no `\(key)` entry: \(header.trimmingCharacters(in: .whitespacesAndNewlines))",
        help: "save the array with `numpy.save`")
    }
    return header[header.index(after: colon)...].drop { $0 == " " }
  }

  private static func elementType(_ header: String) throws(DataFileError) -> (NumericArray.ElementType, Bool) {
    let text = try value(of: "descr", in: header)
    let quote = text.first
    let descr = quote == "'" || quote == "\"" ? text.dropFirst().prefix { $0 != quote } : ""
    let types: [Substring: NumericArray.ElementType] = [
      "f4": .float32, "f8": .float64, "i1": .int8, "i2": .int16, "i4": .int32, "i8": .int64, "u1": .uint8,
    ]
    guard descr.count == 3, let order = descr.first, "<>|=".contains(order), let type = types[descr.dropFirst()],
      order != "|" || type.size == 1
    else {
      throw DataFileError(
        "unsupported element type `\(descr.isEmpty ? text.prefix(30) : descr)`",
        help: "convert the array to float32 (`array.astype(numpy.float32)`); supported: f4, f8, i1, i2, i4, i8, u1")
    }
    return (type, order == ">")
  }

  private static func fortranOrder(_ header: String) throws(DataFileError) -> Bool {
    try value(of: "fortran_order", in: header).hasPrefix("True")
  }

  private static func shape(_ header: String) throws(DataFileError) -> [Int] {
    let text = try value(of: "shape", in: header)
    guard text.first == "(", let close = text.firstIndex(of: ")") else {
      throw DataFileError("the header's `shape` is not a tuple", help: "save the array with `numpy.save`")
    }
    var sizes: [Int] = []
    for item in text[text.index(after: text.startIndex)..<close].split(separator: ",") {
      let trimmed = item.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      guard let size = Int(trimmed.hasSuffix("L") ? String(trimmed.dropLast()) : trimmed), size >= 0 else {
        throw DataFileError(
          "the header's `shape` holds `\(trimmed)`, not a size", help: "save the array with `numpy.save`")
      }
      sizes.append(size)
    }
    return sizes
  }
}
"""###
    ),
    (
      "NetSpecTool.swift",
      ###"""
import Foundation

/// The command-line tool of a package emitted by `netspec compile --package`:
/// `train`, `eval` and `predict` with the flags and output of `netspec train`,
/// `netspec eval` and `netspec predict`, on the splits `netspec compile`
/// prepared into `Data/`. Training runs the same ``TrainingLoop`` as
/// `netspec train`, so the same seed gives the same weights.
///
/// ```swift
/// exit(NetSpecTool<MyModel>(configuration).run(Array(CommandLine.arguments.dropFirst())))
/// ```
public struct NetSpecTool<Model: ToolModel> {
  /// The spec's settings and the layout of its data.
  public let configuration: ToolConfiguration

  public init(_ configuration: ToolConfiguration) {
    self.configuration = configuration
  }

  /// A failure the tool reports on standard error before exiting with 1.
  struct Failure: Error {
    var message: String
    init(_ message: String) { self.message = message }
  }

  /// The usage text `--help` prints.
  public var usage: String {
    let name = configuration.executable
    return """
      USAGE: \(name) <command> [options]

      Trains, evaluates and predicts with the `\(configuration.name)` model as `netspec` does,
      on the data `netspec compile --package` prepared into Data/.

      COMMANDS:
        train [--epochs N] [--seed S] [-o DIR]   Train; write DIR/weights.safetensors (default runs/\(name)).
        eval --weights FILE                      Loss and metrics on the validation and test splits.
        predict --weights FILE --input FILE [-o OUT]
                                                 Print CSV predictions for the samples in FILE
                                                 (CSV, NPY or IDX, scaled and standardized as in training).

      """
  }

  /// Runs the command in `arguments` (without the executable's name);
  /// returns the exit code.
  public func run(_ arguments: [String]) -> Int32 {
    do {
      switch arguments.first {
      case "train": try train(Options(arguments.dropFirst(), allowed: ["--epochs", "--seed", "-o", "--output"]))
      case "eval": try evaluate(Options(arguments.dropFirst(), allowed: ["--weights"]))
      case "predict":
        try predict(Options(arguments.dropFirst(), allowed: ["--weights", "--input", "-o", "--output"]))
      case "--help", "-h", "help":
        print(usage, terminator: "")
      default:
        throw Failure(
          arguments.first.map { "unknown command `\($0)`; the commands are train, eval and predict" }
            ?? "give a command: train, eval or predict (see --help)")
      }
      return 0
    } catch let failure as Failure {
      FileHandle.standardError.write(Data("error: \(failure.message)\n".utf8))
      return 1
    } catch {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
      return 1
    }
  }

  /// `--name value` options, each at most once, from a fixed set.
  struct Options {
    var values: [String: String] = [:]

    init(_ arguments: ArraySlice<String>, allowed: Set<String>) throws {
      var rest = arguments[...]
      while let name = rest.popFirst() {
        guard allowed.contains(name) else { throw Failure("unknown option `\(name)` (see --help)") }
        guard let value = rest.popFirst() else { throw Failure("`\(name)` takes a value") }
        let key = name == "-o" ? "--output" : name
        guard values[key] == nil else { throw Failure("`\(name)` is given twice") }
        values[key] = value
      }
    }

    func int(_ name: String, atLeast minimum: Int) throws -> Int? {
      guard let text = values[name] else { return nil }
      guard let value = Int(text), value >= minimum else { throw Failure("`\(name)` takes a number >= \(minimum)") }
      return value
    }

    func required(_ name: String) throws -> String {
      guard let value = values[name] else { throw Failure("give `\(name) FILE`") }
      return value
    }
  }

  // MARK: - Data

  /// A prepared split from `Data/`, or nil when the package has none.
  func split(_ name: String, shape: [Int]) throws -> Dataset? {
    let base = configuration.dataDirectory + "/" + name
    guard FileManager.default.fileExists(atPath: base + ".inputs.f32") else { return nil }
    let inputs = try floats(base + ".inputs.f32"), labels = try floats(base + ".targets.f32")
    let (inputStride, labelStride) = (shape.reduce(1, *), configuration.labelShape.reduce(1, *))
    let count = inputs.count / max(inputStride, 1)
    guard count * inputStride == inputs.count, count * labelStride == labels.count else {
      throw Failure("`\(base).*.f32` do not hold whole samples; recompile the package")
    }
    return Dataset(
      count: count, inputs: inputs, inputShape: shape, labels: labels, labelShape: configuration.labelShape)
  }

  /// The little-endian float32 values of the file at `path`.
  func floats(_ path: String) throws -> [Float] {
    let bytes = try RawFile.read(path)
    guard bytes.count % 4 == 0 else { throw Failure("`\(path)` does not hold whole float32 values") }
    return (0..<(bytes.count / 4)).map { i in
      var bits: UInt32 = 0
      for b in 0..<4 { bits |= UInt32(bytes[4 * i + b]) << (8 * b) }
      return Float(bitPattern: bits)
    }
  }

  /// The standardization statistics `netspec compile` stored beside the splits.
  func standardization() throws -> Standardization? {
    guard configuration.standardizes else { return nil }
    let values = try floats(configuration.dataDirectory + "/standardization.f32")
    let half = values.count / 2
    return Standardization(mean: Array(values[..<half]), standardDeviation: Array(values[half...]))
  }

  // MARK: - Commands

  func train(_ options: Options) throws {
    var settings = configuration.settings
    settings.epochs = try options.int("--epochs", atLeast: 1) ?? settings.epochs
    let seed = try options.int("--seed", atLeast: 0)
    settings.seed = seed ?? settings.seed
    let directory = options.values["--output"] ?? "runs/\(configuration.executable)"
    guard let train = try split("train", shape: configuration.trainShape) else {
      throw Failure("cannot read \(configuration.dataDirectory)/train.inputs.f32")
    }
    let validation = try split("validation", shape: configuration.sampleShape)
    let test = try split("test", shape: configuration.sampleShape)
    let statistics = try standardization()
    let model = Model(seed: UInt64(truncatingIfNeeded: settings.seed))
    let loop = TrainingLoop(settings: settings, train: train, validation: validation)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let weights = directory + "/weights.safetensors"
    func metadata(epoch: Int) -> [String: String] {
      RunReport.checkpointMetadata(spec: configuration.name, epoch: epoch, seed: seed)
        .merging(statistics?.metadata ?? [:]) { a, _ in a }
    }
    print(
      RunReport.banner(
        name: configuration.name, parameters: configuration.parameterCount, train: train.count,
        validation: validation?.count, test: test?.count))
    let result = try loop.run(
      model,
      observe: { event in
        switch event {
        case .step: break
        case .epoch(let record): print(ProgressFormat.summary(record, epochs: settings.epochs, note: nil))
        case .stoppedEarly(let epoch, let best):
          print(RunReport.stoppedEarly(epoch: epoch, best: best))
        }
      },
      checkpoint: { record in
        guard record.epoch % configuration.checkpointEvery == 0 else { return }
        try model.save(to: weights, metadata: metadata(epoch: record.epoch))
      })
    try model.save(to: weights, metadata: metadata(epoch: result.bestEpoch))
    if let test {
      print(RunReport.test(loop.evaluate(model, on: test), samples: test.count, bestEpoch: result.bestEpoch))
    }
    print("wrote \(weights)")
  }

  func evaluate(_ options: Options) throws {
    let model = Model(seed: 0)
    _ = try model.load(from: try options.required("--weights"))
    let loop = TrainingLoop(
      settings: configuration.settings,
      train: Dataset(count: 0, inputs: [], inputShape: [], labels: [], labelShape: []),
      validation: nil)
    var any = false
    for name in ["validation", "test"] {
      guard let split = try split(name, shape: configuration.sampleShape) else { continue }
      print("\(name): " + loop.evaluate(model, on: split).summary + " (\(split.count) samples)")
      any = true
    }
    if !any, let train = try split("train", shape: configuration.sampleShape) {
      print("train: " + loop.evaluate(model, on: train).summary + " (\(train.count) samples)")
    }
  }

  func predict(_ options: Options) throws {
    let weights = try options.required("--weights"), input = try options.required("--input")
    let model = Model(seed: 0)
    let metadata = try model.load(from: weights)
    let samples: SampleFile
    do { samples = try SampleFile.read(input) } catch {
      throw Failure("`\(input)`: \(error.message)\n  help: \(error.help)")
    }
    let stride = configuration.sampleShape.reduce(1, *)
    guard var values = PredictionInput.fit(samples, stride: stride, labelColumn: configuration.labelColumn) else {
      throw Failure(
        "the samples in `\(input)` have \(samples.stride) values each, but the model takes \(stride)"
          + "\n  help: give one sample per row (CSV) or along the first axis (NPY, IDX)")
    }
    var statistics: Standardization?
    if configuration.standardizes {
      guard let stored = Standardization(metadata: metadata), stored.mean.count == stride else {
        throw Failure("the spec standardizes its inputs, but `\(weights)` holds no training statistics for them")
      }
      statistics = stored
    }
    PredictionInput.transform(&values, scale: configuration.scale, standardization: statistics)
    let predictions = run(model, values, count: samples.count)
    let text = predictions.csvLines().joined(separator: "\n") + "\n"
    guard let output = options.values["--output"] else { return print(text, terminator: "") }
    do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
      throw Failure("cannot write `\(output)`: \(error)")
    }
  }

  /// The model's outputs for `count` samples of `values`, batch by batch.
  func run(_ model: Model, _ values: [Float], count: Int) -> Predictions {
    let stride = values.count / max(count, 1)
    let perSample = model.predictionStride
    var outputs = [Float](repeating: 0, count: count * perSample)
    var start = 0
    while start < count {
      let n = min(model.batchCapacity, count - start)
      let (inputs, targets, predictions) = (model.inputBuffer, model.targetBuffer, model.predictionBuffer)
      for i in 0..<(n * stride) { inputs[i] = values[start * stride + i] }
      // Valid (class 0) targets for the loss the forward pass computes.
      targets.update(repeating: 0)
      _ = model.forward(batch: n, training: false)
      for i in 0..<(n * perSample) { outputs[start * perSample + i] = predictions[i] }
      start += n
    }
    return Predictions(kind: configuration.predictions, count: count, perSample: perSample, outputs: outputs)
  }
}
"""###
    ),
    (
      "NumericArray.swift",
      ###"""
/// An n-dimensional array of numbers read from a data file, as float32.
public struct NumericArray: Sendable {
  /// The values in row-major (C) order.
  public var values: [Float]
  /// The size of each axis; the first is the sample axis.
  public var shape: [Int]

  /// The most bytes a data file may hold (or decompress to): 1 GiB.
  public static let maxBytes = 1 << 30

  /// The number of values in an array of `shape`, checked axis by axis
  /// against ``maxBytes``, which no data file may exceed. `describe`
  /// names the shape in the error, given the axes up to the one that made
  /// the count too large.
  public static func valueCount(
    _ shape: [Int], describe: (ArraySlice<Int>) -> String
  ) throws(DataFileError) -> Int {
    var count = 1
    for (axis, size) in shape.enumerated() {
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      guard !overflow, product <= Self.maxBytes else {
        throw DataFileError(
          "the shape \(describe(shape[...axis])) holds too many values", help: "use a smaller sample of the data")
      }
      count = product
    }
    return count
  }

  /// Reads an array of `shape` holding `count` little- or big-endian
  /// elements starting at `offset` (the caller has checked that `bytes` holds
  /// them all), as Float; rejects NaN and infinities, naming the first by
  /// sample and position within it.
  public init(
    _ bytes: [UInt8], offset: Int, shape: [Int], count: Int, element: ElementType, bigEndian: Bool
  ) throws(DataFileError) {
    let perSample = max(shape.dropFirst().reduce(1, *), 1)
    values = try Self.convert(bytes, offset: offset, count: count, element: element, bigEndian: bigEndian) {
      index in "sample \(index / perSample), value \(index % perSample)"
    }
    self.shape = shape
  }

  /// Converts `count` little- or big-endian elements starting at `offset` to
  /// Float, rejecting NaN and infinities. `describe` names an element index
  /// for messages.
  private static func convert(
    _ bytes: [UInt8], offset: Int, count: Int, element: ElementType, bigEndian: Bool,
    describe: (Int) -> String
  ) throws(DataFileError) -> [Float] {
    var values = [Float](repeating: 0, count: count)
    let size = element.size
    let bad: Int? = bytes.withUnsafeBytes { raw in
      values.withUnsafeMutableBufferPointer { out in
        func word<T: FixedWidthInteger>(_ index: Int, as type: T.Type) -> T {
          let value = raw.loadUnaligned(fromByteOffset: offset + index * size, as: T.self)
          return bigEndian ? T(bigEndian: value) : T(littleEndian: value)
        }
        for index in 0..<count {
          let value: Float
          switch element {
          case .uint8: value = Float(raw[offset + index])
          case .int8: value = Float(Int8(bitPattern: raw[offset + index]))
          case .int16: value = Float(word(index, as: Int16.self))
          case .int32: value = Float(word(index, as: Int32.self))
          case .int64: value = Float(word(index, as: Int64.self))
          case .float32: value = Float(bitPattern: word(index, as: UInt32.self))
          case .float64: value = Float(Double(bitPattern: word(index, as: UInt64.self)))
          }
          guard value.isFinite else { return index }
          out[index] = value
        }
        return nil
      }
    }
    if let bad {
      throw DataFileError(
        "\(describe(bad)) is not a finite float32 value",
        help: "replace NaN and infinite values before training")
    }
    return values
  }

  /// The element types the NPY and IDX readers understand.
  public enum ElementType: Sendable {
    case uint8, int8, int16, int32, int64, float32, float64

    var size: Int {
      switch self {
      case .uint8, .int8: 1
      case .int16: 2
      case .int32, .float32: 4
      case .int64, .float64: 8
      }
    }
  }
}
"""###
    ),
    (
      "PredictionInput.swift",
      ###"""
/// Samples to predict on as a model takes them: fitted to the values per
/// sample, then transformed as the training source was (`scale`, then the
/// training split's standardization). `netspec predict` and the `predict`
/// of an emitted package share it.
public enum PredictionInput {
  /// The values of `samples` for a model taking `stride` values per sample:
  /// as stored when the counts match (e.g. `[784]` as `[1, 28, 28]`), or CSV
  /// rows without their label column `labelColumn` when they have one more.
  /// nil when neither fits.
  public static func fit(_ samples: SampleFile, stride: Int, labelColumn: LabelColumn?) -> [Float]? {
    if samples.stride == stride { return samples.values }
    guard let table = samples.table, table.columns == stride + 1, let labelColumn else { return nil }
    let column: Int?
    switch labelColumn {
    case .last: column = table.columns - 1
    case .first: column = 0
    case .index(let index): column = index < table.columns ? index : nil
    case .name(let name): column = table.columnNames?.firstIndex(of: name)
    }
    return column.map { table.split(column: $0).features }
  }

  /// Scales, then standardizes, whole samples in place.
  public static func transform(_ values: inout [Float], scale: Float?, standardization: Standardization?) {
    if let scale {
      for i in values.indices { values[i] *= scale }
    }
    standardization?.apply(to: &values)
  }
}
"""###
    ),
    (
      "Predictions.swift",
      ###"""
import Foundation

/// A model's outputs for a set of samples, and how to read them.
public struct Predictions: Sendable {
  /// What the outputs mean, decided by the loss the model trains with.
  public enum Kind: Sendable, Equatable {
    /// Logits over `classes` classes (cross-entropy), at every position of
    /// a sequence output.
    case classes(Int)
    /// Logits of independent yes/no labels (binary cross-entropy).
    case binary
    /// Values (regression, or a model without a loss).
    case values
  }

  public var kind: Kind
  /// The number of samples.
  public var count: Int
  /// Output values per sample.
  public var perSample: Int
  /// The raw outputs (logits for classes and binary), sample after sample.
  public var outputs: [Float]

  public init(kind: Kind, count: Int, perSample: Int, outputs: [Float]) {
    self.kind = kind
    self.count = count
    self.perSample = perSample
    self.outputs = outputs
  }

  /// The outputs of `sample`.
  public func outputs(of sample: Int) -> ArraySlice<Float> {
    outputs[(sample * perSample)..<((sample + 1) * perSample)]
  }

  /// The most likely class and its softmax probability at each position of
  /// `sample` (for ``Kind/classes(_:)``).
  public func classes(of sample: Int) -> [(index: Int, probability: Float)] {
    guard case .classes(let k) = kind, k > 0 else { return [] }
    let logits = outputs(of: sample)
    return stride(from: logits.startIndex, to: logits.endIndex, by: k).map { start in
      let row = logits[start..<(start + k)]
      let best = row.indices.max { row[$0] < row[$1] }!
      let total = row.reduce(Float(0)) { $0 + Foundation.exp($1 - row[best]) }
      return (best - start, 1 / total)
    }
  }

  /// CSV lines, a header first: `sample,class,probability` for classes
  /// (`sample,classes` with space-separated classes for sequences),
  /// `sample,probability,label` (one column pair per label) for binary
  /// outputs, `sample,value` (`value_0,value_1,...`) for values.
  public func csvLines() -> [String] {
    var lines: [String] = []
    func numbered(_ name: String) -> [String] {
      perSample == 1 ? [name] : (0..<perSample).map { "\(name)_\($0)" }
    }
    switch kind {
    case .classes(let k):
      let sequence = perSample > k
      lines.append(sequence ? "sample,classes" : "sample,class,probability")
      for sample in 0..<count {
        let best = classes(of: sample)
        lines.append(
          sequence
            ? "\(sample),\(best.map { String($0.index) }.joined(separator: " "))"
            : "\(sample),\(best[0].index),\(Self.format(best[0].probability))")
      }
    case .binary:
      lines.append(
        (["sample"] + zip(numbered("probability"), numbered("label")).flatMap { [$0, $1] }).joined(separator: ","))
      for sample in 0..<count {
        let cells = outputs(of: sample).flatMap { logit -> [String] in
          let probability = 1 / (1 + Foundation.exp(-logit))
          return [Self.format(probability), probability >= 0.5 ? "1" : "0"]
        }
        lines.append((["\(sample)"] + cells).joined(separator: ","))
      }
    case .values:
      lines.append((["sample"] + numbered("value")).joined(separator: ","))
      for sample in 0..<count {
        lines.append((["\(sample)"] + outputs(of: sample).map { Self.format($0) }).joined(separator: ","))
      }
    }
    return lines
  }

  private static func format(_ value: Float) -> String { String(format: "%.6g", Double(value)) }
}
"""###
    ),
    (
      "ProgressFormat.swift",
      ###"""
import Foundation

/// The pieces of training progress output, as pure functions.
///
/// ```swift
/// ProgressFormat.duration(3723)     // "1:02:03"
/// ProgressFormat.rate(5234.4)       // "5,234"
/// ProgressFormat.percent(0.9123)    // "91.2%"
/// ProgressFormat.bar(0.45, width: 20)  // "[#########-----------]"
/// ```
public enum ProgressFormat {
  /// Whole seconds as `m:ss` under an hour, else `h:mm:ss`; `-:--` for a
  /// negative or non-finite time.
  public static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0, seconds < Double(Int.max) else { return "-:--" }
    let total = Int(seconds.rounded())
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
    return hours > 0
      ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
  }

  /// A rate per second: whole and grouped in thousands from 100 (`5,234`),
  /// one decimal below (`42.5`); `-` when not finite.
  public static func rate(_ perSecond: Double) -> String {
    guard perSecond.isFinite, abs(perSecond) < 1e15 else { return "-" }
    return abs(perSecond) >= 99.95 ? grouped(Int(perSecond.rounded())) : String(format: "%.1f", perSecond)
  }

  /// A fraction as a percentage with one decimal: `91.2%`; `nan%` when not finite.
  public static func percent(_ fraction: Double) -> String {
    fraction.isFinite ? String(format: "%.1f%%", fraction * 100) : "nan%"
  }

  /// A loss or error value: four decimals in 0.001..<10000 (and for 0), else
  /// scientific with three (`1.234e-05`); `nan`, `inf`, `-inf` as such.
  public static func number(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
    let magnitude = abs(value)
    return magnitude == 0 || (magnitude >= 0.001 && magnitude < 10_000)
      ? String(format: "%.4f", value) : String(format: "%.3e", value)
  }

  /// A learning rate with three significant digits: `0.001`, `0.000316`, `1e-05`.
  public static func learningRate(_ value: Double) -> String {
    String(format: "%.3g", value)
  }

  /// A progress bar `width` characters wide between brackets, `#` for the
  /// done part (rounded down) and `-` for the rest.
  public static func bar(_ fraction: Double, width: Int) -> String {
    let clamped = fraction.isFinite ? min(max(fraction, 0), 1) : 0
    let done = Int((clamped * Double(width)).rounded(.down))
    return "[" + String(repeating: "#", count: done) + String(repeating: "-", count: width - done) + "]"
  }

  /// `value/total` with `value` padded to the width of `total`, so that
  /// columns line up from one line to the next: ` 3/15`.
  public static func counter(_ value: Int, of total: Int) -> String {
    let text = String(value)
    let width = String(total).count
    return String(repeating: " ", count: max(0, width - text.count)) + text + "/" + String(total)
  }

  /// `label value` pairs for metrics in reporting order, accuracy as a
  /// percentage (`acc 91.2%`), others as numbers (`mse 0.0123`); `prefix`
  /// goes before each label (`val_`).
  public static func metrics(_ values: [String: Double], prefix: String = "") -> [String] {
    EpochMetrics.ordered(values.keys).map { name in
      let value = values[name]!
      return name == "accuracy" ? "\(prefix)acc \(percent(value))" : "\(prefix)\(name) \(number(value))"
    }
  }

  /// `61,706`: digits in groups of three.
  public static func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
      if i > 0, i % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return (value < 0 ? "-" : "") + String(out.reversed())
  }

  /// The permanent line for an epoch of `epochs`.
  public static func summary(_ record: EpochMetrics, epochs: Int, note: String?) -> String {
    var fields = [
      "epoch \(counter(record.epoch, of: epochs))", "loss \(number(record.trainLoss))",
    ]
    fields += metrics(record.train)
    if let loss = record.validationLoss { fields.append("val_loss \(number(loss))") }
    fields += metrics(record.validation, prefix: "val_")
    fields.append("lr \(learningRate(record.learningRate))")
    fields.append("\(rate(record.samplesPerSecond)) samples/s")
    fields.append(duration(record.seconds))
    if let note { fields.append("(\(note))") }
    return fields.joined(separator: " ")
  }
}
"""###
    ),
    (
      "RandomGenerator.swift",
      ###"""
/// A small, fast, seeded random number generator whose output depends only on
/// its seed: the same seed gives the same numbers on every platform, in the
/// interpreter and in emitted code.
///
/// The generator is xoshiro256** (Blackman & Vigna 2018), its 256-bit state
/// filled from SplitMix64 started at the seed. Floats and ints are derived
/// from the 64-bit outputs by fixed bit arithmetic, and ``nextGaussian()``
/// uses only IEEE-exact operations (no platform `log`), so nothing depends on
/// the C library.
///
/// It deliberately does not conform to `RandomNumberGenerator`: standard
/// library algorithms such as `shuffle(using:)` do not promise how many
/// numbers they draw, which would make results change between Swift versions.
/// Use ``nextInt(below:)`` and ``shuffle(_:)`` instead.
///
/// ```swift
/// var random = RandomGenerator(seed: 42)
/// random.next()          // 0x…, the same everywhere
/// random.nextFloat()     // uniform in [0, 1)
/// random.nextGaussian()  // standard normal
/// ```
public struct RandomGenerator: Sendable {
  private var s0, s1, s2, s3: UInt64

  /// A generator for `seed`. Different `stream`s of one seed give unrelated
  /// sequences, so each consumer (initialization, dropout, shuffling, ...)
  /// can draw from its own stream without disturbing the others; stream 0 is
  /// the plain seed. The state words are the first four outputs of SplitMix64
  /// started at `seed ^ mix(stream)`, where `mix` is SplitMix64's finalizer.
  public init(seed: UInt64, stream: UInt64 = 0) {
    var state = seed ^ Self.mix(stream)
    s0 = Self.splitMix(&state)
    s1 = Self.splitMix(&state)
    s2 = Self.splitMix(&state)
    s3 = Self.splitMix(&state)
  }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    let result = rotateLeft(s1 &* 5, 7) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotateLeft(s3, 45)
    return result
  }

  /// Uniform in [0, 1): the top 24 bits of ``next()`` times 2^-24, so every
  /// value is an exact multiple of 2^-24.
  public mutating func nextFloat() -> Float {
    Float(next() >> 40) * 0x1p-24
  }

  /// Uniform in [0, 1): the top 53 bits of ``next()`` times 2^-53.
  public mutating func nextDouble() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// Uniform in `0..<bound` without bias (Lemire's multiply-and-reject);
  /// `bound` must be positive.
  public mutating func nextInt(below bound: Int) -> Int {
    precondition(bound > 0, "nextInt(below:) needs a positive bound")
    let range = UInt64(bound)
    var product = range.multipliedFullWidth(by: next())
    if product.low < range {
      let threshold = (0 &- range) % range
      while product.low < threshold {
        product = range.multipliedFullWidth(by: next())
      }
    }
    return Int(product.high)
  }

  /// A standard normal sample (mean 0, standard deviation 1) by Marsaglia's
  /// polar method in double precision, rounded to Float. Each call draws
  /// pairs of ``nextDouble()`` until one falls inside the unit circle and
  /// returns the first of the two normal values it yields.
  public mutating func nextGaussian() -> Float {
    while true {
      let u = 2 * nextDouble() - 1
      let v = 2 * nextDouble() - 1
      let s = u * u + v * v
      if s > 0, s < 1 {
        return Float(u * (-2 * Self.naturalLog(s) / s).squareRoot())
      }
    }
  }

  /// Shuffles `values` in place (Fisher–Yates, drawing ``nextInt(below:)``
  /// for positions `count - 1` down to 1).
  public mutating func shuffle<Element>(_ values: inout [Element]) {
    var i = values.count - 1
    while i > 0 {
      values.swapAt(i, nextInt(below: i + 1))
      i -= 1
    }
  }

  /// `0..<count` in a random order.
  public mutating func permutation(_ count: Int) -> [Int] {
    var order = Array(0..<count)
    shuffle(&order)
    return order
  }

  private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  private static func splitMix(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return mix(state)
  }

  /// SplitMix64's finalizer, a bijection on 64-bit words with mix(0) = 0.
  private static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// ln(x) for positive normal x from IEEE-exact operations only: x = m·2^e
  /// with m in [√½, √2), ln m = 2·atanh((m−1)/(m+1)) by its series (|s| < 0.172,
  /// 12 terms, error below 1e-16).
  public static func naturalLog(_ x: Double) -> Double {
    var m = x.significand
    var e = Double(x.exponent)
    if m > 1.4142135623730951 {
      m /= 2
      e += 1
    }
    let s = (m - 1) / (m + 1)
    let s2 = s * s
    var series = 0.0
    var k = 23.0
    while k >= 1 {
      series = series * s2 + 1 / k
      k -= 2
    }
    return e * 0.6931471805599453 + 2 * s * series
  }
}
"""###
    ),
    (
      "RawFile.swift",
      ###"""
import Foundation

/// Reading a data file's bytes, size-limited.
public enum RawFile {
  /// The contents of the file at `path`, at most ``NumericArray/maxBytes``.
  public static func read(_ path: String) throws(DataFileError) -> [UInt8] {
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    guard let size = attributes?[.size] as? Int else {
      throw DataFileError("the file cannot be read", help: "check that `\(path)` exists and is readable")
    }
    guard size <= NumericArray.maxBytes else {
      throw DataFileError(
        "the file is \(size) bytes; data files are limited to \(NumericArray.maxBytes >> 20) MiB",
        help: "use a smaller sample of the data")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw DataFileError("the file cannot be read", help: "check the permissions of `\(path)`")
    }
    return [UInt8](data)
  }
}
"""###
    ),
    (
      "RunReport.swift",
      ###"""
import Foundation

/// The lines and checkpoint metadata of a training run that `netspec train`
/// and an emitted package's tool both write, besides the epoch lines
/// (``ProgressFormat/summary(_:epochs:note:)``).
public enum RunReport {
  /// `training lenet5: 61,706 parameters, 4000 training samples, 500 validation, 500 test`.
  public static func banner(name: String, parameters: Int, train: Int, validation: Int?, test: Int?) -> String {
    "training \(name): \(parameters.formatted()) parameters, \(train) training samples"
      + (validation.map { ", \($0) validation" } ?? "") + (test.map { ", \($0) test" } ?? "")
  }

  /// The line early stopping ends a run with.
  public static func stoppedEarly(epoch: Int, best: Int) -> String {
    "early stopping after epoch \(epoch): no improvement for \(epoch - best) epochs; best epoch \(best)"
  }

  /// `test: loss 0.0412 accuracy 98.61% (500 samples, weights of epoch 12)`.
  public static func test(_ metrics: MetricAccumulator, samples: Int, bestEpoch: Int) -> String {
    "test: \(metrics.summary) (\(samples) samples, weights of epoch \(bestEpoch))"
  }

  /// The metadata of a checkpoint of `spec` after `epoch`: `seed` is the
  /// `--seed` given, or `spec` when the spec's own seed was used.
  public static func checkpointMetadata(spec: String, epoch: Int, seed: Int?) -> [String: String] {
    ["netspec": "1", "spec": spec, "epoch": String(epoch), "seed": seed.map(String.init) ?? "spec"]
  }
}
"""###
    ),
    (
      "SafetensorsArchive.swift",
      ###"""
import Foundation

/// Reads and writes float32 safetensors files for emitted packages: an
/// 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range (and `__metadata__`), then the data. NetSpec
/// itself reads and checks every dtype with `SafetensorsFile`; tests check
/// that the two agree.
public enum SafetensorsArchive {
  /// A file that cannot be read as float32 safetensors.
  public struct Failure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
  }

  /// Writes `tensors` (names sorted, data 8-byte aligned) and `metadata` to
  /// `path` atomically.
  public static func write(
    _ tensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)], metadata: [String: String] = [:],
    to path: String
  ) throws {
    let sorted = tensors.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    var entries: [String] = []
    if !metadata.isEmpty {
      let pairs = metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0]!))" }
      entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
    }
    var offset = 0
    for tensor in sorted {
      let bytes = tensor.values.count * 4
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      entries.append(
        "\(quoted(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}"
      )
      offset += bytes
    }
    var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
    while header.count % 8 != 0 { header.append(0x20) }
    var data = Data(capacity: 8 + header.count + offset)
    withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: header)
    for tensor in sorted {
      for value in tensor.values {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
      }
    }
    try data.write(to: URL(fileURLWithPath: path), options: .atomic)
  }

  /// The float32 tensors of the file at `path` by name, and its metadata.
  public static func read(
    _ path: String
  ) throws -> (tensors: [String: (shape: [Int], values: [Float])], metadata: [String: String]) {
    guard let data = FileManager.default.contents(atPath: path) else { throw Failure("cannot read `\(path)`") }
    let bytes = [UInt8](data)
    guard bytes.count >= 8 else { throw Failure("`\(path)` is too short for a safetensors file") }
    var length = 0
    for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
    guard length > 0, length <= bytes.count - 8,
      let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any]
    else { throw Failure("`\(path)` has no valid safetensors header") }
    let base = 8 + length
    var tensors: [String: (shape: [Int], values: [Float])] = [:]
    for (name, entry) in header where name != "__metadata__" {
      guard let entry = entry as? [String: Any], entry["dtype"] as? String == "F32",
        let shape = entry["shape"] as? [Int], let range = entry["data_offsets"] as? [Int], range.count == 2,
        range[0] >= 0, range[0] <= range[1], base + range[1] <= bytes.count,
        range[1] - range[0] == shape.reduce(4, *)
      else { throw Failure("`\(path)`: tensor \(name) is not a float32 tensor this reader understands") }
      var values = [Float](repeating: 0, count: (range[1] - range[0]) / 4)
      for i in values.indices {
        var bits: UInt32 = 0
        for b in 0..<4 { bits |= UInt32(bytes[base + range[0] + 4 * i + b]) << (8 * b) }
        values[i] = Float(bitPattern: bits)
      }
      tensors[name] = (shape, values)
    }
    return (tensors, header["__metadata__"] as? [String: String] ?? [:])
  }

  /// `text` as a JSON string.
  private static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      default:
        if scalar.value < 0x20 {
          out += String(format: "\\u%04x", scalar.value)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}
"""###
    ),
    (
      "SampleFile.swift",
      ###"""
/// Samples to predict on, read from a file: CSV (one sample per row, an
/// optional header), NumPy `.npy` or IDX (samples along
/// the first axis).
public struct SampleFile {
  /// The values, sample after sample.
  public var values: [Float]
  /// The number of samples.
  public var count: Int
  /// The shape of one sample as stored.
  public var sampleShape: [Int]
  /// The table when the file is CSV, to drop a label column from.
  public var table: CSVTable?

  /// Reads `path`, choosing the format from its name (`.npy`, IDX names
  /// such as `t10k-images-idx3-ubyte`, anything else CSV). A `.gz` file is
  /// refused: decompressing needs zlib, which only `netspec` links (it reads
  /// through ``parse(_:name:)``).
  public static func read(_ path: String) throws(DataFileError) -> SampleFile {
    guard !path.hasSuffix(".gz") else {
      throw DataFileError(
        "the file is gzip-compressed; this tool reads uncompressed files only",
        help: "decompress it first (`gunzip -k \(path)`), or predict with `netspec predict`")
    }
    return try parse(try RawFile.read(path), name: path)
  }

  /// Parses the (decompressed) contents of the file named `name`.
  public static func parse(_ bytes: [UInt8], name path: String) throws(DataFileError) -> SampleFile {
    let name = path.hasSuffix(".gz") ? String(path.dropLast(3)) : path
    if name.hasSuffix(".npy") || name.contains("-ubyte") || name.hasSuffix(".idx") {
      let array = name.hasSuffix(".npy") ? try NPYReader.read(bytes) : try IDXReader.read(bytes)
      guard let count = array.shape.first, count > 0 else {
        throw DataFileError("the array holds no samples", help: "store samples along the first axis")
      }
      return SampleFile(values: array.values, count: count, sampleShape: Array(array.shape.dropFirst()), table: nil)
    }
    let table = try CSVReader.parse(bytes)
    return SampleFile(values: table.values, count: table.rows, sampleShape: [table.columns], table: table)
  }

  /// The number of values in one sample.
  public var stride: Int { sampleShape.reduce(1, *) }
}
"""###
    ),
    (
      "Standardization.swift",
      ###"""
/// Per-feature z-scoring, `(x − mean) / std`, with statistics taken from the
/// training split; kept with the prepared data so prediction can transform
/// new samples the same way.
public struct Standardization: Sendable, Hashable {
  /// The mean of each feature (each value position of a sample).
  public var mean: [Float]
  /// The population standard deviation of each feature; 1 for features that
  /// are constant in the training split (within float32 precision), which
  /// therefore become 0.
  public var standardDeviation: [Float]

  public init(mean: [Float], standardDeviation: [Float]) {
    self.mean = mean
    self.standardDeviation = standardDeviation
  }

  /// The statistics of `dataset`'s inputs, in double precision (two passes:
  /// the means, then the squared deviations from them).
  public init(fitting dataset: Dataset) {
    let stride = dataset.inputStride
    let n = Double(max(dataset.count, 1))
    var sum = [Double](repeating: 0, count: stride)
    for sample in 0..<dataset.count {
      for j in 0..<stride { sum[j] += Double(dataset.inputs[sample * stride + j]) }
    }
    let means = sum.map { $0 / n }
    var squares = [Double](repeating: 0, count: stride)
    for sample in 0..<dataset.count {
      for j in 0..<stride {
        let deviation = Double(dataset.inputs[sample * stride + j]) - means[j]
        squares[j] += deviation * deviation
      }
    }
    mean = means.map { Float($0) }
    standardDeviation = zip(squares, means).map { squares, mean in
      let deviation = (squares / n).squareRoot()
      // Constant within float32 precision: leave the (centered) feature unscaled.
      return deviation > 10 * Double(Float.ulpOfOne) * max(1, abs(mean)) ? Float(deviation) : 1
    }
  }

  /// The metadata keys a checkpoint stores the statistics under
  /// (comma-separated floats), so prediction can repeat them.
  public static let meanKey = "standardize.mean"
  /// See ``meanKey``.
  public static let standardDeviationKey = "standardize.std"

  /// The statistics as checkpoint metadata.
  public var metadata: [String: String] {
    [
      Self.meanKey: mean.map(\.description).joined(separator: ","),
      Self.standardDeviationKey: standardDeviation.map(\.description).joined(separator: ","),
    ]
  }

  /// The statistics stored in checkpoint `metadata`; nil when there are none
  /// (or they do not parse).
  public init?(metadata: [String: String]) {
    func floats(_ key: String) -> [Float]? {
      guard let text = metadata[key] else { return nil }
      let values = text.split(separator: ",").compactMap { Float($0) }
      return values.count == text.split(separator: ",").count ? values : nil
    }
    guard let mean = floats(Self.meanKey), let deviation = floats(Self.standardDeviationKey),
      mean.count == deviation.count
    else { return nil }
    self.init(mean: mean, standardDeviation: deviation)
  }

  /// Standardizes whole samples in place (`values.count` a multiple of the
  /// feature count).
  public func apply(to values: inout [Float]) {
    let stride = mean.count
    var start = 0
    while start + stride <= values.count {
      for j in 0..<stride { values[start + j] = (values[start + j] - mean[j]) / standardDeviation[j] }
      start += stride
    }
  }
}
"""###
    ),
    (
      "ToolConfiguration.swift",
      ###"""
/// What an emitted package's tool knows of its spec: the training settings
/// and how the data in `Data/` and the samples to predict on are laid out.
/// `netspec compile --package` writes it as a literal.
public struct ToolConfiguration: Sendable {
  /// The spec's name, for output and checkpoint metadata.
  public var name: String
  /// The executable's name, for usage text and the default output directory.
  public var executable: String
  /// Parameters of the model (trainable and frozen), as `netspec train` counts them.
  public var parameterCount: Int
  /// The spec's training settings.
  public var settings: TrainingSettings
  /// Write a checkpoint every this many epochs (and at the end).
  public var checkpointEvery: Int
  /// The directory of the prepared splits (`train.inputs.f32`, ...).
  public var dataDirectory: String
  /// The shape of a stored training sample (before augmentation).
  public var trainShape: [Int]
  /// The shape of a validation or test sample, and of a sample the model takes.
  public var sampleShape: [Int]
  /// The shape of one label.
  public var labelShape: [Int]
  /// What the model's outputs mean, for `predict`.
  public var predictions: Predictions.Kind
  /// The training source's `scale`, applied to samples to predict on.
  public var scale: Float?
  /// Whether the training source standardizes: prediction then needs the
  /// statistics stored with the weights.
  public var standardizes: Bool
  /// The CSV label column of the training source, dropped from CSV samples
  /// to predict on that still have it.
  public var labelColumn: LabelColumn?

  public init(
    name: String, executable: String, parameterCount: Int, settings: TrainingSettings, checkpointEvery: Int,
    dataDirectory: String, trainShape: [Int], sampleShape: [Int], labelShape: [Int], predictions: Predictions.Kind,
    scale: Float?, standardizes: Bool, labelColumn: LabelColumn?
  ) {
    self.name = name
    self.executable = executable
    self.parameterCount = parameterCount
    self.settings = settings
    self.checkpointEvery = checkpointEvery
    self.dataDirectory = dataDirectory
    self.trainShape = trainShape
    self.sampleShape = sampleShape
    self.labelShape = labelShape
    self.predictions = predictions
    self.scale = scale
    self.standardizes = standardizes
    self.labelColumn = labelColumn
  }
}
"""###
    ),
    (
      "ToolModel.swift",
      ###"""
/// A model the tool of an emitted package drives (``NetSpecTool``): a
/// ``TrainableModel`` that starts from seeded initial weights and saves and
/// loads them as safetensors under NetSpec's tensor names. The emitted model
/// class conforms.
public protocol ToolModel: TrainableModel {
  /// A model with the initial weights `netspec train` draws for `seed`.
  init(seed: UInt64)
  /// Writes every parameter to `path` atomically, with `metadata`.
  func save(to path: String, metadata: [String: String]) throws
  /// Loads every parameter from `path` (the file must hold each with its
  /// shape) and returns the file's metadata.
  func load(from path: String) throws -> [String: String]
}
"""###
    ),
    (
      "TrainableModel.swift",
      ###"""
/// What the training loop needs of a model: buffers to load a batch into,
/// the forward and backward passes, the optimizer update, and the weights.
/// The interpreter conforms through `InterpreterModel` (in NetSpec); an
/// emitted model class conforms directly.
public protocol TrainableModel: AnyObject {
  /// The largest batch one pass takes.
  var batchCapacity: Int { get }
  /// The input buffer: `batchCapacity` samples, sample-major.
  var inputBuffer: UnsafeMutableBufferPointer<Float> { get }
  /// The loss target buffer: `batchCapacity` targets, sample-major.
  var targetBuffer: UnsafeMutableBufferPointer<Float> { get }
  /// The prediction the loss scores, from the last forward pass:
  /// `batchCapacity` samples of ``predictionStride`` values.
  var predictionBuffer: UnsafeMutableBufferPointer<Float> { get }
  /// Prediction values per sample.
  var predictionStride: Int { get }
  /// Every parameter (trainable ones, frozen ones and buffers such as running
  /// statistics), as the best epoch's weights are kept and restored.
  var parameterBuffer: UnsafeMutableBufferPointer<Float> { get }
  /// Runs the forward pass on the first `batch` samples of the buffers and
  /// returns the mean loss.
  func forward(batch: Int, training: Bool) -> Float
  /// Fills the gradients of the last forward pass's mean loss.
  func backward(batch: Int)
  /// Clips the gradients when the spec says so and takes one optimizer step.
  func update(learningRate: Float)
}
"""###
    ),
    (
      "TrainingEvent.swift",
      ###"""
/// What a ``TrainingLoop`` reports while it runs, for progress output and logs.
public enum TrainingEvent: Sendable {
  /// A training step finished.
  case step(StepProgress)
  /// An epoch finished, with its metrics.
  case epoch(EpochMetrics)
  /// Early stopping ended the run after `epoch`; the best epoch was `best`.
  case stoppedEarly(epoch: Int, best: Int)
}

/// Progress within an epoch.
public struct StepProgress: Sendable {
  public var epoch: Int
  public var epochs: Int
  public var step: Int
  public var stepsPerEpoch: Int
  /// Mean training loss of the epoch so far.
  public var loss: Double
  /// Training accuracy of the epoch so far, when the task has one.
  public var accuracy: Double?
  /// Samples trained on in the epoch so far.
  public var samples: Int

  public init(
    epoch: Int, epochs: Int, step: Int, stepsPerEpoch: Int, loss: Double, accuracy: Double?, samples: Int
  ) {
    self.epoch = epoch
    self.epochs = epochs
    self.step = step
    self.stepsPerEpoch = stepsPerEpoch
    self.loss = loss
    self.accuracy = accuracy
    self.samples = samples
  }
}

/// Why training stopped before its last epoch, other than early stopping.
public struct TrainingFailure: Error, Sendable, CustomStringConvertible {
  public var message: String

  public init(message: String) { self.message = message }

  public var description: String { message }
}
"""###
    ),
    (
      "TrainingLoop.swift",
      ###"""
import Foundation

/// The epoch loop every NetSpec training runs: mini-batches in the seeded
/// order with the seeded augmentation (``Batcher``), the learning-rate
/// schedule, metrics, validation after each epoch, early stopping with the
/// best weights restored, and a checkpoint call after each epoch.
///
/// ```swift
/// let loop = TrainingLoop(settings: settings, train: trainSplit, validation: validationSplit)
/// let result = try loop.run(model, observe: { print($0) })
/// ```
public struct TrainingLoop: Sendable {
  /// What the run does.
  public let settings: TrainingSettings
  /// The training split, before augmentation.
  public let train: Dataset
  /// Scored after every epoch, when present.
  public let validation: Dataset?

  public init(settings: TrainingSettings, train: Dataset, validation: Dataset?) {
    self.settings = settings
    self.train = train
    self.validation = validation
  }

  /// The result of a run.
  public struct Result: Sendable {
    /// Every epoch's metrics, in order.
    public var history: [EpochMetrics]
    /// The epoch whose weights the model holds at the end (1-based).
    public var bestEpoch: Int
    /// Whether early stopping ended the run before its last epoch.
    public var stoppedEarly: Bool
  }

  /// The training batches, epoch after epoch.
  public var batches: Batcher {
    Batcher(
      train, batchSize: settings.batchSize, shuffle: settings.shuffle, augmentations: settings.augmentations,
      seed: settings.seed)
  }

  /// Runs the epochs on `model`. `checkpoint` is called after each epoch
  /// (the model then holds that epoch's weights). Throws
  /// ``TrainingFailure`` when the loss stops being finite.
  public func run(
    _ model: some TrainableModel, observe: (TrainingEvent) -> Void,
    checkpoint: (EpochMetrics) throws -> Void = { _ in }
  ) throws -> Result {
    let epochs = settings.epochs
    var batches = self.batches
    var history: [EpochMetrics] = []
    var best: (epoch: Int, value: Double, weights: [Float])?
    var sinceBest = 0
    var globalStep = 0
    for epoch in 0..<epochs {
      batches.start(epoch: epoch)
      let started = Date()
      var metrics = MetricAccumulator()
      var step = 0
      var lr = settings.learningRate
      while let n = batches.next(inputs: model.inputBuffer, labels: model.targetBuffer) {
        precondition(n <= model.batchCapacity)
        lr = settings.schedule.rate(
          base: settings.learningRate, epoch: epoch, epochs: epochs,
          progress: Double(step) / Double(batches.batchesPerEpoch))
        let loss = model.forward(batch: n, training: true)
        guard loss.isFinite else {
          throw TrainingFailure(
            message: "the loss became \(loss) at epoch \(epoch + 1), step \(step + 1) (global step \(globalStep + 1)); "
              + "training stopped and the last checkpoint was kept. Try a smaller learning rate or `clip_grad_norm`.")
        }
        model.backward(batch: n)
        model.update(learningRate: Float(lr))
        score(&metrics, model, loss: loss, batch: n)
        step += 1
        globalStep += 1
        observe(
          .step(
            StepProgress(
              epoch: epoch + 1, epochs: epochs, step: step, stepsPerEpoch: batches.batchesPerEpoch, loss: metrics.loss,
              accuracy: metrics.accuracy, samples: metrics.samples)))
      }
      let seconds = Date().timeIntervalSince(started)
      let scored = validation.map { evaluate(model, on: $0) }
      let record = EpochMetrics(
        epoch: epoch + 1, step: globalStep, trainLoss: metrics.loss, train: metrics.named,
        validationLoss: scored?.loss, validation: scored?.named ?? [:], learningRate: lr, seconds: seconds,
        samplesPerSecond: Double(metrics.samples) / max(seconds, 1e-9))
      history.append(record)
      observe(.epoch(record))
      try checkpoint(record)
      guard let stopping = settings.earlyStopping, let value = stopping.monitor.value(in: record) else { continue }
      if stopping.improves(value, on: best?.value) {
        best = (epoch + 1, value, stopping.restoreBest ? Array(model.parameterBuffer) : [])
        sinceBest = 0
      } else {
        sinceBest += 1
        if sinceBest > stopping.patience {
          let bestEpoch = best!.epoch
          if stopping.restoreBest { _ = model.parameterBuffer.update(fromContentsOf: best!.weights) }
          observe(.stoppedEarly(epoch: epoch + 1, best: bestEpoch))
          return Result(history: history, bestEpoch: stopping.restoreBest ? bestEpoch : epoch + 1, stoppedEarly: true)
        }
      }
    }
    if let best, settings.earlyStopping?.restoreBest == true, best.epoch != epochs {
      _ = model.parameterBuffer.update(fromContentsOf: best.weights)
      return Result(history: history, bestEpoch: best.epoch, stoppedEarly: false)
    }
    return Result(history: history, bestEpoch: epochs, stoppedEarly: false)
  }

  /// Mean loss and metrics of the model's current weights on `dataset`, in
  /// evaluation mode (no dropout, batchnorm on running statistics), in
  /// batches of the model's capacity.
  public func evaluate(_ model: some TrainableModel, on dataset: Dataset) -> MetricAccumulator {
    var batches = Batcher(dataset, batchSize: .size(model.batchCapacity), shuffle: false, seed: settings.seed)
    var metrics = MetricAccumulator()
    while let n = batches.next(inputs: model.inputBuffer, labels: model.targetBuffer) {
      let loss = model.forward(batch: n, training: false)
      score(&metrics, model, loss: loss, batch: n)
    }
    return metrics
  }

  private func score(_ metrics: inout MetricAccumulator, _ model: some TrainableModel, loss: Float, batch: Int) {
    metrics.add(
      loss: loss, batch: batch, prediction: model.predictionBuffer.baseAddress!,
      target: model.targetBuffer.baseAddress!, predictionCount: batch * model.predictionStride,
      kind: settings.targetKind)
  }
}
"""###
    ),
    (
      "TrainingSettings.swift",
      ###"""
/// What one training run does, from a spec's `train:` and `data:` sections:
/// the values ``TrainingLoop`` reads, the same for `netspec train` and the
/// tool of an emitted package.
public struct TrainingSettings: Sendable, Equatable {
  /// Epochs to train.
  public var epochs: Int
  /// Samples per optimizer step.
  public var batchSize: BatchSize
  /// The base learning rate.
  public var learningRate: Double
  /// How the rate changes over the epochs.
  public var schedule: LearningRateSchedule
  /// nil: train every epoch.
  public var earlyStopping: EarlyStoppingRule?
  /// Shuffle the training samples each epoch.
  public var shuffle: Bool
  /// Applied to each training sample, drawn afresh each epoch.
  public var augmentations: [AugmentationStep]
  /// Seeds the batch order and the augmentation draws.
  public var seed: Int
  /// How predictions are scored against targets.
  public var targetKind: MetricAccumulator.TargetKind

  public init(
    epochs: Int, batchSize: BatchSize, learningRate: Double, schedule: LearningRateSchedule,
    earlyStopping: EarlyStoppingRule?, shuffle: Bool, augmentations: [AugmentationStep], seed: Int,
    targetKind: MetricAccumulator.TargetKind
  ) {
    self.epochs = epochs
    self.batchSize = batchSize
    self.learningRate = learningRate
    self.schedule = schedule
    self.earlyStopping = earlyStopping
    self.shuffle = shuffle
    self.augmentations = augmentations
    self.seed = seed
    self.targetKind = targetKind
  }
}
"""###
    ),
  ]
}
