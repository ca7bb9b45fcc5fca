import Foundation
import Incidents
import Store
import Testing

/// ``StorageHealth`` (what `/health` asks) and ``Storage/directory``.
@Suite("Conformance: health probe")
struct HealthConformance {
    @Test("probeWrite commits on a working store, again and again", arguments: Engine.allCases)
    func probe(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await store.probeWrite(at: t0, timeout: 1)
        try await store.probeWrite(at: t0.plus(1), timeout: 1)
        try await Given.incident(store)
        #expect(try await store.incident(id: "INC-1").title == "Orders down", "the store still works after a probe")
    }

    @Test("probeWrite is unavailable when the engine cannot write", arguments: Engine.allCases)
    func unavailable(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await store.probeWrite(at: t0, timeout: 1)
        try engine.breakWrites(of: store)
        await expectStoreError(.unavailable) { try await store.probeWrite(at: t0.plus(1), timeout: 0.2) }
    }

    @Test(
        "probeWrite waits at most its timeout for a write in progress, then says unavailable",
        arguments: Engine.allCases)
    func lockTimeout(engine: Engine) async throws {
        guard engine.hasOneWriter else { return }
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        let (started, writing) = AsyncStream.makeStream(of: Void.self)
        let finish = DispatchSemaphore(value: 0)
        // A write transaction that stays open until the probe has answered: ingest's body runs on the engine's
        // writer, off the cooperative pool, so it may block there.
        async let held: Void = store.ingest { tx in
            defer { writing.finish() }
            try tx.append(TimelineEntry(kind: .note, actor: "t", at: t0), to: "INC-1", requestID: nil)
            writing.yield()
            _ = finish.wait(timeout: .now() + 30)
        }
        for await _ in started { break }
        let began = Date()
        await expectStoreError(.unavailable) { try await store.probeWrite(at: t0.plus(1), timeout: 0.2) }
        #expect(Date().timeIntervalSince(began) < 20, "the probe gave up at its timeout")
        finish.signal()
        try await held
        try await store.probeWrite(at: t0.plus(2), timeout: 1)
        #expect(try await store.timeline(incidentID: "INC-1").last?.kind == .note)
    }

    @Test("directory is the data directory of a file-backed engine, nil otherwise", arguments: Engine.allCases)
    func directory(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        if engine.isFileBacked {
            let directory = try #require(store.directory)
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory))
            #expect(isDirectory.boolValue)
        } else {
            #expect(store.directory == nil)
        }
    }
}
