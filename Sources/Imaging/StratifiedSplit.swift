import CNN

/// Splits each class on its own so validation keeps the class proportions: of a class's `n`
/// items, `round(n × fraction)` go to validation, at least 1 when n ≥ 2 and never all of them.
/// Which items go is drawn by a generator seeded from (seed, class name), so a class's split
/// does not change when other classes are added or removed. Both parts keep the input order.
func stratifiedSplit(_ items: [DatasetItem], classNames: [String], fraction: Double,
                     seed: UInt64) -> (train: [DatasetItem], validation: [DatasetItem]) {
    guard fraction > 0 else { return (items, []) }
    var positionsByClass: [Int: [Int]] = [:]
    for (position, item) in items.enumerated() {
        positionsByClass[item.label ?? -1, default: []].append(position)
    }
    var toValidation = [Bool](repeating: false, count: items.count)
    for (label, positions) in positionsByClass {
        let n = positions.count
        guard n >= 2 else { continue }
        let count = min(max(Int((Double(n) * fraction).rounded(.toNearestOrAwayFromZero)), 1), n - 1)
        let name = classNames.indices.contains(label) ? classNames[label] : ""
        var generator = SeededGenerator(seed: mixed(mixed(seed ^ 0x3C6E_F372_FE94_F82B) ^ fnv1a(name)))
        var shuffled = positions
        shuffled.shuffleInPlace(using: &generator)
        for position in shuffled.prefix(count) { toValidation[position] = true }
    }
    var train: [DatasetItem] = [], validation: [DatasetItem] = []
    for (position, item) in items.enumerated() {
        if toValidation[position] { validation.append(item) } else { train.append(item) }
    }
    return (train, validation)
}

/// 64-bit FNV-1a of the UTF-8 bytes: a stable hash (Swift's `Hasher` is seeded per process).
func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash
}
