/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64.
///
/// Every run owns one seed; each purpose (data order, permutations, memory selection,
/// initialisation, ...) gets its own stream derived from the seed and the purpose's name,
/// so adding a new use of randomness never shifts the numbers of an existing one.
/// The algorithms below (bounded integers, shuffles, floats) are written here rather than
/// taken from the standard library so that results stay bit-identical across Swift versions.
public struct RandomStream: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A stream for `purpose` under `seed`.
    public init(seed: UInt64, purpose: String = "") {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a of the purpose's UTF-8 bytes
        for byte in purpose.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        var mixer = seed ^ hash
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9e37_79b9_7f4a_7c15
            var z = x
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        s0 = splitMix(&mixer)
        s1 = splitMix(&mixer)
        s2 = splitMix(&mixer)
        s3 = splitMix(&mixer)
    }

    /// A stream from an explicit state (reference sequences, checkpoints).
    public init(rawState: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = rawState
    }

    /// The four state words: `init(rawState:)` continues the stream from exactly here (checkpoints).
    public var rawState: (UInt64, UInt64, UInt64, UInt64) { (s0, s1, s2, s3) }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform integer in 0..<bound (Lemire's multiply-shift with rejection: unbiased).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold { product = next().multipliedFullWidth(by: b) }
        }
        return Int(product.high)
    }

    /// Uniform Float in [0, 1) from the top 24 bits.
    public mutating func unitFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform Double in [0, 1) from the top 53 bits.
    public mutating func unitDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Fisher–Yates shuffle in place.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, below(i + 1))
        }
    }

    /// A random permutation of 0..<count.
    public mutating func permutation(_ count: Int) -> [Int] {
        var p = Array(0..<count)
        shuffle(&p)
        return p
    }

    /// `k` distinct indices from 0..<count, in increasing order.
    public mutating func sample(_ k: Int, from count: Int) -> [Int] {
        precondition(k <= count, "cannot sample \(k) of \(count)")
        var p = Array(0..<count)
        for i in 0..<k { p.swapAt(i, i + below(count - i)) }
        return p[0..<k].sorted()
    }
}
