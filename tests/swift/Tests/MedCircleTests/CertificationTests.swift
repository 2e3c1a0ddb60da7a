// Physician certification through the generated Swift bindings, against the real reference
// server, whose dev reviewer (`/dev/certification/decide`) approves or rejects: certificate
// photos and the ID number under their own consent (identityVerification), uploads with
// progress and cancellation, the review observed, the ID number masked everywhere, and the
// position only when positioning allows it. Every test gets its own server (temporary
// database) and its own client data directory.

import Foundation
import XCTest
import MedCircle

/// Cancels its upload as the first bytes go out: the user's tap, mid-upload.
private final class CancellingProgress: UploadProgress, @unchecked Sendable {
    private let token: CancelToken

    init(_ token: CancelToken) {
        self.token = token
    }

    func progress(sentBytes: UInt64, totalBytes: UInt64) {
        token.cancel()
    }
}

final class CertificationTests: ServerTestCase {
    private static let notSubmitted = CertificationStatus(
        state: .notSubmitted, idNumberMasked: nil, photoCount: 0, submittedAt: nil, decidedAt: nil)

    /// The certification requests the server received, in arrival order.
    private func certificationRequests() async throws -> [ReferenceServer.RecordedRequest] {
        try await server.devRequests().filter { $0.path.hasPrefix("/v1/me/certification") }
    }

    // 1. Certificates and the ID number need their own consent.
    func testCertificatesAndTheIdNumberNeedTheirOwnConsent() async throws {
        let (client, _) = try await loggedIn(phone: "13800139201")
        let certification = client.certification()

        // Checking a typed number is local and needs no consent; the full number never comes back.
        XCTAssertEqual(try certification.checkIdNumber(idNumber: validIdNumber), maskedIdNumber)
        XCTAssertEqual(try certification.checkIdNumber(idNumber: " 11010519491231002x "), maskedIdNumber)
        for bad in ["110105194912310021", "12345", "11010519491331002X"] {
            XCTAssertThrowsError(try certification.checkIdNumber(idNumber: bad), bad) { error in
                guard case CertificationError.InvalidIdNumber(let reason) = error else {
                    return XCTFail("expected InvalidIdNumber for \(bad), got \(error)")
                }
                XCTAssertFalse(reason.isEmpty, "no reason for \(bad)")
            }
        }

        let progress = RecordingUploadProgress()
        let upload = await captureError(CertificationError.self) {
            try await certification.uploadPhoto(
                kind: .physician, image: certificatePng(size: 1000), progress: progress, cancel: CancelToken())
        }
        XCTAssertEqual(upload, .ConsentRequired(purpose: .identityVerification))
        let submit = await captureError(CertificationError.self) {
            try await certification.submit(idNumber: validIdNumber, photoIds: ["photo"])
        }
        XCTAssertEqual(submit, .ConsentRequired(purpose: .identityVerification))
        XCTAssertEqual(progress.reports.all, [], "bytes went out without consent")
        let sent = try await certificationRequests()
        XCTAssertEqual(sent, [], "reached the server without consent")
        let status = try await certification.status()
        XCTAssertEqual(status, Self.notSubmitted)

        // Granted, the same upload goes through; withdrawn, it is refused again.
        XCTAssertTrue(try client.consent().grant(purpose: .identityVerification).granted)
        let photo = try await certification.uploadPhoto(
            kind: .physician, image: certificatePng(size: 1000), progress: RecordingUploadProgress(),
            cancel: CancelToken())
        XCTAssertEqual(photo.sizeBytes, 1000)
        XCTAssertFalse(try client.consent().withdraw(purpose: .identityVerification).granted)
        let again = await captureError(CertificationError.self) {
            try await certification.submit(idNumber: validIdNumber, photoIds: [photo.photoId])
        }
        XCTAssertEqual(again, .ConsentRequired(purpose: .identityVerification))
        let all = try await certificationRequests()
        XCTAssertEqual(all, [.init(method: "POST", path: "/v1/me/certification/photos")])
    }

