// The permission gate and the optional consent purposes through the generated Swift bindings,
// against the real reference server. The OS permission API is the one part played by a fake
// (ScriptedPermissionProvider): a status per permission and a scripted answer to each dialog.
// Every test gets its own server (temporary database) and its own client data directory.

import Foundation
import XCTest
import MedCircle

final class PermissionTests: ServerTestCase {
    private static let allFeatures: [Feature] = [
        .scanToLogin, .postPhotos, .feedbackPhotos, .certificationPhotos, .positioning,
    ]
    private static let optionalPurposes: [ConsentPurpose] = [
        .personalisation, .browsingRecords, .preciseLocation, .identityVerification, .thirdPartySharing,
    ]

    /// A client with the scripted OS registered as its permission provider.
    private func openClient(
        dataDir: URL, os: ScriptedPermissionProvider
    ) async throws -> (MedCircle, Permissions) {
        let client = try await openClient(dataDir: dataDir)
        let permissions = client.permissions()
        permissions.setProvider(provider: os)
        return (client, permissions)
    }

    // 1. Before the policy is accepted every feature waits for it, and the OS is not even
    //    asked; afterwards a feature first shows its rationale.
    func testConsentComesBeforeAnyPermissionPrompt() async throws {
        // Even with every permission already granted by the OS.
        let os = ScriptedPermissionProvider([.camera: .granted, .photos: .granted, .location: .granted])
        let (client, permissions) = try await openClient(dataDir: try newDataDir(), os: os)
        try permissions.setPositioningEnabled(enabled: true)

        for feature in Self.allFeatures {
            XCTAssertEqual(
                try permissions.check(feature: feature), .unavailable(reason: .consentRequired(purpose: .privacyPolicy)),
                "check \(feature)")
            os.answerNextDialog(.granted)
            let requested = try await permissions.request(feature: feature)
            XCTAssertEqual(
                requested, .unavailable(reason: .consentRequired(purpose: .privacyPolicy)), "request \(feature)")
            XCTAssertTrue(os.answerPending, "a dialog was shown for \(feature) before consent")
        }
        XCTAssertEqual(os.statusReads, [], "the OS was queried before consent")
        XCTAssertEqual(os.dialogs, [], "an OS dialog was shown before consent")
        let sentBeforeConsent = try await server.devRequests()
        XCTAssertEqual(sentBeforeConsent, [], "the permission gate contacted the server")

        // Now the user has not decided about the camera yet.
        os.setStatus(.notDetermined, for: .camera)
        os.setStatus(.notDetermined, for: .photos)
        try await acceptPolicy(client)

        let postPhotos = try XCTUnwrap(rationale(try permissions.check(feature: .postPhotos)))
        XCTAssertEqual(postPhotos.feature, .postPhotos)
        XCTAssertEqual(postPhotos.permission, .camera)
        XCTAssertFalse(postPhotos.title.isEmpty)
        XCTAssertFalse(postPhotos.text.isEmpty)
        XCTAssertFalse(postPhotos.purpose.isEmpty)
        XCTAssertEqual(os.statusReads, [.camera])

        // Each feature has a rationale of its own, naming its permission.
        let scan = try XCTUnwrap(rationale(try permissions.check(feature: .scanToLogin)))
        XCTAssertEqual(scan.feature, .scanToLogin)
        XCTAssertEqual(scan.permission, .camera)
        let feedback = try XCTUnwrap(rationale(try permissions.check(feature: .feedbackPhotos)))
        XCTAssertEqual(feedback.feature, .feedbackPhotos)
        XCTAssertEqual(feedback.permission, .photos)
        XCTAssertEqual(Set([postPhotos.title, scan.title, feedback.title]).count, 3, "rationales share a title")
        XCTAssertEqual(Set([postPhotos.text, scan.text, feedback.text]).count, 3, "rationales share a text")
        // Features behind an optional purpose still wait for it; the OS is not asked for them.
        XCTAssertEqual(
            try permissions.check(feature: .positioning), .unavailable(reason: .consentRequired(purpose: .preciseLocation)))
        XCTAssertEqual(
            try permissions.check(feature: .certificationPhotos),
            .unavailable(reason: .consentRequired(purpose: .identityVerification)))

        XCTAssertEqual(os.statusReads, [.camera, .camera, .photos])
        XCTAssertEqual(os.dialogs, [], "check showed an OS dialog")
        XCTAssertTrue(os.answerPending)
    }

