// Cancelling mid-flight. Swift never cancels the Rust future: the generated async glue
// ignores task cancellation and awaits the core to the end, so a cancelled task still gets
// the core's answer, and the core finishes the work it started (it runs every exported call on
// its own runtime). The one way to stop work is what the API offers for it: an upload's
// `CancelToken`.

import Foundation
import MedCircle
import XCTest

final class CancellationTests: ServerTestCase {
    func testACancelledPermissionRequestStillRecordsTheAnswer() async throws {
        let client = try await consentedClient()
        let (permissions, os) = client.scriptedPermissions()

        let (_, request) = try await permissions.requestShowingDialog(.postPhotos, on: os)
        request.cancel()
        os.dialogs.answers.send(.success(.denied))

        let answered = try await request.value
        guard case .unavailable(.deniedRecently) = answered else {
            return XCTFail("the cancelled task got \(answered)")
        }
        let checked = try await permissions.check(feature: .postPhotos)
        guard case .unavailable(.deniedRecently(let retryAfterS)) = checked else {
            return XCTFail("the refusal was not recorded: \(checked)")
        }
        XCTAssertGreaterThan(retryAfterS, 47 * 3600)
    }

    func testACancelledLoginEventStillLogsIn() async throws {
        let client = try await consentedClient()
        let auth = client.auth()
        // The device report runs inside the login: a closed checkpoint holds the login there.
        let device = ScriptedDeviceInfoProvider(checkpoint: Checkpoint(open: false))
        auth.setDeviceInfoProvider(provider: device)
        let login = auth.loginFlow()
        let screens = Recorder<LoginScreen>()
        let session = Recorder<SessionState>()
        let handles = [login.observeScreen(listener: screens), auth.observeSession(listener: session)]
        defer { handles.forEach { $0.cancel() } }
        let phone = "13800138021"
        _ = await login.send(event: .requestSmsCode(phone: phone))
        let code = try await server.smsCode(for: phone)

        let submit = Task { await login.send(event: .submitSmsCode(code: code)) }
        _ = try await device.checkpoint.arrivals.next("the device report")
        XCTAssertTrue(login.screen().busy, "the login is under way")
        submit.cancel()
        device.checkpoint.open()

        let answered = await submit.value
        XCTAssertTrue(answered.step.isLoggedIn, "the cancelled task got \(answered)")
        let shown = try await screens.first("the logged-in screen, not busy") { !$0.busy && $0.step.isLoggedIn }
        XCTAssertNil(shown.error)
        _ = try await session.first("the session logged in") { $0.isLoggedIn }
    }

    func testACancelTokenStopsAnUpload() async throws {
        let (client, _) = try await loggedInClient(phone: "13800138022")
        _ = try await client.consent().grant(purpose: .identityVerification)
        let certification = client.certification()
        // The first chunk's report holds the upload until the token is cancelled.
        let firstChunk = Checkpoint(open: false)
        let progress = Recorder<UploadReport>(checkpoint: firstChunk)
        let cancel = CancelToken()

        let upload = Task {
            try await certification.uploadPhoto(
                kind: .physician, image: png(size: 2 << 20), progress: progress, cancel: cancel)
        }
        _ = try await firstChunk.arrivals.next("the first chunk")
        cancel.cancel()
        firstChunk.open()

        do {
            let photo = try await upload.value
            XCTFail("the cancelled upload finished: \(photo)")
        } catch CertificationError.Cancelled {
        }
    }
}