    // 2. An upload reports its progress, the application is reviewed, and a listener sees
    //    every change.
    func testAnUploadReportsProgressTheReviewIsObservedToApproval() async throws {
        let (client, user) = try await loggedIn(phone: "13800139202")
        _ = try client.consent().grant(purpose: .identityVerification)
        let certification = client.certification()

        let listener = RecordingCertificationListener()
        let observer = try await certification.observeStatus(listener: listener)
        await eventually("the current status") { !listener.statuses.all.isEmpty }
        XCTAssertEqual(listener.statuses.all, [Self.notSubmitted])

        let size = 300 * 1024
        let total = UInt64(size)
        let progress = RecordingUploadProgress()
        let photo = try await certification.uploadPhoto(
            kind: .physician, image: certificatePng(size: size), progress: progress, cancel: CancelToken())
        XCTAssertEqual(photo.kind, .physician)
        XCTAssertEqual(photo.sizeBytes, total)
        XCTAssertFalse(photo.photoId.isEmpty)
        let reports = progress.reports.all
        XCTAssertEqual(reports.last, .init(sent: total, total: total), "reports \(reports)")
        XCTAssertTrue(reports.allSatisfy { $0.total == total }, "reports \(reports)")
        XCTAssertTrue(zip(reports, reports.dropFirst()).allSatisfy { $0.sent <= $1.sent }, "not monotonic: \(reports)")
        XCTAssertTrue((1..<total).contains(reports.first?.sent ?? 0), "no progress before the end: \(reports)")

        let practising = try await certification.uploadPhoto(
            kind: .practising, image: certificatePng(size: 2048), progress: RecordingUploadProgress(),
            cancel: CancelToken())
        XCTAssertEqual(practising.kind, .practising)

        let start = unixNow()
        let submitted = try await certification.submit(
            idNumber: validIdNumber, photoIds: [photo.photoId, practising.photoId])
        let end = unixNow()
        XCTAssertEqual(submitted.state, .pending)
        XCTAssertEqual(submitted.idNumberMasked, maskedIdNumber)
        XCTAssertEqual(submitted.photoCount, 2)
        let submittedAt = try XCTUnwrap(submitted.submittedAt)
        XCTAssertTrue((start...end).contains(submittedAt), "submittedAt \(submittedAt) outside \(start)...\(end)")
        XCTAssertNil(submitted.decidedAt)
        let cached = try await certification.status()
        XCTAssertEqual(cached, submitted)
        await eventually("the listener to see pending") { listener.statuses.all.last == submitted }
        let held = try await server.devCertifications()
        XCTAssertEqual(held, [.init(userId: user.id, status: "pending", hasLocation: false, photoCount: 2)])

        // The reviewer rejects: the app learns it when it refreshes.
        try await server.devDecideCertification(userId: user.id, approve: false, reason: "the photo is blurred")
        let stale = try await certification.status()
        XCTAssertEqual(stale, submitted, "the cached status changed without a refresh")
        let rejected = try await certification.refreshStatus()
        XCTAssertEqual(rejected.state, .rejected(reason: "the photo is blurred"))
        XCTAssertNotNil(rejected.decidedAt)
        await eventually("the listener to see rejected") { listener.statuses.all.last == rejected }

        try await server.devDecideCertification(userId: user.id, approve: true)
        let approved = try await certification.refreshStatus()
        XCTAssertEqual(approved.state, .approved)
        XCTAssertEqual(approved.idNumberMasked, maskedIdNumber)
        XCTAssertNotNil(approved.decidedAt)
        let cachedApproved = try await certification.status()
        XCTAssertEqual(cachedApproved, approved)
        await eventually("the listener to see approved") { listener.statuses.all.last == approved }
        let seen = listener.statuses.all
        XCTAssertEqual(
            seen.map(\.state), [.notSubmitted, .pending, .rejected(reason: "the photo is blurred"), .approved])
        XCTAssertFalse(
            seen.contains { String(describing: $0).contains(validIdNumber) }, "the full ID number reached a listener")

        // Certified once is certified.
        let resubmitted = await captureError(CertificationError.self) {
            try await certification.submit(idNumber: validIdNumber, photoIds: [photo.photoId])
        }
        XCTAssertEqual(resubmitted, .AlreadyCertified)

        observer.cancel()
        await eventually("the observer task to finish after cancel") { observer.isFinished() }
    }

