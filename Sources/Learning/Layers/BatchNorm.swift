/// Batch normalisation over each channel of image rows, as PyTorch's `BatchNorm2d`:
/// y = (x − μ) / √(σ² + ε) · γ + β with ε = 1e-5.
///
/// Train mode: μ and σ² are the channel's mean and biased variance over the rows and pixels
/// of the batch, or of each row segment (`segments`) separately; the running estimates move
/// by momentum 0.1 towards μ and the unbiased variance, once per segment in segment order.
/// Eval mode: the running estimates are used and left alone. γ (`weight`) and β (`bias`) are
/// parameters; the running mean and variance are layer state (`Network.state`).
/// Statistics are summed in float32 per row and channel (eight SIMD lanes) and in float64
/// across rows, one channel per lane, so results do not depend on `lanes`.
public final class BatchNorm: Layer, RowSegmented, LaneParallel {
    public let shape: ImageShape
    public var offset = 0
    public var lanes = 1
    public var mode: LayerMode = .train
    public var segments: [Range<Int>]?
    public var inputWidth: Int { shape.count }
    public var outputWidth: Int { shape.count }

    public static let momentum = 0.1
    public static let epsilon = 1e-5

    private var running: UnsafeMutablePointer<Float>?  // mean[C], then variance[C]
    /// Per segment of the last forward: mean[C] and 1/√(σ² + ε)[C].
    private let statistics = Workspace()
    private var lastSegments: [Range<Int>] = []
    private var lastMode = LayerMode.train
    /// Backward: per row and channel, Σ dy and Σ dy·x̂ over the pixels.
    private let rowSums = DoubleWorkspace()

    public init(_ shape: ImageShape) { self.shape = shape }

    public var parameterShapes: [(name: String, shape: [Int])] {
        [("weight", [shape.channels]), ("bias", [shape.channels])]
    }

    public var stateShapes: [(name: String, shape: [Int])] {
        [("running_mean", [shape.channels]), ("running_var", [shape.channels])]
    }

    /// γ = 1, β = 0.
    public func initialize(_ parameters: UnsafeMutablePointer<Float>, using rng: inout RandomStream) {
        (parameters + offset).update(repeating: 1, count: shape.channels)
        (parameters + offset + shape.channels).update(repeating: 0, count: shape.channels)
    }

    /// Running mean 0, running variance 1.
    public func initializeState(_ state: UnsafeMutablePointer<Float>) {
        state.update(repeating: 0, count: shape.channels)
        (state + shape.channels).update(repeating: 1, count: shape.channels)
    }

    public func bindState(_ state: UnsafeMutablePointer<Float>) { running = state }

