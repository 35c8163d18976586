import Crypto

/// The libp2p Noise security handshake (`/noise`): Noise XX plus the signed identity payload.
///
/// Each side proves its libp2p identity by signing its fresh X25519 static key; the peer checks
/// the signature against the static key the handshake just authenticated. A dialer that knows
/// whom it dialed also checks the remote peer ID.
enum NoiseSecurity {
    /// The multistream protocol id.
    static let protocolID = "/noise"

    /// The outcome of a successful handshake.
    struct Session {
        /// The authenticated remote peer.
        let remotePeer: PeerID
        /// The remote identity key.
        let remoteKey: PublicKey
        /// Cipher for messages we send.
        let send: NoiseCipherState
        /// Cipher for messages we receive.
        let receive: NoiseCipherState
    }

    /// Runs the handshake over a raw byte stream.
    /// - Parameters:
    ///   - expectedPeer: the peer the dialer meant to reach; a different one fails the handshake.
    /// - Throws: `NoiseError` (including `.peerIDMismatch`), `UnexpectedEOF`, I/O errors.
    static func handshake<S: ByteChunkSource>(
        _ reader: inout ByteReader<S>,
        write: ([UInt8]) async throws -> Void,
        initiator: Bool,
        identity: Identity,
        expectedPeer: PeerID?
    ) async throws -> Session {
        let staticKey = Curve25519.KeyAgreement.PrivateKey()
        var state = NoiseHandshakeXX(initiator: initiator, staticKey: staticKey)
        let ourPayload = NoiseHandshakePayload(
            identityKey: identity.publicKey.protobuf,
            identitySignature: try identity.sign(
                NoiseHandshakePayload.signedBytes(staticKey: Array(staticKey.publicKey.rawRepresentation)))
        ).encoded

        func readMessage(_ reader: inout ByteReader<S>) async throws -> [UInt8] {
            guard let message = try await NoiseFraming.readMessage(&reader) else { throw UnexpectedEOF() }
            return message
        }

        let remote: (PeerID, PublicKey)
        if initiator {
            try await write(NoiseFraming.frame(state.writeMessage1()))
            let payload = try state.readMessage2(try await readMessage(&reader))
            remote = try verify(payload, remoteStatic: state.remoteStatic)
            if let expectedPeer, remote.0 != expectedPeer {
                throw NoiseError.peerIDMismatch(expected: expectedPeer.description, actual: remote.0.description)
            }
            try await write(NoiseFraming.frame(state.writeMessage3(payload: ourPayload)))
        } else {
            _ = try state.readMessage1(try await readMessage(&reader))
            try await write(NoiseFraming.frame(state.writeMessage2(payload: ourPayload)))
            let payload = try state.readMessage3(try await readMessage(&reader))
            remote = try verify(payload, remoteStatic: state.remoteStatic)
        }
        let (send, receive) = state.transportCiphers()
        return Session(remotePeer: remote.0, remoteKey: remote.1, send: send, receive: receive)
    }

    /// Decodes the remote payload and verifies its signature over the remote static key.
    static func verify(
        _ payloadBytes: [UInt8], remoteStatic: Curve25519.KeyAgreement.PublicKey?
    ) throws(NoiseError) -> (PeerID, PublicKey) {
        guard let remoteStatic else { throw .handshake("remote static key missing") }
        let payload = try NoiseHandshakePayload(decoding: payloadBytes)
        let key: PublicKey
        do { key = try PublicKey(protobuf: payload.identityKey) } catch {
            throw .invalidPayload("identity key: \(error)")
        }
        let signed = NoiseHandshakePayload.signedBytes(staticKey: Array(remoteStatic.rawRepresentation))
        guard key.isValidSignature(payload.identitySignature, for: signed) else {
            throw .invalidPayload("the identity signature over the static key does not verify")
        }
        return (PeerID(publicKey: key), key)
    }
}
