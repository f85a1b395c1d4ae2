import Foundation

/// Images and their labels: one IDX pair (MNIST-style) or the records of CIFAR binary files.
public struct ImageSet: Sendable {
    public let count: Int
    public let rows: Int
    public let cols: Int
    /// Colour planes per image: 1 for MNIST-style data, 3 (R, G, B) for CIFAR.
    public let channels: Int
    /// `count * channels * rows * cols` bytes, image after image; within an image channel-major
    /// (all of the first plane, then the next), each plane row-major (MNIST: 0 = background).
    public let pixels: [UInt8]
    /// `count` class labels (CIFAR-100: the fine label, 0...99).
    public let labels: [UInt8]
    /// CIFAR-100's superclass labels (0...19), one per image; nil for the other datasets.
    public let coarseLabels: [UInt8]?

    public init(
        count: Int, rows: Int, cols: Int, channels: Int = 1, pixels: [UInt8], labels: [UInt8],
        coarseLabels: [UInt8]? = nil
    ) {
        precondition(channels >= 1, "ImageSet: \(channels) channels")
        precondition(
            pixels.count == count * channels * rows * cols,
            "ImageSet: \(pixels.count) pixels for \(count)×\(channels)×\(rows)×\(cols)")
        precondition(labels.count == count, "ImageSet: \(labels.count) labels for \(count) images")
        precondition(coarseLabels.map { $0.count == count } ?? true, "ImageSet: coarse labels for another count")
        self.count = count
        self.rows = rows
        self.cols = cols
        self.channels = channels
        self.pixels = pixels
        self.labels = labels
        self.coarseLabels = coarseLabels
    }

    /// Bytes per image: `channels * rows * cols`.
    public var pixelsPerImage: Int { channels * rows * cols }

    /// The pixels of image `index` (channel-major).
    public func image(_ index: Int) -> ArraySlice<UInt8> {
        pixels[index * pixelsPerImage..<(index + 1) * pixelsPerImage]
    }

    /// Reads a pair of gzip-compressed IDX files, checking their structure (magic numbers, exact
    /// lengths, equal counts) but no checksums.
    public static func read(imagesAt imagesPath: String, labelsAt labelsPath: String) throws -> ImageSet {
        try read(
            images: readIDX(imagesPath, .images).file, labels: readIDX(labelsPath, .labels).file,
            imagesPath: imagesPath, labelsPath: labelsPath)
    }

    static func read(images: IDXFile, labels: IDXFile, imagesPath: String, labelsPath: String) throws -> ImageSet {
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DatasetError.countMismatch(
                imagesPath: imagesPath, imageCount: images.dimensions[0],
                labelsPath: labelsPath, labelCount: labels.dimensions[0])
        }
        return ImageSet(
            count: images.dimensions[0], rows: images.dimensions[1], cols: images.dimensions[2],
            pixels: images.payload, labels: labels.payload)
    }
}

/// A dataset's training and test sets, verified against reference checksums.
public struct LoadedDataset: Sendable {
    public let name: DatasetName
    public let train: ImageSet
    public let test: ImageSet
    /// Uncompressed file name (e.g. `train-images-idx3-ubyte`) → SHA-256 hex of its uncompressed bytes.
    public let checksums: [String: String]
    /// The absolute directory the files were read from.
    public let directory: String

    /// Assembles a dataset; for synthetic data in tests of later stages. Real data comes from `loadDataset`.
    public init(name: DatasetName, train: ImageSet, test: ImageSet, checksums: [String: String], directory: String) {
        self.name = name
        self.train = train
        self.test = test
        self.checksums = checksums
        self.directory = directory
    }
}

/// Finds `name` (see `DatasetLocator` for the search order) and loads it, once per process:
/// later calls for the same dataset and directory return the cached copy. Thread-safe;
/// concurrent first calls load the files once.
public func loadDataset(_ name: DatasetName, directory: String? = nil) throws -> LoadedDataset {
    let located = try DatasetLocator.locate(name, explicitDirectory: directory)
    return try DatasetCache.shared.dataset(name, in: located) { try readDataset(name, from: located) }
}

/// Reads and verifies the files of `name` in `directory`, bypassing the cache.
///
/// MNIST and Fashion-MNIST: each file exists, is gzip, decompresses, has the right IDX magic
/// number and exactly the length its header announces; image and label counts agree; train and
/// test images have one size. CIFAR: see `readCIFARDataset`. Then, for all, the SHA-256 of each
/// (uncompressed) file matches the `SHA256SUMS.uncompressed` beside the data (when present and
/// listing it) and the built-in digest of the original release.
public func readDataset(_ name: DatasetName, from directory: String) throws -> LoadedDataset {
    if let format = CIFARFormat.official(name) {
        return try readCIFARDataset(format, from: directory)
    }
    return try readIDXDataset(name, from: directory, builtInDigests: name.knownDigests)
}

