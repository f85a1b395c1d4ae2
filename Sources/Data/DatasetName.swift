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
    public var classCount: Int {
        switch self {
        case .mnist, .fashionMNIST: 10
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
