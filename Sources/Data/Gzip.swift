import CZlib
import Foundation

/// gzip decompression into memory through zlib's `inflate` (windowBits 16 + MAX_WBITS, so only
/// gzip-wrapped streams are accepted; zlib's `gzread` would pass a non-gzip file through unchanged).
public enum Gzip {
    /// Reads the whole file at `path` and returns its decompressed bytes (at most `limit`).
    public static func decompressFile(atPath path: String, limit: Int = Int.max - 1) throws -> [UInt8] {
        let compressed = try readFile(atPath: path)
        return try compressed.withUnsafeBytes { try decompress($0, path: path, limit: limit) }
    }

    /// Decompresses one gzip stream (or several concatenated gzip members, as `gzip` allows).
    /// `path` names the source in error messages. Output beyond `limit` bytes is an error
    /// (`decompressedTooLarge`), found without producing more than `limit + 1` bytes.
    public static func decompress(_ input: UnsafeRawBufferPointer, path: String, limit: Int = Int.max - 1) throws
        -> [UInt8]
    {
        try inflateStream(input, path: path, capacity: limit + 1, stopAtCapacity: false)
    }

    /// The first `count` decompressed bytes (fewer if the stream is shorter); the rest of the
    /// stream is not decompressed.
    public static func decompressedPrefix(_ input: UnsafeRawBufferPointer, path: String, count: Int) throws -> [UInt8] {
        try inflateStream(input, path: path, capacity: count, stopAtCapacity: true)
    }

    /// Inflates into a buffer that grows up to `capacity` bytes; at that point it returns
    /// (`stopAtCapacity`) or reports that the output is larger than `capacity - 1` bytes.
    private static func inflateStream(
        _ input: UnsafeRawBufferPointer, path: String, capacity: Int,
        stopAtCapacity: Bool
    ) throws -> [UInt8] {
        guard input.count >= 2, input[0] == 0x1f, input[1] == 0x8b else {
            throw DatasetError.notGzip(path: path, firstBytes: Array(input.prefix(4)))
        }
        guard input.count <= Int(UInt32.max) else {
            throw DatasetError.decompressionFailed(path: path, reason: "compressed file larger than 4 GiB")
        }
        var output = [UInt8](repeating: 0, count: max(1, min(initialCapacity(for: input), capacity)))
        var produced = 0
        var stream = z_stream()
        var status = inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw DatasetError.decompressionFailed(path: path, reason: "zlib inflateInit2 failed (status \(status))")
        }
        defer { inflateEnd(&stream) }
        // zlib never writes through next_in; the mutable pointer is only its C signature.
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)

        while true {
            if produced == output.count {
                if produced >= capacity {
                    if stopAtCapacity { return output }
                    throw DatasetError.decompressedTooLarge(path: path, limit: capacity - 1)
                }
                output.append(contentsOf: repeatElement(0, count: min(output.count, capacity - output.count)))
            }
            status = output.withUnsafeMutableBufferPointer { buffer in
                let room = min(buffer.count - produced, Int(UInt32.max))
                stream.next_out = buffer.baseAddress! + produced
                stream.avail_out = uInt(room)
                let result = inflate(&stream, Z_NO_FLUSH)
                produced += room - Int(stream.avail_out)
                return result
            }
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                let remaining = Int(stream.avail_in)
                if remaining == 0 {
                    if produced >= capacity && !stopAtCapacity {
                        throw DatasetError.decompressedTooLarge(path: path, limit: capacity - 1)
                    }
                    output.removeSubrange(produced...)
                    return output
                }
                // Another gzip member follows (as `cat a.gz b.gz` makes); anything else is garbage.
                let offset = input.count - remaining
                guard remaining >= 2, input[offset] == 0x1f, input[offset + 1] == 0x8b else {
                    throw DatasetError.decompressionFailed(
                        path: path, reason: "\(remaining) bytes of trailing garbage after the gzip stream")
                }
                guard inflateReset(&stream) == Z_OK else {
                    throw DatasetError.decompressionFailed(path: path, reason: "zlib inflateReset failed")
                }
            case Z_BUF_ERROR where stream.avail_in == 0:
                throw DatasetError.decompressionFailed(
                    path: path, reason: "compressed data ends early (the file is truncated after \(input.count) bytes)")
            case Z_DATA_ERROR:
                let detail = stream.msg.map { String(cString: $0) } ?? "invalid data"
                throw DatasetError.decompressionFailed(path: path, reason: "corrupt compressed data (zlib: \(detail))")
            case Z_MEM_ERROR:
                throw DatasetError.decompressionFailed(path: path, reason: "zlib ran out of memory")
            default:
                throw DatasetError.decompressionFailed(path: path, reason: "zlib inflate failed (status \(status))")
            }
        }
    }

    /// The gzip trailer's ISIZE (uncompressed size mod 2^32) sizes the buffer in one go for a
    /// single-member file; it is only a hint, clamped to deflate's maximum ratio (about 1032:1).
    private static func initialCapacity(for input: UnsafeRawBufferPointer) -> Int {
        let n = input.count
        guard n >= 18 else { return 4096 }
        let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        return max(4096, min(isize, n * 1032))
    }

    /// The bytes of the regular file at `path`. Anything else (a directory, a FIFO, a device)
    /// is refused by its kind before a read, which on a FIFO would wait forever.
    static func readFile(atPath path: String) throws -> Foundation.Data {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw DatasetError.missingFile(path: path, dataset: nil, searched: []) }
            throw DatasetError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw DatasetError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw DatasetError.unreadableFile(path: path, reason: "it is \(fileKind(info.st_mode)), not a regular file")
        }
        var data = Foundation.Data(count: Int(info.st_size))
        var filled = 0
        while true {
            if filled == data.count { data.count += max(4096, data.count / 2) }  // the file grew
            let n = data.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                throw DatasetError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            filled += n
        }
        data.count = filled
        return data
    }
}

/// "a directory", "a FIFO (named pipe)", ... for messages.
func fileKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFDIR: return "a directory"
    case S_IFIFO: return "a FIFO (named pipe)"
    case S_IFSOCK: return "a socket"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFLNK: return "a symbolic link"
    default: return "a regular file"
    }
}
