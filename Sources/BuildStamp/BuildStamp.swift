/// What this binary was built from, as the `BuildStamp` plugin found it at build time: the git
/// commit ("unknown" outside a checkout, "-dirty" after it when the code, `Package.swift`,
/// `Plugins/` and `Sources/`, had local changes) and then the SHA-256 of their `git diff HEAD`
/// (empty otherwise).
public enum BuildInfo {
    public static var gitCommit: String { stampedCommit }
    public static var diffSHA256: String { stampedDiffSHA256 }
}
