import Foundation

/// A `SHA256SUMS.uncompressed` file: lines `<sha256 hex>  <file name without .gz>`, the format
/// `sha256sum` writes (a `*` before the name, blank lines and `#` comments are accepted).
public struct ChecksumList: Sendable, Equatable {
    /// The conventional name of the file, looked for beside the data.
    public static let fileName = "SHA256SUMS.uncompressed"

    /// File name → lowercase hex digest.
    public let digests: [String: String]
    /// Where the list was read from (for error messages).
    public let path: String
    /// File name → the line (1-based) that lists it.
    public let lines: [String: Int]

    public init(digests: [String: String], path: String, lines: [String: Int] = [:]) {
        self.digests = digests
        self.path = path
        self.lines = lines
    }

    public init(contentsOfFile path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw DatasetError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        try self.init(parsing: text, path: path)
    }

    public init(parsing text: String, path: String) throws {
        var digests: [String: String] = [:]
        var lines: [String: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 2, ChecksumList.isSHA256Hex(parts[0]) else {
                throw DatasetError.malformedChecksumFile(path: path, line: index + 1, text: String(rawLine))
            }
            var name = parts[1].trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("*") { name.removeFirst() }
            guard !name.isEmpty else {
                throw DatasetError.malformedChecksumFile(path: path, line: index + 1, text: String(rawLine))
            }
            digests[name] = parts[0].lowercased()
            lines[name] = index + 1
        }
        self.init(digests: digests, path: path, lines: lines)
    }

    static func isSHA256Hex(_ text: Substring) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy {
                (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0)
            }
    }
}
