import Synchronization
import Testing

@testable import Workflows

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Ctrl-C routing", .timeLimit(.minutes(1)))
struct InterruptSourceTests {
    @Test("a signal between a step's start and its waiter belongs to the step, not the idle handler")
    func earlySignalIsKept() async {
        let source = InterruptSource(signals: [])
        let idle = Mutex<[Int32]>([])
        source.setIdleHandler { number in idle.withLock { $0.append(number) } }
        source.beginStep()
        source.deliver(SIGINT)
        let number = await source.next()
        source.endStep()
        #expect(number == SIGINT)
        #expect(idle.withLock { $0 }.isEmpty)
    }

    @Test("without a running step a signal goes to the idle handler")
    func idleSignal() {
        let source = InterruptSource(signals: [])
        let idle = Mutex<[Int32]>([])
        source.setIdleHandler { number in idle.withLock { $0.append(number) } }
        source.beginStep()
        source.endStep()
        source.deliver(SIGTERM)
        #expect(idle.withLock { $0 } == [SIGTERM])
    }
}
