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
