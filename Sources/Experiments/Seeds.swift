// Seed lists: `0-4`, `0,3`, `0-2,7`, on the command line (`--seeds`) and in YAML (`seeds:`).

import Foundation

/// The seeds to run, overriding every selected experiment's own `seeds`.
public struct SeedSelection: Sendable, Equatable, Hashable {
    /// Distinct non-negative seeds in the order written.
    public var seeds: [Int]

    public init(_ seeds: [Int]) { self.seeds = seeds }

    /// Parses `0-4` (inclusive range), `0,3` (list) or a mix (`0-2,7`).
    /// Errors read `--seeds TEXT: REASON`, e.g. `--seeds 4-0: range must be ascending`.
    public init(parsing text: String) throws {
        switch parseSeedList(text) {
        case .success(let seeds): self.seeds = seeds
        case .failure(let error):
            throw RegistryError([Diagnostic(location: nil, field: "--seeds \(text)", message: error.reason)])
        }
    }
}

struct SeedSyntaxError: Error { var reason: String }

/// The most seeds one selection may hold: far more than any study runs, few enough that a
/// slip such as `0-1000000000` is an error instead of a plan that never finishes expanding.
public let maximumSeedCount = 10_000

/// The seed grammar shared by `--seeds` and YAML `seeds: "0-4"`.
func parseSeedList(_ text: String) -> Result<[Int], SeedSyntaxError> {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { return .failure(.init(reason: "no seeds given (expected e.g. 0-4, 0,3 or 0-2,7)")) }
    var seeds: [Int] = []
    var seen = Set<Int>()
    for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
        let item = part.trimmingCharacters(in: .whitespaces)
        let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
        let numbers = bounds.map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(bounds.count), numbers.allSatisfy({ $0 != nil }) else {
            return .failure(
                .init(
                    reason:
                        "'\(item)' is not a seed or a range (expected e.g. 0-4, 0,3 or 0-2,7; seeds are non-negative integers)"
                ))
        }
        let low = numbers[0]!
        let high = numbers[numbers.count - 1]!
        guard low >= 0, high >= 0 else {
            return .failure(.init(reason: "seeds must be non-negative"))
        }
        guard low <= high else { return .failure(.init(reason: "range must be ascending")) }
        // checked before expanding: high - low cannot overflow, both are non-negative
        guard high - low < maximumSeedCount - seeds.count else {
            return .failure(
                .init(
                    reason: "'\(item)' takes the selection past \(maximumSeedCount) seeds, "
                        + "the most one plan may hold"))
        }
        for seed in low...high {
            if !seen.insert(seed).inserted { return .failure(.init(reason: "seed \(seed) is listed twice")) }
            seeds.append(seed)
        }
    }
    return .success(seeds)
}
