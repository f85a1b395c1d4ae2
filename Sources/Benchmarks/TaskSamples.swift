import Data
import Foundation
import Learning

/// One task's training or test samples, read a row at a time.
///
/// Split and permuted tasks only select and reorder the dataset's pixels, so they keep the
/// shared 8-bit images (`ImageRows`) and make a row's floats when it is read: twenty permuted
/// tasks cost no more memory than the dataset. A row reads exactly the floats the dense copy
/// would hold (pixel / 255, permuted). Rotated tasks and joint training's union hold floats.
public struct TaskSamples: Sendable {
    public let labels: [Int32]
    public let tasks: [Int32]
    public let width: Int
    public var count: Int { labels.count }
    private let storage: Storage

    private enum Storage: Sendable {
        case floats([Float], SparseCache)
        /// Only the non-zeros (a test set that is read for evaluation, rarely row by row).
        case nonZeros(SparseRows)
        /// Row r is image `images.indices[r]`; input i is its pixel `permutation[i]` (or i).
        case images(ImageRows, permutation: [Int32]?, inputOfPixel: [Int32]?)
    }

    /// Samples that hold their floats.
    public init(_ data: LabeledData) {
        (labels, tasks, width) = (data.labels, data.tasks, data.width)
        storage = .floats(data.inputs, SparseCache())
    }

    /// Samples kept as their non-zeros only: `copyRow` gives back the same floats (a zero is
    /// given back as +0). For test sets of computed pixels (rotations): evaluation reads the
    /// non-zeros, and they take a fraction of the floats' memory.
    public init(nonZerosOf data: LabeledData) {
        (labels, tasks, width) = (data.labels, data.tasks, data.width)
        storage = .nonZeros(
            data.inputs.withUnsafeBufferPointer {
                SparseRows(rowsOf: $0.baseAddress!, rows: data.count, width: data.width)
            })
    }

    /// The images of `rows`, all of task `task`, each read through `permutation` when given
    /// (input pixel i is image pixel permutation[i]).
    public init(_ rows: ImageRows, task: Int, permutation: [Int32]? = nil) {
        precondition(permutation.map { $0.count == rows.width } ?? true, "one permutation entry per pixel")
        labels = rows.labels
        tasks = [Int32](repeating: Int32(task), count: rows.count)
        width = rows.width
        var inverse: [Int32]?
        if let permutation {
            var inv = [Int32](repeating: 0, count: permutation.count)
            for (i, p) in permutation.enumerated() { inv[Int(p)] = Int32(i) }
            inverse = inv
        }
        storage = .images(rows, permutation: permutation, inputOfPixel: inverse)
    }

    /// Writes row `i`'s `width` inputs to `out`.
    public func copyRow(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        switch storage {
        case .floats(let inputs, _):
            inputs.withUnsafeBufferPointer { (out).update(from: $0.baseAddress! + i * width, count: width) }
        case .images(let rows, let permutation, _):
            rows.copyImage(i, permutation: permutation, into: out)
        case .nonZeros(let rows):
            rows.copyRow(i, into: out)
        }
    }

    /// Rows `range`, row-major, for the duration of `body` (a view of the floats when held,
    /// else made in `scratch`).
    public func withRows<R>(
        _ range: Range<Int>, scratch: inout [Float],
        _ body: (UnsafePointer<Float>) throws -> R
    ) rethrows -> R {
        if case .floats(let inputs, _) = storage {
            return try inputs.withUnsafeBufferPointer { try body($0.baseAddress! + range.lowerBound * width) }
        }
        if scratch.count < range.count * width { scratch = [Float](repeating: 0, count: range.count * width) }
        return try scratch.withUnsafeMutableBufferPointer { buffer in
            for (k, i) in range.enumerated() { copyRow(i, into: buffer.baseAddress! + k * width) }
            return try body(UnsafePointer(buffer.baseAddress!))
        }
    }

