// The security center through the generated Swift API, against the reference server: a
// second device's login alerts the first, the second signs the first out and the first
// learns why, a notice marked read, and an outdated build told to update.

import Foundation
import MedCircle
import XCTest

final class SecurityJourneyTests: ServerTestCase {
    func testNewDeviceAlertRemoteSignOutAndMinimumVersion() async throws {
        let phone = "13800138061"
        let (first, _) = try await loggedInClient(phone: phone)
        let notices = Recorder<SecurityNotices>()
        let handle = first.security().observeNotices(listener: notices)
        defer { handle.cancel() }
        let initial = try await notices.next("the kept notices")
        XCTAssertEqual(initial.unread, 0)

        try await server.post("/dev/clock/advance", json: #"{"seconds": 61}"#)
        let (second, _) = try await loggedInClient(phone: phone)
        _ = try await first.security().refreshNotices()
        let alerted = try await notices.first("a new-login alert") { $0.unread == 1 }
        XCTAssertEqual(alerted.notices.map(\.kind), [.newLogin])

        let sessions = try await second.security().sessions()
        XCTAssertEqual(sessions.count, 2)
        XCTAssertTrue(sessions.allSatisfy { $0.loginMethod == .sms && $0.device == nil })
        let other = try XCTUnwrap(sessions.first { !$0.isCurrent })
        try await second.security().revokeSession(id: other.id)

        do {
            _ = try await first.auth().whoami()
            XCTFail("a signed-out session still answered")
        } catch AuthError.SessionExpired {}
        guard case .ended(_, let unsent, let reason) = first.auth().sessionState() else {
            return XCTFail("not ended: \(first.auth().sessionState())")
        }
        XCTAssertEqual(reason, .signedOutFromAnotherDevice)
        XCTAssertEqual(unsent, 0)

        let kept = try await second.security().refreshNotices()
        let read = try await second.security().markNoticeRead(id: try XCTUnwrap(kept.notices.first).id)
        XCTAssertEqual(read.unread, 0)
        XCTAssertNil(read.updateRequired)

        try await server.post("/dev/minimum-version", json: #"{"version": "9999.0"}"#)
        let outdated = try await second.security().refreshNotices()
        XCTAssertEqual(outdated.updateRequired, "9999.0")
        do {
            _ = try await second.auth().whoami()
            XCTFail("an outdated build was served")
        } catch AuthError.Network(let problem) {
            XCTAssertEqual(problem, .updateRequired(minimum: "9999.0"))
        }
        _ = try await second.auth().logout()
        XCTAssertEqual(second.auth().sessionState(), .loggedOut)
        await first.finishBackgroundWork(limitMs: 5000)
        await second.finishBackgroundWork(limitMs: 5000)
    }
}