    // 2. Rationale shown, the user grants in the OS dialog, the feature may go ahead; another
    //    feature on the same permission needs no second dialog.
    func testGrantedPermissionAllowsTheFeature() async throws {
        let os = ScriptedPermissionProvider()
        let (client, permissions) = try await openClient(dataDir: try newDataDir(), os: os)
        try await acceptPolicy(client)

        let shown = try XCTUnwrap(rationale(try permissions.check(feature: .postPhotos)))
        XCTAssertEqual(shown.permission, .camera)
        XCTAssertEqual(os.dialogs, [])

        os.answerNextDialog(.granted)
        let decision = try await permissions.request(feature: .postPhotos)
        XCTAssertEqual(decision, .allowed)
        XCTAssertEqual(os.dialogs, [.camera])
        XCTAssertFalse(os.answerPending)

        XCTAssertEqual(try permissions.check(feature: .postPhotos), .allowed)
        XCTAssertEqual(try permissions.check(feature: .scanToLogin), .allowed)
        let again = try await permissions.request(feature: .scanToLogin)
        XCTAssertEqual(again, .allowed)
        XCTAssertEqual(os.dialogs, [.camera], "a granted permission was asked for again")

        // The photo library is another permission: still undecided.
        let feedback = try XCTUnwrap(rationale(try permissions.check(feature: .feedbackPhotos)))
        XCTAssertEqual(feedback.permission, .photos)
        XCTAssertEqual(os.unscriptedDialogs, 0)
    }

    // 3. A refusal is respected: no new dialog for 48 hours, other permissions unaffected, the
    //    rest of the app (an SMS login) keeps working, and the refusal survives a restart.
    func testRefusalIsRememberedAndNothingElseBreaks() async throws {
        let phone = "13800138005"
        let dataDir = try newDataDir()
        let os = ScriptedPermissionProvider()
        let profile: UserProfile
        let refusedNotBefore: Date
        do {
            let (client, permissions) = try await openClient(dataDir: dataDir, os: os)
            try await acceptPolicy(client)
            XCTAssertNotNil(rationale(try permissions.check(feature: .scanToLogin)))

            os.answerNextDialog(.denied)
            refusedNotBefore = Date()
            let refused = try await permissions.request(feature: .scanToLogin)
            // 48 hours to the second (one less only if the clock passed a second boundary).
            assertDeniedRecently(refused, refusedNotBefore: refusedNotBefore, "the refusing request")
            XCTAssertEqual(os.dialogs, [.camera])

            // Asked again at once: no dialog, the same answer.
            os.answerNextDialog(.granted)
            let second = try await permissions.request(feature: .scanToLogin)
            assertDeniedRecently(second, refusedNotBefore: refusedNotBefore, "second request")
            XCTAssertEqual(os.dialogs, [.camera], "a dialog was shown again within 48 hours of a refusal")
            XCTAssertTrue(os.answerPending)
            // Every camera feature waits; the photo library is untouched.
            assertDeniedRecently(try permissions.check(feature: .postPhotos), refusedNotBefore: refusedNotBefore)
            let feedback = try XCTUnwrap(rationale(try permissions.check(feature: .feedbackPhotos)))
            XCTAssertEqual(feedback.feature, .feedbackPhotos)
            XCTAssertEqual(feedback.permission, .photos)

            // "Don't ask again" in the OS dialog.
            os.answerNextDialog(.deniedPermanently)
            let permanently = try await permissions.request(feature: .feedbackPhotos)
            XCTAssertEqual(permanently, .unavailable(reason: .deniedPermanently))
            XCTAssertEqual(os.dialogs, [.camera, .photos])
            XCTAssertEqual(try permissions.check(feature: .feedbackPhotos), .unavailable(reason: .deniedPermanently))
            let noDialog = try await permissions.request(feature: .feedbackPhotos)
            XCTAssertEqual(noDialog, .unavailable(reason: .deniedPermanently))
            XCTAssertEqual(os.dialogs, [.camera, .photos])

            // Refusing permissions changes nothing for the login.
            let auth = client.auth()
            _ = try await auth.requestSmsCode(phone: phone)
            let code = try await server.devOutboxCode(phone)
            profile = try await auth.verifySmsCode(phone: phone, code: code)
            XCTAssertEqual(profile.phoneMasked, "138****8005")
            XCTAssertEqual(auth.sessionState(), .loggedIn(user: profile))
            let me = try await auth.whoami()
            XCTAssertEqual(me.id, profile.id)
        }

        // A restart does not reset the refusal (the OS still reports a plain "denied").
        let (reopened, permissions) = try await openClient(dataDir: dataDir, os: os)
        XCTAssertEqual(reopened.auth().sessionState(), .loggedIn(user: profile))
        os.answerNextDialog(.granted)
        let afterRestart = try await permissions.request(feature: .scanToLogin)
        assertDeniedRecently(afterRestart, refusedNotBefore: refusedNotBefore, "after a restart")
        XCTAssertEqual(os.dialogs, [.camera, .photos], "a restart let the app ask again")
        XCTAssertEqual(os.unscriptedDialogs, 0)
    }

