/// Per-channel mean and standard deviation of an image set's pixels scaled to [0, 1], for the
/// optional `normalize: per-channel` input scaling. The default input is `pixel / 255` with no
/// normalisation, as in the GEM reference code; statistics are taken from the training set only.
public struct ChannelStatistics: Sendable, Equatable {
    /// One per channel (R, G, B for CIFAR), in [0, 1] units.
    public let mean: [Double]
    /// Population standard deviation per channel; a constant channel gets 1 so that
    /// normalising it subtracts its mean and divides by nothing.
    public let standardDeviation: [Double]

    public init(mean: [Double], standardDeviation: [Double]) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// Exact statistics of `set`: a histogram of byte values per channel, then the sums in Float64.
    public init(of set: ImageSet) {
        let plane = set.rows * set.cols
        // One flat histogram, filled through raw pointers: this target is not optimised in debug builds.
        var flat = [Int](repeating: 0, count: 256 * set.channels)
        set.pixels.withUnsafeBufferPointer { pixels in
            flat.withUnsafeMutableBufferPointer { histogram in
                for image in 0..<set.count {
                    for channel in 0..<set.channels {
                        let bins = histogram.baseAddress! + 256 * channel
                        var p = pixels.baseAddress! + (image * set.channels + channel) * plane
                        let end = p + plane
                        while p < end {
                            bins[Int(p.pointee)] += 1
                            p += 1
                        }
                    }
                }
            }
        }
        let counts = (0..<set.channels).map { Array(flat[(256 * $0)..<(256 * $0 + 256)]) }
        var mean: [Double] = []
        var deviation: [Double] = []
        for histogram in counts {
            let n = Double(histogram.reduce(0, +))
            let m = (0..<256).reduce(0.0) { $0 + Double(histogram[$1]) * Double($1) / 255 } / max(n, 1)
            let variance =
                (0..<256).reduce(0.0) { sum, v in
                    let d = Double(v) / 255 - m
                    return sum + Double(histogram[v]) * d * d
                } / max(n, 1)
            mean.append(m)
            deviation.append(variance > 0 ? variance.squareRoot() : 1)
        }
        self.init(mean: mean, standardDeviation: deviation)
    }

    /// `(pixel / 255 - mean[channel]) / standardDeviation[channel]`.
    public func normalized(_ pixel: UInt8, channel: Int) -> Float {
        Float((Double(pixel) / 255 - mean[channel]) / standardDeviation[channel])
    }
}