    // 3. A cancelled upload stops, and the next one goes through.
    func testACancelledUploadStopsAndTheNextOneGoesThrough() async throws {
        let (client, _) = try await loggedIn(phone: "13800139203")
        _ = try client.consent().grant(purpose: .identityVerification)
        let certification = client.certification()

        // Cancelled before it starts: not a byte leaves.
        let before = CancelToken()
        XCTAssertFalse(before.isCancelled())
        before.cancel()
        XCTAssertTrue(before.isCancelled())
        let progress = RecordingUploadProgress()
        let early = await captureError(CertificationError.self) {
            try await certification.uploadPhoto(
                kind: .physician, image: certificatePng(size: 1000), progress: progress, cancel: before)
        }
        XCTAssertEqual(early, .Cancelled)
        XCTAssertEqual(progress.reports.all, [])
        let uploads = try await certificationRequests()
        XCTAssertEqual(uploads, [], "a cancelled upload reached the server")

        // Cancelled by the user as the first bytes go out.
        let midway = CancelToken()
        let stopped = await captureError(CertificationError.self) {
            try await certification.uploadPhoto(
                kind: .physician, image: certificatePng(size: 4 * 1024 * 1024), progress: CancellingProgress(midway),
                cancel: midway)
        }
        XCTAssertEqual(stopped, .Cancelled)
        XCTAssertTrue(midway.isCancelled())

        // Cancelling was the user's, not the client's: a fresh token uploads.
        let photo = try await certification.uploadPhoto(
            kind: .physician, image: certificatePng(size: 1000), progress: RecordingUploadProgress(),
            cancel: CancelToken())
        XCTAssertEqual(photo.sizeBytes, 1000)
        let status = try await certification.submit(idNumber: validIdNumber, photoIds: [photo.photoId])
        XCTAssertEqual(status.state, .pending)
        XCTAssertEqual(status.photoCount, 1)
    }

    // 4. The full ID number is shown only after a fresh authentication.
    func testTheFullIdNumberIsShownOnlyAfterAFreshAuthentication() async throws {
        let phone = "13800139204"
        let (client, _) = try await loggedIn(phone: phone)
        let status = try await certify(client)
        XCTAssertEqual(status.idNumberMasked, maskedIdNumber)
        let certification = client.certification()

        // The login has aged past the step-up window.
        try await server.devAdvanceClock(seconds: 3600)
        let refused = await captureError(CertificationError.self) { try await certification.revealIdNumber() }
        XCTAssertEqual(refused, .ReauthRequired)

        let auth = client.auth()
        _ = try await auth.requestReauthCode(phone: phone)
        let code = try await server.devOutboxCode(phone)
        try await auth.reauthenticate(phone: phone, code: code)
        let revealed = try await certification.revealIdNumber()
        XCTAssertEqual(revealed, validIdNumber)
        // Shown, never kept: the status still holds the masked form only.
        let after = try await certification.status()
        XCTAssertEqual(after.idNumberMasked, maskedIdNumber)
        XCTAssertFalse(String(describing: after).contains(validIdNumber))
    }

    // 5. The position goes with an application only when positioning allows it.
    func testThePositionGoesWithAnApplicationOnlyWhenPositioningAllowsIt() async throws {
        let (client, user) = try await loggedIn(phone: "13800139205")
        let os = ScriptedPermissionProvider([.location: .granted])
        let gps = ScriptedLocationProvider(Location(latitude: 39.9, longitude: 116.4, accuracyM: 12))
        let permissions = client.permissions()
        permissions.setProvider(provider: os)
        permissions.setLocationProvider(provider: gps)
        let held = { () async throws -> ReferenceServer.HeldCertification? in
            try await self.server.devCertifications().first { $0.userId == user.id }
        }

        // Positioning off (the default): no reading, none sent.
        try await certify(client)
        XCTAssertEqual(gps.reads, 0, "the position was read with positioning off")
        let off = try await held()
        XCTAssertEqual(off?.hasLocation, false)

        // Consented, but the switch is off.
        _ = try client.consent().grant(purpose: .preciseLocation)
        try await certify(client)
        XCTAssertEqual(gps.reads, 0, "the position was read with the switch off")
        let switchedOff = try await held()
        XCTAssertEqual(switchedOff?.hasLocation, false)

        // Consented, on, and the OS allows it: read once, sent with the application.
        try permissions.setPositioningEnabled(enabled: true)
        try await certify(client)
        XCTAssertEqual(gps.reads, 1)
        let located = try await held()
        XCTAssertEqual(located?.hasLocation, true)

        // Consent withdrawn: no reading, and the new application goes without.
        _ = try client.consent().withdraw(purpose: .preciseLocation)
        try await certify(client)
        XCTAssertEqual(gps.reads, 1, "the position was read after consent was withdrawn")
        let withdrawn = try await held()
        XCTAssertEqual(withdrawn?.hasLocation, false)
        XCTAssertEqual(os.dialogs, [], "certification must not prompt for location")
    }
}
