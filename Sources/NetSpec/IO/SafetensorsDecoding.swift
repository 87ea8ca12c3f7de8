import NetSpecDiagnostics

extension SafetensorsFile {
  /// Parses and validates a whole file's bytes: the header length within
  /// bounds, the header well-formed JSON with well-typed entries, every dtype
  /// known, each tensor's byte size equal to its shape's, offsets inside the
  /// data section, the tensors contiguous with no overlaps, gaps or trailing
  /// bytes. F32, F16, BF16 and F64 tensors are read (as float32); other
  /// dtypes are reported as unsupported. The first problem is thrown.
  public init(bytes: [UInt8]) throws(SafetensorsError) {
    let length: Int
    do { length = try SafetensorsSource.headerLength(bytes, fileSize: bytes.count) } catch {
      throw SafetensorsError(.file(error))
    }
    let dataStart = 8 + length
    try self.init(
      header: Array(bytes[8..<dataStart]), dataSize: bytes.count - dataStart, expected: nil,
      data: { range throws(SafetensorsError) in bytes[dataStart + range.lowerBound..<dataStart + range.upperBound] })
  }

  /// Parses and validates `header` for a data section of `dataSize` bytes,
  /// checks the tensors against `expected` (name -> shape) when given, and
  /// only then reads each tensor's bytes from `data` (a range of the data
  /// section), so a hostile file costs no more memory than its header.
  init(
    header: [UInt8], dataSize: Int, expected: [String: [Int]]?,
    data: (Range<Int>) throws(SafetensorsError) -> ArraySlice<UInt8>
  ) throws(SafetensorsError) {
    let json: JSONValue
    do {
      json = try JSONReader.parse(header, maxValues: Self.maxHeaderValues)
    } catch {
      throw SafetensorsError(.headerNotJSON(error.description))
    }
    guard case .object(let members) = json else { throw SafetensorsError(.headerNotObject) }

    var metadata: [String: String] = [:]
    var entries: [Entry] = []
    for (name, value) in members.sorted(by: { Self.byteOrder($0.key, $1.key) }) {
      if name == "__metadata__" {
        metadata = try Self.metadata(value)
      } else {
        entries.append(try Entry(name: name, value, dataSize: dataSize))
      }
    }
    try Self.checkLayout(entries, dataSize: dataSize)
    if let entry = entries.first(where: { !$0.dtype.isReadable }) {
      throw SafetensorsError(.unsupportedDtype(tensor: entry.name, dtype: entry.dtype.rawValue))
    }
    if let expected {
      try Self.check(entries.map { ($0.name, $0.shape) }, expected: expected)
    }
    var tensors: [NamedTensor] = []
    for entry in entries {
      let values = entry.dtype.floats(try data(entry.offsets[0]..<entry.offsets[1]))
      tensors.append(NamedTensor(name: entry.name, shape: entry.shape, values: values))
    }
    self.init(tensors: tensors, metadata: metadata)
  }

  /// The most JSON values a header may hold: about 100,000 tensors (an
  /// entry is 7 values plus one per dimension), in tens of MB of memory.
  static let maxHeaderValues = 1_000_000

  /// One tensor's header entry, checked on its own.
  private struct Entry {
    var name: String
    var dtype: SafetensorsDtype
    var shape: [Int]
    var offsets: [Int]

