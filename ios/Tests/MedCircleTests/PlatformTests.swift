import Foundation
import XCTest
@testable import MedCircle

final class DeepLinkTests: XCTestCase {
    private let host = "api.medcircle.example"
    private let webLogin = "medcircle://web-login?id=wl_0123456789abcdef0123456789abcdef&v=1"

    func testAWebLoginCodeGoesToTheCoreWhole() {
        XCTAssertEqual(link(webLogin), .webLogin(payload: webLogin))
        // The core checks the rest (id, version, extras): the shell passes it on as it came.
        XCTAssertEqual(link("medcircle://web-login?id=x&v=9"), .webLogin(payload: "medcircle://web-login?id=x&v=9"))
    }

    func testAShareLinkGivesItsCode() {
        XCTAssertEqual(link("https://\(host)/p/AbCdEfGh_-012345"), .sharedPost(code: "AbCdEfGh_-012345"))
        XCTAssertEqual(link("https://API.MEDCIRCLE.EXAMPLE/p/AbCdEfGh_-012345"), .sharedPost(code: "AbCdEfGh_-012345"))
    }

    func testAnythingElseIsNotOurs() {
        for other in [
            "http://\(host)/p/AbCdEfGh_-012345",
            "https://evil.example/p/AbCdEfGh_-012345",
            "https://\(host).evil.example/p/AbCdEfGh_-012345",
            "https://\(host):8443/p/AbCdEfGh_-012345",
            "https://user@\(host)/p/AbCdEfGh_-012345",
            "https://\(host)/p/AbCdEfGh_-01234",
            "https://\(host)/p/AbCdEfGh_-0123456",
            "https://\(host)/p/AbCdEfGh+-012345",
            "https://\(host)/q/AbCdEfGh_-012345",
            "https://\(host)/p/AbCdEfGh_-012345/more",
            "https://\(host)/p/AbCdEfGh_-012345?next=https://evil",
            "https://\(host)/p/AbCdEfGh_-012345#x",
            "medcircle://evil?id=x",
            "other://web-login?id=x",
        ] {
            XCTAssertNil(link(other), other)
        }
    }

    private func link(_ text: String) -> DeepLink? {
        DeepLink(url: URL(string: text)!, shareHost: host)
    }
}

final class OAuthRedirectTests: XCTestCase {
    func testTheCallbackSchemeIsThePrivateUseScheme() {
        XCTAssertEqual(OAuthRedirect.callbackScheme(of: "com.medcircle.app:/oauth/callback"), "com.medcircle.app")
        XCTAssertEqual(OAuthRedirect.callbackScheme(of: "Com.MedCircle.App:/cb"), "com.medcircle.app")
        XCTAssertNil(OAuthRedirect.callbackScheme(of: "https://medcircle.example/cb"))
        XCTAssertNil(OAuthRedirect.callbackScheme(of: "medcircle:/cb"))
        XCTAssertNil(OAuthRedirect.callbackScheme(of: "not a uri"))
    }
}

final class DeviceInformationTests: XCTestCase {
    func testTheReportHoldsTheDeclaredFieldsOnly() throws {
        let info = try DeviceInformation().deviceInfo()
        XCTAssertEqual(info.os, .linux)
        XCTAssertEqual(info.model, DeviceInformation.machine())
        XCTAssertFalse(info.model.isEmpty)
        XCTAssertEqual(info.networkType, .unknown)
        XCTAssertNil(info.carrier)
        let version = ProcessInfo.processInfo.operatingSystemVersion
        XCTAssertEqual(info.osVersion, DeviceInformation.osVersion(version))
    }

    func testTheVersionReadsAsPeopleWriteIt() {
        XCTAssertEqual(DeviceInformation.osVersion(OperatingSystemVersion(majorVersion: 17, minorVersion: 4, patchVersion: 1)), "17.4.1")
        XCTAssertEqual(DeviceInformation.osVersion(OperatingSystemVersion(majorVersion: 18, minorVersion: 0, patchVersion: 0)), "18.0")
    }
}

final class DataDirectoryTests: XCTestCase {
    func testTheDatabasesLiveInApplicationSupport() throws {
        let directory = try MedCircleClient.dataDirectory()
        let support = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: false)
        XCTAssertEqual(directory.deletingLastPathComponent().standardizedFileURL, support.standardizedFileURL)
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory))
        XCTAssertTrue(isDirectory.boolValue)
    }
}
