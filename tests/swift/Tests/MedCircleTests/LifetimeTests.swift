// Object lifetimes: a task handle cancelled or released stops its listener (one call may be
// in flight, then none) and the core lets go of the listener; clients opened and released in
// a loop leave no core threads behind.

import Foundation
import MedCircle
import XCTest

final class LifetimeTests: ServerTestCase {
    func testACancelledTaskHandleStopsItsListener() async throws {
        try await assertStopped { $0?.cancel() }
    }

    func testReleasingTheLastTaskHandleReferenceStopsItsListener() async throws {
        try await assertStopped { $0 = nil }
    }

    func testClientsOpenedAndReleasedInALoopLeaveNoCoreThreads() async throws {
        let clients = 20
        let before = try coreThreadCount()
        for _ in 0..<clients {
            let client = try await openClient()
            _ = try await client.consent().status()
            XCTAssertGreaterThanOrEqual(try coreThreadCount(), 2, "a client's runtime runs two workers")
        }
        // Each client runs two workers or more: a leak leaves at least two threads a client,
        // while the last client's threads may still be winding down.
        let left = try coreThreadCount() - before
        XCTAssertLessThan(left, clients, "core threads left after \(clients) clients were released")
    }

    /// Observes a login screen twice, stops one observer with `stop`, then changes the screen:
    /// the other observer sees the change, the stopped one nothing more, and the core releases
    /// the stopped one's listener.
    private func assertStopped(by stop: (inout TaskHandle?) -> Void) async throws {
        let client = try await openClient()
        let login = client.auth().loginFlow()
        var stopped: Recorder<LoginScreen>? = Recorder()
        let stoppedCalls = stopped!.calls
        let released = stopped!.released
        let watching = Recorder<LoginScreen>()
        var handle: TaskHandle? = login.observeScreen(listener: stopped!)
        let control = login.observeScreen(listener: watching)
        defer { control.cancel() }
        _ = try await stoppedCalls.next("the current screen")
        _ = try await watching.next("the current screen")

        stop(&handle)
        for attempt in 1...2 {
            // Refused at the start (no code was requested): the screen shows the error.
            _ = await login.send(event: .resendSmsCode)
            _ = try await watching.first("refusal \(attempt)") { $0.error != nil }
        }
        XCTAssertLessThanOrEqual(stoppedCalls.drain().count, 1, "calls after the handle was stopped")
        stopped = nil
        try await released.next("the core releasing the stopped listener")
    }
}
