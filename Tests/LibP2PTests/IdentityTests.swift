import Foundation
import Testing

@testable import LibP2P

@Suite struct IdentityTests {
    static let names = ["identity_A", "identity_B"]

    @Test(arguments: names) func vectorKeysAndPeerIDs(name: String) throws {
        let identity = try Identity(seed: GossipFixtures.bytes(name, "ed25519_seed"))
        #expect(identity.publicKey.data == GossipFixtures.bytes(name, "ed25519_public"))
        #expect(identity.publicKey.protobuf == GossipFixtures.bytes(name, "public_key_protobuf"))
        #expect(identity.privateKeyProtobuf == GossipFixtures.bytes(name, "private_key_protobuf_spec_64byte"))
        #expect(identity.peerID.bytes == GossipFixtures.bytes(name, "peer_id_bytes"))
        #expect(identity.peerID.description == GossipFixtures.string(name, "peer_id_base58btc"))
        #expect(identity.peerID.cidString == GossipFixtures.string(name, "peer_id_cidv1_base32"))
    }

    @Test(arguments: names) func parsesBothPeerIDTextForms(name: String) throws {
        let expected = GossipFixtures.bytes(name, "peer_id_bytes")
        #expect(try PeerID(parsing: GossipFixtures.string(name, "peer_id_base58btc")).bytes == expected)
        #expect(try PeerID(parsing: GossipFixtures.string(name, "peer_id_cidv1_base32")).bytes == expected)
        let peer = try PeerID(bytes: expected)
        #expect(peer.publicKey?.data == GossipFixtures.bytes(name, "ed25519_public"))
    }

    @Test(arguments: names) func decodesBothPrivateKeyForms(name: String) throws {
        let seed = GossipFixtures.bytes(name, "ed25519_seed")
        let spec = try Identity(privateKeyProtobuf: GossipFixtures.bytes(name, "private_key_protobuf_spec_64byte"))
        let py = try Identity(privateKeyProtobuf: GossipFixtures.bytes(name, "private_key_protobuf_pylibp2p_32byte"))
        #expect(spec.seed == seed)
        #expect(py.seed == seed)
        #expect(spec.peerID == py.peerID)
    }

    @Test func specPublicKeyVector() throws {
        let key = try PublicKey(
            ed25519: GossipFixtures.bytes(hex: "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"))
        #expect(PeerID(publicKey: key).description == "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq")
    }

    @Test func longKeysAreHashedWithSHA256() throws {
        let rsa = PublicKey(type: .rsa, data: [UInt8](repeating: 7, count: 270))
        let peer = PeerID(publicKey: rsa)
        #expect(peer.bytes.count == 34)
        #expect(Array(peer.bytes.prefix(2)) == [0x12, 0x20])
        #expect(peer.description.hasPrefix("Qm"))
        #expect(peer.publicKey == nil)
        #expect(try PeerID(parsing: peer.description) == peer)
        #expect(try PeerID(parsing: peer.cidString) == peer)
        #expect(peer.cidString.hasPrefix("bafzbei"))
    }

    @Test func signaturesVerify() throws {
        let identity = try Identity(seed: GossipFixtures.bytes("identity_A", "ed25519_seed"))
        let message = Array("message".utf8)
        let signature = try identity.sign(message)
        #expect(signature.count == 64)
        #expect(identity.publicKey.isValidSignature(signature, for: message))
        #expect(!identity.publicKey.isValidSignature(signature, for: Array("other".utf8)))
        #expect(!Identity.generate().publicKey.isValidSignature(signature, for: message))
    }

    @Test func rejectsBadPeerIDsAndKeys() {
        #expect(throws: IdentityError.self) { try PeerID(parsing: "12D3KooW") }
        #expect(throws: IdentityError.self) { try PeerID(parsing: "") }
        #expect(throws: IdentityError.self) {
            try PeerID(parsing: "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e")
        }
        #expect(throws: IdentityError.self) { try PeerID(bytes: [0x00, 0x03, 0x08, 0x01, 0x12]) }
        #expect(throws: IdentityError.self) { try PeerID(bytes: [0x13, 0x01, 0x00]) }
        #expect(throws: IdentityError.self) { try PublicKey(protobuf: [0x08, 0x01, 0x12, 0x02, 0x01, 0x02]) }
        #expect(throws: IdentityError.self) { try PublicKey(protobuf: [0x08, 0x09, 0x12, 0x00]) }
        #expect(throws: IdentityError.self) { try PublicKey(protobuf: [0x12, 0x00]) }
        #expect(throws: IdentityError.self) { try Identity(seed: [1, 2, 3]) }
        var mismatched = GossipFixtures.bytes("identity_A", "private_key_protobuf_spec_64byte")
        mismatched[mismatched.count - 1] ^= 1
        #expect(throws: IdentityError("private key: the public half does not match the seed")) {
            try Identity(privateKeyProtobuf: mismatched)
        }
    }
}

@Suite struct IdentityFileTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ghcache-identity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func savesSpecFormWithMode0600AndReloads() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("sub/identity.key").path
        let identity = try Identity(seed: GossipFixtures.bytes("identity_A", "ed25519_seed"))
        try identity.save(to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let contents = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(Array(contents) == GossipFixtures.bytes("identity_A", "private_key_protobuf_spec_64byte"))
        #expect(try Identity.load(from: path).peerID == identity.peerID)
    }

    @Test func loadOrCreateKeepsThePeerIDAcrossRestarts() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("identity.key").path
        let first = try Identity.loadOrCreate(at: path)
        let second = try Identity.loadOrCreate(at: path)
        #expect(first.peerID == second.peerID)
    }

    @Test func loadsPyLibp2pSeedForm() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("py.key").path
        try Data(GossipFixtures.bytes("identity_B", "private_key_protobuf_pylibp2p_32byte")).write(
            to: URL(fileURLWithPath: path))
        #expect(
            try Identity.load(from: path).peerID.description == GossipFixtures.string("identity_B", "peer_id_base58btc")
        )
    }

    @Test func corruptFileGivesAClearErrorAndIsLeftAlone() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("identity.key").path
        let garbage = Data("not a key".utf8)
        try garbage.write(to: URL(fileURLWithPath: path))
        #expect {
            try Identity.loadOrCreate(at: path)
        } throws: { error in
            let text = (error as? IdentityError)?.description ?? ""
            return text.contains("identity key \(path) is corrupt") && text.contains("move it away")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }
}
