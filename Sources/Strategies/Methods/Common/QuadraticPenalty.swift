import Learning

/// The penalty the regularisation methods share (EWC, SI, MAS, RWalk): λ Σ_i Ω_i (θ_i − θ*_i)²,
/// whose gradient 2λ (Ω_i θ_i − Ω_i θ*_i) is added to the loss gradient every step.
///
/// It keeps Ω and Ω ∘ θ*, so that a sum of penalties with anchors of their own (EWC's
/// Σ_k F_k (θ − θ*_k)², `add`) is the same single pass over the parameters as one penalty with
/// one anchor (SI, MAS, RWalk, `replace`). Empty until the first importances arrive.
struct QuadraticPenalty {
    /// Ω, one importance per parameter.
    private(set) var importance: [Float] = []
    /// Ω ∘ θ*, the importances times their anchors (summed over EWC's tasks).
    private(set) var weightedAnchor: [Float] = []

    var isEmpty: Bool { importance.isEmpty }

    /// Adds a penalty F (θ − θ*)² to those held: Ω += F, Ω ∘ θ* += F ∘ θ*.
    mutating func add(_ f: UnsafePointer<Float>, anchor: UnsafePointer<Float>, count: Int) {
        allocate(count)
        for i in 0..<count {
            importance[i] += f[i]
            weightedAnchor[i] += f[i] * anchor[i]
        }
    }

    /// Replaces the penalty by Ω (θ − θ*)².
    mutating func replace(importance newImportance: [Float], anchor: UnsafePointer<Float>) {
        importance = newImportance
        weightedAnchor = [Float](repeating: 0, count: importance.count)
        for i in 0..<importance.count { weightedAnchor[i] = importance[i] * anchor[i] }
    }

    /// g += 2λ (Ω ∘ θ − Ω ∘ θ*); nothing while empty.
    func addGradient(
        strength lambda: Float, parameters theta: UnsafePointer<Float>,
        into g: UnsafeMutablePointer<Float>
    ) {
        let scale = 2 * lambda
        for i in 0..<importance.count { g[i] += scale * (importance[i] * theta[i] - weightedAnchor[i]) }
    }

    /// Ω and Ω ∘ θ* under the two keys given.
    func save(into state: inout SavedState, importanceKey: String, anchorKey: String) {
        state.set(importanceKey, floats: importance)
        state.set(anchorKey, floats: weightedAnchor)
    }

    /// What `save` wrote, for a model of `parameterCount` parameters (or empty).
    mutating func restore(
        from state: SavedState, importanceKey: String, anchorKey: String,
        parameterCount: Int
    ) throws {
        importance = try state.floats(importanceKey)
        weightedAnchor = try state.floats(anchorKey, count: importance.count)
        guard importance.isEmpty || importance.count == parameterCount else {
            throw SavedStateError(
                key: importanceKey,
                problem: "holds \(importance.count) values, the model has \(parameterCount) parameters")
        }
    }

    private mutating func allocate(_ count: Int) {
        guard importance.isEmpty else { return }
        importance = [Float](repeating: 0, count: count)
        weightedAnchor = [Float](repeating: 0, count: count)
    }
}
