import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension Identity {
    /// Writes the private key protobuf (spec 64-byte form) to `path` with mode 0600.
    ///
    /// The file is written to a temporary sibling and renamed into place, so a crash never leaves
    /// a half-written key. Missing parent directories are created (mode 0700).
    public func save(to path: String) throws(IdentityError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw IdentityError(
                "cannot create directory \(directory) for the identity key: \(error.localizedDescription)")
        }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else {
            throw IdentityError("cannot write identity key \(temporary): \(String(cString: strerror(errno)))")
        }
        let bytes = privateKeyProtobuf
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw IdentityError("cannot write identity key \(path): \(reason)")
        }
    }

    /// Reads an identity saved by `save(to:)`; also accepts py-libp2p's 32-byte-seed key files.
    ///
    /// - Throws: `IdentityError` naming the file and saying how to recover if it is unreadable or corrupt.
    public static func load(from path: String) throws(IdentityError) -> Identity {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw IdentityError("cannot read identity key \(path): \(error.localizedDescription)")
        }
        do {
            return try Identity(privateKeyProtobuf: Array(data))
        } catch {
            throw IdentityError(
                "identity key \(path) is corrupt (\(error.description)); "
                    + "move it away to generate a new identity (the peer ID will change)")
        }
    }

    /// Loads the identity at `path`, or generates and saves a new one if no file exists there.
    public static func loadOrCreate(at path: String) throws(IdentityError) -> Identity {
        if FileManager.default.fileExists(atPath: path) {
            return try load(from: path)
        }
        let identity = generate()
        try identity.save(to: path)
        return identity
    }
}
