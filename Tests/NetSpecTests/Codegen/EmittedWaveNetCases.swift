/// Interpreter-vs-emitted cases for the WaveNet and multi-task examples,
/// reduced (see ``EmittedModelTests``): causal dilated `conv1d` with
/// left-only padding, the gated activation's `split`, block `outputs:` whose
/// skips are summed outside the blocks, `cross_entropy` over axis 1; and two
/// heads on one trunk with a weighted loss list, one term scoring an input.
enum EmittedWaveNetCases {
  static let cases: [EmittedModelHarness.Case] = [
    .init(
      name: "wavenet", yaml: source(WaveNetExampleTests.path), path: WaveNetExampleTests.path,
      overrides: WaveNetExampleTests.reduced.dropLast() + ["length=6"], capacity: 2, batch: 2, idRange: 16),
    .init(
      name: "multitask", yaml: source(MultiTaskExampleTests.path), path: MultiTaskExampleTests.path,
      overrides: MultiTaskExampleTests.reduced, capacity: 3, batch: 3),
  ]

  static func source(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
}
