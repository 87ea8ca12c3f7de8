import NetSpecKernels
import Testing

/// A buffer holding `values`, to be deallocated by the caller.
private func buffer(_ values: [Float]) -> UnsafeMutablePointer<Float> {
  let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(values.count, 1))
  pointer.initialize(from: values, count: values.count)
  return pointer
}

/// Runs a one-layer stack's forward pass on `input` `[N, T, I]` with
/// `parameters` (four per direction) from the `initial` hidden and cell
/// states; returns the output and the final hidden and cell states.
private func run(
  _ stack: RecurrentStack, batch: Int, input: [Float], parameters: [[Float]], initial: (h: [Float], c: [Float])
) -> (output: [Float], hidden: [Float], cell: [Float]) {
  let pool = ComputePool(threadCount: 1)
  let stateCount = batch * stack.directions * stack.hidden
  let output = buffer([Float](repeating: 0, count: batch * stack.steps * stack.outputWidth))
  let (hidden, cell) = (
    buffer([Float](repeating: 0, count: stateCount)), buffer([Float](repeating: 0, count: stateCount))
  )
  let (h0, c0) = (buffer(initial.h), buffer(initial.c))
  let weights = parameters.map(buffer)
  let saved = stack.savedPerSample.map { buffer([Float](repeating: 0, count: $0 * batch)) }
  let workspace = buffer([Float](repeating: 0, count: stack.workspacePerSample * batch))
  defer { ([output, hidden, cell, h0, c0, workspace] + weights + saved).forEach { $0.deallocate() } }
  stack.forward(
    batch: batch, input: input, output: output, parameters: weights, saved: saved, workspace: workspace,
    pool: pool, initial: RecurrentStates(hidden: h0, cell: c0), final: RecurrentStates(hidden: hidden, cell: cell))
  return (
    Array(UnsafeBufferPointer(start: output, count: batch * stack.steps * stack.outputWidth)),
    Array(UnsafeBufferPointer(start: hidden, count: stateCount)),
    Array(UnsafeBufferPointer(start: cell, count: stateCount))
  )
}

/// `[N, T, F]` with its time axis reversed.
private func reversedInTime(_ x: [Float], batch: Int, steps: Int, features: Int) -> [Float] {
  var y = [Float]()
  for n in 0..<batch {
    for t in (0..<steps).reversed() {
      let start = (n * steps + t) * features
      y += x[start..<(start + features)]
    }
  }
  return y
}

@Suite("Recurrent kernels")
struct RecurrentKernelTests {
  /// A bidirectional layer is two one-directional ones: the forward half of
  /// its output and its state entry 0 are a forward stack's with the plain
  /// weights; the reverse half, read back to front, and entry 1 are a forward
  /// stack's over the reversed sequence with the `_reverse` weights.
  @Test(arguments: [RecurrentCell.lstm, .gru])
  func aBidirectionalLayerIsTwoDirections(_ cell: RecurrentCell) {
    let (batch, steps, features, hidden) = (2, 4, 3, 5)
    let rows = cell.gates * hidden
    let shapes = [rows * features, rows * hidden, rows, rows]
    let forwardWeights = shapes.enumerated().map { randomValues($1, seed: UInt64(10 + $0)) }
    let reverseWeights = shapes.enumerated().map { randomValues($1, seed: UInt64(20 + $0)) }
    let input = randomValues(batch * steps * features, seed: 1)
    // Batch-first states [N, 2, H]: sample n's forward entry, then its reverse one.
    let (h0, c0) = (randomValues(batch * 2 * hidden, seed: 2), randomValues(batch * 2 * hidden, seed: 3))
    func entry(_ state: [Float], _ d: Int) -> [Float] {
      (0..<batch).flatMap { n in state[((n * 2 + d) * hidden)..<((n * 2 + d + 1) * hidden)] }
    }
    let both = RecurrentStack(
      cell: cell, steps: steps, features: features, hidden: hidden, layers: 1, returnsLast: false,
      bidirectional: true)
    let one = RecurrentStack(
      cell: cell, steps: steps, features: features, hidden: hidden, layers: 1, returnsLast: false)
    let result = run(both, batch: batch, input: input, parameters: forwardWeights + reverseWeights, initial: (h0, c0))
    let forward = run(
      one, batch: batch, input: input, parameters: forwardWeights, initial: (entry(h0, 0), entry(c0, 0)))
    let reverse = run(
      one, batch: batch, input: reversedInTime(input, batch: batch, steps: steps, features: features),
      parameters: reverseWeights, initial: (entry(h0, 1), entry(c0, 1)))
    let halves = (0..<(batch * steps)).map { row in
      (
        Array(result.output[(row * 2 * hidden)..<(row * 2 * hidden + hidden)]),
        Array(result.output[(row * 2 * hidden + hidden)..<((row + 1) * 2 * hidden)])
      )
    }
    #expect(relativeDifference(halves.flatMap(\.0), forward.output) < 1e-6)
    let reverseOutput = reversedInTime(reverse.output, batch: batch, steps: steps, features: hidden)
    #expect(relativeDifference(halves.flatMap(\.1), reverseOutput) < 1e-6)
    #expect(relativeDifference(entry(result.hidden, 0), forward.hidden) < 1e-6)
    #expect(relativeDifference(entry(result.hidden, 1), reverse.hidden) < 1e-6)
    if cell == .lstm {
      #expect(relativeDifference(entry(result.cell, 1), reverse.cell) < 1e-6)
    }
  }
}
