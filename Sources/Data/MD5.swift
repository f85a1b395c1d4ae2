import COpenSSL
import Foundation

/// MD5 through OpenSSL's EVP interface. Only to compare with the digests the datasets' authors
/// publish (CIFAR's archives and files, Fashion-MNIST's .gz files); our own records use SHA-256.
public enum MD5 {
    /// The digest of `bytes` as 32 lowercase hex digits.
    public static func hexDigest(_ bytes: UnsafeRawBufferPointer) -> String {
        let hasher = Hasher()
        hasher.update(bytes)
        return hasher.finish()
    }

    public static func hexDigest(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hexDigest($0) }
    }

    /// The digest of the file at `path`, read in 4 MiB pieces (archives are ~170 MB).
    public static func hexDigest(ofFileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DatasetError.unreadableFile(path: path, reason: "cannot open it for reading")
        }
        defer { try? handle.close() }
        let hasher = Hasher()
        while true {
            let chunk: Foundation.Data?
            do { chunk = try handle.read(upToCount: 4 << 20) } catch {
                throw DatasetError.unreadableFile(path: path, reason: error.localizedDescription)
            }
            guard let chunk, !chunk.isEmpty else { break }
            chunk.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finish()
    }

    /// An incremental MD5 (EVP_DigestInit_ex / Update / Final_ex).
    final class Hasher {
        private let context: OpaquePointer

        init() {
            // Both only fail on allocation failure or a broken OpenSSL installation.
            guard let context = EVP_MD_CTX_new() else { preconditionFailure("OpenSSL EVP_MD_CTX_new failed") }
            precondition(EVP_DigestInit_ex(context, EVP_md5(), nil) == 1, "OpenSSL EVP_DigestInit_ex(MD5) failed")
            self.context = context
        }

        deinit { EVP_MD_CTX_free(context) }

        func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            precondition(EVP_DigestUpdate(context, base, bytes.count) == 1, "OpenSSL EVP_DigestUpdate failed")
        }

        func finish() -> String {
            var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            let ok = digest.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
            precondition(ok == 1 && length == 16, "OpenSSL EVP_DigestFinal_ex(MD5) failed")
            return digest.prefix(16).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        }
    }
}
