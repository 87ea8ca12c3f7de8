import NetSpecDiagnostics

/// The per-epoch metrics log: one JSON object per line (JSON Lines), keys in
/// a fixed order, absent values left out, non-finite numbers (a diverged
/// loss) written as `null` and read back as NaN.
///
/// ```text
/// {"epoch":1,"step":71,"train_loss":0.5123,"train_accuracy":0.84,"val_loss":0.4011,"val_accuracy":0.88,"learning_rate":0.001,"seconds":2.5,"samples_per_second":1800.0}
/// ```
///
/// Keys: `epoch`, `step`, `train_loss`, `train_<metric>`, `val_loss`,
/// `val_<metric>`, `learning_rate`, `seconds`, `samples_per_second`; metrics
/// in the order `accuracy`, `mse`, `mae`, then others alphabetically. The CSV
/// form has the same columns.
public enum MetricsLog {
  /// A reading problem: the line and what is wrong with it.
  public struct ReadError: Error, Equatable, CustomStringConvertible {
    /// The 1-based line number.
    public var line: Int
    /// What is wrong.
    public var message: String
    /// `line N: message`.
    public var description: String { "line \(line): \(message)" }
  }

  /// One record as a JSON line, without the newline (``EpochMetrics/jsonLine``).
  public static func jsonLine(_ record: EpochMetrics) -> String { record.jsonLine }

  /// The records of a JSON Lines log, in order; blank lines are skipped.
  public static func records(jsonLines text: String) throws(ReadError) -> [EpochMetrics] {
    var records: [EpochMetrics] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    where !line.allSatisfy(\.isWhitespace) {
      do {
        records.append(try record(JSONReader.parse(Array(line.utf8))))
      } catch let failure as JSONReader.Failure {
        throw ReadError(line: index + 1, message: "not valid JSON: \(failure)")
      } catch {
        throw ReadError(line: index + 1, message: "\(error)")
      }
    }
    return records
  }

  /// The records of the JSON Lines log at `path`; throws ``FileError`` or
  /// ``ReadError``.
  public static func read(contentsOf path: String) throws -> [EpochMetrics] {
    try records(jsonLines: String(decoding: FileBytes.read(path), as: UTF8.self))
  }

  /// The CSV header row for logs whose first record is `record`.
  static func csvHeader(_ record: EpochMetrics) -> [String] {
    ["epoch", "step"] + record.logFields.map(\.key)
  }

  /// `record` as a CSV row under `header`: absent values empty, non-finite
  /// ones `nan`, `inf`, `-inf`; nil when it has a value with no column.
  static func csvRow(_ record: EpochMetrics, header: [String]) -> String? {
    let values = Dictionary(uniqueKeysWithValues: record.logFields.map { ($0.key, $0.value) })
    guard Set(values.keys).isSubset(of: header) else { return nil }
    let cells = header.dropFirst(2).map { values[$0]??.description ?? "" }
    return ([String(record.epoch), String(record.step)] + cells).joined(separator: ",")
  }

  /// A record from one parsed line.
  private static func record(_ line: JSONValue) throws -> EpochMetrics {
    guard case .object(let members) = line else { throw MessageError("expected a JSON object") }
    func integer(_ key: String) throws -> Int {
      guard case .int(let value)? = line[key] else { throw MessageError("`\(key)` must be an integer") }
      return value
    }
    func number(_ key: String) throws -> Double? {
      switch line[key] {
      case nil: return nil
      case .null?: return .nan
      case .int(let value)?: return Double(value)
      case .double(let value)?: return value
      default: throw MessageError("`\(key)` must be a number or null")
      }
    }
    func required(_ key: String) throws -> Double {
      guard let value = try number(key) else { throw MessageError("missing `\(key)`") }
      return value
    }
    var record = EpochMetrics(
      epoch: try integer("epoch"), step: try integer("step"), trainLoss: try required("train_loss"),
      validationLoss: try number("val_loss"), learningRate: try required("learning_rate"),
      seconds: try required("seconds"), samplesPerSecond: try required("samples_per_second"))
    let fixed: Set = ["epoch", "step", "train_loss", "val_loss", "learning_rate", "seconds", "samples_per_second"]
    for key in members.map(\.key).sorted() where !fixed.contains(key) {
      if key.hasPrefix("train_") {
        record.train[String(key.dropFirst(6))] = try number(key)
      } else if key.hasPrefix("val_") {
        record.validation[String(key.dropFirst(4))] = try number(key)
      } else {
        throw MessageError("unknown key `\(key)`")
      }
    }
    return record
  }

  /// A plain message as an error.
  private struct MessageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }
}
