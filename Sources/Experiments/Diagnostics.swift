// Errors in experiment files: one line each, `FILE:LINE:COLUMN: FIELD: MESSAGE`.

/// A place in an experiment file; lines and columns are 1-based.
public struct SourceLocation: Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}

/// One problem found in an experiment file or a command-line selection.
///
/// Rendered as `FILE:LINE:COLUMN: FIELD: MESSAGE` when it has a location (FIELD is the dotted
/// path of the offending key as written in that file, e.g.
/// `experiments.permuted-mnist.strategies.gem.memory_strenght`), and as `FIELD: MESSAGE` when
/// it concerns the command line (e.g. `--suite splt: ...`).
public struct Diagnostic: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var location: SourceLocation?
    public var field: String
    public var message: String

    public init(location: SourceLocation?, field: String, message: String) {
        self.location = location
        self.field = field
        self.message = message
    }

    public var description: String {
        if let location { return "\(location): \(field): \(message)" }
        return "\(field): \(message)"
    }
}

/// Every problem found while loading experiments or planning runs, sorted by file and line.
public struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        var seen = Set<Diagnostic>()
        let unique = diagnostics.filter { seen.insert($0).inserted }
        // Located problems first, by file, line, column; command-line problems after, in order.
        let located = unique.filter { $0.location != nil }.sorted { $0.location! < $1.location! }
        self.diagnostics = located + unique.filter { $0.location == nil }
    }

    /// One diagnostic per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
public func closest(to word: String, in candidates: some Sequence<String>) -> String? {
    var best: (String, Int)?
    for candidate in candidates {
        let d = editDistance(word.lowercased(), candidate.lowercased())
        if best == nil || d < best!.1 || (d == best!.1 && candidate < best!.0) { best = (candidate, d) }
    }
    guard let (candidate, distance) = best else { return nil }
    let limit = max(2, min(word.count, candidate.count) / 3)
    return distance <= limit ? candidate : nil
}

/// `; did you mean 'X'?` or the empty string.
func suggestion(for word: String, in candidates: some Sequence<String>) -> String {
    closest(to: word, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
}

/// Levenshtein distance with adjacent transpositions counted as one edit.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[a.count][b.count]
}
