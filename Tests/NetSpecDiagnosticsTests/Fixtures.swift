import NetSpecDiagnostics

/// The span of the `occurrence`-th (1-based) appearance of `needle` in `file`.
func span(of needle: String, in file: SourceFile, occurrence: Int = 1) -> SourceSpan {
  let pattern = Array(needle.utf8)
  var seen = 0
  for start in 0...(file.bytes.count - pattern.count)
  where file.bytes[start..<start + pattern.count].elementsEqual(pattern) {
    seen += 1
    if seen == occurrence {
      return SourceSpan(file: file, from: start, to: start + pattern.count)
    }
  }
  fatalError("`\(needle)` occurs fewer than \(occurrence) times in \(file.path)")
}

/// A zero-width span just before the `occurrence`-th appearance of `needle`.
func point(before needle: String, in file: SourceFile, occurrence: Int = 1) -> SourceSpan {
  let found = span(of: needle, in: file, occurrence: occurrence)
  return SourceSpan(file: file, start: found.start, end: found.start)
}

/// The LeNet-like spec most tests point into.
let lenet = SourceFile(
  path: "specs/bad.yaml",
  text: """
    netspec: 1
    layers:
      - conv2: {filters: 6, kernel: 5}
      - dense: 10

    """)
