/// Interpreter-vs-emitted cases for per-layer `init:` (see
/// ``EmittedModelTests``): the emitted initializer draws the same values, or
/// the parameters after training would differ.
enum EmittedInitializerCases {
  static let cases: [EmittedModelHarness.Case] = [
    EmittedModelTests.inline(
      "initializers",
      """
      inputs: {x: [N, 3, 5, 5]}
      layers:
        - conv2d: {filters: 4, kernel: 3, padding: 1, activation: relu, init: {kaiming_normal: {mode: fan_out, nonlinearity: relu}}}
        - flatten
        - dense: {units: 8, activation: tanh, init: {weight: {orthogonal: 1.5}, bias: {uniform: {a: -0.2, b: 0.1}}}}
        - dense: {units: 6, init: {weight: xavier_uniform, bias: {constant: 0.05}}}
        - dense: {units: 3, init: {normal: {std: 0.02}}}
      train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.05}}}
      """)
  ]
}
