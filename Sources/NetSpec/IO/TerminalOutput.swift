import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Facts about, and unbuffered writing to, an output file descriptor.
public enum TerminalOutput {
  /// True when `fd` is a terminal that understands cursor control (not
  /// `TERM=dumb`).
  public static func isInteractive(_ fd: Int32) -> Bool {
    isatty(fd) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
  }

  /// The terminal's width in columns, when `fd` is a terminal that says.
  public static func columns(_ fd: Int32) -> Int? {
    var size = winsize()
    #if canImport(Glibc)
      let status = ioctl(fd, UInt(TIOCGWINSZ), &size)
    #else
      let status = ioctl(fd, TIOCGWINSZ, &size)
    #endif
    return status == 0 && size.ws_col > 0 ? Int(size.ws_col) : nil
  }

  /// A function that writes text to `fd` at once; write errors (a closed
  /// pipe) are ignored, as progress output is not worth failing training for.
  public static func writer(_ fd: Int32) -> (String) -> Void {
    { text in try? AtomicFile.writeAll(Array(text.utf8), to: fd, path: "file descriptor \(fd)") }
  }
}

extension ProgressReporter {
  /// A reporter writing to standard output: the live line when it is a
  /// terminal, one line per epoch otherwise.
  public static func standardOutput(epochs: Int) -> ProgressReporter {
    ProgressReporter(
      epochs: epochs, interactive: TerminalOutput.isInteractive(STDOUT_FILENO),
      columns: TerminalOutput.columns(STDOUT_FILENO), write: TerminalOutput.writer(STDOUT_FILENO))
  }
}
