import Learning

/// The path integral SI and RWalk share: ω_i = Σ_steps −g_i Δθ_i, each parameter's share of the
/// loss decrease along the path the optimizer took, with g the step's loss gradient (before any
/// penalty's gradient is added) and Δθ the update actually applied (momentum included).
struct PathIntegral {
    /// ω since the last `reset`.
    private(set) var path: [Float]
    /// The step's g and θ before its update: only between `recordStep` and `addStep`, so a
    /// checkpoint (between two steps) needs `path` alone.
    private var gradient: [Float], before: [Float]

    init(count: Int) {
        path = [Float](repeating: 0, count: count)
        (gradient, before) = (path, path)
    }

    /// After backward, before any penalty: keeps g and θ.
    mutating func recordStep(gradient g: UnsafePointer<Float>, parameters theta: UnsafePointer<Float>) {
        for i in 0..<path.count { (gradient[i], before[i]) = (g[i], theta[i]) }
    }

    /// After the update: ω −= g ∘ (θ − θ_before).
    mutating func addStep(parameters theta: UnsafePointer<Float>) {
        for i in 0..<path.count { path[i] -= gradient[i] * (theta[i] - before[i]) }
    }

    mutating func reset() {
        for i in 0..<path.count { path[i] = 0 }
    }

    func save(into state: inout SavedState, key: String) { state.set(key, floats: path) }

    mutating func restore(from state: SavedState, key: String) throws {
        path = try state.floats(key, count: path.count)
    }
}
