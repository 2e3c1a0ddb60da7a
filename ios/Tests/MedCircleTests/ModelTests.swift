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

    func testTheNoticesModelCountsANewLoginAlertAndItsReading() async throws {
        let phone = "13800138072"
        let (device, _) = try await loggedInClient(phone: phone)
        let model = SecurityNoticesModel(security: device.security())
        let following = Task { await model.follow() }
        try await server.post("/dev/clock/advance", json: #"{"seconds": 61}"#)
        let (otherDevice, _) = try await loggedInClient(phone: phone)
        await model.refresh()
        XCTAssertNil(model.lastError)
        try await eventually { model.unread == 1 }
        XCTAssertEqual(model.notices.map(\.kind), [.newLogin])
        XCTAssertNil(model.updateRequired)

        await model.markRead(try XCTUnwrap(model.notices.first))
        XCTAssertNil(model.lastError)
        try await eventually { model.unread == 0 && model.notices.first?.read == true }

        following.cancel()
        try await ended(following)
        await device.finishBackgroundWork(limitMs: 5000)
        await otherDevice.finishBackgroundWork(limitMs: 5000)
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

    func testTheConsentModelShowsThePolicyUntilItIsAccepted() async throws {
        let client = try await openClient()
        let model = ConsentModel(consent: client.consent())
        XCTAssertNil(model.needsAcceptance)
        await model.load()
        XCTAssertNil(model.lastError)
        XCTAssertEqual(model.needsAcceptance, true)
        let policy = try XCTUnwrap(model.policy)
        XCTAssertFalse(policy.sections.isEmpty)

        await model.accept()
        XCTAssertNil(model.lastError)
        XCTAssertEqual(model.needsAcceptance, false)
        let status = try await client.consent().status()
        XCTAssertEqual(status.acceptedVersion, policy.version)

        // Accepted: another screen asks nothing and fetches nothing.
        let again = ConsentModel(consent: client.consent())
        await again.load()
        XCTAssertEqual(again.needsAcceptance, false)
        XCTAssertNil(again.policy)
    }

    func testTheLoginModelLogsInWithAnSMSCode() async throws {
        let client = try await consentedClient()
        let model = LoginModel(login: client.auth().loginFlow())
        XCTAssertEqual(model.screen.step, .start)
        let following = Task { await model.follow() }

        await model.send(.requestSmsCode(phone: "12"))
        guard case .InvalidPhone = model.screen.error else {
            return XCTFail("expected InvalidPhone, got \(String(describing: model.screen.error))")
        }
        XCTAssertEqual(model.screen.step, .start)

        let phone = "13800138053"
        await model.send(.requestSmsCode(phone: phone))
        guard case .enterSmsCode = model.screen.step else {
            return XCTFail("expected the code step, got \(model.screen.step)")
        }
        let code = try await server.smsCode(for: phone)
        await model.send(.submitSmsCode(code: code))
        try await eventually {
            if case .loggedIn = model.screen.step { return !model.screen.busy } else { return false }
        }
        guard case .loggedIn(let user) = client.auth().sessionState() else {
            return XCTFail("the session did not follow the login")
        }
        XCTAssertEqual(model.screen.step, .loggedIn(user: user))

        following.cancel()
        try await ended(following)
        await client.finishBackgroundWork(limitMs: 5000)
    }
}
