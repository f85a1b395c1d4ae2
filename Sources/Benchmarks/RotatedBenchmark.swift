import Data
import Foundation
import Learning

/// Rotated MNIST (GEM paper, section 5): task t rotates every image by an angle drawn
/// uniformly from [9t, 9(t+1)) degrees. The GEM reference code drew these angles unseeded;
/// here they come from the run's seed, or are pinned explicitly for exact replays.
public enum RotatedBenchmark {
    public static func make(
        _ source: LoadedDataset, tasks: Int, samplesPerTask: Int?,
        testSamplesPerTask: Int? = nil, angles pinned: [Double]? = nil,
        seed: UInt64
    ) -> TaskStream {
        precondition(pinned == nil || pinned!.count == tasks, "one angle per task")
        var angleRNG = RandomStream(seed: seed, purpose: "rotated/angles")
        let angles = pinned ?? (0..<tasks).map { 9 * (Double($0) + angleRNG.unitDouble()) }
        var built: [BenchmarkTask] = []
        for t in 0..<tasks {
            var sampleRNG = RandomStream(seed: seed, purpose: "rotated/samples/\(t)")
            let trainIndices = drawSamples(samplesPerTask, of: source.train.count, &sampleRNG)
            let testIndices = Array(0..<min(testSamplesPerTask ?? source.test.count, source.test.count))
            let rotate = rotation(
                degrees: angles[t], rows: source.train.rows, cols: source.train.cols,
                channels: source.train.channels)
            built.append(
                BenchmarkTask(
                    index: t,
                    train: TaskSamples(source.train.labeledData(trainIndices, task: t, transform: rotate)),
                    test: TaskSamples(nonZerosOf: source.test.labeledData(testIndices, task: t, transform: rotate)),
                    classes: Array(0..<source.name.classCount), permutation: nil, angle: angles[t]))
        }
        return TaskStream(
            name: "rotated-\(source.name.rawValue)", scenario: .domainIncremental, tasks: built,
            inputShape: source.train.shape, classCount: source.name.classCount)
    }

    /// Rotates an image counter-clockwise about its centre with bilinear interpolation, each
    /// channel plane alike; pixels that come from outside the image are 0 (background).
    static func rotation(degrees: Double, rows: Int, cols: Int, channels: Int = 1)
        -> (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void
    {
        let plane = rotation(degrees: degrees, rows: rows, cols: cols)
        guard channels > 1 else { return plane }
        let size = rows * cols
        return { image, out in
            for c in 0..<channels {
                plane(
                    UnsafeBufferPointer(rebasing: image[(c * size)..<((c + 1) * size)]),
                    UnsafeMutableBufferPointer(rebasing: out[(c * size)..<((c + 1) * size)]))
            }
        }
    }

    /// The rotation of one plane.
    private static func rotation(degrees: Double, rows: Int, cols: Int)
        -> (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void
    {
        let radians = degrees * .pi / 180
        let c = Float(Kernels.cos(radians))
        let s = Float(Kernels.sin(radians))
        let cy = Float(rows - 1) / 2
        let cx = Float(cols - 1) / 2
        return { image, out in
            for y in 0..<rows {
                for x in 0..<cols {
                    // inverse mapping: where in the source does output (x, y) come from?
                    // Image y grows downwards, so a counter-clockwise turn on screen is
                    // clockwise in (x, y) coordinates.
                    let dx = Float(x) - cx
                    let dy = Float(y) - cy
                    let sx = c * dx - s * dy + cx
                    let sy = s * dx + c * dy + cy
                    out[y * cols + x] = bilinear(image, rows, cols, sx, sy)
                }
            }
        }
    }

    @inline(__always)
    static func bilinear(_ image: UnsafeBufferPointer<Float>, _ rows: Int, _ cols: Int, _ x: Float, _ y: Float) -> Float
    {
        let x0 = Int(x.rounded(.down))
        let y0 = Int(y.rounded(.down))
        let fx = x - Float(x0)
        let fy = y - Float(y0)
        func pixel(_ xx: Int, _ yy: Int) -> Float {
            xx >= 0 && xx < cols && yy >= 0 && yy < rows ? image[yy * cols + xx] : 0
        }
        let top = pixel(x0, y0) * (1 - fx) + pixel(x0 + 1, y0) * fx
        let bottom = pixel(x0, y0 + 1) * (1 - fx) + pixel(x0 + 1, y0 + 1) * fx
        return top * (1 - fy) + bottom * fy
    }
}
