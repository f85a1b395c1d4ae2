/// 2-D convolution without bias (every convolution of GEM's ResNet has none), computed as
/// im2col + matrix product (`Kernels.gemm`): each image's k×k patches become the columns of a (Cin·k·k) × pixels matrix,
/// and one product with the Cout × (Cin·k·k) weight gives the output channels.
///
/// Weights are stored as PyTorch's `Conv2d.weight`, Cout × Cin × k × k. Several small images
/// share one product (`groupSize`), so the late 4×4 stages still run products on wide matrices.
/// Work is cut into groups and slabs fixed by the batch alone, and the slabs' weight gradients
/// are added in row order, so results do not depend on `lanes` (see `LaneParallel`).
public final class Conv2D: Layer, LaneParallel {
    public let input: ImageShape
    public let output: ImageShape
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public var offset = 0
    public var lanes = 1
    public var inputWidth: Int { input.count }
    public var outputWidth: Int { output.count }
    /// Images per product.
    public let groupSize: Int

    /// Output columns one product aims at: narrower products run well below the kernel's rate.
    static let columnsPerProduct = 512
    /// At most this many slabs share one target's rows in backward, each with its own partial
    /// weight gradient; it bounds the useful lanes and the scratch memory (slabs × weight size).
    static let slabsPerTarget = 8
    /// Forward and input-gradient products per batch, at least (as many as there are images).
    static let minimumGroups = 4

    private let columns = LaneWorkspaces(), staging = LaneWorkspaces(), gathered = LaneWorkspaces()
    private let partials = Workspace()
    private var slabs: [(rows: Range<Int>, target: Int)] = []
    /// Per kernel row ky (column kx): the output rows (columns) whose input row (column) lies inside the image.
    private let insideRows: [Range<Int>], insideColumns: [Range<Int>]

    /// - Precondition: the kernel fits the padded input (output at least 1×1).
    public init(_ input: ImageShape, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0) {
        precondition(
            kernel > 0 && stride > 0 && padding >= 0, "conv kernel \(kernel), stride \(stride), padding \(padding)")
        precondition(
            input.height + 2 * padding >= kernel && input.width + 2 * padding >= kernel,
            "a \(kernel)x\(kernel) kernel does not fit a padded \(input) input")
        let height = (input.height + 2 * padding - kernel) / stride + 1
        let width = (input.width + 2 * padding - kernel) / stride + 1
        self.input = input
        output = ImageShape(channels: outChannels, height: height, width: width)
        (self.kernel, self.stride, self.padding) = (kernel, stride, padding)
        groupSize = max(1, Conv2D.columnsPerProduct / output.pixels)
        insideRows = (0..<kernel).map {
            Conv2D.inside($0, input: input.height, output: height, stride: stride, padding: padding)
        }
        insideColumns = (0..<kernel).map {
            Conv2D.inside($0, input: input.width, output: width, stride: stride, padding: padding)
        }
    }

    public var parameterShapes: [(name: String, shape: [Int])] {
        [("weight", [output.channels, input.channels, kernel, kernel])]
    }

    /// Rows of the patch matrix: Cin·k·k.
    var patchSize: Int { input.channels * kernel * kernel }

    /// Multiply-adds × 2 of one image's forward product (the backward's two products cost the same each).
    public var flopsPerImage: Int { 2 * output.channels * patchSize * output.pixels }

    /// PyTorch's default for Conv2d (kaiming-uniform with a = √5): U(±1/√(Cin·k·k)).
    public func initialize(_ parameters: UnsafeMutablePointer<Float>, using rng: inout RandomStream) {
        let limit = 1 / Float(patchSize).squareRoot()
        let w = parameters + offset
        for i in 0..<(output.channels * patchSize) { w[i] = (2 * rng.unitFloat() - 1) * limit }
    }

    public func forward(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Int,
        parameters: UnsafePointer<Float>, tasks: UnsafePointer<Int32>?
    ) {
        let w = parameters + offset
        let (k, p, cout) = (patchSize, output.pixels, output.channels)
        let groups = imageGroups(rows: rows)
        reserveLanes()
        forEachLane(groups.count, lanes: lanes) { lane, part in
            for group in part {
                let first = groups[group].lowerBound
                let n = groups[group].count
                let col = columns.pointer(lane: lane, atLeast: k * n * p)
                for i in 0..<n { patches(of: x + (first + i) * inputWidth, into: col + i * p, rowStride: n * p) }
                if n == 1 {  // the product is the image's output as stored: Cout × pixels
                    Kernels.gemm(m: cout, n: p, k: k, a: w, lda: k, b: col, ldb: p, c: y + first * outputWidth, ldc: p)
                    continue
                }
                let out = staging.pointer(lane: lane, atLeast: cout * n * p)
                Kernels.gemm(m: cout, n: n * p, k: k, a: w, lda: k, b: col, ldb: n * p, c: out, ldc: n * p)
                for i in 0..<n {  // Cout × (images · pixels) back to one row per image
                    for c in 0..<cout {
                        (y + (first + i) * outputWidth + c * p).update(from: out + c * n * p + i * p, count: p)
                    }
                }
            }
        }
    }

