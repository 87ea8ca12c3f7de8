/// Interpreter-vs-emitted cases for attention, normalization and embedding
/// ops (see ``EmittedModelTests``).
enum EmittedAttentionCases {
  static let cases: [EmittedModelHarness.Case] = []
}
