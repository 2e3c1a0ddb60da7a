// Which threads the core calls Swift on: its own (`medcircle-core`), never the caller's, for
// listeners and for the sync foreign traits alike, while the caller awaits.

import Foundation
import MedCircle
import XCTest

final class ThreadTests: ServerTestCase {
    func testEveryListenerIsCalledOnACoreThread() async throws {
        let (client, _) = try await loggedInClient(phone: "13800138001")
        let auth = client.auth()
        let login = auth.loginFlow()
        let feed = client.feed()
        let session = Recorder<SessionState>()
        let screen = Recorder<LoginScreen>()
        let items = Recorder<[FeedDiff]>()
        let feedStatus = Recorder<FeedStatus>()
        let certification = Recorder<CertificationStatus>()
        let handles = [
            auth.observeSession(listener: session), login.observeScreen(listener: screen),
            feed.observeItems(listener: items), feed.observeStatus(listener: feedStatus),
            client.certification().observeStatus(listener: certification),
        ]
        defer { handles.forEach { $0.cancel() } }

        let threads = [
            try await session.calls.next("the session").thread, try await screen.calls.next("the screen").thread,
            try await items.calls.next("the feed's reset").thread,
            try await feedStatus.calls.next("the feed's status").thread,
            try await certification.calls.next("the certification status").thread,
        ]
        XCTAssertEqual(threads, Array(repeating: coreThreadName, count: handles.count))
        XCTAssertNotEqual(currentThreadName(), coreThreadName)
    }

    func testSyncForeignTraitsAreCalledOnCoreThreadsWhileTheCallerAwaits() async throws {
        let client = try await consentedClient()
        // Installed after the client is open: opening runs partly on the caller's thread.
        let log = Recorder<String>()
        setLogger(sink: log, maxLevel: .info)
        let (permissions, os) = client.scriptedPermissions()
        let device = ScriptedDeviceInfoProvider()
        client.auth().setDeviceInfoProvider(provider: device)
        let progress = Recorder<UploadReport>()

        _ = try await permissions.check(feature: .postPhotos)
        _ = try await logIn(client, phone: "13800138002")
        _ = try await client.feed().publish(
            text: "线程", photos: [png(size: 200 * 1024)], progress: progress, cancel: CancelToken())

        let calls = [
            "PermissionProvider.status": os.statusReads.arrivals.drain(),
            "DeviceInfoProvider.deviceInfo": device.checkpoint.arrivals.drain(),
            "UploadProgress.progress": progress.calls.drain().map(\.thread),
            "LogSink.log": log.calls.drain().map(\.thread),
        ]
        for (callback, threads) in calls {
            XCTAssertFalse(threads.isEmpty, "\(callback) was called")
            XCTAssertEqual(Set(threads), [coreThreadName], "\(callback)'s threads")
        }
    }
}
