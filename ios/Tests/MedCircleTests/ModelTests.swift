import XCTest
@testable import MedCircle

/// The SwiftUI models against the reference server: they follow the core while `follow()`
/// runs and stop with its task.
@MainActor
final class ModelTests: ServerTestCase {
    func testTheSessionModelFollowsTheSessionUntilItsTaskEnds() async throws {
        let client = try await consentedClient()
        let model = SessionModel(auth: client.auth())
        XCTAssertEqual(model.state, .loggedOut)
        let following = Task { await model.follow() }

        let user = try await logIn(client, phone: "13800138051")
        try await eventually { model.state == .loggedIn(user: user) }

        following.cancel()
        try await ended(following)
        // Stopped: the logout no longer reaches the model.
        _ = try await client.auth().logout()
        XCTAssertEqual(client.auth().sessionState(), .loggedOut)
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertEqual(model.state, .loggedIn(user: user))
        await client.finishBackgroundWork(limitMs: 5000)
    }

    func testTheFeedModelShowsAPublishedPostAndALike() async throws {
        let (client, _) = try await loggedInClient(phone: "13800138052")
        let model = FeedModel(feed: client.feed())
        XCTAssertNil(model.status)
        let following = Task { await model.follow() }
        try await eventually { model.status != nil }
        XCTAssertEqual(model.items, [])

        await model.publish(text: "术后随访 follow-up", photos: [png(size: 64 * 1024)])
        XCTAssertNil(model.lastError)
        XCTAssertNil(model.upload, "no upload in progress once publishing returned")
        // First shown as sending (from the outbox), then as the server stored it.
        try await eventually { model.items.first?.post.text == "术后随访 follow-up" && model.items.first?.delivery == .sent }
        let post = try XCTUnwrap(model.items.first?.post)
        XCTAssertEqual(post.photos.count, 1)

        await model.setLiked(post, true)
        XCTAssertNil(model.lastError)
        try await eventually { model.items.first?.post.likedByMe == true }
        XCTAssertEqual(model.items.count, 1)

        following.cancel()
        try await ended(following)
        await client.finishBackgroundWork(limitMs: 5000)
    }

    func testAFailedActionIsKeptForTheView() async throws {
        let client = try await consentedClient()
        let model = FeedModel(feed: client.feed())
        await model.refresh()
        guard let error = model.lastError as? FeedError else {
            return XCTFail("expected a FeedError, got \(String(describing: model.lastError))")
        }
        XCTAssertEqual(error, .NotLoggedIn)
    }
}
