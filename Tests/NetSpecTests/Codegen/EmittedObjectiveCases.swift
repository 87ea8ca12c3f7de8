/// Interpreter-vs-emitted cases for objectives of several weighted terms
/// (see ``EmittedModelTests``).
enum EmittedObjectiveCases {
  static let cases: [EmittedModelHarness.Case] = [
    // Cross-entropy on the logits plus a weighted KL term of (mu, logvar):
    // two loss nodes and their sum; `mu` feeds the head and the KL term, so
    // its gradient accumulates.
    EmittedModelTests.inline(
      "objective_terms",
      """
      inputs: {x: [N, 5]}
      layers:
        - dense: {units: 3, name: mu}
        - dense: {units: 3, name: logvar, from: x}
        - dense: {units: 4, name: logits, from: mu}
      outputs: [logits, logvar]
      train:
        loss:
          - {cross_entropy: {from: logits, reduction: sum, label_smoothing: 0.1}}
          - {kl_divergence: {from: [mu, logvar], weight: 0.25}}
        optimizer: {sgd: {lr: 0.05}}
      """)
  ]
}
