// Resume: skip a run whose complete file already holds the same config.

/// What to do with a planned run, given the config stored in its existing run file.
public enum ResumeDecision: Sendable, Equatable, Hashable {
    /// No complete run file (or `--force`): run it.
    case run
    /// A complete run file with the same config exists: skip it.
    case skipComplete
    /// A complete run file exists but its config differs (each difference as
    /// `FIELD: stored X, planned Y`): do not overwrite it silently; report it, `--force` reruns.
    case configMismatch([String])
}

/// The resume decision for `spec`.
///
/// - Parameters:
///   - existingConfigYAML: the canonical config stored in the complete run file
///     `spec.outputFileName`, or nil when there is no complete file (a partial file written under
///     a temporary name never counts).
///   - force: rerun even a complete, matching run.
///
/// Configs are compared field by field on everything that determines the numbers; `source_file`
/// and `experiment_folders` are provenance and may differ (a moved YAML file does not
/// invalidate results).
public func resumeDecision(for spec: RunSpec, existingConfigYAML: String?, force: Bool = false) -> ResumeDecision {
    guard let existingConfigYAML, !force else { return .run }
    let stored: RunSpec
    do {
        stored = try RunSpec(canonicalYAML: existingConfigYAML, source: spec.outputFileName)
    } catch {
        return .configMismatch(["stored config unreadable: \(error)"])
    }
    let differences = configDifferences(stored: stored, planned: spec)
    return differences.isEmpty ? .skipComplete : .configMismatch(differences)
}

/// `FIELD: stored X, planned Y` for every canonical field that differs, except the provenance
/// fields `source_file` and `experiment_folders`.
public func configDifferences(stored: RunSpec, planned: RunSpec) -> [String] {
    let a = stored.flattenedConfig
    let b = planned.flattenedConfig
    let keys =
        (planned.canonicalFields.map(\.key)
            + stored.canonicalFields.map(\.key).filter { b[$0] == nil })
    let provenance: Set<String> = ["source_file", "experiment_folders"]
    return keys.filter { !provenance.contains($0) && a[$0] != b[$0] }.map {
        "\($0): stored \(a[$0] ?? "(absent)"), planned \(b[$0] ?? "(absent)")"
    }
}

extension ResumeDecision {
    /// One word for tables: `run`, `skip` or `MISMATCH`.
    public var label: String {
        switch self {
        case .run: return "run"
        case .skipComplete: return "skip"
        case .configMismatch: return "MISMATCH"
        }
    }
}
