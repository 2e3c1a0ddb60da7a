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

/// Through the layer's upload call, against the reference server: cancelling the task that
/// awaits an upload stops it.
final class UploadCancellingTests: ServerTestCase {
    func testCancellingTheTaskStopsTheUpload() async throws {
        let (client, _) = try await loggedInClient(phone: "13800138071")
        _ = try await client.consent().grant(purpose: .identityVerification)
        let certification = client.certification()
        // The first progress report holds the upload until the task has been cancelled.
        let firstChunk = Checkpoint(open: false)
        let upload = Task {
            try await certification.uploadPhoto(kind: .physician, image: png(size: 64 * 1024)) { _, _ in
                firstChunk.pass()
            }
        }
        _ = try await firstChunk.arrivals.next("the first progress report")
        upload.cancel()
        firstChunk.open()
        do {
            let photo = try await upload.value
            XCTFail("the cancelled upload finished: \(photo)")
        } catch CertificationError.Cancelled {
        }
    }
}
