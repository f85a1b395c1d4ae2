/// Everything that can go wrong while finding, decompressing, parsing or verifying a dataset.
///
/// Every message names the file involved and says what was expected, so a user who sees it
/// knows which file to replace and where to point the tool instead.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A required file does not exist. `searched` lists every directory that was tried, in order.
    case missingFile(path: String, dataset: DatasetName?, searched: [String])
    /// The file exists but could not be read (permissions, a directory in its place, ...).
    case unreadableFile(path: String, reason: String)
    /// The file does not start with the gzip magic bytes 1f 8b.
    case notGzip(path: String, firstBytes: [UInt8])
    /// zlib rejected the compressed stream, or it ended before the gzip trailer.
    case decompressionFailed(path: String, reason: String)
    /// The IDX magic number is not the one this file must have.
    case wrongMagic(path: String, got: UInt32, expected: UInt32)
    /// The uncompressed file is shorter (truncated) or longer (trailing data) than its header says.
    case wrongSize(path: String, got: Int, expected: Int)
    /// The SHA-256 of the uncompressed bytes differs from the reference digest.
    /// `reference` says where the expected digest came from.
    case checksumMismatch(path: String, got: String, expected: String, reference: String)
    /// An image file and its label file disagree on the number of examples.
    case countMismatch(imagesPath: String, imageCount: Int, labelsPath: String, labelCount: Int)
    /// The training and test images have different sizes.
    case shapeMismatch(trainPath: String, trainShape: [Int], testPath: String, testShape: [Int])
    /// A line of a `SHA256SUMS.uncompressed` file is not `<64 hex digits>  <file name>`.
    case malformedChecksumFile(path: String, line: Int, text: String)
    /// A CIFAR file does not hold exactly `records` records of `recordBytes` bytes.
    case wrongRecordFileSize(path: String, dataset: DatasetName, got: Int, records: Int, recordBytes: Int)
    /// A CIFAR record's label byte (at `offset` in the file) is not below the class count.
    case labelOutOfRange(path: String, record: Int, offset: Int, kind: String, got: Int, classes: Int)
    /// The MD5 of a file differs from the digest its authors published. `reference` names it.
    case md5Mismatch(path: String, got: String, expected: String, reference: String)
    /// A gzip file decompresses to more than the `limit` bytes expected of it (a damaged file,
    /// another file, or a decompression bomb); decompression stopped there.
    case decompressedTooLarge(path: String, limit: Int)
    /// An IDX header whose dimensions declare more data than any dataset read here holds.
    case implausibleDimensions(path: String, dimensions: [Int], limit: Int)
    /// A `SHA256SUMS.uncompressed` line lists a digest that differs from the file's, while the
    /// file matches the built-in digest of the original release: the list is wrong, not the data.
    case wrongChecksumListEntry(listPath: String, line: Int, file: String, listed: String, actual: String)

    public var description: String {
        switch self {
        case .missingFile(let path, let dataset, let searched):
            let what = dataset.map { "\($0.displayName) file" } ?? "file"
            var lines = ["Missing \(what): \(path)"]
            if let dataset {
                lines.append("  Expected the files \(dataset.fileNames.joined(separator: ", ")).")
            }
            let others = searched.filter { $0 != parent(path) }
            if !others.isEmpty {
                lines.append("  Also looked in: \(others.joined(separator: ", ")).")
            }
            let folder = dataset.map { "\($0.rawValue)/" } ?? "mnist/ and fashion-mnist/"
            lines.append(
                "  Point elsewhere with --data-dir <dir> or \(DatasetLocator.environmentVariable)=<dir>"
                    + " (a directory holding \(folder), or the files directly).")
            if dataset == .fashionMNIST {
                lines.append(
                    "  Fashion-MNIST is packaged by Debian/Ubuntu: apt-get install dataset-fashion-mnist"
                        + " (installs \(DatasetLocator.systemFashionMNISTDirectory)).")
            }
            if let dataset, FetchSource.official(dataset) != nil {
                lines.append(
                    "  Download it with: swift run bench fetch \(dataset.rawValue)"
                        + " (add --data-dir <dir> to put it elsewhere than Data/\(dataset.rawValue)).")
            }
            return lines.joined(separator: "\n")
        case .unreadableFile(let path, let reason):
            return "Cannot read \(path): \(reason) (expected a readable gzip-compressed IDX file)."
        case .notGzip(let path, let firstBytes):
            let got = firstBytes.isEmpty ? "an empty file" : "first bytes \(hexBytes(firstBytes))"
            var message = "Not a gzip file: \(path): got \(got), expected 1f 8b (gzip magic)."
            if firstBytes.starts(with: [0, 0, 8]) {
                message += " It looks like an uncompressed IDX file; compress it with `gzip -n`."
            }
            return message
        case .decompressionFailed(let path, let reason):
            return "Cannot decompress \(path): \(reason) (expected one complete gzip stream)."
        case .wrongMagic(let path, let got, let expected):
            var message =
                "Wrong IDX magic number in \(path): got \(hex32(got)), expected \(hex32(expected))"
                + " (\(IDXKind(magic: expected)?.summary ?? "IDX"))."
            if let kind = IDXKind(magic: got) {
                message += " It looks like \(kind.noun) instead."
            }
            return message
        case .wrongSize(let path, let got, let expected):
            if got < expected {
                return "Truncated IDX file \(path): got \(got) bytes after decompression, expected \(expected)"
                    + " (header plus payload)."
            }
            let extra = got - expected
            return "IDX file \(path) has \(extra) trailing byte\(extra == 1 ? "" : "s"): got \(got) bytes after"
                + " decompression, expected \(expected) (header plus payload)."
        case .checksumMismatch(let path, let got, let expected, let reference):
            return "Checksum mismatch for \(path): SHA-256 of the uncompressed bytes is \(got), expected \(expected)"
                + " (\(reference)). The file is corrupt or is not the file it is named after; replace it."
        case .countMismatch(let imagesPath, let imageCount, let labelsPath, let labelCount):
            return "Image/label count mismatch: \(imagesPath) holds \(imageCount) images but \(labelsPath)"
                + " holds \(labelCount) labels; expected the same count in both."
        case .shapeMismatch(let trainPath, let trainShape, let testPath, let testShape):
            return "Image size mismatch: \(trainPath) holds \(shapeText(trainShape)) images but \(testPath) holds"
                + " \(shapeText(testShape)) images; expected the same size in both."
        case .malformedChecksumFile(let path, let line, let text):
            return "Malformed line \(line) in \(path): \"\(text)\"; expected `<64 hex digits>  <file name>`."
        case .wrongRecordFileSize(let path, let dataset, let got, let records, let recordBytes):
            let expected = records * recordBytes
            let what = got % recordBytes == 0 ? "\(got / recordBytes) records" : "not a whole number of records"
            return
                "Wrong size for \(dataset.displayName) file \(path): got \(got) bytes (\(what)), expected \(expected)"
                + " (\(records) records of \(recordBytes) bytes: \(recordBytes - CIFARFormat.pixelBytes) label"
                + " byte\(recordBytes - CIFARFormat.pixelBytes == 1 ? "" : "s") + \(CIFARFormat.pixelBytes) pixel bytes)."
                + " The file is truncated, padded or not the file it is named after; replace it."
        case .labelOutOfRange(let path, let record, let offset, let kind, let got, let classes):
            return "Label out of range in \(path): record \(record) (byte \(offset)) has \(kind) \(got),"
                + " expected 0...\(classes - 1). The file is corrupt or not the file it is named after; replace it."
        case .md5Mismatch(let path, let got, let expected, let reference):
            return "Checksum mismatch for \(path): MD5 is \(got), expected \(expected) (\(reference))."
                + " The file is corrupt or is not the file it is named after; replace it."
        case .decompressedTooLarge(let path, let limit):
            return "Cannot decompress \(path): it decompresses to more than \(limit) bytes, the size expected of it"
                + " (an IDX file holds exactly what its header declares); decompression stopped there."
                + " The file is damaged or is not the file it is named after; replace it."
        case .implausibleDimensions(let path, let dimensions, let limit):
            return "Implausible IDX header in \(path): dimensions \(shapeText(dimensions)) declare more than"
                + " \(limit) bytes of data, the most a dataset file read here may hold. The file is damaged; replace it."
        case .wrongChecksumListEntry(let listPath, let line, let file, let listed, let actual):
            return "Wrong digest on line \(line) of \(listPath): it lists \(listed) for \(file), but the file's"
                + " SHA-256 is \(actual), the digest of the original release (built in). The data is genuine;"
                + " correct or remove that line."
        }
    }
}

func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}

private func hexBytes(_ bytes: [UInt8]) -> String {
    bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ")
}

private func shapeText(_ shape: [Int]) -> String {
    shape.map(String.init).joined(separator: "×")
}
