import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// PDF and PNG copies of the report's figures, drawn from the SVG files (which stay the source)
/// by librsvg's `rsvg-convert` (Debian: librsvg2-bin). The PDF has the SVG's size (1 pixel =
/// 0.75 point); the PNG twice its pixels (192 dpi), sharp enough for a paper or slides. With
/// SOURCE_DATE_EPOCH=0 the PDF carries a fixed creation date, so both regenerate byte for byte
/// with the same librsvg and cairo.
public enum FigureExport {
    public static let program = "rsvg-convert", debianPackage = "librsvg2-bin"
    /// The copies written beside each NAME.svg.
    public static let formats = ["pdf", "png"]
    public static let pngZoom = 2

    /// What `bench report` says when the converter is missing.
    public static let missingWarning =
        "PDF and PNG figures not written: \(program) is not on PATH "
        + "(install Debian's \(debianPackage): apt-get install \(debianPackage), or scripts/install-deps.sh)"

    /// The converter in one of PATH's folders, or nil.
    public static func converter(path: String? = ProcessInfo.processInfo.environment["PATH"]) -> URL? {
        for folder in (path ?? "").split(separator: ":") where !folder.isEmpty {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(program)
            if access(candidate.path, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// NAME.pdf and NAME.png beside every NAME.svg of `svgs`, two conversions at a time per core.
    /// Each copy is written to a temporary name and renamed into place.
    /// - Returns: the copies written, and one line for each that failed (file and reason).
    static func writeCopies(of svgs: [URL], converter: URL) -> (files: [URL], failures: [String]) {
        let jobs = svgs.flatMap { svg in formats.map { (svg, $0) } }
        let results = ConcurrentResults<Result<URL, ExportFailure>>(count: jobs.count)
        DispatchQueue.concurrentPerform(iterations: jobs.count) { k in
            let (svg, format) = jobs[k]
            results.set(k, convert(svg, to: format, converter: converter))
        }
        var files: [URL] = []
        var failures: [String] = []
        for result in results.values {
            switch result {
            case .success(let file): files.append(file)
            case .failure(let failure): failures.append(failure.message)
            }
        }
        return (files, failures)
    }

    struct ExportFailure: Error {
        let message: String
    }

    private static func convert(_ svg: URL, to format: String, converter: URL) -> Result<URL, ExportFailure> {
        let target = svg.deletingPathExtension().appendingPathExtension(format)
        let temporary = svg.deletingLastPathComponent()
            .appendingPathComponent(".\(target.lastPathComponent).partial-\(getpid())")
        let process = Process()
        process.executableURL = converter
        process.arguments =
            ["--format", format, "--output", temporary.path]
            + (format == "png" ? ["--zoom", String(pngZoom)] : []) + [svg.path]
        var environment = ProcessInfo.processInfo.environment
        environment["SOURCE_DATE_EPOCH"] = "0"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do { try process.run() } catch {
            return .failure(
                ExportFailure(message: "\(target.path): cannot start \(converter.path): \(error.localizedDescription)"))
        }
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, rename(temporary.path, target.path) == 0 else {
            unlink(temporary.path)
            let reason = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return .failure(
                ExportFailure(
                    message: "\(target.path): \(program) failed (exit \(process.terminationStatus))"
                        + (reason.isEmpty ? "" : ": \(reason)")))
        }
        return .success(target)
    }
}

/// Results filled in by concurrent iterations, one slot each, read in order afterwards.
private final class ConcurrentResults<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Value) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var values: [Value] { slots.map { $0! } }
}
