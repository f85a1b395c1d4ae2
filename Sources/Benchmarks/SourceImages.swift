import Learning

/// A labelled image set in its raw form (8-bit pixels, row-major), as read from IDX files.
public struct SourceImages: Sendable {
    public let count: Int
    public let rows: Int
    public let cols: Int
    public let pixels: [UInt8]
    public let labels: [UInt8]

    public init(count: Int, rows: Int, cols: Int, pixels: [UInt8], labels: [UInt8]) {
        precondition(pixels.count == count * rows * cols && labels.count == count, "pixel or label count mismatch")
        (self.count, self.rows, self.cols, self.pixels, self.labels) = (count, rows, cols, pixels, labels)
    }

    public var width: Int { rows * cols }

    /// The images at `indices`, scaled to [0, 1], each transformed by `transform`
    /// (which maps one image's [0, 1] pixels into its output row).
    func labeledData(_ indices: [Int], task: Int,
                     transform: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void)
        -> LabeledData {
        let width = self.width
        var inputs = [Float](repeating: 0, count: indices.count * width)
        var scaled = [Float](repeating: 0, count: width)
        inputs.withUnsafeMutableBufferPointer { out in
            scaled.withUnsafeMutableBufferPointer { image in
                for (row, i) in indices.enumerated() {
                    for p in 0..<width { image[p] = Float(pixels[i * width + p]) / 255 }
                    transform(UnsafeBufferPointer(image),
                              UnsafeMutableBufferPointer(rebasing: out[(row * width)..<((row + 1) * width)]))
                }
            }
        }
        return LabeledData(inputs: inputs, labels: indices.map { Int32(labels[$0]) },
                           tasks: [Int32](repeating: Int32(task), count: indices.count), width: width)
    }
}

/// A dataset's training and test images.
public struct SourceDataset: Sendable {
    /// e.g. "mnist", "fashion-mnist".
    public let name: String
    public let train: SourceImages
    public let test: SourceImages

    public init(name: String, train: SourceImages, test: SourceImages) {
        (self.name, self.train, self.test) = (name, train, test)
    }
}
