import Learning

/// A memory of a fixed number of slots, each holding one training row (input, label, task)
/// copied from a minibatch: the store of ER and DER, which choose the slot (reservoir sampling,
/// a ring per class) and keep anything else beside it (DER's logits).
public struct SlotMemory {
    /// Every slot; only `filledSlots` hold a row.
    public private(set) var slots: LabeledData
    /// The slots holding a row, in the order they were first filled (replay draws index it).
    public private(set) var filledSlots: [Int] = []
    private var filled: [Bool]

    public init(slots count: Int, width: Int) {
        slots = LabeledData(
            inputs: [Float](repeating: 0, count: count * width),
            labels: [Int32](repeating: 0, count: count), tasks: [Int32](repeating: 0, count: count),
            width: width)
        filled = [Bool](repeating: false, count: count)
    }

    public var slotCount: Int { filled.count }

    /// Copies row `r` of `batch` into `slot`.
    public mutating func store(_ batch: Minibatch, row r: Int, slot: Int) {
        let w = slots.width
        for p in 0..<w { slots.inputs[slot * w + p] = batch.inputs[r * w + p] }
        slots.labels[slot] = batch.labels[r]
        slots.tasks[slot] = batch.tasks[r]
        if !filled[slot] {
            filled[slot] = true
            filledSlots.append(slot)
        }
    }

    /// The filled slots' rows, in slot order.
    public var storedRows: LabeledData { slots.rows(filledSlots.sorted()) }

    /// The slots and which are filled, in order, as `memory` and `filled_slots`.
    public func save(into state: inout SavedState) {
        state.set("memory", slots)
        state.set("filled_slots", integers: filledSlots)
    }

    public mutating func restore(from state: SavedState) throws {
        slots = try state.labeledData("memory", shapedLike: slots)
        let order = try state.integers("filled_slots")
        guard order.allSatisfy({ (0..<slotCount).contains($0) }), Set(order).count == order.count else {
            throw SavedStateError(key: "filled_slots", problem: "a slot outside 0..<\(slotCount), or one twice")
        }
        filledSlots = order
        filled = [Bool](repeating: false, count: slotCount)
        for slot in order { filled[slot] = true }
    }
}
