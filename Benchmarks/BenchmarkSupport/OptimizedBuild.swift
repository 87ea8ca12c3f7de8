import Foundation
import NetSpec

/// Emitted Swift compiled as the benchmarks measure it: `swiftc -O -wmo
/// -swift-version 6` with this machine's CPU flags (`CompilerFlags.nativeKernels`).
public enum OptimizedBuild {
  /// `model`'s emitted Swift for batches of up to `capacity`; exits when it cannot be emitted.
  public static func emit(_ model: BenchmarkModel, capacity: Int) -> [SwiftEmitter.File] {
    do {
      return try SwiftEmitter.emit(model.spec, capacity: capacity, sourceName: model.name, typeName: model.typeName)
    } catch {
      fail("\(model.name): \(error)")
    }
  }

  /// Writes `files` into `directory`; returns their paths relative to it.
  public static func write(_ files: [SwiftEmitter.File], into directory: URL) -> [String] {
    for file in files {
      BenchmarkSupport.write(Data(file.contents.utf8), to: directory.appendingPathComponent(file.path))
    }
    return files.map(\.path)
  }

  /// Compiles `sources` (paths relative to `directory`) with `options` (the
  /// output, `-emit-library`, ...) in `directory`; returns the seconds it took.
  public static func swiftc(_ options: [String], sources: [String], in directory: URL) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    run(
      ["swiftc", "-O", "-wmo", "-swift-version", "6"] + options + CompilerFlags.nativeKernels + sources, in: directory)
    return elapsed(start)
  }

  /// Every model's emitted Swift (the runtime once) and `main` as main.swift,
  /// compiled into the executable `driver` in `directory`: its path and the
  /// seconds `swiftc` took.
  public static func driver(_ models: [BenchmarkModel], capacity: Int, main: String, in directory: URL) -> (
    binary: String, seconds: Double
  ) {
    var sources: [String] = []
    for model in models {
      for path in write(emit(model, capacity: capacity), into: directory) where !sources.contains(path) {
        sources.append(path)
      }
    }
    BenchmarkSupport.write(Data(main.utf8), to: directory.appendingPathComponent("main.swift"))
    let seconds = swiftc(["-o", "driver"], sources: sources + ["main.swift"], in: directory)
    return (directory.appendingPathComponent("driver").path, seconds)
  }
}
