import Foundation
import PackagePlugin

/// Writes `BuildStampValues.swift` into the `BuildStamp` target: the git commit the binary is
/// built from and, when the code has local changes, the SHA-256 of `git diff HEAD` over the
/// code (`Package.swift`, `Plugins/`, `Sources/`). Run files and checkpoints record these, not
/// what the folder the binary later runs in holds. The command runs again whenever a source
/// file, HEAD, the index or a branch moves (its inputs), and rewrites the file only when its
/// text changes, so an unchanged tree recompiles nothing.
@main
struct BuildStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildStampValues.swift")
        var inputs = context.package.targets.compactMap { $0.sourceModule }.flatMap { $0.sourceFiles.map(\.url) }
        inputs.append(root.appending(path: "Package.swift"))
        // only what exists: a tree without .git (a release tarball) stamps "unknown"
        let git = gitDirectory(of: root)
        for name in ["HEAD", "index", "packed-refs", "logs/HEAD"] {
            let url = git.appending(path: name)
            if FileManager.default.fileExists(atPath: url.path) { inputs.append(url) }
        }
        return [
            .buildCommand(
                displayName: "Stamping the build with its git commit",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "stamp", root.path, output.path],
                inputFiles: inputs, outputFiles: [output])
        ]
    }

    /// `.git`, or in a linked worktree the folder its `.git` file names ("gitdir: PATH").
    private func gitDirectory(of root: URL) -> URL {
        let dotGit = root.appending(path: ".git")
        guard let text = try? String(contentsOf: dotGit, encoding: .utf8), text.hasPrefix("gitdir: ") else {
            return dotGit
        }
        let path = text.dropFirst("gitdir: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appending(path: path)
    }

    private let script = #"""
        root="$1"; out="$2"
        code="Package.swift Plugins Sources"
        commit=$(git -C "$root" rev-parse HEAD 2>/dev/null) || commit=unknown
        [ -n "$commit" ] || commit=unknown
        diff=""
        if [ "$commit" != unknown ] && [ -n "$(git -C "$root" status --porcelain --untracked-files=no -- $code 2>/dev/null)" ]; then
            commit="$commit-dirty"
            if command -v sha256sum > /dev/null; then hash="sha256sum"; else hash="shasum -a 256"; fi  # macOS
            diff=$(git -C "$root" diff HEAD -- $code | $hash | cut -d' ' -f1)
        fi
        printf '// Written by the BuildStamp plugin (Plugins/BuildStamp) at build time.\nlet stampedCommit = "%s"\nlet stampedDiffSHA256 = "%s"\n' "$commit" "$diff" > "$out.next"
        if cmp -s "$out.next" "$out"; then rm -f "$out.next"; else mv "$out.next" "$out"; fi
        """#
}
