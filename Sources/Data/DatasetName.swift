/// The datasets GEMBench can load. The raw value is the folder name under a data directory.
public enum DatasetName: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case mnist
    case fashionMNIST = "fashion-mnist"

    /// The name as papers write it.
    public var displayName: String {
        switch self {
        case .mnist: "MNIST"
        case .fashionMNIST: "Fashion-MNIST"
        }
    }

    public var description: String { rawValue }

    /// Number of classes (labels 0 ..< classCount).
    public var classCount: Int { trainImagesPerClass.count }

    /// Channels × height × width of one image.
    public var imageShape: [Int] {
        switch self {
        case .mnist, .fashionMNIST: [1, 28, 28]
        }
    }

    /// Training images of each class in the genuine files (whose checksums loading verifies),
    /// so sizes can be checked before any data is read. MNIST's from numpy.bincount over the
    /// label files; Fashion-MNIST is balanced.
    public var trainImagesPerClass: [Int] {
        switch self {
        case .mnist: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
        case .fashionMNIST: [Int](repeating: 6000, count: 10)
        }
    }

    /// Test images of each class, likewise.
    public var testImagesPerClass: [Int] {
        switch self {
        case .mnist: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
        case .fashionMNIST: [Int](repeating: 1000, count: 10)
        }
    }

    /// Both datasets use LeCun's file names.
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
