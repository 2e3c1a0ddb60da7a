import XCTest
@testable import MedCircle

/// Cancelling the calling task cancels an upload's token; the generated glue alone never
/// cancels the core's work.
final class CancellingTests: XCTestCase {
    func testACancelledTaskCancelsTheToken() async throws {
        let token = CancelToken()
        let started = AsyncStream<Void>.makeStream()
        let waiting = Task {
            try? await cancelling(token) {
                started.continuation.yield()
                try await Task.sleep(nanoseconds: 60_000_000_000)
            }
        }
        _ = await started.stream.first(where: { _ in true })
        XCTAssertFalse(token.isCancelled())
        waiting.cancel()
        await waiting.value
        XCTAssertTrue(token.isCancelled())
    }

    func testOnlyCancellationCancelsTheToken() async throws {
        let token = CancelToken()
        let value = await cancelling(token) { 7 }
        XCTAssertEqual(value, 7)
        struct UploadFailed: Error {}
        do {
            try await cancelling(token) { throw UploadFailed() }
            XCTFail("the error should pass through")
        } catch is UploadFailed {}
        XCTAssertFalse(token.isCancelled())
    }
}