    public func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
        parameters: UnsafePointer<Float>, tasks: UnsafePointer<Int32>?
    ) {
        guard let running else { preconditionFailure("batch norm used outside a Network (no state bound)") }
        let (channels, pixels) = (shape.channels, shape.pixels)
        lastSegments.removeAll(keepingCapacity: true)
        lastMode = mode
        if mode == .train, let segments {
            checkPartition(segments, rows: rows)
            lastSegments.append(contentsOf: segments)
        } else {
            lastSegments.append(0..<rows)
        }
        let stats = statistics.pointer(atLeast: lastSegments.count * 2 * channels)
        let gamma = parameters + offset
        let beta = gamma + channels
        forEachLane(channels, lanes: lanes) { _, part in
            for c in part {
                for (s, segment) in lastSegments.enumerated() {
                    let mean = stats + 2 * s * channels
                    let inverse = mean + channels
                    if mode == .train {
                        let n = segment.count * pixels
                        precondition(n > 1, "batch norm in train mode needs more than one value per channel, got \(n)")
                        var sum = 0.0
                        for r in segment { sum += Double(simdSum(x + (r * channels + c) * pixels, pixels)) }
                        let mu = sum / Double(n)
                        var squares = 0.0
                        for r in segment {
                            squares += Double(
                                simdSquaredDeviations(x + (r * channels + c) * pixels, pixels, from: Float(mu)))
                        }
                        let variance = squares / Double(n)
                        mean[c] = Float(mu)
                        inverse[c] = Float(1 / (variance + BatchNorm.epsilon).squareRoot())
                        let m = BatchNorm.momentum
                        let unbiased = squares / Double(n - 1)
                        running[c] = Float((1 - m) * Double(running[c]) + m * mu)
                        running[channels + c] = Float((1 - m) * Double(running[channels + c]) + m * unbiased)
                    } else {
                        mean[c] = running[c]
                        inverse[c] = Float(1 / (Double(running[channels + c]) + BatchNorm.epsilon).squareRoot())
                    }
                    let scale = inverse[c] * gamma[c]
                    let shift = beta[c]
                    let mu = mean[c]
                    for r in segment {
                        let base = (r * channels + c) * pixels
                        simdAffine(x + base, into: y + base, pixels, shift: mu, scale: scale, plus: shift)
                    }
                }
            }
        }
    }

    /// In train mode dL/dx couples the rows of a segment, so a gradient target must hold whole
    /// segments (GEM: one segment and one target per past task; a plain step: one of each).
    public func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rows: Int, parameters: UnsafePointer<Float>,
        targets: [GradientTarget], tasks: UnsafePointer<Int32>?
    ) {
        let (channels, pixels) = (shape.channels, shape.pixels)
        if lastMode == .train { checkTargetsHoldWholeSegments(targets) }
        let stats = UnsafePointer(statistics.pointer(atLeast: 0))
        let gamma = parameters + offset
        let sums = rowSums.pointer(atLeast: rows * channels * 2)  // row-major rows × C × (Σdy, Σdy·x̂)
        forEachLane(channels, lanes: lanes) { _, part in
            for c in part {
                for (s, segment) in lastSegments.enumerated() {
                    let mu = stats[2 * s * channels + c]
                    let inverse = stats[(2 * s + 1) * channels + c]
                    var total = 0.0
                    var totalProjected = 0.0
                    for r in segment {
                        let base = (r * channels + c) * pixels
                        let sums32 = simdSumAndDot(dy + base, x + base, pixels, shift: mu)
                        let sum = Double(sums32.sum)
                        let projected = Double(sums32.dot) * Double(inverse)
                        sums[2 * (r * channels + c)] = sum
                        sums[2 * (r * channels + c) + 1] = projected
                        total += sum
                        totalProjected += projected
                    }
                    guard let dx else { continue }
                    if lastMode == .eval {  // μ and σ² are constants
                        let scale = gamma[c] * inverse
                        for r in segment {
                            let base = (r * channels + c) * pixels
                            simdScale(dy + base, into: dx + base, pixels, by: scale)
                        }
                        continue
                    }
                    // dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂)), means over the segment
                    let n = Double(segment.count * pixels)
                    let scale = gamma[c] * inverse
                    let meanDy = Float(total / n)
                    let meanProjected = Float(totalProjected / n)
                    for r in segment {
                        let base = (r * channels + c) * pixels
                        simdInputGradient(
                            x + base, dy + base, into: dx + base, pixels, mean: mu, inverse: inverse,
                            scale: scale, meanDy: meanDy, meanProjected: meanProjected)
                    }
                }
            }
        }
        for target in targets where !target.rows.isEmpty {
            let dGamma = target.gradient + offset
            let dBeta = dGamma + channels
            for c in 0..<channels {
                var sum = 0.0
                var projected = 0.0
                for r in target.rows {
                    sum += sums[2 * (r * channels + c)]
                    projected += sums[2 * (r * channels + c) + 1]
                }
                dGamma[c] += Float(projected)
                dBeta[c] += Float(sum)
            }
        }
    }

    private func checkPartition(_ segments: [Range<Int>], rows: Int) {
        var next = 0
        for segment in segments {
            precondition(
                segment.lowerBound == next && !segment.isEmpty,
                "batch-norm segments must cover the \(rows) rows in order without gaps: \(segments)")
            next = segment.upperBound
        }
        precondition(next == rows, "batch-norm segments cover \(next) of \(rows) rows: \(segments)")
    }

    private func checkTargetsHoldWholeSegments(_ targets: [GradientTarget]) {
        for target in targets where !target.rows.isEmpty {
            for segment in lastSegments where segment.overlaps(target.rows) {
                precondition(
                    target.rows.contains(segment.lowerBound) && target.rows.contains(segment.upperBound - 1),
                    "gradient target \(target.rows) cuts batch-norm segment \(segment): set segments per target")
            }
        }
    }
}

/// A Float64 buffer that grows to the largest size asked of it and is then reused.
final class DoubleWorkspace {
    private var storage = UnsafeMutablePointer<Double>.allocate(capacity: 1)
    private var capacity = 1

    func pointer(atLeast count: Int) -> UnsafeMutablePointer<Double> {
        if capacity < count {
            storage.deallocate()
            storage = .allocate(capacity: count)
            capacity = count
        }
        return storage
    }

    deinit { storage.deallocate() }
}
