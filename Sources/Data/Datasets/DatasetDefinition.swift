/// One dataset, declared in one place: its names, image shape, class sizes, file format and
/// checksums, where `bench fetch` gets it, and its pixel density for the cost estimate. A new
/// dataset is a file with a `static let` of this type and one line in `DatasetList.all`; the
/// YAML reader, the readers, `bench data`, `bench fetch` and the estimates read it from here.
public struct DatasetDefinition: Sendable {
    /// How its files are stored.
    public enum Format: Sendable {
        /// Four gzip-compressed IDX files with LeCun's names (`DatasetFiles`).
        case idx
        /// CIFAR's binary batches.
        case cifar(CIFARFormat)
    }

    /// The folder name under a data directory, the YAML `benchmark.dataset` and `bench fetch`'s name.
    public let name: String
    /// The name as papers write it.
    public let displayName: String
    /// Channels × height × width of one image.
    public let imageShape: [Int]
    /// Training images of each class in the genuine files (whose checksums loading verifies),
    /// so sizes can be checked before any data is read.
    public let trainImagesPerClass: [Int]
    /// Test images of each class, likewise.
    public let testImagesPerClass: [Int]
    /// Superclasses a label file also holds (CIFAR-100's 20), or nil.
    public let coarseClassCount: Int?
    public let format: Format
    /// SHA-256 of the original uncompressed files, built in so that a corrupt copy is caught even
    /// when no `SHA256SUMS.uncompressed` sits beside the data (file name without `.gz` → hex).
    public let knownDigests: [String: String]
    /// The folder the official archive extracts to, also accepted in a data directory (a copy
    /// unpacked by hand with `tar xzf` is found as it is); nil when there is no archive.
    public let archiveFolderName: String?
    /// Where `bench fetch` downloads it from; nil for a dataset that ships in the repository.
    public let fetchSource: FetchSource?
    /// The fraction of non-zero pixels in its images, for the cost of the sparse first layer.
    public let inputDensity: Double
}

/// A dataset's name: the key of its `DatasetDefinition` in `DatasetList`. The raw value is the
/// folder name under a data directory and the name `bench fetch` and `benchmark.dataset` use.
public struct DatasetName: RawRepresentable, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    public let rawValue: String

    /// nil for a name `DatasetList` does not hold.
    public init?(rawValue: String) {
        guard DatasetList.all.contains(where: { $0.name == rawValue }) else { return nil }
        self.rawValue = rawValue
    }

    /// A name a dataset file declares (`DatasetName.mnist`).
    init(declared name: String) { rawValue = name }

    public static var allCases: [DatasetName] { DatasetList.all.map { DatasetName(declared: $0.name) } }

    public var definition: DatasetDefinition {
        guard let definition = DatasetList.all.first(where: { $0.name == rawValue }) else {
            preconditionFailure("no dataset '\(rawValue)'")
        }
        return definition
    }

    public var description: String { rawValue }
    public var displayName: String { definition.displayName }
    /// How many classes the labels range over (CIFAR-100: its fine labels).
    public var classCount: Int { definition.trainImagesPerClass.count }
    public var imageShape: [Int] { definition.imageShape }
    public var trainImagesPerClass: [Int] { definition.trainImagesPerClass }
    public var testImagesPerClass: [Int] { definition.testImagesPerClass }
    public var coarseClassCount: Int? { definition.coarseClassCount }
    public var knownDigests: [String: String] { definition.knownDigests }
    public var archiveFolderName: String? { definition.archiveFolderName }

    /// The files that must sit in a dataset's folder, in the order they are checked.
    public var fileNames: [String] {
        switch definition.format {
        case .idx: DatasetFiles().all
        case .cifar(let format): format.fileNames
        }
    }

    /// The four IDX file names that MNIST and Fashion-MNIST share (LeCun's names).
    /// For the CIFAR datasets see `fileNames`.
    public var files: DatasetFiles { DatasetFiles() }
}

/// The four gzip-compressed IDX files of an MNIST-style dataset.
public struct DatasetFiles: Sendable, Equatable {
    public let trainImages = "train-images-idx3-ubyte.gz"
    public let trainLabels = "train-labels-idx1-ubyte.gz"
    public let testImages = "t10k-images-idx3-ubyte.gz"
    public let testLabels = "t10k-labels-idx1-ubyte.gz"

    public var all: [String] { [trainImages, trainLabels, testImages, testLabels] }

    /// The name a checksum list uses for a file: the name without `.gz`.
    public static func uncompressedName(_ file: String) -> String {
        file.hasSuffix(".gz") ? String(file.dropLast(3)) : file
    }
}
