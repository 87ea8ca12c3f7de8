/// Interpreter-vs-emitted cases for the recurrent and sequence ops (see
/// ``EmittedModelTests``).
enum EmittedRecurrentCases {
  static let cases: [EmittedModelHarness.Case] = []
}
