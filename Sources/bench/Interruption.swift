import Dispatch
import Foundation

/// Turns signals into flags the training loop checks between iterations:
/// - SIGTERM and SIGUSR1 (what SLURM sends before a time limit or preemption, `--signal`):
///   every run in flight writes a checkpoint and stops; `bench run` exits with `checkpointedStatus`;
/// - SIGINT (Ctrl-C): the runs in flight stop and are abandoned (each keeps its checkpoint of the
///   last finished task); a second Ctrl-C exits at once.
final class Interruption: @unchecked Sendable {
    /// "Checkpointed, not finished" (EX_TEMPFAIL): run the same command again to resume.
    static let checkpointedStatus: Int32 = 75

    private let lock = NSLock()
    private var stopRequested = false
    private var checkpointRequested = false
    private var sources: [DispatchSourceSignal] = []

    init() {
        for signalNumber in [SIGINT, SIGTERM, SIGUSR1] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.received(signalNumber) }
            source.resume()
            sources.append(source)
        }
    }

    private func received(_ signalNumber: Int32) {
        lock.lock()
        let second = stopRequested
        if signalNumber == SIGINT { stopRequested = true } else { checkpointRequested = true }
        lock.unlock()
        // a second Ctrl-C does not wait for the iteration to end
        if signalNumber == SIGINT && second { exit(130) }
    }

    var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopRequested
    }

    var isCheckpointRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return checkpointRequested
    }
}
