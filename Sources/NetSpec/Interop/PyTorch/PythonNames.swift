import Foundation
import NetSpecDiagnostics

/// Python identifiers for model.py: variables from value names, attribute
/// access for submodules, and the names a submodule cannot take.
enum PythonNames {
  /// Python's keywords (and soft keywords used as names by nothing here).
  static let keywords: Set<String> = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
  ]

  /// Public attributes of `torch.nn.Module` and `torch.nn.ModuleDict` (torch
  /// 2.15): `add_module` refuses a submodule under one of these names.
  static let moduleAttributes: Set<String> = [
    "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children", "clear",
    "compile", "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer",
    "get_extra_state", "get_parameter", "get_submodule", "half", "ipu", "items", "keys", "load_state_dict",
    "modules", "mtia", "named_buffers", "named_children", "named_modules", "named_parameters", "parameters", "pop",
    "register_backward_hook", "register_buffer", "register_forward_hook", "register_forward_pre_hook",
    "register_full_backward_hook", "register_full_backward_pre_hook", "register_load_state_dict_post_hook",
    "register_load_state_dict_pre_hook", "register_module", "register_parameter", "register_state_dict_post_hook",
    "register_state_dict_pre_hook", "requires_grad_", "set_extra_state", "set_submodule", "share_memory",
    "state_dict", "to", "to_empty", "train", "training", "type", "update", "values", "xpu", "zero_grad",
  ]

  /// Whether `name` is an ASCII identifier that is not a keyword.
  static func isIdentifier(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic, first.isASCII
    else { return false }
    return name.unicodeScalars.allSatisfy {
      $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
    }
      && !keywords.contains(name)
  }

  /// A variable for value `name` (`encoder.0.h` -> `encoder_0_h`), unique among `taken`.
  static func variable(_ name: String, taken: inout Set<String>) -> String {
    var base = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    if !isIdentifier(base) || ["self", "math", "torch", "nn", "F"].contains(base) { base = "v_" + base }
    var candidate = base
    var suffix = 2
    while taken.contains(candidate) {
      candidate = "\(base)_\(suffix)"
      suffix += 1
    }
    taken.insert(candidate)
    return candidate
  }

  /// A Python string literal for `text`: a JSON string literal is one (the
  /// same escapes, and `\uXXXX` for other control characters).
  static func string(_ text: String) -> String { JSONEscaping.standard.quoted(text) }
}
