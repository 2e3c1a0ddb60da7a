// The help center through the generated Swift API, against the reference server: an article
// found in Chinese, the photo permission granted through the scripted OS dialog, feedback with
// a photo (its upload reported), the ticket observed, the team's reply raising the unread
// count, reading it.

import Foundation
import MedCircle
import XCTest

final class HelpJourneyTests: ServerTestCase {
    func testFeedbackWithAPhotoBecomesATicketWhoseReplyIsRead() async throws {
        let (client, _) = try await loggedInClient(phone: "13800138071")
        let help = client.help()
        let found = try await help.search(query: "验证码")
        XCTAssertTrue(found.contains { $0.id == "ha_login_zh" })

        let (permissions, os) = client.scriptedPermissions()
        let (asked, request) = try await permissions.requestShowingDialog(.feedbackPhotos, on: os)
        XCTAssertEqual(asked, .photos)
        os.dialogs.answers.send(.success(.granted))
        let decision = try await request.value
        XCTAssertEqual(decision, .allowed)

        let tickets = Recorder<HelpTickets>()
        let handle = help.observeTickets(listener: tickets)
        defer { handle.cancel() }
        let kept = try await tickets.next("the kept tickets")
        XCTAssertEqual(kept.unread, 0)
        let progress = Recorder<UploadReport>()
        let form = FeedbackForm(
            text: "上传证书时闪退", photos: [png(size: 8 * 1024)], contact: "13800138071", device: nil)
        let receipt = try await help.sendFeedback(form: form, progress: progress, cancel: CancelToken())
        let ticket = try XCTUnwrap(receipt.ticket, "sent at once")
        XCTAssertEqual(ticket.photoCount, 1)
        XCTAssertEqual(ticket.contactMasked, "138****8071")
        XCTAssertNil(ticket.appVersion, "no device information without agreement")
        let reports = progress.calls.drain().map(\.value)
        XCTAssertEqual(reports.last.map { $0.sent == $0.total }, true, "the upload was reported: \(reports)")
        _ = try await tickets.first("the ticket") { $0.tickets.count == 1 }

        try await server.post("/dev/help/tickets/\(ticket.id)/replies", json: #"{"body": "请更新到最新版本"}"#)
        _ = try await help.refreshTickets()
        let answered = try await tickets.first("the reply") { $0.unread == 1 }
        XCTAssertEqual(answered.tickets.first?.status, .answered)
        XCTAssertEqual(answered.tickets.first?.replies.map(\.body), ["请更新到最新版本"])
        let read = try await help.markTicketRead(id: ticket.id)
        XCTAssertEqual(read.unread, 0)
        _ = try await tickets.first("read") { $0.unread == 0 }
        await client.finishBackgroundWork(limitMs: 5000)
    }
}
