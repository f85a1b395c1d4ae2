import Learning

/// Reservoir sampling over a stream (Vitter's algorithm R): the memory slot of the n-th sample
/// seen (from 0) in a memory of `capacity` slots, or nil when it is not kept. The first
/// `capacity` samples fill the slots in order; later, sample n replaces slot j for a uniform
/// j ∈ [0, n] when j < capacity, so every sample seen so far is kept with probability
/// capacity / (n + 1). Draws from `rng` only once the memory is full.
func reservoirSlot(seen n: Int, capacity: Int, rng: inout RandomStream) -> Int? {
    if n < capacity { return n }
    let j = rng.below(n + 1)
    return j < capacity ? j : nil
}
