// Typed reads from the located YAML tree, each failure recorded as a diagnostic.

import Learning

struct Checker {
    var diagnostics: [Diagnostic] = []
    /// The experiment being resolved; values written elsewhere (a template, defaults.yaml, a
    /// parent experiment) get `(in experiment 'X')` appended to their messages.
    var experiment: String? = nil

    mutating func error(_ value: YValue, _ message: String) {
        error(at: value.location, field: value.path, message)
    }

    mutating func error(at location: SourceLocation, field: String, _ message: String) {
        var message = message
        if let experiment, !field.hasPrefix("experiments.\(experiment).") && field != "experiments.\(experiment)" {
            message += " (in experiment '\(experiment)')"
        }
        diagnostics.append(
            Diagnostic(
                location: location, field: field.isEmpty ? "(root)" : field,
                message: message))
    }

    mutating func missing(_ key: String, in section: YValue) {
        error(at: section.location, field: child(section.path, key), "missing required key '\(key)'")
    }

    // MARK: Key checks

    /// Reports every key of `value` not in `known`, with the closest known key suggested.
    mutating func checkKeys(_ value: YValue, known: [String]) {
        guard let entries = value.entries else { return }
        for entry in entries where !known.contains(entry.key) {
            let hint =
                closest(to: entry.key, in: known).map { "did you mean '\($0)'?" }
                ?? "expected one of: \(known.joined(separator: ", "))"
            error(at: entry.keyLocation, field: entry.value.path, "unknown key; \(hint)")
        }
    }

    /// The value as a mapping (a null counts as empty); reports anything else.
    mutating func mapping(_ value: YValue?) -> [YEntry]? {
        guard let value else { return nil }
        switch value.kind {
        case .mapping(let entries): return entries
        case .null: return []
        default:
            error(value, "expected a mapping, got \(value.typeName)")
            return nil
        }
    }

    // MARK: Scalars

    mutating func string(_ value: YValue?) -> String? {
        guard let value, !isNull(value) else { return nil }
        guard case .scalar(let s, _) = value.kind else {
            error(value, "expected a string, got \(value.typeName)")
            return nil
        }
        return s
    }

    mutating func int(_ value: YValue?) -> Int? {
        guard let value, !isNull(value) else { return nil }
        if case .scalar(let s, true) = value.kind, let i = Int(s) { return i }
        error(value, "expected an integer, got \(value.display)")
        return nil
    }

    mutating func double(_ value: YValue?) -> Double? {
        guard let value, !isNull(value) else { return nil }
        if case .scalar(let s, true) = value.kind, let d = parseDouble(s) { return d }
        error(value, "expected a number, got \(value.display)")
        return nil
    }

    /// `expected` names what the key accepts, for the message (a key that also takes `auto` says so).
    mutating func bool(_ value: YValue?, expected: String = "true or false") -> Bool? {
        guard let value, !isNull(value) else { return nil }
        if case .scalar(let s, true) = value.kind {
            switch s {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        error(value, "expected \(expected), got \(value.display)")
        return nil
    }

    mutating func list(_ value: YValue?) -> [YValue]? {
        guard let value, !isNull(value) else { return nil }
        guard case .sequence(let items) = value.kind else {
            error(value, "expected a list, got \(value.typeName)")
            return nil
        }
        return items
    }

    /// One of `cases`, by raw value, with the closest one suggested on a miss.
    mutating func choice<E: RawRepresentable & CaseIterable>(_ value: YValue?, _ what: String) -> E?
    where E.RawValue == String {
        guard let value, let s = string(value) else { return nil }
        if let e = E(rawValue: s) { return e }
        let names = E.allCases.map(\.rawValue)
        let hint =
            closest(to: s, in: names).map { "did you mean '\($0)'?" }
            ?? "expected one of: \(names.joined(separator: ", "))"
        error(value, "unknown \(what) '\(s)'; \(hint)")
        return nil
    }

    /// A model kind of `ModelList`, with the closest one suggested on a miss.
    mutating func modelKind(_ value: YValue?) -> (any ModelDefinition.Type)? {
        guard let value, let s = string(value) else { return nil }
        if let definition = ModelList.named(s) { return definition }
        let names = ModelList.all.map { $0.kind }
        let hint =
            closest(to: s, in: names).map { "did you mean '\($0)'?" }
            ?? "expected one of: \(names.joined(separator: ", "))"
        error(value, "unknown model kind '\(s)'; \(hint)")
        return nil
    }

    // MARK: Ranges

    mutating func positiveInt(_ value: YValue?) -> Int? {
        guard let value, let i = int(value) else { return nil }
        guard i >= 1 else {
            error(value, "must be at least 1, got \(i)")
            return nil
        }
        return i
    }

    mutating func nonNegativeInt(_ value: YValue?) -> Int? {
        guard let value, let i = int(value) else { return nil }
        guard i >= 0 else {
            error(value, "must be at least 0, got \(i)")
            return nil
        }
        return i
    }

    mutating func positiveDouble(_ value: YValue?) -> Double? {
        guard let value, let d = double(value) else { return nil }
        guard d > 0 else {
            error(value, "must be > 0, got \(formatDouble(d))")
            return nil
        }
        return d
    }

    mutating func nonNegativeDouble(_ value: YValue?) -> Double? {
        guard let value, let d = double(value) else { return nil }
        guard d >= 0 else {
            error(value, "must be >= 0, got \(formatDouble(d))")
            return nil
        }
        return d
    }

    mutating func fraction(_ value: YValue?) -> Double? {
        guard let value, let d = double(value) else { return nil }
        guard (0...1).contains(d) else {
            error(value, "must be in [0, 1], got \(formatDouble(d))")
            return nil
        }
        return d
    }

    func isNull(_ value: YValue) -> Bool {
        if case .null = value.kind { return true }
        return false
    }
}

/// A finite decimal number (`0.1`, `1e-3`, `-2`, `.5`); no `inf`, `nan`, hex or underscores.
func parseDouble(_ s: String) -> Double? {
    let allowed = Set("0123456789+-.eE")
    guard !s.isEmpty, s.allSatisfy({ allowed.contains($0) }), s.contains(where: \.isNumber),
        let d = Double(s), d.isFinite
    else { return nil }
    return d
}

/// Experiment, template and strategy names: letters and digits, single `-`, `_` or `.` between
/// them (so `__` stays free to separate the parts of a run file's name).
func isValidName(_ name: String) -> Bool {
    guard let first = name.first, let last = name.last, first.isLetter || first.isNumber,
        last.isLetter || last.isNumber
    else { return false }
    var previousSeparator = false
    for ch in name {
        let isSeparator = ch == "-" || ch == "_" || ch == "."
        guard ch.isASCII, isSeparator || ch.isLetter || ch.isNumber else { return false }
        if isSeparator && previousSeparator { return false }
        previousSeparator = isSeparator
    }
    return true
}
