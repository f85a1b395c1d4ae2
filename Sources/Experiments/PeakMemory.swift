// The peak resident set size of a run, from Linux's per-process high-water mark.

import Foundation

/// Linux keeps one peak RSS per process (`VmHWM` in /proc/self/status, `ru_maxrss` of
/// `getrusage`). Writing "5" to /proc/self/clear_refs resets it to the current RSS (Linux ≥ 4.0),
/// so a process that trains one run at a time measures each run's own peak: reset when the run
/// starts (memory already held, such as a task stream cached from the run before, still counts),
/// read when it ends. Runs trained side by side (`--jobs` > 1) share the process: their number is
/// the process's peak while they were in flight, an upper bound on each of them.
enum PeakMemory {
    /// What a stored peak covers: `run` (reset at the run's start, the only run in flight) or
    /// `process` (the process's peak since it started or since another run's reset).
    enum Scope: String { case run, process }

    /// Starts a measurement: resets the peak when this run is alone in the process.
    static func begin(alone: Bool) -> Scope {
        guard alone, let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return .process }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)) } catch { return .process }
        return .run
    }

    /// The process's peak RSS in bytes (`VmHWM`, else `ru_maxrss`); nil when neither is readable.
    static func peakBytes() -> Int? {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Int(
                line.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces)
                    .replacingOccurrences(of: " kB", with: ""))
        {
            return kib * 1024
        }
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0, usage.ru_maxrss > 0 else { return nil }
        return Int(usage.ru_maxrss) * 1024  // Linux reports KiB
    }
}