    // 4. Positioning needs its consent and its in-app switch before the OS is asked; withdrawing
    //    the consent stops it at once, and only it.
    func testPositioningNeedsConsentAndTheSwitch() async throws {
        let os = ScriptedPermissionProvider([.camera: .granted])
        let (client, permissions) = try await openClient(dataDir: try newDataDir(), os: os)
        let consent = client.consent()
        try await acceptPolicy(client)

        XCTAssertFalse(try permissions.positioningEnabled(), "positioning is on by default")
        XCTAssertEqual(
            try permissions.check(feature: .positioning), .unavailable(reason: .consentRequired(purpose: .preciseLocation)))

        let granted = try consent.grant(purpose: .preciseLocation)
        XCTAssertEqual(granted.purpose, .preciseLocation)
        XCTAssertTrue(granted.granted)
        XCTAssertEqual(try permissions.check(feature: .positioning), .unavailable(reason: .positioningOff))
        let off = try await permissions.request(feature: .positioning)
        XCTAssertEqual(off, .unavailable(reason: .positioningOff))
        XCTAssertEqual(os.statusReads, [], "the OS was asked about location with positioning off")

        try permissions.setPositioningEnabled(enabled: true)
        XCTAssertTrue(try permissions.positioningEnabled())
        let shown = try XCTUnwrap(rationale(try permissions.check(feature: .positioning)))
        XCTAssertEqual(shown.feature, .positioning)
        XCTAssertEqual(shown.permission, .location)
        XCTAssertFalse(shown.title.isEmpty)
        XCTAssertFalse(shown.text.isEmpty)
        XCTAssertFalse(shown.purpose.isEmpty)

        os.answerNextDialog(.granted)
        let allowed = try await permissions.request(feature: .positioning)
        XCTAssertEqual(allowed, .allowed)
        XCTAssertEqual(os.dialogs, [.location])
        XCTAssertEqual(try permissions.check(feature: .positioning), .allowed)

        // Withdrawn: positioning stops at once, although the OS still grants location.
        let withdrawn = try consent.withdraw(purpose: .preciseLocation)
        XCTAssertFalse(withdrawn.granted)
        XCTAssertEqual(
            try permissions.check(feature: .positioning), .unavailable(reason: .consentRequired(purpose: .preciseLocation)))
        let afterWithdrawal = try await permissions.request(feature: .positioning)
        XCTAssertEqual(afterWithdrawal, .unavailable(reason: .consentRequired(purpose: .preciseLocation)))
        XCTAssertEqual(os.dialogs, [.location])
        // Features that do not depend on it keep working.
        XCTAssertEqual(try permissions.check(feature: .scanToLogin), .allowed)
        // Withdrawing location consent turns positioning off with it.
        XCTAssertFalse(try permissions.positioningEnabled())

        // Certification photos need the identity-verification consent, camera granted or not.
        XCTAssertEqual(
            try permissions.check(feature: .certificationPhotos),
            .unavailable(reason: .consentRequired(purpose: .identityVerification)))
        XCTAssertTrue(try consent.grant(purpose: .identityVerification).granted)
        XCTAssertEqual(try permissions.check(feature: .certificationPhotos), .allowed)

        // Granted again, positioning stays off until turned on; turned off, off at once.
        XCTAssertTrue(try consent.grant(purpose: .preciseLocation).granted)
        XCTAssertEqual(try permissions.check(feature: .positioning), .unavailable(reason: .positioningOff))
        try permissions.setPositioningEnabled(enabled: true)
        XCTAssertEqual(try permissions.check(feature: .positioning), .allowed)
        try permissions.setPositioningEnabled(enabled: false)
        XCTAssertFalse(try permissions.positioningEnabled())
        XCTAssertEqual(try permissions.check(feature: .positioning), .unavailable(reason: .positioningOff))
        XCTAssertEqual(os.dialogs, [.location])
        XCTAssertEqual(os.unscriptedDialogs, 0)
    }

