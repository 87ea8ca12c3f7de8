import Testing

extension Tag {
  /// Suites that compile emitted Swift with `swiftc` or train whole specs (tens
  /// of seconds each); the fast edit-test loop skips them (docs/TESTING.md).
  @Tag static var slow: Self
}
