import Foundation
import Notifications
import Testing

@Suite("acknowledge links: signed, bound to one person and incident, expiring")
struct AckLinkTests {
    let links = AckLinks(secret: Data(repeating: 7, count: 32), baseURL: "https://fb.example/base")
    let sent = Date(timeIntervalSince1970: 1_780_000_000)

    @Test("a link verifies for its person and incident until it expires, and only then")
    func verify() throws {
        let token = links.token(notificationID: 42, user: "alice", incidentID: "INC-7", sentAt: sent)
        #expect(
            links.url(notificationID: 42, user: "alice", incidentID: "INC-7", sentAt: sent)
                == "https://fb.example/base/ack/\(token)")
        let parsed = try #require(AckLinks.parse(token))
        #expect(parsed.notificationID == 42)
        let checked = links.verify(token, user: "alice", incidentID: "INC-7", at: sent.addingTimeInterval(3600))
        let verified = try checked.get()
        #expect(verified.notificationID == 42)
        #expect(verified.expires == sent.addingTimeInterval(86400))
        let expiry = sent.addingTimeInterval(86400)
        #expect(
            links.verify(token, user: "alice", incidentID: "INC-7", at: expiry.addingTimeInterval(1))
                == .failure(.expired(expiry)))
    }

    @Test("another person, another incident, a changed expiry or signature, or another key: invalid")
    func tampered() throws {
        let token = links.token(notificationID: 42, user: "alice", incidentID: "INC-7", sentAt: sent)
        let now = sent.addingTimeInterval(60)
        #expect(links.verify(token, user: "bob", incidentID: "INC-7", at: now) == .failure(.invalid))
        #expect(links.verify(token, user: "alice", incidentID: "INC-8", at: now) == .failure(.invalid))
        let parts = token.split(separator: ".").map(String.init)
        let later = [parts[0], String(Int64(parts[1])! + 86400), parts[2]].joined(separator: ".")
        #expect(links.verify(later, user: "alice", incidentID: "INC-7", at: now) == .failure(.invalid), "a longer life")
        let flipped = String(token.dropLast()) + (token.hasSuffix("A") ? "B" : "A")
        #expect(links.verify(flipped, user: "alice", incidentID: "INC-7", at: now) == .failure(.invalid))
        let other = AckLinks(secret: Data(repeating: 8, count: 32), baseURL: "https://fb.example")
        #expect(other.verify(token, user: "alice", incidentID: "INC-7", at: now) == .failure(.invalid))
        for garbage in ["", "x", "1.2", "a.b.c", "42.notanumber.sig", String(repeating: "9", count: 400)] {
            #expect(
                links.verify(garbage, user: "alice", incidentID: "INC-7", at: now) == .failure(.invalid), "\(garbage)")
        }
    }
}
