import Foundation

/// The binary version of CIFAR-10 and CIFAR-100 (https://www.cs.toronto.edu/~kriz/cifar.html):
/// files of fixed-length records with no header. A record is the label byte(s), then 3072
/// pixel bytes: the 1024 red values of the 32×32 image (row-major), then the 1024 green, then
/// the 1024 blue. CIFAR-10 has one label byte (0...9); CIFAR-100 two: the coarse label
/// (0...19), then the fine label (0...99).
public struct CIFARFormat: Sendable, Equatable {
    public static let rows = 32
    public static let cols = 32
    public static let channels = 3
    public static let pixelBytes = rows * cols * channels

    public let dataset: DatasetName
    public let trainFiles: [String]
    public let testFile: String
    /// 1 (CIFAR-10) or 2 (CIFAR-100: coarse, then fine).
    public let labelBytes: Int
    /// Records in each training file and in the test file: the real files hold 10,000 per
    /// CIFAR-10 batch (50,000 in all) and 50,000 / 10,000 for CIFAR-100. Tests shrink them.
    public internal(set) var recordsPerTrainFile: Int
    public internal(set) var testRecords: Int
    /// File name → MD5 (hex) of the original file; a file without an entry is not checked.
    public internal(set) var md5: [String: String]

    public var recordBytes: Int { labelBytes + CIFARFormat.pixelBytes }
    public var fileNames: [String] { trainFiles + [testFile] }
    public var trainRecords: Int { recordsPerTrainFile * trainFiles.count }

    func records(in file: String) -> Int { file == testFile ? testRecords : recordsPerTrainFile }
    func expectedSize(of file: String) -> Int { records(in: file) * recordBytes }

    /// The layout of the official files (`DatasetDefinition.format`); nil for a dataset that is
    /// not CIFAR.
    public static func official(_ name: DatasetName) -> CIFARFormat? {
        guard case .cifar(let format) = name.definition.format else { return nil }
        return format
    }
}

/// Reads and verifies a CIFAR dataset's files in `directory`.
///
/// Checks, in order: every file exists and has exactly `records × record size` bytes (before
/// any is read); every label is in range (CIFAR-100: coarse and fine); the SHA-256 matches a
/// `SHA256SUMS.uncompressed` beside the data when there is one; the MD5 matches the digest of
/// the original file. `checksums` holds each file's SHA-256, as for the IDX datasets.
func readCIFARDataset(_ format: CIFARFormat, from directory: String) throws -> LoadedDataset {
    let directory = absolute(directory, relativeTo: FileManager.default.currentDirectoryPath)
    let name = format.dataset
    for file in format.fileNames {
        let path = join(directory, file)
        guard DatasetLocator.isFile(path) else {
            throw DatasetError.missingFile(path: path, dataset: name, searched: [directory])
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
        try checkSize(size, of: file, at: path, format)
    }
    var checksums: [String: String] = [:]
    var md5: [String: String] = [:]
    let train = try readRecords(format.trainFiles, format, directory, &checksums, &md5)
    let test = try readRecords([format.testFile], format, directory, &checksums, &md5)
    try verifySHA256(checksums, of: name, files: format.fileNames, builtIn: name.knownDigests, in: directory)
    for file in format.fileNames {
        if let expected = format.md5[file], md5[file] != expected {
            throw DatasetError.md5Mismatch(
                path: join(directory, file), got: md5[file]!, expected: expected,
                reference: "MD5 of the original \(name.displayName) \(file)")
        }
    }
    return LoadedDataset(name: name, train: train, test: test, checksums: checksums, directory: directory)
}

private func checkSize(_ size: Int, of file: String, at path: String, _ format: CIFARFormat) throws {
    guard size == format.expectedSize(of: file) else {
        throw DatasetError.wrongRecordFileSize(
            path: path, dataset: format.dataset, got: size,
            records: format.records(in: file), recordBytes: format.recordBytes)
    }
}

/// The records of `files`, one after another, split into labels and channel-major pixels.
private func readRecords(
    _ files: [String], _ format: CIFARFormat, _ directory: String,
    _ checksums: inout [String: String], _ md5: inout [String: String]
) throws -> ImageSet {
    let count = files.reduce(0) { $0 + format.records(in: $1) }
    let pixelBytes = CIFARFormat.pixelBytes
    let fineClasses = format.dataset.classCount
    let coarseClasses = format.dataset.coarseClassCount ?? 0
    var pixels = [UInt8](repeating: 0, count: count * pixelBytes)
    var labels = [UInt8](repeating: 0, count: count)
    var coarse = [UInt8](repeating: 0, count: format.labelBytes == 2 ? count : 0)
    var first = 0
    for file in files {
        let path = join(directory, file)
        let bytes = try Gzip.readFile(atPath: path)
        try checkSize(bytes.count, of: file, at: path, format)  // again: the file may have changed since
        let records = format.records(in: file)
        try bytes.withUnsafeBytes { raw in
            for r in 0..<records {
                let record = raw.baseAddress! + r * format.recordBytes
                let fine = record.load(fromByteOffset: format.labelBytes - 1, as: UInt8.self)
                if format.labelBytes == 2 {
                    let superclass = record.load(as: UInt8.self)
                    guard Int(superclass) < coarseClasses else {
                        throw DatasetError.labelOutOfRange(
                            path: path, record: r, offset: r * format.recordBytes,
                            kind: "coarse label", got: Int(superclass),
                            classes: coarseClasses)
                    }
                    coarse[first + r] = superclass
                }
                guard Int(fine) < fineClasses else {
                    throw DatasetError.labelOutOfRange(
                        path: path, record: r,
                        offset: r * format.recordBytes + format.labelBytes - 1,
                        kind: format.labelBytes == 2 ? "fine label" : "label",
                        got: Int(fine), classes: fineClasses)
                }
                labels[first + r] = fine
                // One block copy per record: the file is already channel-major per image.
                pixels.withUnsafeMutableBytes { out in
                    (out.baseAddress! + (first + r) * pixelBytes)
                        .copyMemory(from: record + format.labelBytes, byteCount: pixelBytes)
                }
            }
            checksums[file] = SHA256.hexDigest(raw)
            md5[file] = MD5.hexDigest(raw)
        }
        first += records
    }
    return ImageSet(
        count: count, rows: CIFARFormat.rows, cols: CIFARFormat.cols, channels: CIFARFormat.channels,
        pixels: pixels, labels: labels, coarseLabels: format.labelBytes == 2 ? coarse : nil)
}
