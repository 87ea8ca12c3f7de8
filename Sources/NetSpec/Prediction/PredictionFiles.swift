import NetSpecDiagnostics

/// Which file feeds which model input in `netspec predict`: `--input FILE`
/// for a model with one input, `--input NAME=FILE` for each input of a
/// model with several.
public enum PredictionFiles {
  /// Splits `NAME=FILE` into its name and path; a plain `FILE` (or one whose
  /// part before `=` is not a name, such as `data/a=b.csv`) has no name.
  public static func parse(_ argument: String) -> (name: String?, path: String) {
    guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return (nil, argument) }
    let name = String(argument[..<equals])
    guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return (nil, argument) }
    return (name, String(argument[argument.index(after: equals)...]))
  }

  /// The file of each model input, in the model's input order; throws when
  /// an input has no file, a name is not a model input or is given twice,
  /// or a model with several inputs is given an unnamed file. The input
  /// `decoded` (which greedy decoding feeds itself) takes no file.
  static func match(
    _ files: [(name: String?, path: String)], to graph: Graph, decoded: ValueID? = nil
  ) throws(PredictionError) -> [(input: ValueID, path: String)] {
    let fed = graph.inputs.filter { $0 != decoded }
    let names = fed.map { graph.values[$0].name }
    let usage = names.map { "--input \($0)=FILE" }.joined(separator: " ")
    if fed.count == 1, files.count == 1, files[0].name == nil || files[0].name == names[0] {
      return [(fed[0], files[0].path)]
    }
    var matched: [String: String] = [:]
    for file in files {
      guard let name = file.name else {
        throw PredictionError(
          "the model has \(names.count) inputs, so each file must name the input it feeds; `\(file.path)` names none",
          help: "write \(usage)")
      }
      if let decoded, name == graph.values[decoded].name {
        throw PredictionError(
          "greedy decoding feeds the input `\(name)` the tokens it decodes, so it takes no file",
          help: "leave out `--input \(name)=\(file.path)`\(names.isEmpty ? "" : "; give \(usage)")")
      }
      guard names.contains(name) else {
        let suggestion = Suggestions.didYouMean(name, in: names).map { "\($0) " } ?? ""
        throw PredictionError(
          "`--input \(name)=\(file.path)` names no model input `\(name)`",
          help: "\(suggestion)the inputs are \(Suggestions.list(names))")
      }
      guard matched.updateValue(file.path, forKey: name) == nil else {
        throw PredictionError("the input `\(name)` is given two files", help: "give each input one file: \(usage)")
      }
    }
    if let missing = names.first(where: { matched[$0] == nil }) {
      throw PredictionError("no file is given for the model input `\(missing)`", help: "write \(usage)")
    }
    return zip(fed, names).map { ($0, matched[$1]!) }
  }
}
