/// Channels × height × width of one image row, stored channel-major (NCHW with N = the rows).
public struct ImageShape: Sendable, Equatable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        precondition(
            channels > 0 && height > 0 && width > 0, "image shape \(channels)x\(height)x\(width) must be positive")
        (self.channels, self.height, self.width) = (channels, height, width)
    }

    /// Values per row: C·H·W.
    public var count: Int { channels * height * width }
    /// Pixels per channel: H·W.
    public var pixels: Int { height * width }
    public var description: String { "\(channels)x\(height)x\(width)" }
}

/// Layers that can split their work over threads ("lanes") without changing a single bit of
/// their results: work is cut into pieces fixed by the batch alone, and sums over pieces run
/// in a fixed order.
public protocol LaneParallel: AnyObject {
    var lanes: Int { get set }
}

/// Layers whose train-mode output depends on which rows form a batch (batch norm). With
/// `segments`, each segment of rows is normalised as its own batch, as if run alone; nil means
/// one segment of all rows.
public protocol RowSegmented: AnyObject {
    var segments: [Range<Int>]? { get set }
}