    init(name: String, _ value: JSONValue, dataSize: Int) throws(SafetensorsError) {
      func bad(_ reason: String) -> SafetensorsError { SafetensorsError(.badEntry(tensor: name, reason)) }
      guard case .object = value else { throw bad("expected an object with dtype, shape and data_offsets") }
      guard case .string(let dtypeName)? = value["dtype"] else { throw bad("`dtype` must be a string") }
      guard let dtype = SafetensorsDtype(rawValue: dtypeName) else {
        throw SafetensorsError(.unknownDtype(tensor: name, dtype: dtypeName))
      }
      guard let shape = Self.integers(value["shape"]) else {
        throw bad("`shape` must be a list of non-negative integers")
      }
      guard let offsets = Self.integers(value["data_offsets"]), offsets.count == 2 else {
        throw bad("`data_offsets` must be two non-negative integers [begin, end]")
      }
      guard offsets[0] <= offsets[1] else {
        throw bad("data_offsets [\(offsets[0]), \(offsets[1])] end before they begin")
      }
      guard offsets[1] <= dataSize else {
        throw SafetensorsError(.offsetsOutOfBounds(tensor: name, offsets: offsets, dataSize: dataSize))
      }
      guard let count = NamedTensor.elementCount(shape), count <= Int.max / dtype.byteSize else {
        throw bad("shape \(shape) is too large")
      }
      guard count * dtype.byteSize == offsets[1] - offsets[0] else {
        throw SafetensorsError(
          .byteCountMismatch(tensor: name, dtype: dtype.rawValue, shape: shape, offsets: offsets))
      }
      self.name = name
      self.dtype = dtype
      self.shape = shape
      self.offsets = offsets
    }

    /// A JSON array of non-negative integers.
    private static func integers(_ value: JSONValue?) -> [Int]? {
      guard case .array(let elements)? = value else { return nil }
      var numbers: [Int] = []
      for element in elements {
        guard case .int(let number) = element, number >= 0 else { return nil }
        numbers.append(number)
      }
      return numbers
    }
  }

  /// The `__metadata__` of the file at `path`, read from its header alone
  /// (the header's length checked against its limit and the file's size
  /// first, as ``init(contentsOf:expected:)`` does).
  public static func metadata(ofFileAt path: String) throws(SafetensorsError) -> [String: String] {
    let source: SafetensorsSource
    do { source = try SafetensorsSource(path: path) } catch { throw SafetensorsError(.file(error), path: path) }
    let json: JSONValue
    do {
      json = try JSONReader.parse(source.header, maxValues: maxHeaderValues)
    } catch {
      throw SafetensorsError(.headerNotJSON(error.description), path: path)
    }
    guard case .object = json else { throw SafetensorsError(.headerNotObject, path: path) }
    guard let value = json["__metadata__"] else { return [:] }
    do { return try metadata(value) } catch { throw SafetensorsError(error.problem, path: path) }
  }

  /// `__metadata__`: an object of strings (or null).
  private static func metadata(_ value: JSONValue) throws(SafetensorsError) -> [String: String] {
    if value == .null { return [:] }
    guard case .object(let members) = value else { throw SafetensorsError(.badMetadata("must be an object")) }
    var strings: [String: String] = [:]
    for (key, member) in members.sorted(by: { byteOrder($0.key, $1.key) }) {
      guard case .string(let text) = member else {
        let name = SafetensorsError.Problem.quoted(key)
        throw SafetensorsError(.badMetadata("must map strings to strings; \(name) is not a string"))
      }
      strings[key] = text
    }
    return strings
  }

  /// The tensors, in offset order, tile the data section exactly.
  private static func checkLayout(_ entries: [Entry], dataSize: Int) throws(SafetensorsError) {
    let ordered = entries.sorted { ($0.offsets[0], $0.offsets[1]) < ($1.offsets[0], $1.offsets[1]) }
    var end = 0
    for (index, entry) in ordered.enumerated() {
      if entry.offsets[0] < end {
        let previous = ordered[index - 1]
        throw SafetensorsError(
          .overlap(tensor: entry.name, offsets: entry.offsets, other: previous.name, otherOffsets: previous.offsets))
      }
      if entry.offsets[0] > end { throw SafetensorsError(.gap(tensor: entry.name, bytes: entry.offsets[0] - end)) }
      end = entry.offsets[1]
    }
    if end < dataSize { throw SafetensorsError(.trailingBytes(dataSize - end)) }
  }
}
