import Foundation
import PackagePlugin

/// Writes `BuildStampValues.swift` into the `BuildStamp` target before every build: the git
/// commit the sources were built from and, for a tree with local changes, the SHA-256 of
/// `git diff HEAD`. Run files and checkpoints record what the binary was built from, not what
/// the folder it later runs in holds. The file is rewritten only when its text changes, so an
/// unchanged tree recompiles nothing.
@main
struct BuildStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "Generated")
        return [
            .prebuildCommand(
                displayName: "Stamping the build with its git commit",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "stamp", context.package.directoryURL.path, output.path],
                outputFilesDirectory: output)
        ]
    }

    private let script = #"""
        root="$1"; out="$2"; mkdir -p "$out"
        commit=$(git -C "$root" rev-parse HEAD 2>/dev/null) || commit=unknown
        [ -n "$commit" ] || commit=unknown
        diff=""
        if [ "$commit" != unknown ] && [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
            commit="$commit-dirty"
            diff=$(git -C "$root" diff HEAD | sha256sum | cut -d' ' -f1)
        fi
        printf '// Written by the BuildStamp plugin (Plugins/BuildStamp) at build time.\nlet stampedCommit = "%s"\nlet stampedDiffSHA256 = "%s"\n' "$commit" "$diff" > "$out/.next"
        if cmp -s "$out/.next" "$out/BuildStampValues.swift"; then rm -f "$out/.next"; else mv "$out/.next" "$out/BuildStampValues.swift"; fi
        """#
}
