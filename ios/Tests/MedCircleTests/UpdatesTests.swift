import XCTest
@testable import MedCircle

final class UpdatesTests: ServerTestCase {
    func testEachStreamStartsWithTheCurrentValue() async throws {
        let client = try await openClient()
        let session = try await first(of: client.auth().sessionStates())
        XCTAssertEqual(session, .loggedOut)
        let screen = try await first(of: client.auth().loginFlow().screens())
        XCTAssertEqual(screen.step, .start)
        let items = try await first(of: client.feed().items())
        XCTAssertEqual(items, [])
        let diffs = try await first(of: client.feed().diffs())
        XCTAssertEqual(diffs, [.reset(items: [])])
        let status = try await first(of: client.feed().statuses())
        XCTAssertFalse(status.offline)
        let certification = try await first(of: client.certification().statuses())
        XCTAssertEqual(certification.state, .notSubmitted)
        let notices = try await first(of: client.security().noticeUpdates())
        XCTAssertEqual(notices.notices, [])
        XCTAssertEqual(notices.unread, 0)
    }

    /// A second device's login reaches the first as a new-login notice, counted unread, and
    /// marking it read counts it down.
    func testTheNoticesStreamFollowsANewLoginAlertAndItsReading() async throws {
        let phone = "13800138071"
        let (device, _) = try await loggedInClient(phone: phone)
        let security = device.security()
        let updates = security.noticeUpdates()
        try await server.post("/dev/clock/advance", json: #"{"seconds": 61}"#)
        let (otherDevice, _) = try await loggedInClient(phone: phone)
        _ = try await security.refreshNotices()
        let alerted = try await first(of: updates, where: { $0.unread == 1 })
        XCTAssertEqual(alerted.notices.map(\.kind), [.newLogin])
        _ = try await security.markNoticeRead(id: try XCTUnwrap(alerted.notices.first).id)
        let read = try await first(of: updates, where: { $0.unread == 0 })
        XCTAssertEqual(read.notices.map(\.read), [true])
        await device.finishBackgroundWork(limitMs: 5000)
        await otherDevice.finishBackgroundWork(limitMs: 5000)
    }

    /// Feedback sent shows as a ticket; the team's reply counts unread and reading it counts
    /// it down.
    func testTheTicketsStreamFollowsFeedbackAndItsReply() async throws {
        let (client, _) = try await loggedInClient(phone: "13800138072")
        let help = client.help()
        let updates = help.ticketUpdates()
        let form = FeedbackForm(text: "无法收到验证码", photos: [], contact: nil, device: nil)
        let sent = try await help.sendFeedback(form: form, progress: Recorder<UploadReport>(), cancel: CancelToken())
        let ticket = try XCTUnwrap(sent.ticket)
        _ = try await first(of: updates, where: { $0.tickets.count == 1 })
        try await server.post("/dev/help/tickets/\(ticket.id)/replies", json: #"{"body": "请检查信号"}"#)
        _ = try await help.refreshTickets()
        let answered = try await first(of: updates, where: { $0.unread == 1 })
        XCTAssertEqual(answered.tickets.first?.replies.map(\.body), ["请检查信号"])
        _ = try await help.markTicketRead(id: ticket.id)
        _ = try await first(of: updates, where: { $0.unread == 0 })
        await client.finishBackgroundWork(limitMs: 5000)
    }

    func testTheSessionStreamFollowsALogin() async throws {
        let client = try await consentedClient()
        let states = client.auth().sessionStates()
        let user = try await logIn(client, phone: "13800138061")
        let state = try await first(of: states, where: { $0 != .loggedOut })
        XCTAssertEqual(state, .loggedIn(user: user))
        await client.finishBackgroundWork(limitMs: 5000)
    }

    func testTheItemsStreamAppliesTheDiffs() async throws {
        let (client, _) = try await loggedInClient(phone: "13800138062")
        let feed = client.feed()
        let lists = feed.items()
        let published = try await feed.publish(text: "病例讨论 case review", photos: []) { _, _ in }
        let list = try await first(of: lists, where: { $0.first?.delivery == .sent })
        XCTAssertEqual(list.map(\.post.id), [published.post.id])
        await client.finishBackgroundWork(limitMs: 5000)
    }

    func testTheScreenStreamFollowsTheLoginFlow() async throws {
        let client = try await openClient()
        let login = client.auth().loginFlow()
        let screens = login.screens()
        // A malformed number fails locally: the screen stays at the start, with the error.
        _ = await login.send(event: .requestSmsCode(phone: "12"))
        let screen = try await first(of: screens, where: { $0.error != nil && !$0.busy })
        XCTAssertEqual(screen.step, .start)
        guard case .InvalidPhone = screen.error else {
            return XCTFail("expected InvalidPhone, got \(String(describing: screen.error))")
        }
    }

    /// When the reading task ends, the stream cancels the core's observer (its TaskHandle
    /// finishes) and the core lets go of the listener, for any observer.
    func testCancellingTheReaderCancelsTheObserver() async throws {
        let client = try await openClient()
        let auth = client.auth()
        let feed = client.feed()
        try await assertCancelledWithItsReader { deliver in
            let listener = Forwarder<SessionState>(deliver)
            return (listener, auth.observeSession(listener: listener))
        }
        try await assertCancelledWithItsReader { deliver in
            let listener = Forwarder<[FeedDiff]>(deliver)
            return (listener, feed.observeItems(listener: listener))
        }
        let security = client.security()
        try await assertCancelledWithItsReader { deliver in
            let listener = Forwarder<SecurityNotices>(deliver)
            return (listener, security.observeNotices(listener: listener))
        }
    }

    private func assertCancelledWithItsReader<Value: Sendable>(
        _ register: (@escaping @Sendable (Value) -> Void) -> (AnyObject, TaskHandle)
    ) async throws {
        weak var listener: AnyObject?
        var observer: TaskHandle?
        let stream = AsyncStream<Value>.observing { deliver in
            let (made, handle) = register(deliver)
            listener = made
            observer = handle
            return handle
        }
        let delivered = AsyncStream<Void>.makeStream()
        let reader = Task {
            for await _ in stream { delivered.continuation.yield() }
        }
        _ = try await first(of: delivered.stream)
        let handle = try XCTUnwrap(observer)
        XCTAssertFalse(handle.isFinished(), "the observer runs while its stream is read")
        XCTAssertNotNil(listener)
        reader.cancel()
        await reader.value  // an AsyncStream ends when its reading task is cancelled
        try await eventually { handle.isFinished() }
        try await eventually { listener == nil }
    }
}
