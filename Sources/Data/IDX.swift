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

    /// The magic number and one UInt32 per dimension.
    var headerSize: Int { 4 * (1 + dimensionCount) }

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

    /// The most data (bytes after the header) a file may declare: 1 GiB, 20 times MNIST's
    /// training images. A damaged header declares up to 2^96 bytes.
    public static let maximumDataBytes = 1 << 30

    /// Parses uncompressed IDX bytes. `path` names the source in error messages.
    /// The length must be exactly header plus payload: a truncated file and trailing bytes are both errors.
    public init(parsing bytes: [UInt8], expecting kind: IDXKind, path: String) throws {
        let headerSize = kind.headerSize
        guard let (dimensions, total) = try IDXFile.declaredLayout(bytes, kind: kind, path: path) else {
            throw DatasetError.wrongSize(path: path, got: bytes.count, expected: headerSize)
        }
        guard bytes.count == total else {
            throw DatasetError.wrongSize(path: path, got: bytes.count, expected: total)
        }
        self.kind = kind
        self.dimensions = dimensions
        self.payload = Array(bytes[headerSize...])
    }

    /// Decompresses the gzip-compressed IDX file at `path`, never past the length its header
    /// declares: a file that would expand further (a decompression bomb) stops there with an error.
    public static func decompress(atPath path: String, expecting kind: IDXKind) throws -> [UInt8] {
        let compressed = try Gzip.readFile(atPath: path)
        return try compressed.withUnsafeBytes { input in
            let header = try Gzip.decompressedPrefix(input, path: path, count: kind.headerSize)
            guard let (_, total) = try declaredLayout(header, kind: kind, path: path) else {
                return header  // shorter than a header: parsing reports it as truncated
            }
            return try Gzip.decompress(input, path: path, limit: total)
        }
    }

    /// The dimensions and total length (header plus data) the first bytes declare, or nil
    /// when `bytes` is shorter than a header. A wrong magic number or more than
    /// `maximumDataBytes` of data is an error.
    static func declaredLayout(_ bytes: [UInt8], kind: IDXKind, path: String) throws -> (dimensions: [Int], total: Int)?
    {
        guard bytes.count >= 4 else { return nil }
        let magic = IDXFile.bigEndianUInt32(bytes, at: 0)
        guard magic == kind.magic else {
            throw DatasetError.wrongMagic(path: path, got: magic, expected: kind.magic)
        }
        guard bytes.count >= kind.headerSize else { return nil }
        let dimensions = (0..<kind.dimensionCount).map { Int(IDXFile.bigEndianUInt32(bytes, at: 4 + 4 * $0)) }
        var dataBytes = 1
        for dimension in dimensions {
            // each factor < 2^32, the running product ≤ 2^30: no overflow
            dataBytes *= dimension
            guard dataBytes <= maximumDataBytes else {
                throw DatasetError.implausibleDimensions(path: path, dimensions: dimensions, limit: maximumDataBytes)
            }
        }
        return (dimensions, kind.headerSize + dataBytes)
    }

    private static func bigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}
