import Data
import Learning

extension ImageSet {
    var width: Int { pixelsPerImage }
    /// Channels × height × width of one image.
    var shape: [Int] { [channels, rows, cols] }

    /// The images at `indices`, scaled to [0, 1], each transformed by `transform`
    /// (which maps one image's [0, 1] pixels into its output row).
    func labeledData(
        _ indices: [Int], task: Int,
        transform: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void
    )
        -> LabeledData
    {
        let width = self.width
        var inputs = [Float](repeating: 0, count: indices.count * width)
        var scaled = [Float](repeating: 0, count: width)
        inputs.withUnsafeMutableBufferPointer { out in
            scaled.withUnsafeMutableBufferPointer { image in
                for (row, i) in indices.enumerated() {
                    for p in 0..<width { image[p] = Float(pixels[i * width + p]) / 255 }
                    transform(
                        UnsafeBufferPointer(image),
                        UnsafeMutableBufferPointer(rebasing: out[(row * width)..<((row + 1) * width)]))
                }
            }
        }
        return LabeledData(
            inputs: inputs, labels: indices.map { Int32(labels[$0]) },
            tasks: [Int32](repeating: Int32(task), count: indices.count), width: width)
    }
}
