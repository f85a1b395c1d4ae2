import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Downloads one URL into a `.part` file, resuming from the bytes already in it with an HTTP
/// `Range` request. A server that ignores the range (200 instead of 206) is read from the start.
/// Streams to disk: memory stays at one network chunk whatever the file's size.
final class Downloader: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// Bytes in the `.part` file so far, and the full length when the server says it.
    typealias Progress = @Sendable (_ received: Int64, _ total: Int64?) -> Void

    private let url: URL
    private let partPath: String
    private let progress: Progress
    private let done = DispatchSemaphore(value: 0)
    // Touched only on the session's serial delegate queue, then read after `done` fires.
    private var file: FileHandle?
    private var received: Int64 = 0
    private var total: Int64?
    private var failure: FetchError?

    private init(url: URL, partPath: String, progress: @escaping Progress) {
        self.url = url
        self.partPath = partPath
        self.progress = progress
    }

    /// Fetches `url` into `partPath` (created or extended). Returns the file's final length and
    /// the offset the transfer resumed from. Throws `FetchError.network` (the `.part` file is
    /// kept for the next attempt) or `.httpStatus`.
    static func download(
        _ url: URL, to partPath: String, timeout: TimeInterval,
        progress: @escaping Progress
    ) throws -> (length: Int64, resumedFrom: Int64) {
        let task = Downloader(url: url, partPath: partPath, progress: progress)
        return try task.run(timeout: timeout)
    }

    private func run(timeout: TimeInterval) throws -> (length: Int64, resumedFrom: Int64) {
        if !FileManager.default.fileExists(atPath: partPath) {
            guard FileManager.default.createFile(atPath: partPath, contents: nil) else {
                throw FetchError.fileSystem(
                    path: partPath, action: "create", reason: "permission denied or no such folder")
            }
        }
        guard let handle = FileHandle(forUpdatingAtPath: partPath) else {
            throw FetchError.fileSystem(path: partPath, action: "open", reason: "it is not writable")
        }
        defer { try? handle.close() }
        let offset = Int64((try? handle.seekToEnd()) ?? 0)
        file = handle
        received = offset

        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout  // the longest silence, not the whole transfer
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
        session.dataTask(with: request).resume()
        done.wait()
        session.finishTasksAndInvalidate()
        if let failure { throw failure }
        return (received, offset)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let length = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
        switch status {
        case 206 where contentRangeStart(response) == received:
            total = length.map { $0 + received }
        case 200:
            // A fresh copy (or a server without ranges): start the file over.
            do {
                try file?.truncate(atOffset: 0)
            } catch {
                failure = .fileSystem(path: partPath, action: "truncate", reason: error.localizedDescription)
                completionHandler(.cancel)
                return
            }
            received = 0
            total = length
        case 206:
            failure = .httpStatus(url: url.absoluteString, status: 206)  // a range other than the one asked for
            completionHandler(.cancel)
            return
        default:
            failure = .httpStatus(url: url.absoluteString, status: status)
            completionHandler(.cancel)
            return
        }
        progress(received, total)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Foundation.Data) {
        guard failure == nil, let file else { return }
        do {
            try file.write(contentsOf: data)
        } catch {
            failure = .fileSystem(path: partPath, action: "write", reason: error.localizedDescription)
            dataTask.cancel()
            return
        }
        received += Int64(data.count)
        progress(received, total)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if failure == nil {
            if let error {
                failure = .network(
                    url: url.absoluteString, reason: error.localizedDescription, partPath: partPath,
                    received: received)
            } else if let total, received != total {
                failure = .network(
                    url: url.absoluteString,
                    reason: "the server closed the connection at \(received) of \(total) bytes",
                    partPath: partPath, received: received)
            }
        }
        done.signal()
    }

    /// The first byte of a `Content-Range: bytes <first>-<last>/<length>` header.
    private func contentRangeStart(_ response: URLResponse) -> Int64? {
        guard let value = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Range"),
            value.hasPrefix("bytes ")
        else { return nil }
        return Int64(value.dropFirst(6).prefix { $0.isNumber })
    }
}
