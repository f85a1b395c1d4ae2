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

    /// The official source of `name` (`DatasetDefinition.fetchSource`); nil for MNIST, which ships
    /// in the repository.
    public static func official(_ name: DatasetName) -> FetchSource? { name.definition.fetchSource }

    /// The same files from `mirror` (`<mirror>/<file name>`), e.g. a local copy of the archives;
    /// the published sizes and digests still apply.
    public func mirrored(at mirror: String) -> FetchSource {
        let base = mirror.hasSuffix("/") ? String(mirror.dropLast()) : mirror
        return FetchSource(
            downloads: downloads.map {
                Download(url: base + "/" + $0.fileName, fileName: $0.fileName, md5: $0.md5, size: $0.size)
            }, contents: contents)
    }

    /// A CIFAR archive at `url` holding the files of `format` in `folder`. Tests pass a small
    /// format and a loopback URL.
    static func cifar(_ format: CIFARFormat, folder: String, url: String, md5: String, size: Int64?) -> FetchSource {
        let name = String(url.split(separator: "/").last!)
        return FetchSource(
            downloads: [Download(url: url, fileName: name, md5: md5, size: size)],
            contents: .archive(ArchiveLayout(cifar: format, folder: folder)))
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
    init(cifar format: CIFARFormat, folder: String) {
        self.folder = folder
        required = Dictionary(uniqueKeysWithValues: format.fileNames.map { ($0, Int64(format.expectedSize(of: $0))) })
        let extras =
            format.dataset == .cifar10
            ? ["batches.meta.txt", "readme.html"]
            : ["coarse_label_names.txt", "fine_label_names.txt"]
        optional = Dictionary(uniqueKeysWithValues: extras.map { ($0, Int64(1 << 20)) })
    }

    var memberNames: [String] { (required.keys.sorted() + optional.keys.sorted()).map { folder + "/" + $0 } }
}