/// The IDX reader behind `readDataset`; tests pass their own `builtInDigests` for synthetic files.
func readIDXDataset(
    _ name: DatasetName, from directory: String,
    builtInDigests: [String: String]
) throws -> LoadedDataset {
    let directory = absolute(directory, relativeTo: FileManager.default.currentDirectoryPath)
    let files = name.files
    for file in files.all where !DatasetLocator.isFile(join(directory, file)) {
        throw DatasetError.missingFile(path: join(directory, file), dataset: name, searched: [directory])
    }
    var checksums: [String: String] = [:]
    func read(_ file: String, _ kind: IDXKind) throws -> IDXFile {
        let (idx, digest) = try readIDX(join(directory, file), kind)
        checksums[DatasetFiles.uncompressedName(file)] = digest
        return idx
    }
    let path = { (file: String) in join(directory, file) }
    let train = try ImageSet.read(
        images: read(files.trainImages, .images), labels: read(files.trainLabels, .labels),
        imagesPath: path(files.trainImages), labelsPath: path(files.trainLabels))
    let test = try ImageSet.read(
        images: read(files.testImages, .images), labels: read(files.testLabels, .labels),
        imagesPath: path(files.testImages), labelsPath: path(files.testLabels))
    guard train.rows == test.rows, train.cols == test.cols else {
        throw DatasetError.shapeMismatch(
            trainPath: path(files.trainImages), trainShape: [train.rows, train.cols],
            testPath: path(files.testImages), testShape: [test.rows, test.cols])
    }
    try verifySHA256(checksums, of: name, files: files.all, builtIn: builtInDigests, in: directory)
    return LoadedDataset(name: name, train: train, test: test, checksums: checksums, directory: directory)
}

/// Decompresses and parses one IDX file; returns it with the SHA-256 of its uncompressed bytes.
func readIDX(_ path: String, _ kind: IDXKind) throws -> (file: IDXFile, sha256: String) {
    let bytes = try IDXFile.decompress(atPath: path, expecting: kind)
    let digest = SHA256.hexDigest(bytes)
    return (try IDXFile(parsing: bytes, expecting: kind, path: path), digest)
}

/// Checks `checksums` (uncompressed name → SHA-256) against the list beside the data, then
/// against `builtIn`.
func verifySHA256(
    _ checksums: [String: String], of name: DatasetName, files: [String],
    builtIn: [String: String], in directory: String
) throws {
    // The list beside the data first (it is what the user sees), then the built-in digests.
    let listPath = join(directory, ChecksumList.fileName)
    if DatasetLocator.isFile(listPath) {
        let list = try ChecksumList(contentsOfFile: listPath)
        for file in files {
            let key = DatasetFiles.uncompressedName(file)
            if let expected = list.digests[key], expected != checksums[key] {
                if name.knownDigests[key] == checksums[key] {  // the data is the original: the list is wrong
                    throw DatasetError.wrongChecksumListEntry(
                        listPath: listPath, line: list.lines[key] ?? 0, file: key,
                        listed: expected, actual: checksums[key]!)
                }
                throw DatasetError.checksumMismatch(
                    path: join(directory, file), got: checksums[key]!,
                    expected: expected, reference: "listed in \(listPath)")
            }
        }
    }
    for file in files {
        let key = DatasetFiles.uncompressedName(file)
        let got = checksums[key]!
        if let expected = builtIn[key], expected != got {
            var reference = "built-in digest of the original \(name.displayName) \(key)"
            if let other = DatasetName.allCases.first(where: { $0 != name && $0.knownDigests[key] == got }) {
                reference += "; these bytes are \(other.displayName)'s \(key)"
            }
            throw DatasetError.checksumMismatch(
                path: join(directory, file), got: got, expected: expected,
                reference: reference)
        }
    }
}

/// The process-wide cache behind `loadDataset`, keyed by dataset and directory (symlinks resolved).
public final class DatasetCache: Sendable {
    public static let shared = DatasetCache()
    private let cache = BuildOnceCache<LoadedDataset>()

    public init() {}

    /// The cached dataset, or the result of `load`, which then is cached. Errors are not cached.
    public func dataset(
        _ name: DatasetName, in directory: String,
        load: () throws -> LoadedDataset
    ) throws -> LoadedDataset {
        let key = name.rawValue + "\u{0}" + URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        return try cache.value(key, build: load)
    }

    /// Forgets every cached dataset (their memory is freed once no caller holds them).
    public func removeAll() { cache.removeAll() }
}
