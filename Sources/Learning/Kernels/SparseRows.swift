import CKernels
import Dispatch

/// A row-major matrix whose entries are mostly zero (GEM's episodic memories: about 19% of an
/// MNIST digit's pixels are non-zero), kept as its non-zeros twice: by row (CSR) for products
/// X·B, and by column within each row segment (CSC) for the per-segment products dYᵀX.
///
/// The products skip the zeros; every output is one chain of fused multiply-adds over the
/// non-zeros in ascending order, started from the given initial value and computed by one
/// lane, so results do not depend on the number of lanes or on the CPU (see CSparse). They
/// equal a dense product up to rounding order.
public final class SparseRows: @unchecked Sendable {
    public let rows: Int
    public let width: Int
    public let segments: [Range<Int>]
    // by row
    private let rowStart: [Int]
    private let rowColumns: [Int32]
    private let rowValues: [Float]
    // by column, segment after segment: segment s's column c is columnStart[s * (width + 1) + c] ..< [.. + 1]
    private let columnStart: [Int]
    private let columnRows: [Int32]
    private let columnValues: [Float]

    /// The non-zeros of `dense` (rows × width, row-major); `segments` partition the rows
    /// (default: one segment of all rows).
    public init(_ dense: UnsafePointer<Float>, rows: Int, width: Int, segments: [Range<Int>]? = nil) {
        let segments = segments ?? [0..<rows]
        let (rowStart, rowColumns, rowValues) = Self.nonZeros(dense, rows: rows, width: width)
        // by column: a counting sort of the row entries, segment by segment (rows stay ascending)
        var columnStart = [Int](repeating: 0, count: segments.count * (width + 1))
        var total = 0
        for (s, segment) in segments.enumerated() {
            var counts = [Int](repeating: 0, count: width)
            for r in segment { for i in rowStart[r]..<rowStart[r + 1] { counts[Int(rowColumns[i])] += 1 } }
            for c in 0..<width {
                columnStart[s * (width + 1) + c] = total
                total += counts[c]
            }
            columnStart[s * (width + 1) + width] = total
        }
        var next = columnStart
        var columnRows = [Int32](repeating: 0, count: total)
        var columnValues = [Float](repeating: 0, count: total)
        for (s, segment) in segments.enumerated() {
            for r in segment {
                for i in rowStart[r]..<rowStart[r + 1] {
                    let slot = s * (width + 1) + Int(rowColumns[i])
                    (columnRows[next[slot]], columnValues[next[slot]]) = (Int32(r), rowValues[i])
                    next[slot] += 1
                }
            }
        }
        (self.rows, self.width, self.segments) = (rows, width, segments)
        (self.rowStart, self.rowColumns, self.rowValues) = (rowStart, rowColumns, rowValues)
        (self.columnStart, self.columnRows, self.columnValues) = (columnStart, columnRows, columnValues)
    }

    /// The non-zeros of `dense` by row only: enough for `multiply`, not `addSegmentProducts`.
    public convenience init(rowsOf dense: UnsafePointer<Float>, rows: Int, width: Int) {
        let (rowStart, columns, values) = Self.nonZeros(dense, rows: rows, width: width)
        self.init(rowStart: rowStart, columns: columns, values: values, width: width)
    }

    /// Row r as dense floats (its zeros as +0).
    public func copyRow(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        out.update(repeating: 0, count: width)
        for i in rowStart[r]..<rowStart[r + 1] { out[Int(rowColumns[i])] = rowValues[i] }
    }

    /// Each row's non-zero entries (columns ascending) and where each row's begin.
    private static func nonZeros(_ dense: UnsafePointer<Float>, rows: Int, width: Int)
        -> (rowStart: [Int], columns: [Int32], values: [Float])
    {
        var rowStart = [0]
        var columns: [Int32] = []
        var values: [Float] = []
        // counted first, so that the arrays are allocated once at their size
        let count = (0..<(rows * width)).reduce(0) { $0 + (dense[$1] != 0 ? 1 : 0) }
        rowStart.reserveCapacity(rows + 1)
        columns.reserveCapacity(count)
        values.reserveCapacity(count)
        for r in 0..<rows {
            for c in 0..<width where dense[r * width + c] != 0 {
                columns.append(Int32(c))
                values.append(dense[r * width + c])
            }
            rowStart.append(values.count)
        }
        return (rowStart, columns, values)
    }

