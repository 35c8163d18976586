import Crypto
import Testing

@testable import LibP2P

@Suite("Noise XX", .timeLimit(.minutes(1)))
struct NoiseVectorTests {
    typealias Key = Curve25519.KeyAgreement.PrivateKey

    @Test("handshake and transport messages match the noise_xx vector")
    func vector() throws {
        let v = try P2PTest.vectors("noise_xx")
        var initiator = NoiseHandshakeXX(
            initiator: true,
            staticKey: try Key(rawRepresentation: P2PTest.field(v, "initiator_static_x25519_private")),
            ephemeralKey: try Key(rawRepresentation: P2PTest.field(v, "initiator_ephemeral_x25519_private")))
        var responder = NoiseHandshakeXX(
            initiator: false,
            staticKey: try Key(rawRepresentation: P2PTest.field(v, "responder_static_x25519_private")),
            ephemeralKey: try Key(rawRepresentation: P2PTest.field(v, "responder_ephemeral_x25519_private")))
        let initiatorPayload = try P2PTest.field(v, "initiator_payload_NoiseHandshakePayload")
        let responderPayload = try P2PTest.field(v, "responder_payload_NoiseHandshakePayload")

        let msg1 = try initiator.writeMessage1()
        #expect(P2PTest.hex(msg1) == P2PTest.hex(try P2PTest.field(v, "msg1")))
        #expect(try responder.readMessage1(msg1).isEmpty)

        let msg2 = try responder.writeMessage2(payload: responderPayload)
        #expect(P2PTest.hex(msg2) == P2PTest.hex(try P2PTest.field(v, "msg2")))
        #expect(try initiator.readMessage2(msg2) == responderPayload)

        let msg3 = try initiator.writeMessage3(payload: initiatorPayload)
        #expect(P2PTest.hex(msg3) == P2PTest.hex(try P2PTest.field(v, "msg3")))
        #expect(try responder.readMessage3(msg3) == initiatorPayload)

        #expect(P2PTest.hex(initiator.handshakeHash) == P2PTest.hex(try P2PTest.field(v, "handshake_hash")))
        #expect(responder.handshakeHash == initiator.handshakeHash)
        #expect(
            try initiator.remoteStatic?.rawRepresentation.map { $0 }
                == P2PTest.field(v, "responder_static_x25519_public"))
        #expect(
            try responder.remoteStatic?.rawRepresentation.map { $0 }
                == P2PTest.field(v, "initiator_static_x25519_public"))
        let (i2r, r2i) = initiator.splitKeys()
        #expect(P2PTest.hex(i2r) == P2PTest.hex(try P2PTest.field(v, "initiator_to_responder_key")))
        #expect(P2PTest.hex(r2i) == P2PTest.hex(try P2PTest.field(v, "responder_to_initiator_key")))

        var (iSend, iReceive) = initiator.transportCiphers()
        var (rSend, rReceive) = responder.transportCiphers()
        for (n, name) in [(0, "i2r_nonce0"), (1, "i2r_nonce1")] {
            let plain = try P2PTest.field(v, "transport_\(name)_plaintext")
            let sealed = try iSend.encrypt(plain)
            #expect(
                P2PTest.hex(sealed) == P2PTest.hex(try P2PTest.field(v, "transport_\(name)_ciphertext")), "nonce \(n)")
            #expect(try rReceive.decrypt(sealed) == plain)
        }
        let plain = try P2PTest.field(v, "transport_r2i_nonce0_plaintext")
        let sealed = try rSend.encrypt(plain)
        #expect(P2PTest.hex(sealed) == P2PTest.hex(try P2PTest.field(v, "transport_r2i_nonce0_ciphertext")))
        #expect(try iReceive.decrypt(sealed) == plain)
    }

    @Test("a tampered or replayed transport message fails to decrypt")
    func tamper() throws {
        var a = NoiseCipherState(key: [UInt8](repeating: 7, count: 32))
        var b = NoiseCipherState(key: [UInt8](repeating: 7, count: 32))
        var sealed = try a.encrypt(Array("hello".utf8))
        sealed[0] ^= 1
        #expect(throws: NoiseError.decryptionFailed) { try b.decrypt(sealed) }
        #expect(throws: NoiseError.decryptionFailed) { try b.decrypt([1, 2, 3]) }
    }
}
