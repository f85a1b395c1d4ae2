/// Where `bench fetch` downloads a dataset from, and what the downloads must be.
public struct FetchSource: Sendable, Equatable {
    /// One file to download, with the digest its authors publish.
    public struct Download: Sendable, Equatable {
        public let url: String
        public let fileName: String
        public let md5: String
        /// The exact length in bytes when known; checked before the (slower) MD5.
        public let size: Int64?
    }

    /// What the downloads are.
    public enum Contents: Sendable, Equatable {
        /// One `.tar.gz` to unpack (CIFAR).
        case archive(ArchiveLayout)
        /// The downloaded files are the dataset's files as they are (Fashion-MNIST's four .gz).
        case files
    }

    public let downloads: [Download]
    public let contents: Contents

    /// The official source of `name`; nil for MNIST, which ships in the repository.
    ///
    /// Digests and sizes, each checked against a second public source:
    /// - CIFAR: the MD5s on the dataset page, https://www.cs.toronto.edu/~kriz/cifar.html (binary
    ///   version); the same digests and the byte sizes are the git-annex keys of the
    ///   datasets-mila/datasets--cifar10 and datasets--cifar100 mirrors (`md5sums`,
    ///   `MD5E-s170052171--c32a1d4a…`, `MD5E-s168513733--03b5dce0…`), and many loaders use them.
    /// - Fashion-MNIST: the "Get the Data" table of zalandoresearch/fashion-mnist's README (URLs
    ///   and MD5s of the .gz files); torchvision's `FashionMNIST.resources` lists the same.
    public static func official(_ name: DatasetName) -> FetchSource? {
        switch name {
        case .mnist:
            return nil
        case .cifar10:
            return cifar(CIFARFormat.official(.cifar10)!, url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                         md5: "c32a1d4ab5d03f1284b67883e8d87530", size: 170_052_171)
        case .cifar100:
            return cifar(CIFARFormat.official(.cifar100)!,
                         url: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
                         md5: "03b5dce01913d631647c71ecec9e9cb8", size: 168_513_733)
        case .fashionMNIST:
            // Zalando serves these over plain http only (an S3 website endpoint); the MD5 of
            // each file, and then the built-in SHA-256 of its contents, protect them.
            let base = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
            let files = DatasetFiles()
            let md5 = [files.trainImages: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                       files.trainLabels: "25c81989df183df01b3e8a0aad5dffbe",
                       files.testImages: "bef4ecab320f06d8554ea6380940ec79",
                       files.testLabels: "bb300cfdad3c16e7a12a480ee83cd310"]
            return FetchSource(downloads: files.all.map { Download(url: base + $0, fileName: $0, md5: md5[$0]!, size: nil) },
                               contents: .files)
        }
    }

    /// The same files from `mirror` (`<mirror>/<file name>`), e.g. a local copy of the archives;
    /// the published sizes and digests still apply.
    public func mirrored(at mirror: String) -> FetchSource {
        let base = mirror.hasSuffix("/") ? String(mirror.dropLast()) : mirror
        return FetchSource(downloads: downloads.map {
            Download(url: base + "/" + $0.fileName, fileName: $0.fileName, md5: $0.md5, size: $0.size)
        }, contents: contents)
    }

    /// A CIFAR archive at `url` holding the files of `format`. Tests pass a small format and a loopback URL.
    static func cifar(_ format: CIFARFormat, url: String, md5: String, size: Int64?) -> FetchSource {
        let name = String(url.split(separator: "/").last!)
        return FetchSource(downloads: [Download(url: url, fileName: name, md5: md5, size: size)],
                           contents: .archive(ArchiveLayout(cifar: format)))
    }
}

/// The members a dataset's `.tar.gz` holds: one top folder, its data files of known sizes, and
/// a few small text files. Anything else is refused.
public struct ArchiveLayout: Sendable, Equatable {
    /// The folder every member sits in (stripped when unpacking).
    public let folder: String
    /// Member name inside `folder` → exact size in bytes.
    public let required: [String: Int64]
    /// Member name inside `folder` → largest size accepted (label names, readme).
    public let optional: [String: Int64]

    /// The CIFAR archives' members (checked against listings of the real archives published with
    /// loaders that refuse anything else): CIFAR-10 `batches.meta.txt` and `readme.html` beside
    /// the six batches; CIFAR-100 `coarse_label_names.txt` and `fine_label_names.txt`.
    init(cifar format: CIFARFormat) {
        folder = format.dataset.archiveFolderName!
        required = Dictionary(uniqueKeysWithValues: format.fileNames.map { ($0, Int64(format.expectedSize(of: $0))) })
        let extras = format.dataset == .cifar10 ? ["batches.meta.txt", "readme.html"]
            : ["coarse_label_names.txt", "fine_label_names.txt"]
        optional = Dictionary(uniqueKeysWithValues: extras.map { ($0, Int64(1 << 20)) })
    }

    var memberNames: [String] { (required.keys.sorted() + optional.keys.sorted()).map { folder + "/" + $0 } }
}