    /// Rows given by their non-zeros (row r's are entries rowStart[r] ..< rowStart[r + 1], columns
    /// ascending), by row only: enough for `multiply`, not `addSegmentProducts`.
    public init(rowStart: [Int], columns: [Int32], values: [Float], width: Int) {
        precondition(
            rowStart.first == 0 && rowStart.last == values.count && columns.count == values.count,
            "sparse rows: row starts, columns and values disagree")
        (self.rows, self.width, self.segments) = (rowStart.count - 1, width, [0..<(rowStart.count - 1)])
        (self.rowStart, self.rowColumns, self.rowValues) = (rowStart, columns, values)
        (self.columnStart, self.columnRows, self.columnValues) = ([], [], [])
    }

    /// Fraction of entries that are non-zero.
    public var density: Double { Double(rowValues.count) / Double(max(rows * width, 1)) }

    /// y (rows × n) = X · B + start, where B is width × n (row-major) and `start` (n values,
    /// or nil for zeros) begins every row's sums: Z = X Wᵀ + b takes B = Wᵀ and start = b.
    public func multiply(
        _ b: UnsafePointer<Float>, n: Int, start: UnsafePointer<Float>?,
        into y: UnsafeMutablePointer<Float>, lanes: Int
    ) {
        splitAcrossLanes(rows, lanes: lanes) { rows in
            multiply(rows: rows, b, n: n, start: start, into: y + rows.lowerBound * n)
        }
    }

    /// `multiply` of the rows `rows` only, on the calling thread: y holds rows.count × n.
    public func multiply(
        rows: Range<Int>, _ b: UnsafePointer<Float>, n: Int, start: UnsafePointer<Float>?,
        into y: UnsafeMutablePointer<Float>
    ) {
        rowColumns.withUnsafeBufferPointer { columns in
            rowValues.withUnsafeBufferPointer { values in
                for (k, r) in rows.enumerated() {
                    Self.sums(
                        rowStart[r]..<rowStart[r + 1], index: columns.baseAddress!,
                        values: values.baseAddress!, base: b, n: n, start: start, startStride: 1,
                        into: y + k * n, stride: 1)
                }
            }
        }
    }

    /// For each segment s: the n × width block at `targets[s].gradient + offset` += dYᵀ X over
    /// the segment's rows (`targets[s].rows`), dY being rows × n. Columns of X that are zero
    /// throughout a segment leave the block untouched.
    public func addSegmentProducts(
        _ dy: UnsafePointer<Float>, n: Int, into targets: [GradientTarget], offset: Int,
        lanes: Int
    ) {
        precondition(!columnStart.isEmpty || rows == 0, "sparse rows built by row only have no by-column copy")
        precondition(
            targets.count == segments.count && zip(targets, segments).allSatisfy { $0.rows == $1 },
            "one gradient target per segment of the sparse rows, in order")
        columnRows.withUnsafeBufferPointer { rowsOf in
            columnValues.withUnsafeBufferPointer { values in
                splitAcrossLanes(width, lanes: lanes) { columns in
                    for s in segments.indices {
                        let base = s * (width + 1)
                        for c in columns where columnStart[base + c] < columnStart[base + c + 1] {
                            // gradient[j, c] += Σ_r X[r, c] dY[r, j]: column c of the n × width block
                            let target = targets[s].gradient + offset + c
                            Self.sums(
                                columnStart[base + c]..<columnStart[base + c + 1], index: rowsOf.baseAddress!,
                                values: values.baseAddress!, base: dy, n: n, start: UnsafePointer(target),
                                startStride: width, into: target, stride: width)
                        }
                    }
                }
            }
        }
    }

    /// out[j · stride] = start[j · stride] + Σ_{i ∈ entries} values[i] · base[index[i] · n + j] for j < n.
    @inline(__always)
    private static func sums(
        _ entries: Range<Int>, index: UnsafePointer<Int32>, values: UnsafePointer<Float>,
        base: UnsafePointer<Float>, n: Int, start: UnsafePointer<Float>?, startStride: Int,
        into out: UnsafeMutablePointer<Float>, stride: Int
    ) {
        gembench_sparse_sums(
            index + entries.lowerBound, values + entries.lowerBound, entries.count, base, n,
            start, startStride, out, stride)
    }
}

/// Bᵀ of a row-major rows × columns matrix, written row-major into `out` (columns × rows).
public func transpose(_ b: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let row = b + r * columns
        for c in 0..<columns { out[c * rows + r] = row[c] }
    }
}