    public func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rows: Int, parameters: UnsafePointer<Float>,
        targets: [GradientTarget], tasks: UnsafePointer<Int32>?
    ) {
        backward(x: x, dy: dy, dx: dx, accumulate: false, rows: rows, parameters: parameters, targets: targets)
    }

    /// `backward`, adding dL/dx into `dx` instead of overwriting it when `accumulate` (a
    /// residual block's shortcut and main path share one input).
    ///
    /// - Precondition: targets do not overlap.
    func backward(
        x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?,
        accumulate: Bool, rows: Int, parameters: UnsafePointer<Float>, targets: [GradientTarget]
    ) {
        let w = parameters + offset
        let (k, p, cout) = (patchSize, output.pixels, output.channels)
        planSlabs(rows: rows, targets: targets)
        let weightCount = cout * k
        let partial = partials.pointer(atLeast: slabs.count * weightCount)
        reserveLanes()
        // dL/dy of images first..<first+n as Cout × (images · pixels); one image is already that
        func gatheredGradient(first: Int, n: Int, lane: Int) -> UnsafePointer<Float> {
            guard n > 1 else { return dy + first * outputWidth }
            let copy = gathered.pointer(lane: lane, atLeast: cout * n * p)
            for i in 0..<n {
                for c in 0..<cout {
                    (copy + c * n * p + i * p).update(from: dy + (first + i) * outputWidth + c * p, count: p)
                }
            }
            return UnsafePointer(copy)
        }
        // items: the slabs' weight gradients, then (when dL/dx is wanted) the groups' input gradients
        let groups = dx == nil ? [] : imageGroups(rows: rows)
        forEachLane(slabs.count + groups.count, lanes: lanes) { lane, part in
            for item in part {
                if item < slabs.count {  // partial dW (+)= dY · patchesᵀ, one product per group of the slab
                    let slab = slabs[item]
                    var first = slab.rows.lowerBound
                    while first < slab.rows.upperBound {
                        let n = min(groupSize, slab.rows.upperBound - first)
                        let g = gatheredGradient(first: first, n: n, lane: lane)
                        let col = columns.pointer(lane: lane, atLeast: k * n * p)
                        for i in 0..<n {
                            patches(of: x + (first + i) * inputWidth, into: col + i * p, rowStride: n * p)
                        }
                        Kernels.gemm(
                            transB: true, m: cout, n: k, k: n * p, a: g, lda: n * p, b: col, ldb: n * p,
                            accumulate: first != slab.rows.lowerBound, c: partial + item * weightCount, ldc: k)
                        first += n
                    }
                } else if let dx {  // d(patches) = Wᵀ · dY, folded back onto the input pixels
                    let group = groups[item - slabs.count]
                    let first = group.lowerBound
                    let n = group.count
                    let g = gatheredGradient(first: first, n: n, lane: lane)
                    let col = columns.pointer(lane: lane, atLeast: k * n * p)
                    Kernels.gemm(
                        transA: true, m: k, n: n * p, k: cout, a: w, lda: k, b: g, ldb: n * p, c: col, ldc: n * p)
                    for i in 0..<n {
                        let image = dx + (first + i) * inputWidth
                        if !accumulate { image.update(repeating: 0, count: inputWidth) }
                        addPatches(col + i * p, rowStride: n * p, into: image)
                    }
                }
            }
        }
        for (s, slab) in slabs.enumerated() {
            let dw = targets[slab.target].gradient + offset
            let part = partial + s * weightCount
            for i in 0..<weightCount { dw[i] += part[i] }
        }
    }

    /// The images of each forward and input-gradient product: near-equal consecutive runs of at
    /// most `groupSize`, and at least `minimumGroups` of them, so that small batches still share
    /// the lanes (a step of 10 images is one group in the 4×4 stage otherwise). Fixed by `rows`
    /// alone, though any grouping gives the same bits: each output is its own chain of
    /// multiply-adds (`Kernels.gemm`), whatever the product's width.
    func imageGroups(rows: Int) -> [Range<Int>] {
        let count = max((rows + groupSize - 1) / groupSize, min(rows, Conv2D.minimumGroups))
        return (0..<count).map { rows * $0 / count..<rows * ($0 + 1) / count }
    }

    private func reserveLanes() {
        for space in [columns, staging, gathered] { space.reserve(max(1, lanes)) }
    }

    /// Cuts each target's rows into at most `slabsPerTarget` slabs of whole groups.
    private func planSlabs(rows: Int, targets: [GradientTarget]) {
        slabs.removeAll(keepingCapacity: true)
        var order = Array(targets.indices.filter { !targets[$0].rows.isEmpty })
        order.sort { targets[$0].rows.lowerBound < targets[$1].rows.lowerBound }
        var cursor = 0
        for t in order {
            let range = targets[t].rows
            precondition(
                range.lowerBound >= cursor && range.upperBound <= rows,
                "gradient targets overlap or exceed the batch (\(range) of \(rows) rows)")
            let groups = (range.count + groupSize - 1) / groupSize
            let count = min(groups, Conv2D.slabsPerTarget)
            for j in 0..<count {
                let lower = range.lowerBound + groups * j / count * groupSize
                let upper = min(range.upperBound, range.lowerBound + groups * (j + 1) / count * groupSize)
                slabs.append((lower..<upper, t))
            }
            cursor = range.upperBound
        }
    }

    /// Output columns ox (or rows) whose input column ox·stride − padding + kx lies inside the image.
    private static func inside(_ kx: Int, input: Int, output: Int, stride: Int, padding: Int) -> Range<Int> {
        let before = padding - kx  // ox·stride must reach it
        let lower = before <= 0 ? 0 : (before + stride - 1) / stride
        let last = input - 1 + padding - kx
        let upper = last < 0 ? 0 : min(output, last / stride + 1)
        return lower..<max(lower, upper)
    }

    /// Writes one image's patches: row (c·k + ky)·k + kx holds input pixel
    /// (c, oy·s − pad + ky, ox·s − pad + kx) at column oy·OW + ox, zero outside the image.
    private func patches(of image: UnsafePointer<Float>, into col: UnsafeMutablePointer<Float>, rowStride: Int) {
        let (h, w, oh, ow) = (input.height, input.width, output.height, output.width)
        for c in 0..<input.channels {
            let plane = image + c &* h &* w
            for ky in 0..<kernel {
                let rows = insideRows[ky]
                for kx in 0..<kernel {
                    let row = col + ((c &* kernel &+ ky) &* kernel &+ kx) &* rowStride
                    let inside = insideColumns[kx]
                    row.update(repeating: 0, count: rows.lowerBound &* ow)
                    (row + rows.upperBound &* ow).update(repeating: 0, count: (oh &- rows.upperBound) &* ow)
                    if stride == 1 && ow == w {
                        // a "same" convolution: the row is the channel's plane shifted by (ky, kx) − padding,
                        // one copy; the columns that wrapped around the plane's edges are zeroed after it
                        let shift = (ky &- padding) &* w &+ kx &- padding
                        let first = max(rows.lowerBound &* ow, -shift)
                        let last = min(rows.upperBound &* ow, h &* w &- shift)
                        if first < last { (row + first).update(from: plane + (first &+ shift), count: last &- first) }
                        zeroOutside(inside, rows: rows, of: row)
                        continue
                    }
                    for oy in rows {
                        let out = row + oy &* ow
                        var from =
                            plane
                            + ((oy &* stride &- padding &+ ky) &* w &- padding &+ kx &+ inside.lowerBound &* stride)
                        for ox in inside {
                            out[ox] = from.pointee
                            from += stride
                        }
                    }
                    zeroOutside(inside, rows: rows, of: row)
                }
            }
        }
    }

    /// The adjoint of `patches`: adds each patch entry onto the input pixel it was read from.
    /// Overwrites the entries of `col` that fall on padding (same convolutions add whole planes).
    private func addPatches(_ col: UnsafeMutablePointer<Float>, rowStride: Int, into image: UnsafeMutablePointer<Float>)
    {
        let (h, w, ow) = (input.height, input.width, output.width)
        for c in 0..<input.channels {
            let plane = image + c &* h &* w
            for ky in 0..<kernel {
                let rows = insideRows[ky]
                for kx in 0..<kernel {
                    let row = col + ((c &* kernel &+ ky) &* kernel &+ kx) &* rowStride
                    let inside = insideColumns[kx]
                    if stride == 1 && ow == w {
                        // the reverse of the plane copy in `patches`: zero the wrapped columns, add one span
                        let shift = (ky &- padding) &* w &+ kx &- padding
                        zeroOutside(inside, rows: rows, of: row)
                        let first = max(rows.lowerBound &* ow, -shift)
                        let last = min(rows.upperBound &* ow, h &* w &- shift)
                        if first < last { addSpan(row + first, into: plane + (shift &+ first), count: last &- first) }
                        continue
                    }
                    for oy in rows {
                        let from = row + oy &* ow
                        var to =
                            plane
                            + ((oy &* stride &- padding &+ ky) &* w &- padding &+ kx &+ inside.lowerBound &* stride)
                        for ox in inside {
                            to.pointee += from[ox]
                            to += stride
                        }
                    }
                }
            }
        }
    }

    /// Zeroes the entries of a patch row, rows × output columns, whose column is not `inside`.
    @inline(__always)
    private func zeroOutside(_ inside: Range<Int>, rows: Range<Int>, of row: UnsafeMutablePointer<Float>) {
        let ow = output.width
        guard inside.lowerBound > 0 || inside.upperBound < ow else { return }
        // a few entries per row: down the columns, so that the compiler does not make each a memset call
        for ox in 0..<inside.lowerBound { for oy in rows { row[oy &* ow &+ ox] = 0 } }
        for ox in inside.upperBound..<ow { for oy in rows { row[oy &* ow &+ ox] = 0 } }
    }
}
