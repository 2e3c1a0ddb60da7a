// The async foreign traits, implemented with real suspension: the provider's async function
// awaits the test's answer, and the core awaits the provider. A provider that throws gets the
// core's typed answer, never a crash.

import Foundation
import MedCircle
import XCTest

final class AsyncForeignTraitTests: ServerTestCase {
    func testAPermissionRequestAwaitsTheDialogsAnswer() async throws {
        let client = try await consentedClient()
        let (permissions, os) = client.scriptedPermissions()

        let (dialog, request) = try await permissions.requestShowingDialog(.postPhotos, on: os)
        XCTAssertEqual(dialog, .camera)
        os.dialogs.answers.send(.success(.granted))
        let answered = try await request.value
        XCTAssertEqual(answered, .allowed)
        let checked = try await permissions.check(feature: .postPhotos)
        XCTAssertEqual(checked, .allowed)
    }

    func testAThrowingPermissionProviderGetsATypedAnswer() async throws {
        struct DialogGone: Error {}
        let client = try await consentedClient()
        let (permissions, os) = client.scriptedPermissions()

        let failures: [any Error] = [ProviderError.Failed(detail: "界面已关闭"), DialogGone()]
        for failure in failures {
            let (_, request) = try await permissions.requestShowingDialog(.scanToLogin, on: os)
            os.dialogs.answers.send(.failure(failure))
            let decision = try await request.value
            guard case .unavailable(.providerFailed(let detail)) = decision else {
                return XCTFail("\(failure) gave \(decision)")
            }
            XCTAssertTrue(detail.contains(failure is ProviderError ? "界面已关闭" : "DialogGone"), detail)
        }

        os.failStatusReads(.Failed(detail: "权限服务无响应"))
        let decision = try await permissions.check(feature: .postPhotos)
        guard case .unavailable(.providerFailed(let detail)) = decision else {
            return XCTFail("a failing status read gave \(decision)")
        }
        XCTAssertTrue(detail.contains("权限服务无响应"), detail)
    }

    func testAnApplicationAwaitsTheLocationReading() async throws {
        let (certification, location, user) = try await applicant(phone: "13800138011")
        let submit = try await submitting(certification)
        _ = try await location.readings.calls.next("the location reading")
        location.readings.answers.send(.success(Location(latitude: 39.9042, longitude: 116.4074, accuracyM: 12.5)))
        let status = try await submit.value
        XCTAssertEqual(status.state, .pending)
        let hasLocation = try await server.certificationHasLocation(userId: user.id)
        XCTAssertTrue(hasLocation)
    }

    func testAFailingLocationProviderLeavesThePositionOut() async throws {
        let (certification, location, user) = try await applicant(phone: "13800138012")
        let submit = try await submitting(certification)
        _ = try await location.readings.calls.next("the location reading")
        location.readings.answers.send(.failure(ProviderError.Failed(detail: "定位服务已关闭")))
        let status = try await submit.value
        XCTAssertEqual(status.state, .pending)
        let hasLocation = try await server.certificationHasLocation(userId: user.id)
        XCTAssertFalse(hasLocation)
    }

    /// A logged-in user whose position may go with an application (consents, the switch and
    /// the OS's answer all given), with the OS location service scripted.
    private func applicant(phone: String) async throws -> (Certification, ScriptedLocationProvider, UserProfile) {
        let (client, user) = try await loggedInClient(phone: phone)
        let consent = client.consent()
        _ = try await consent.grant(purpose: .identityVerification)
        _ = try await consent.grant(purpose: .preciseLocation)
        let (permissions, os) = client.scriptedPermissions()
        let location = ScriptedLocationProvider()
        permissions.setLocationProvider(provider: location)
        try await permissions.setPositioningEnabled(enabled: true)
        let (_, request) = try await permissions.requestShowingDialog(.positioning, on: os)
        os.dialogs.answers.send(.success(.granted))
        let answered = try await request.value
        XCTAssertEqual(answered, .allowed)
        return (client.certification(), location, user)
    }

    /// Uploads a certificate photo and starts submitting the application.
    private func submitting(_ certification: Certification) async throws -> Task<CertificationStatus, any Error> {
        let photo = try await certification.uploadPhoto(
            kind: .physician, image: png(size: 4096), progress: Recorder<UploadReport>(), cancel: CancelToken())
        return Task { try await certification.submit(idNumber: "11010519491231002X", photoIds: [photo.photoId]) }
    }
}
