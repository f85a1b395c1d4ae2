// A YAML tree that remembers, for every value, the file, line and dotted path it was written at.
// Yams' decoder ignores unknown keys and loses positions, so the registry walks this tree itself.

import Yams

/// A parsed YAML value with its origin. Values keep their origin through inheritance merges,
/// so an error in an inherited value points at the line where it was written.
struct YValue: Sendable {
    enum Kind: Sendable {
        case null
        /// A scalar's text; `plain` is false for quoted scalars, which are always strings.
        case scalar(String, plain: Bool)
        case mapping([YEntry])
        case sequence([YValue])
    }

    var kind: Kind
    var location: SourceLocation
    /// Dotted path from the root of the file it was written in, e.g. `experiments.split.optimizer.lr`.
    var path: String
    /// True for a null written out as `null` or `~` (not an empty value).
    var isExplicitNull = false

    var entries: [YEntry]? {
        if case .mapping(let entries) = kind { return entries }
        return nil
    }

    subscript(key: String) -> YValue? { entries?.first { $0.key == key }?.value }

    /// A scalar's text, nil for other values.
    var scalarText: String? {
        if case .scalar(let s, _) = kind { return s }
        return nil
    }

    /// The value as YAML shows it, for messages.
    var display: String {
        switch kind {
        case .null: return "null"
        case .scalar(let s, let plain): return plain ? s : "'\(s)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    var typeName: String {
        switch kind {
        case .null: return "null"
        case .scalar(let s, let plain):
            if plain, Int(s) != nil { return "an integer" }
            if plain, Double(s) != nil { return "a number" }
            return "a string"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}

struct YEntry: Sendable {
    var key: String
    var keyLocation: SourceLocation
    var value: YValue
}

func child(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

/// The most values one experiment file may hold once its aliases are expanded. The shipped
/// files hold a few hundred; nested aliases (`b: [*a, *a, ...]`, then `c: [*b, *b, ...]`)
/// multiply with every level, and a 620-byte file can expand to 10^9 values.
let maximumYAMLValueCount = 100_000

/// Parses `text` into a located tree; syntax errors become diagnostics with Yams' line:column.
func parseYAML(_ text: String, file: String) -> (YValue?, [Diagnostic]) {
    do {
        guard let node = try Yams.compose(yaml: text) else { return (nil, []) }
        var diagnostics: [Diagnostic] = []
        var budget = maximumYAMLValueCount
        let value = convert(node, file: file, path: "", budget: &budget, diagnostics: &diagnostics)
        if budget < 0 { return (nil, diagnostics) }
        return (value, diagnostics)
    } catch let error as YamlError {
        return (nil, [syntaxDiagnostic(error, file: file)])
    } catch {
        return (
            nil,
            [
                Diagnostic(
                    location: SourceLocation(file: file, line: 1, column: 1), field: "syntax",
                    message: "\(error)")
            ]
        )
    }
}

private func syntaxDiagnostic(_ error: YamlError, file: String) -> Diagnostic {
    func located(_ mark: Mark, _ message: String) -> Diagnostic {
        located(line: mark.line, column: mark.column, message)
    }
    func located(line: Int, column: Int, _ message: String) -> Diagnostic {
        Diagnostic(
            location: SourceLocation(file: file, line: line, column: column), field: "syntax",
            message: message)
    }
    func context(_ c: YamlError.Context?) -> String {
        guard let c else { return "" }
        return " (\(c.text) at line \(c.mark.line), column \(c.mark.column))"
    }
    switch error {
    case .scanner(let ctx, let problem, let mark, _), .parser(let ctx, let problem, let mark, _),
        .composer(let ctx, let problem, let mark, _):
        return located(mark, "invalid YAML: \(problem)\(context(ctx))")
    case .duplicatedKeysInMapping(let duplicates, let ctx):
        let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
        return located(ctx.mark, "duplicate key \(keys) in one mapping")
    case .reader(let problem, let offset, _, let yaml):
        var line = 1
        var column = 1
        if let offset {
            for (i, ch) in yaml.utf8.enumerated() where i < offset {
                if ch == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
        }
        return located(line: line, column: column, "unreadable YAML: \(problem)")
    default:
        return located(line: 1, column: 1, "invalid YAML: \(error)")
    }
}

/// `budget` counts down the values still allowed; when it runs out, one diagnostic is added
/// (at the value where it ran out) and the rest of the tree is skipped.
private func convert(
    _ node: Node, file: String, path: String, budget: inout Int,
    diagnostics: inout [Diagnostic]
) -> YValue {
    let location = SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    budget -= 1
    guard budget >= 0 else {
        if budget == -1 {
            diagnostics.append(
                Diagnostic(
                    location: location, field: path.isEmpty ? "(root)" : path,
                    message: "the file expands to more than \(maximumYAMLValueCount) values "
                        + "(aliases nested in aliases?); experiment files hold a few hundred"))
        }
        return YValue(kind: .null, location: location, path: path)
    }
    switch node {
    case .scalar(let scalar):
        let plain = scalar.style == .plain || scalar.style == .any
        if plain, node.null != nil {
            return YValue(kind: .null, location: location, path: path, isExplicitNull: !scalar.string.isEmpty)
        }
        return YValue(kind: .scalar(scalar.string, plain: plain), location: location, path: path)
    case .mapping(let mapping):
        var entries: [YEntry] = []
        for (keyNode, valueNode) in mapping {
            let keyLocation =
                keyNode.mark.map { SourceLocation(file: file, line: $0.line, column: $0.column) }
                ?? location
            guard case .scalar(let keyScalar) = keyNode else {
                diagnostics.append(
                    Diagnostic(
                        location: keyLocation, field: path.isEmpty ? "(root)" : path,
                        message: "keys must be plain names, not a list or mapping"))
                continue
            }
            let key = keyScalar.string
            let value = convert(
                valueNode, file: file, path: child(path, key), budget: &budget, diagnostics: &diagnostics)
            if budget < 0 { break }
            entries.append(YEntry(key: key, keyLocation: keyLocation, value: value))
        }
        return YValue(kind: .mapping(entries), location: location, path: path)
    case .sequence(let sequence):
        var items: [YValue] = []
        for (i, item) in sequence.enumerated() {
            items.append(convert(item, file: file, path: "\(path)[\(i)]", budget: &budget, diagnostics: &diagnostics))
            if budget < 0 { break }
        }
        return YValue(kind: .sequence(items), location: location, path: path)
    case .alias:  // Yams' composer expands aliases; kept for completeness
        diagnostics.append(
            Diagnostic(
                location: location, field: path.isEmpty ? "(root)" : path,
                message: "YAML aliases are not supported; use 'extends' to share settings"))
        return YValue(kind: .null, location: location, path: path)
    }
}

/// `child` over `parent`: mappings merge key by key (recursively), anything else is replaced.
/// Inside a mapping under the key `strategies`, an explicit `null` (`~`) removes the parent's entry
/// of that label (a new label written as `null` is a strategy without parameters).
func merge(parent: YValue, child: YValue, key: String? = nil) -> YValue {
    guard let parentEntries = parent.entries, let childEntries = child.entries else { return child }
    // a model of another kind is a new model: nothing of the inherited one applies to it
    if key == "model", let kind = child["kind"]?.scalarText, kind != (parent["kind"]?.scalarText ?? "mlp") {
        return child
    }
    var result = parentEntries
    for entry in childEntries {
        if let i = result.firstIndex(where: { $0.key == entry.key }) {
            if key == "strategies", entry.value.isExplicitNull {
                result.remove(at: i)
            } else {
                var merged = entry
                merged.value = merge(parent: result[i].value, child: entry.value, key: entry.key)
                result[i] = merged
            }
        } else {
            result.append(entry)
        }
    }
    return YValue(kind: .mapping(result), location: child.location, path: child.path)
}
