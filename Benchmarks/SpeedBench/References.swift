import BenchmarkSupport
import Foundation
import NetSpec
import NetSpecDiagnostics

/// The models exported for PyTorch and onnxruntime (from the spec's initial weights)
/// with the batch, and the reference.py workers that run them.
struct References {
  let python: String
  let config: URL
  /// Models whose export failed, with the reason (each an error: SpeedBench exits with status 1).
  private(set) var skipped: [String: String] = [:]

  init(_ models: [BenchmarkModel], options: Options, in directory: URL) {
    // A relative path is resolved here: the workers run in `directory`.
    python =
      options.python.map { $0.contains("/") ? URL(fileURLWithPath: $0).path : $0 }
      ?? packageDirectory.appendingPathComponent(".venv/bin/python").path
    config = directory.appendingPathComponent("reference.json")
    var entries: [[String: Any]] = []
    for model in models {
      let folder = directory.appendingPathComponent(model.name)
      let plan = try! Planner.plan(model.spec.graph, capacity: benchBatch, training: false)
      let perSample = plan.buffers[plan.valueBuffers[model.spec.graph.inputs[0]]!].perSample
      let batch = fixedBatch(benchBatch, inputCount: perSample)
      write(batch.inputs.withUnsafeBufferPointer { Data(buffer: $0) }, to: folder.appendingPathComponent("inputs.f32"))
      write(batch.labels.withUnsafeBufferPointer { Data(buffer: $0) }, to: folder.appendingPathComponent("labels.f32"))
      var diagnostics = DiagnosticBag()
      let onnx = ONNXExporter.export(
        model.spec, weights: ExportedWeights.initial(model.spec).values,
        options: ONNXExportOptions(producerVersion: "SpeedBench"), &diagnostics)
      let project = PyTorchExport.project(model.spec, dataDirectory: folder.path, &diagnostics)
      guard let onnx, let project else {
        skipped[model.name] = diagnostics.diagnostics.map(\.message).joined(separator: "; ")
        print("error: \(model.name) does not export for PyTorch and onnxruntime: \(skipped[model.name]!)")
        continue
      }
      write(onnx, to: folder.appendingPathComponent("model.onnx"))
      let pytorch = folder.appendingPathComponent("pytorch")
      for (name, contents) in project { write(Data(contents.utf8), to: pytorch.appendingPathComponent(name)) }
      let initial = SafetensorsFile(tensors: PyTorchExport.initialTensors(of: model.spec.graph, seed: model.seed))
      do { try initial.write(to: pytorch.appendingPathComponent("init.safetensors").path) } catch {
        fail("cannot write init.safetensors: \(error)")
      }
      let shape = model.spec.graph.values[model.spec.graph.inputs[0]].type.shape.dropFirst()
      entries.append([
        "name": model.name, "pytorch": pytorch.path, "onnx": folder.appendingPathComponent("model.onnx").path,
        "inputs": folder.appendingPathComponent("inputs.f32").path,
        "labels": folder.appendingPathComponent("labels.f32").path,
        "input_shape": shape.map { $0.staticValue ?? 1 },
      ])
    }
    let json = try! JSONSerialization.data(withJSONObject: ["batch": benchBatch, "models": entries])
    write(json, to: config)
  }

  var script: String { packageDirectory.appendingPathComponent("Benchmarks/SpeedBench/reference.py").path }

  /// Whether `python` is there: a path to an executable file, or a name to look up on PATH.
  var hasPython: Bool { !python.contains("/") || FileManager.default.isExecutableFile(atPath: python) }

  /// A reference.py server on `threads` threads, and its `ready` line; nil (after
  /// saying so) when there is no Python. Exits when Python is there but
  /// reference.py does not start (its error is above).
  func worker(threads: Int) -> Worker? {
    guard hasPython else {
      print("note: no Python at \(python) (--python PATH): PyTorch and onnxruntime are not measured")
      return nil
    }
    let environment = ["OMP_NUM_THREADS": String(threads), "MKL_NUM_THREADS": String(threads)]
    guard
      let worker = Worker(
        name: "reference", [python, script, config.path, String(threads)], environment: environment,
        directory: config.deletingLastPathComponent()),
      let ready = worker.readLine(), ready.hasPrefix("ready")
    else { fail("\(python) cannot start reference.py (its error is above)") }
    print("references on \(threads) thread(s): \(ready.dropFirst(6))")
    return worker
  }
}
