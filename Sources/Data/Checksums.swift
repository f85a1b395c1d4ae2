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
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) }
    }
}

extension DatasetName {
    /// SHA-256 of the original uncompressed files, built in so that a corrupt copy is caught
    /// even when no `SHA256SUMS.uncompressed` sits beside the data.
    ///
    /// MNIST: the digests of LeCun's original files (as in `Data/mnist/SHA256SUMS.uncompressed`).
    /// Fashion-MNIST: computed once, with `zcat <file>.gz | sha256sum`, from Debian's
    /// `dataset-fashion-mnist` package (/usr/share/datasets/fashion-mnist), whose contents match
    /// Zalando's release (60000/10000 images, 6000/1000 of each class, first training label 9).
    /// CIFAR: none (no SHA-256 of the extracted files is published; `CIFARFormat.md5` holds the
    /// MD5 digests that are).
    public var knownDigests: [String: String] {
        switch self {
        case .mnist:
            [
                "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            ]
        case .fashionMNIST:
            [
                "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            ]
        case .cifar10, .cifar100:
            [:]
        }
    }
}
