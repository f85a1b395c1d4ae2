/// The datasets GEMBench can load. The raw value is the folder name under a data directory
/// and the name `bench fetch` and the YAML `benchmark.dataset` key use.
public enum DatasetName: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case mnist
    case fashionMNIST = "fashion-mnist"
    case cifar10
    case cifar100

    /// The name as papers write it.
    public var displayName: String {
        switch self {
        case .mnist: "MNIST"
        case .fashionMNIST: "Fashion-MNIST"
        case .cifar10: "CIFAR-10"
        case .cifar100: "CIFAR-100"
        }
    }

    public var description: String { rawValue }

    /// How many classes the labels range over (CIFAR-100: its fine labels).
    public var classCount: Int { trainImagesPerClass.count }

    /// Channels × height × width of one image.
    public var imageShape: [Int] {
        switch self {
        case .mnist, .fashionMNIST: [1, 28, 28]
        case .cifar10, .cifar100: [3, 32, 32]
        }
    }

    /// Training images of each class in the genuine files (whose checksums loading verifies),
    /// so sizes can be checked before any data is read. MNIST's from numpy.bincount over the
    /// label files; Fashion-MNIST and CIFAR are balanced.
    public var trainImagesPerClass: [Int] {
        switch self {
        case .mnist: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
        case .fashionMNIST: [Int](repeating: 6000, count: 10)
        case .cifar10: [Int](repeating: 5000, count: 10)
        case .cifar100: [Int](repeating: 500, count: 100)
        }
    }

    /// Test images of each class, likewise.
    public var testImagesPerClass: [Int] {
        switch self {
        case .mnist: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
        case .fashionMNIST: [Int](repeating: 1000, count: 10)
        case .cifar10: [Int](repeating: 1000, count: 10)
        case .cifar100: [Int](repeating: 100, count: 100)
        }
    }

    /// CIFAR-100's 20 superclasses (`ImageSet.coarseLabels`); nil for the others.
    public var coarseClassCount: Int? { self == .cifar100 ? 20 : nil }

    /// The files that must sit in a dataset's folder, in the order they are checked.
    public var fileNames: [String] {
        switch self {
        case .mnist, .fashionMNIST: DatasetFiles().all
        case .cifar10, .cifar100: CIFARFormat.official(self)!.fileNames
        }
    }

    /// The four IDX file names that MNIST and Fashion-MNIST share (LeCun's names).
    /// For the CIFAR datasets see `fileNames`.
    public var files: DatasetFiles { DatasetFiles() }

    /// The folder name the official archive extracts to, also accepted in a data directory
    /// (so a copy unpacked by hand with `tar xzf` is found as it is).
    public var archiveFolderName: String? {
        switch self {
        case .mnist, .fashionMNIST: nil
        case .cifar10: "cifar-10-batches-bin"
        case .cifar100: "cifar-100-binary"
        }
    }
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
