import ArgumentParser
import Foundation
import NetSpecKernels

/// `--threads N` of the commands that compute: the size of the kernels'
/// shared ``ComputePool``, which `NETSPEC_THREADS` also sets.
struct ThreadOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Threads for the kernels (default: NETSPEC_THREADS, else one per processor).", valueName: "count"))
  var threads: Int?

  func validate() throws {
    if let threads, !(1...ComputePool.maxThreadCount).contains(threads) {
      throw ValidationError("--threads must be from 1 to \(ComputePool.maxThreadCount), not \(threads)")
    }
    if threads == nil, let error = ComputePool.threadCountError { throw ValidationError(error) }
  }

  /// Sizes the shared pool before its first use.
  func apply() {
    if let threads { setenv("NETSPEC_THREADS", "\(threads)", 1) }
  }
}