    /// The rows at `indices`, in that order, as floats.
    public func rows(_ indices: [Int]) -> LabeledData {
        var inputs = [Float](repeating: 0, count: indices.count * width)
        inputs.withUnsafeMutableBufferPointer { out in
            for (k, i) in indices.enumerated() { copyRow(i, into: out.baseAddress! + k * width) }
        }
        return LabeledData(
            inputs: inputs, labels: indices.map { labels[$0] }, tasks: indices.map { tasks[$0] },
            width: width)
    }

    /// Every row as floats.
    public var materialized: LabeledData {
        if case .floats(let inputs, _) = storage {
            return LabeledData(inputs: inputs, labels: labels, tasks: tasks, width: width)
        }
        return rows(Array(0..<count))
    }

    /// The non-zero inputs of every row, for products that skip zeros, and where they go: with
    /// `inputOfColumn`, the sparse rows' column c is input inputOfColumn[c] (a permuted task's
    /// rows are its images' non-zeros, shared by every task of the stream). Built once, on
    /// first use, and kept.
    public var sparse: (rows: SparseRows, inputOfColumn: [Int32]?) {
        switch storage {
        case .floats(let inputs, let cache):
            return (
                cache.rows {
                    inputs.withUnsafeBufferPointer {
                        SparseRows(rowsOf: $0.baseAddress!, rows: count, width: width)
                    }
                }, nil
            )
        case .images(let rows, _, let inputOfPixel):
            return (rows.sparse, inputOfPixel)
        case .nonZeros(let rows):
            return (rows, nil)
        }
    }
}

/// Some images of a dataset, by index, shared by the tasks that read them.
public final class ImageRows: Sendable {
    public let images: ImageSet
    public let indices: [Int]
    public let labels: [Int32]
    public var width: Int { images.pixelsPerImage }
    public var count: Int { indices.count }
    private let cache = SparseCache()

    public init(_ images: ImageSet, indices: [Int]) {
        precondition(indices.allSatisfy { (0..<images.count).contains($0) }, "image index out of range")
        (self.images, self.indices) = (images, indices)
        labels = indices.map { Int32(images.labels[$0]) }
    }

    /// Float(v) / 255 for every byte v: the exact quotients, looked up instead of divided.
    private static let scaled: [Float] = (0..<256).map { Float($0) / 255 }

    /// Row r's pixels / 255, input i from pixel permutation[i] when given.
    func copyImage(_ r: Int, permutation: [Int32]?, into out: UnsafeMutablePointer<Float>) {
        let width = self.width
        images.pixels.withUnsafeBufferPointer { pixels in
            Self.scaled.withUnsafeBufferPointer { scaled in
                let image = pixels.baseAddress! + indices[r] * width
                if let permutation {
                    permutation.withUnsafeBufferPointer { p in
                        for i in 0..<width { out[i] = scaled[Int(image[Int(p[i])])] }
                    }
                } else {
                    for i in 0..<width { out[i] = scaled[Int(image[i])] }
                }
            }
        }
    }

    /// The rows' non-zero pixels / 255, in pixel order.
    var sparse: SparseRows {
        cache.rows {
            let width = self.width
            var rowStart = [0]
            var columns: [Int32] = []
            var values: [Float] = []
            images.pixels.withUnsafeBufferPointer { pixels in
                for i in indices {
                    let image = pixels.baseAddress! + i * width
                    for c in 0..<width where image[c] != 0 {
                        columns.append(Int32(c))
                        values.append(Self.scaled[Int(image[c])])
                    }
                    rowStart.append(values.count)
                }
            }
            return SparseRows(rowStart: rowStart, columns: columns, values: values, width: width)
        }
    }
}

/// Sparse rows built on first use by whichever thread asks first, then shared.
final class SparseCache: @unchecked Sendable {
    private let lock = NSLock()
    private var built: SparseRows?

    func rows(_ build: () -> SparseRows) -> SparseRows {
        lock.lock()
        defer { lock.unlock() }
        if let built { return built }
        let rows = build()
        built = rows
        return rows
    }
}
