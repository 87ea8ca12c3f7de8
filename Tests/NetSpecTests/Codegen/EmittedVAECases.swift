/// Interpreter-vs-emitted cases for the VAE example, reduced (see
/// ``EmittedModelTests``): an encoder's two heads, a seeded
/// `gaussian_sample`, and a loss of two terms whose reconstruction scores
/// the model's own input, so the emitted model reads no data target.
enum EmittedVAECases {
  static let cases: [EmittedModelHarness.Case] = [
    .init(
      name: "vae_mnist", yaml: (try? String(contentsOfFile: VAEExampleTests.path, encoding: .utf8)) ?? "",
      path: VAEExampleTests.path, overrides: VAEExampleTests.reduced, capacity: 4, batch: 3)
  ]
}
