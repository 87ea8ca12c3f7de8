#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Appends one record per epoch to a metrics log, written straight to the
/// file (no buffering), so the log is complete up to the last finished epoch
/// even if training is interrupted.
///
/// ```swift
/// let log = try MetricsLogWriter(path: "runs/lenet5/metrics.jsonl")
/// try log.append(record)        // after each epoch
/// ```
public final class MetricsLogWriter {
  /// The file formats.
  public enum Format: Sendable {
    /// One JSON object per line (see ``MetricsLog``).
    case jsonLines
    /// Comma-separated values with a header row; the columns are those of the
    /// first record.
    case csv
  }

  /// The file written.
  public let path: String
  /// Its format.
  public let format: Format
  private let fd: Int32
  private var csvHeader: [String]?

  /// Creates (or empties) the log at `path`.
  public convenience init(path: String, format: Format = .jsonLines) throws(FileError) {
    try self.init(path: path, format: format, continuing: [])
  }

  /// Replaces the log at `path` (atomically) with `records`, then appends
  /// after them: a resumed run's log, cut back to its checkpoint.
  public init(path: String, format: Format, continuing records: [EpochMetrics]) throws(FileError) {
    self.path = path
    self.format = format
    var text = ""
    if let first = records.first, format == .csv {
      let header = MetricsLog.csvHeader(first)
      csvHeader = header
      text = header.joined(separator: ",") + "\n"
    }
    for record in records {
      switch format {
      case .jsonLines: text += MetricsLog.jsonLine(record) + "\n"
      case .csv: text += (MetricsLog.csvRow(record, header: csvHeader!) ?? "") + "\n"
      }
    }
    do { try AtomicFile.write(Array(text.utf8), to: path) } catch let error as FileError { throw error } catch {
      throw FileError(path: path, action: "write", reason: "\(error)")
    }
    let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
    guard fd >= 0 else { throw FileError.writing(path, "open") }
    self.fd = fd
  }

  deinit { close(fd) }

  /// Writes `record` as the next line. In CSV, a record with a value that the
  /// first record had no column for is an error.
  public func append(_ record: EpochMetrics) throws(FileError) {
    var text: String
    switch format {
    case .jsonLines:
      text = MetricsLog.jsonLine(record) + "\n"
    case .csv:
      text = ""
      let header = csvHeader ?? MetricsLog.csvHeader(record)
      if csvHeader == nil {
        text = header.joined(separator: ",") + "\n"
        csvHeader = header
      }
      guard let row = MetricsLog.csvRow(record, header: header) else {
        throw FileError(
          path: path, action: "write",
          reason: "epoch \(record.epoch) has metrics outside the CSV columns \(header.joined(separator: ","))")
      }
      text += row + "\n"
    }
    try AtomicFile.writeAll(Array(text.utf8), to: fd, path: path)
  }
}
