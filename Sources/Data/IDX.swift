/// The two IDX layouts MNIST-style datasets use: unsigned bytes (type code 0x08) with three
/// dimensions (images) or one (labels). Header: magic, then one big-endian UInt32 per dimension.
public enum IDXKind: Sendable {
    case images
    case labels

    public var magic: UInt32 {
        switch self {
        case .images: 0x0000_0803
        case .labels: 0x0000_0801
        }
    }

    var dimensionCount: Int {
        switch self {
        case .images: 3
        case .labels: 1
        }
    }

    var summary: String {
        switch self {
        case .images: "IDX images: unsigned bytes, 3 dimensions"
        case .labels: "IDX labels: unsigned bytes, 1 dimension"
        }
    }

    var noun: String {
        switch self {
        case .images: "an IDX image file"
        case .labels: "an IDX label file"
        }
    }

    init?(magic: UInt32) {
        switch magic {
        case IDXKind.images.magic: self = .images
        case IDXKind.labels.magic: self = .labels
        default: return nil
        }
    }
}

/// A parsed IDX file: its dimensions and its payload (the bytes after the header).
public struct IDXFile: Sendable {
    public let kind: IDXKind
    /// `[count, rows, cols]` for images, `[count]` for labels.
    public let dimensions: [Int]
    /// `dimensions` multiplied out, row-major.
    public let payload: [UInt8]

    /// Parses uncompressed IDX bytes. `path` names the source in error messages.
    /// The length must be exactly header plus payload: a truncated file and trailing bytes are both errors.
    public init(parsing bytes: [UInt8], expecting kind: IDXKind, path: String) throws {
        let headerSize = 4 * (1 + kind.dimensionCount)
        guard bytes.count >= 4 else {
            throw DatasetError.wrongSize(path: path, got: bytes.count, expected: headerSize)
        }
        let magic = IDXFile.bigEndianUInt32(bytes, at: 0)
        guard magic == kind.magic else {
            throw DatasetError.wrongMagic(path: path, got: magic, expected: kind.magic)
        }
        guard bytes.count >= headerSize else {
            throw DatasetError.wrongSize(path: path, got: bytes.count, expected: headerSize)
        }
        let dimensions = (0..<kind.dimensionCount).map { Int(IDXFile.bigEndianUInt32(bytes, at: 4 + 4 * $0)) }
        var total = headerSize
        var payloadSize = 1
        for dimension in dimensions {
            let (product, overflow) = payloadSize.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= Int.max - headerSize else {
                throw DatasetError.wrongSize(path: path, got: bytes.count, expected: Int.max)
            }
            payloadSize = product
        }
        total += payloadSize
        guard bytes.count == total else {
            throw DatasetError.wrongSize(path: path, got: bytes.count, expected: total)
        }
        self.kind = kind
        self.dimensions = dimensions
        self.payload = Array(bytes[headerSize...])
    }

    private static func bigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
