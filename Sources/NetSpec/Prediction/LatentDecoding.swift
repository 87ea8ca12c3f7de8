import NetSpecDiagnostics
import NetSpecRuntime

extension Predictor {
  /// Decodes standard normal draws through the layers after `layer`: a
  /// generative model's samples (a VAE's decoder fed z ~ N(0, I)). The
  /// draws take the place of `layer`'s output, `samples` of them from
  /// NetSpec's generator seeded with `seed`, and the layers after it run in
  /// evaluation mode; the loss terms do not run. Every layer after `layer`
  /// must reach the model's input only through it.
  public static func decode(
    _ spec: CheckedSpec, weights: String, from layer: String, samples: Int, seed: UInt64
  ) throws(PredictionError) -> Predictions {
    let graph = spec.graph
    guard samples > 0 else {
      throw PredictionError("--samples must be at least 1, not \(samples)", help: "pass --samples 64, for example")
    }
    let producer = try latentProducer(graph, layer)
    let latent = graph.value(named: layer)!
    guard let output = graph.lossNode?.inputs[0] ?? graph.outputs.first, output != latent else {
      throw PredictionError(
        "the model has no output after `\(layer)` to decode into", help: "name a layer before the model's output")
    }
    let weightsFile = try load(weights, of: spec)
    let capacity = min(samples, batchCapacity)
    let plan: ExecutionPlan
    do { plan = try Planner.plan(graph, capacity: capacity, bindings: [:], training: false) } catch {
      throw PredictionError(
        error.message, help: "decode from a layer whose size is fixed: give the spec's symbolic sizes with --dim")
    }
    let interpreter = Interpreter(plan: plan, seed: seed)
    do { try Checkpoint.load(weightsFile, into: interpreter) } catch {
      throw PredictionError("`\(weights)`: \(error)", help: "pass the weights `netspec train` wrote for this spec")
    }
    let steps = plan.forwardSteps.indices.filter {
      plan.forwardSteps[$0].node > producer && !(graph.nodes[plan.forwardSteps[$0].node].op is any ObjectiveOperator)
    }
    let latentBuffer = interpreter.buffer(of: latent)
    let width = plan.buffers[plan.valueBuffers[latent]!].perSample
    let perSample = plan.buffers[plan.valueBuffers[output]!].perSample
    let predictions = interpreter.buffer(of: output)
    var random = RandomGenerator(seed: seed, stream: decodingStream)
    var outputs = [Float](repeating: 0, count: samples * perSample)
    var start = 0
    while start < samples {
      let n = min(capacity, samples - start)
      for i in 0..<(n * width) { latentBuffer[i] = random.nextGaussian() }
      interpreter.forward(batch: n, training: false, steps: steps)
      for i in 0..<(n * perSample) { outputs[start * perSample + i] = predictions[i] }
      start += n
    }
    let sizes = graph.values[output].type.shape.dropFirst().map(\.staticValue)
    return Predictions(
      kind: Predictions.Kind(loss: graph.lossNode?.op, output: graph.values[output].type), count: samples,
      perSample: perSample, outputs: outputs,
      sampleShape: sizes.allSatisfy { $0 != nil } ? sizes.map { $0! } : [perSample])
  }

  /// The generator stream of the decoded draws ("deco").
  static let decodingStream: UInt64 = 0x6465_636F

  /// The node producing `layer`, after checking that the layers after it
  /// read nothing from before it but its output.
  private static func latentProducer(_ graph: Graph, _ layer: String) throws(PredictionError) -> NodeID {
    let layers = graph.nodes.filter { !($0.op is any ObjectiveOperator) }.flatMap { $0.outputs }
    guard let latent = graph.value(named: layer), case .activation(let producer) = graph.values[latent].role else {
      let names = layers.map { graph.values[$0].name }
      let suggestion = Suggestions.didYouMean(layer, in: names).map { " (\($0))" } ?? ""
      throw PredictionError(
        "the model has no layer `\(layer)` to decode from\(suggestion)",
        help: "name the layer whose output the draws replace, e.g. a VAE's latent sample `z`")
    }
    for (index, node) in graph.nodes.enumerated() where index > producer && !(node.op is any ObjectiveOperator) {
      for input in node.inputs where input != latent {
        let before: Bool
        switch graph.values[input].role {
        case .activation(let source): before = source <= producer
        default: before = true
        }
        if before {
          throw PredictionError(
            "`\(node.name)` comes after `\(layer)` but reads `\(graph.values[input].name)`, which does not come from `\(layer)`",
            help: "decode from a layer that the later layers reach the model's inputs only through")
        }
      }
    }
    return producer
  }
}
