// One journey end to end against the reference server, through the generated Swift API.

import Foundation
import MedCircle
import XCTest

final class JourneyTests: ServerTestCase {
    func testPolicyLoginPostLikeSearchLogout() async throws {
        let client = try await openClient()
        let consent = client.consent()
        let policy = try await consent.fetchPolicy()
        let before = try await consent.status()
        XCTAssertTrue(before.needsAcceptance)
        _ = try await consent.accept(version: policy.version)

        let auth = client.auth()
        let session = Recorder<SessionState>()
        let sessionHandle = auth.observeSession(listener: session)
        defer { sessionHandle.cancel() }
        let current = try await session.next("the session now")
        XCTAssertEqual(current, .loggedOut)
        let phone = "13800138041"
        let login = auth.loginFlow()
        _ = await login.send(event: .requestSmsCode(phone: phone))
        let screen = await login.send(event: .submitSmsCode(code: try await server.smsCode(for: phone)))
        guard case .loggedIn(let user) = screen.step else { return XCTFail("not logged in: \(screen)") }
        let loggedIn = try await session.first("the login") { $0.isLoggedIn }
        XCTAssertEqual(loggedIn, .loggedIn(user: user))

        let feed = client.feed()
        var rows = FeedRows(recorder: Recorder())
        let itemsHandle = feed.observeItems(listener: rows.recorder)
        defer { itemsHandle.cancel() }
        _ = try await feed.refresh()
        // A refresh starts a background outbox flush; a post that flush picks up goes out
        // without this publish's progress and cancel token, so it is let finish first.
        await client.finishBackgroundWork(limitMs: 10_000)
        let photo = png(size: 300 * 1024)
        let progress = Recorder<UploadReport>()
        let item = try await feed.publish(
            text: "夜班交接 ward round notes", photos: [photo], progress: progress, cancel: CancelToken())
        XCTAssertEqual(item.delivery, .sent)
        let reports = progress.calls.drain().map(\.value)
        XCTAssertGreaterThan(reports.count, 1, "progress as the photo went out")
        XCTAssertEqual(reports.last, UploadReport(sent: UInt64(photo.count), total: UInt64(photo.count)))
        _ = try await rows.wait("the post on top of the feed") { $0.first?.post.id == item.post.id }

        let liked = try await feed.setLiked(postId: item.post.id, liked: true)
        XCTAssertTrue(liked.likedByMe)
        _ = try await rows.wait("the like in the feed") { $0.first?.post.likedByMe == true }
        let found = try await feed.searchLocal(query: "ward round", limit: 10)
        XCTAssertEqual(found.map(\.id), [item.post.id])

        _ = try await auth.logout()
        _ = try await session.first("the logout") { !$0.isLoggedIn }
        await client.finishBackgroundWork(limitMs: 5000)
    }
}