    // 5. Optional purposes: decided only after the policy, the policy itself is not one of them,
    //    each decision is reflected and kept across a restart.
    func testOptionalPurposesAreRecordedAndPersisted() async throws {
        let dataDir = try newDataDir()
        let policyVersion: String
        let decided: [PurposeConsent]
        do {
            let client = try await openClient(dataDir: dataDir)
            let consent = client.consent()

            let undecided = try consent.purposes()
            XCTAssertEqual(
                undecided,
                Self.optionalPurposes.map {
                    PurposeConsent(purpose: $0, granted: false, decidedAt: nil, policyVersion: nil)
                })
            for purpose in [ConsentPurpose.personalisation, .preciseLocation] {
                let early = await captureError(ConsentError.self) { try consent.grant(purpose: purpose) }
                XCTAssertEqual(early, .PolicyNotAccepted, "grant \(purpose) before the policy")
                let earlyWithdraw = await captureError(ConsentError.self) { try consent.withdraw(purpose: purpose) }
                XCTAssertEqual(earlyWithdraw, .PolicyNotAccepted, "withdraw \(purpose) before the policy")
            }
            XCTAssertEqual(try consent.purposes(), undecided, "a refused grant was recorded")

            policyVersion = try await acceptPolicy(client).version
            let notOptional = await captureError(ConsentError.self) { try consent.grant(purpose: .privacyPolicy) }
            XCTAssertEqual(notOptional, .NotOptional(purpose: .privacyPolicy))
            let notWithdrawable = await captureError(ConsentError.self) {
                try consent.withdraw(purpose: .privacyPolicy)
            }
            XCTAssertEqual(notWithdrawable, .NotOptional(purpose: .privacyPolicy))
            XCTAssertEqual(try consent.purposes(), undecided, "accepting the policy granted an optional purpose")

            let personalisation = try consent.grant(purpose: .personalisation)
            XCTAssertEqual(personalisation.purpose, .personalisation)
            XCTAssertTrue(personalisation.granted)
            XCTAssertEqual(personalisation.policyVersion, policyVersion)
            let grantedAt = try XCTUnwrap(personalisation.decidedAt)
            XCTAssertEqual(Double(grantedAt), Date().timeIntervalSince1970, accuracy: 300)

            XCTAssertTrue(try consent.grant(purpose: .thirdPartySharing).granted)
            let sharing = try consent.withdraw(purpose: .thirdPartySharing)
            XCTAssertEqual(sharing.purpose, .thirdPartySharing)
            XCTAssertFalse(sharing.granted)
            XCTAssertEqual(sharing.policyVersion, policyVersion)
            let withdrawnAt = try XCTUnwrap(sharing.decidedAt)
            XCTAssertGreaterThanOrEqual(withdrawnAt, grantedAt)

            decided = try consent.purposes()
            XCTAssertEqual(decided.map(\.purpose), Self.optionalPurposes)
            XCTAssertEqual(
                decided.filter(\.granted).map(\.purpose), [.personalisation], "granted purposes")
            XCTAssertEqual(decided.first { $0.purpose == .personalisation }, personalisation)
            XCTAssertEqual(decided.first { $0.purpose == .thirdPartySharing }, sharing)
            for purpose in [ConsentPurpose.browsingRecords, .preciseLocation, .identityVerification] {
                XCTAssertEqual(
                    decided.first { $0.purpose == purpose },
                    PurposeConsent(purpose: purpose, granted: false, decidedAt: nil, policyVersion: nil))
            }
            // The decisions are local: nothing about them went to the server.
            let requests = try await server.devRequests()
            XCTAssertEqual(requests, [.init(method: "GET", path: "/v1/policy")])
        }

        // A new client on the same data directory: the same decisions.
        let reopened = try await openClient(dataDir: dataDir)
        XCTAssertEqual(try reopened.consent().status().acceptedVersion, policyVersion)
        XCTAssertEqual(try reopened.consent().purposes(), decided)
        // ... and they still take effect: the identity-verification consent was never given.
        let os = ScriptedPermissionProvider([.camera: .granted])
        reopened.permissions().setProvider(provider: os)
        XCTAssertEqual(
            try reopened.permissions().check(feature: .certificationPhotos),
            .unavailable(reason: .consentRequired(purpose: .identityVerification)))

        // Another data directory is another installation: nothing decided.
        let other = try await openClient(dataDir: try newDataDir())
        XCTAssertEqual(try other.consent().purposes().filter { $0.decidedAt != nil }, [])
    }
}
