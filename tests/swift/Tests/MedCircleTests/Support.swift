// The suite's one support library: the reference server as a child process (and the SMS code
// from its dev outbox), the per-test fixture, an inbox that hands values from the core's
// threads to the waiting test, and the listeners and providers the core calls back.

import Foundation
import MedCircle
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

struct SupportError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// How long a test waits for an event before failing.
let eventTimeout: TimeInterval = 15

// MARK: - Handing values over

/// Values sent from any thread (the core's, usually), taken in order by one waiting test.
final class Inbox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var queued: [Value] = []
    private var waiter: (id: UInt64, continuation: CheckedContinuation<Value?, Never>)?
    private var waits: UInt64 = 0

    func send(_ value: Value) {
        let waiting: CheckedContinuation<Value?, Never>? = lock.withLock {
            guard let waiter else {
                queued.append(value)
                return nil
            }
            self.waiter = nil
            return waiter.continuation
        }
        waiting?.resume(returning: value)
    }

    /// Everything sent and not yet taken, without waiting.
    func drain() -> [Value] {
        lock.withLock {
            defer { queued = [] }
            return queued
        }
    }

    /// The next value, waiting up to `timeout` seconds for it.
    func next(_ what: @autoclosure () -> String, timeout: TimeInterval = eventTimeout) async throws -> Value {
        let value: Value? = await withCheckedContinuation { continuation in
            let (ready, id): (Value?, UInt64) = lock.withLock {
                if !queued.isEmpty { return (queued.removeFirst(), 0) }
                precondition(waiter == nil, "an inbox has one reader at a time")
                waits += 1
                waiter = (waits, continuation)
                return (nil, waits)
            }
            if let ready { return continuation.resume(returning: ready) }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [self] in
                let expired: CheckedContinuation<Value?, Never>? = lock.withLock {
                    guard let waiter, waiter.id == id else { return nil }
                    self.waiter = nil
                    return waiter.continuation
                }
                expired?.resume(returning: nil)
            }
        }
        guard let value else { throw SupportError("waited \(Int(timeout)) s for \(what()) in vain") }
        return value
    }

    /// The first value that satisfies `condition`, dropping those before it.
    func first(
        _ what: @autoclosure () -> String, timeout: TimeInterval = eventTimeout, where condition: (Value) -> Bool
    ) async throws -> Value {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let value = try await next(what(), timeout: max(0, deadline.timeIntervalSinceNow))
            if condition(value) { return value }
        }
    }
}

/// The kernel name of the calling thread (the core names its threads `medcircle-core`).
func currentThreadName() -> String {
    procLines("/proc/thread-self/comm").first ?? ""
}

let coreThreadName = "medcircle-core"

/// How many threads of this process are the core's.
func coreThreadCount() throws -> Int {
    try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").filter {
        procLines("/proc/self/task/\($0)/comm").first == coreThreadName
    }.count
}

/// Where a sync callback announces itself (with its thread) and, while closed, keeps the
/// calling core thread waiting until the test opens it.
final class Checkpoint: @unchecked Sendable {
    let arrivals = Inbox<String>()
    private let condition = NSCondition()
    private var isOpen: Bool

    init(open: Bool = true) {
        isOpen = open
    }

    func pass() {
        arrivals.send(currentThreadName())
        condition.lock()
        defer { condition.unlock() }
        let limit = Date().addingTimeInterval(eventTimeout)
        while !isOpen && condition.wait(until: limit) {}
    }

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }
}

// MARK: - Listeners

/// Records what a listener was given, and on which thread, for the test to await. Its
/// `released` inbox hears when the core lets go of it.
final class Recorder<Value: Sendable>: @unchecked Sendable {
    struct Call: Sendable {
        let value: Value
        let thread: String
    }

    let calls = Inbox<Call>()
    let released = Inbox<Void>()
    private let checkpoint: Checkpoint?

    /// With a `checkpoint`, each call passes it after being recorded.
    init(checkpoint: Checkpoint? = nil) {
        self.checkpoint = checkpoint
    }

    func record(_ value: Value) {
        calls.send(Call(value: value, thread: currentThreadName()))
        checkpoint?.pass()
    }

    func next(_ what: @autoclosure () -> String) async throws -> Value {
        try await calls.next(what()).value
    }

    func first(_ what: @autoclosure () -> String, where condition: (Value) -> Bool) async throws -> Value {
        try await calls.first(what(), where: { condition($0.value) }).value
    }

    deinit {
        released.send(())
    }
}

extension Recorder: SessionListener where Value == SessionState {
    func onUpdate(state: SessionState) { record(state) }
}

extension Recorder: SecurityNoticesListener where Value == SecurityNotices {
    func onUpdate(notices: SecurityNotices) { record(notices) }
}

extension Recorder: RedemptionsListener where Value == [Redemption] {
    func onUpdate(redemptions: [Redemption]) { record(redemptions) }
}

extension Recorder: HelpTicketsListener where Value == HelpTickets {
    func onUpdate(tickets: HelpTickets) { record(tickets) }
}

extension Recorder: EntitlementsListener where Value == Entitlements {
    func onUpdate(entitlements: Entitlements) { record(entitlements) }
}

extension Recorder: LoginScreenListener where Value == LoginScreen {
    func onUpdate(screen: LoginScreen) { record(screen) }
}

extension Recorder: FeedListener where Value == [FeedDiff] {
    func onUpdate(diffs: [FeedDiff]) { record(diffs) }
}

extension Recorder: FeedStatusListener where Value == FeedStatus {
    func onUpdate(status: FeedStatus) { record(status) }
}

extension Recorder: CertificationStatusListener where Value == CertificationStatus {
    func onUpdate(status: CertificationStatus) { record(status) }
}

struct UploadReport: Equatable, Sendable {
    let sent: UInt64
    let total: UInt64
}

extension Recorder: UploadProgress where Value == UploadReport {
    func progress(sentBytes: UInt64, totalBytes: UInt64) { record(UploadReport(sent: sentBytes, total: totalBytes)) }
}

/// A log sink keeping each line's message.
extension Recorder: LogSink where Value == String {
    func log(level: LogLevel, target: String, message: String) { record(message) }
}

/// The feed as a screen shows it: the observed diffs applied in order.
struct FeedRows {
    let recorder: Recorder<[FeedDiff]>
    private(set) var items: [FeedItem] = []

    /// Applies diffs as they come until the rows satisfy `condition`.
    mutating func wait(_ what: String, until condition: ([FeedItem]) -> Bool) async throws -> [FeedItem] {
        while !condition(items) {
            for diff in try await recorder.next(what) {
                switch diff {
                case .reset(let all): items = all
                case .insert(let index, let item): items.insert(item, at: Int(index))
                case .update(let index, let item): items[Int(index)] = item
                case .remove(let index): items.remove(at: Int(index))
                }
            }
        }
        return items
    }
}

// MARK: - Providers

/// An async foreign call the test answers: each call is announced on `calls`, then waits,
/// suspended, for the answer the test sends to `answers`.
final class Scripted<Argument: Sendable, Answer: Sendable>: @unchecked Sendable {
    let calls = Inbox<Argument>()
    let answers = Inbox<Result<Answer, any Error>>()

    func perform(_ argument: Argument) async throws -> Answer {
        calls.send(argument)
        return try await answers.next("the test's answer to the core's call").get()
    }
}

/// The OS permission API: a status per permission (not determined until answered), and each
/// dialog an async call the test answers. `statusReads` hears every status read's thread.
final class ScriptedPermissionProvider: PermissionProvider, @unchecked Sendable {
    let dialogs = Scripted<Permission, PermissionStatus>()
    let statusReads = Checkpoint()
    private let lock = NSLock()
    private var statuses: [Permission: PermissionStatus] = [:]
    private var statusFailure: ProviderError?

    func status(permission: Permission) throws -> PermissionStatus {
        statusReads.pass()
        return try lock.withLock {
            if let statusFailure { throw statusFailure }
            return statuses[permission] ?? .notDetermined
        }
    }

    func request(permission: Permission) async throws -> PermissionStatus {
        let answer = try await dialogs.perform(permission)
        lock.withLock { statuses[permission] = answer }
        return answer
    }

    /// From now on every status read throws `failure`.
    func failStatusReads(_ failure: ProviderError) {
        lock.withLock { statusFailure = failure }
    }
}

extension MedCircleClient {
    /// The permission gate, with the OS played by a new scripted provider.
    func scriptedPermissions() -> (Permissions, ScriptedPermissionProvider) {
        let permissions = permissions()
        let os = ScriptedPermissionProvider()
        permissions.setProvider(provider: os)
        return (permissions, os)
    }
}

extension Permissions {
    /// Starts `request(feature)` and returns once `os` shows its dialog, with the permission
    /// the dialog asks for; the task awaits the answer the test sends to `os.dialogs.answers`.
    func requestShowingDialog(
        _ feature: Feature, on os: ScriptedPermissionProvider
    ) async throws -> (Permission, Task<PermissionDecision, any Error>) {
        let request = Task { try await self.request(feature: feature) }
        return (try await os.dialogs.calls.next("the dialog for \(feature)"), request)
    }
}

/// The OS location service: each reading an async call the test answers.
final class ScriptedLocationProvider: LocationProvider, @unchecked Sendable {
    let readings = Scripted<Void, Location>()

    func currentLocation() async throws -> Location {
        try await readings.perform(())
    }
}

/// The OS's device information; each read passes `checkpoint` (closed: the read waits).
final class ScriptedDeviceInfoProvider: DeviceInfoProvider, @unchecked Sendable {
    let checkpoint: Checkpoint

    init(checkpoint: Checkpoint = Checkpoint()) {
        self.checkpoint = checkpoint
    }

    func deviceInfo() throws -> DeviceInfo {
        checkpoint.pass()
        return DeviceInfo(
            model: "Pixel 9 测试机", os: .android, osVersion: "15", appVersion: "1.0.0", networkType: .wifi,
            carrier: nil)
    }
}

// MARK: - Images

/// A real PNG of about `size` bytes: a grey gradient stored without compression and without
/// metadata, so the core's metadata strip sends it byte for byte.
func png(size: Int) -> Data {
    let width = 1024
    let rows = max(1, (size - 100) / (width + 1))
    var raw = [UInt8](repeating: 0, count: rows * (width + 1))
    for i in raw.indices where i % (width + 1) != 0 { raw[i] = UInt8(truncatingIfNeeded: i &* 31) }
    // zlib with stored blocks (RFC 1950/1951), then its Adler-32.
    var zlib: [UInt8] = [0x78, 0x01]
    var offset = 0
    while offset < raw.count {
        let length = min(65535, raw.count - offset)
        zlib.append(offset + length == raw.count ? 1 : 0)
        zlib += [UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8((~length >> 8) & 0xff)]
        zlib += raw[offset..<offset + length]
        offset += length
    }
    var (a, b): (UInt32, UInt32) = (1, 0)
    for byte in raw {
        a = (a + UInt32(byte)) % 65521
        b = (b + a) % 65521
    }
    zlib += bigEndian((b << 16) | a)
    let header = bigEndian(UInt32(width)) + bigEndian(UInt32(rows)) + [8, 0, 0, 0, 0]
    var out: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
    for (type, data) in [("IHDR", header), ("IDAT", zlib), ("IEND", [])] {
        let typed = Array(type.utf8) + data
        out += bigEndian(UInt32(data.count)) + typed + bigEndian(crc32(typed))
    }
    return Data(out)
}

private func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
}

private func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xffff_ffff
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc & 1) == 1 ? (crc >> 1) ^ 0xedb8_8320 : crc >> 1 }
    }
    return ~crc
}

// MARK: - The reference server

/// The reference server (`MEDCIRCLE_SERVER_BIN`) in dev mode on 127.0.0.1, with a temporary
/// database of its own.
final class ReferenceServer: @unchecked Sendable {
    /// As the server prints it, e.g. `http://127.0.0.1:41234`.
    let baseURL: String
    let directory: URL
    private let process: Process

    init() throws {
        guard let binary = ProcessInfo.processInfo.environment["MEDCIRCLE_SERVER_BIN"], !binary.isEmpty else {
            throw SupportError("MEDCIRCLE_SERVER_BIN is not set: run the suite through run-tests.sh")
        }
        directory = try makeTemporaryDirectory("server")
        let log = directory.appendingPathComponent("server.log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw SupportError("cannot create \(log.path)")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--addr", "127.0.0.1:0", "--db", directory.appendingPathComponent("server.db").path, "--dev",
        ]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        registerChild(process.processIdentifier)

        let prefix = "listening on "
        guard let announced = FirstLine(of: stdout.fileHandleForReading).wait(timeout: 30),
            announced.hasPrefix(prefix + "http://127.0.0.1:")
        else {
            Self.stop(process)
            let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw SupportError("the reference server did not announce its address; stderr:\n\(stderr)")
        }
        baseURL = String(announced.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
    }

    deinit {
        Self.stop(process)
        try? FileManager.default.removeItem(at: directory)
    }

    /// SIGTERM, then SIGKILL if it has not exited within 5 s: `Process` on Linux hands the
    /// child the starting thread's signal mask, and Swift-concurrency threads block SIGTERM.
    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        process.terminate()
        if exited.wait(timeout: .now() + 5) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    /// The last SMS code the server "sent" to `phone` (`/dev/sms/outbox`).
    func smsCode(for phone: String) async throws -> String {
        guard let code = try await getJSON("/dev/sms/outbox?phone=\(phone)")["code"] as? String else {
            throw SupportError("no SMS code in the dev outbox for \(phone)")
        }
        return code
    }

    /// Whether the certification application `userId` submitted carried a position
    /// (`/dev/certifications`, which never holds the position itself).
    func certificationHasLocation(userId: String) async throws -> Bool {
        let held = try await getJSON("/dev/certifications")["certifications"] as? [[String: Any]] ?? []
        guard let entry = held.first(where: { $0["user_id"] as? String == userId }),
            let hasLocation = entry["has_location"] as? Bool
        else { throw SupportError("no certification of \(userId) in \(held)") }
        return hasLocation
    }

    /// A dev hook: POSTs `json` to `path`, which must answer 200; returns the answer's body.
    @discardableResult
    func post(_ path: String, json: String) async throws -> Data {
        guard let url = URL(string: baseURL + path) else { throw SupportError("bad URL \(baseURL + path)") }
        var request = URLRequest(url: url, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(json.utf8)
        let (data, status): (Data, Int) = try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error { return continuation.resume(throwing: error) }
                continuation.resume(returning: (data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0))
            }.resume()
        }
        guard status == 200 else {
            throw SupportError("POST \(path) -> HTTP \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return data
    }

    /// The JSON object a dev hook answers `GET path` with (which must be 200).
    func getJSON(_ path: String) async throws -> [String: Any] {
        guard let url = URL(string: baseURL + path) else { throw SupportError("bad URL \(baseURL + path)") }
        let (data, status): (Data, Int) = try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: URLRequest(url: url, timeoutInterval: 10)) { data, response, error in
                if let error { return continuation.resume(throwing: error) }
                continuation.resume(returning: (data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0))
            }.resume()
        }
        guard status == 200, let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SupportError("GET \(path) -> HTTP \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }
}

/// The first line of a child's output; the rest is read and dropped on a thread of its own,
/// so the child never blocks on a full pipe.
private final class FirstLine: @unchecked Sendable {
    private let lock = NSLock()
    private let ready = DispatchSemaphore(value: 0)
    private var line: String?

    init(of handle: FileHandle) {
        Thread { [self] in
            var buffer = Data()
            while case let chunk = handle.availableData, !chunk.isEmpty {
                guard lock.withLock({ line == nil }) else { continue }
                buffer.append(chunk)
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    lock.withLock { line = String(decoding: buffer[..<newline], as: UTF8.self) }
                    ready.signal()
                }
            }
            ready.signal()
        }.start()
    }

    func wait(timeout: TimeInterval) -> String? {
        _ = ready.wait(timeout: .now() + timeout)
        return lock.withLock { line }
    }
}

/// Notes a child's pid in `$MEDCIRCLE_SWIFT_CHILDREN` (from run-tests.sh), which ends any
/// server a crashed test process left behind.
private func registerChild(_ pid: Int32) {
    guard let directory = ProcessInfo.processInfo.environment["MEDCIRCLE_SWIFT_CHILDREN"], !directory.isEmpty
    else { return }
    _ = FileManager.default.createFile(atPath: "\(directory)/\(pid)", contents: nil)
}

func makeTemporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("medcircle-swift-\(label)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Lines of a /proc file (read with stdio: Foundation spins on files whose size reads 0).
func procLines(_ path: String) -> [String] {
    guard let file = fopen(path, "r") else { return [] }
    defer { fclose(file) }
    var lines: [String] = []
    var buffer: UnsafeMutablePointer<CChar>?
    var capacity = 0
    while getline(&buffer, &capacity, file) > 0, let buffer {
        lines.append(String(cString: buffer).trimmingCharacters(in: .newlines))
    }
    free(buffer)
    return lines
}

/// The client keeps its keys in the keyutils session keyring. Without one of its own the
/// process shares the user-session keyring, where a key stored from one thread is not found
/// from another, so run-tests.sh joins a fresh one and names it here.
func requireOwnSessionKeyring() throws {
    guard let id = ProcessInfo.processInfo.environment["MEDCIRCLE_SWIFT_SESSION_KEYRING"], !id.isEmpty else {
        throw SupportError("MEDCIRCLE_SWIFT_SESSION_KEYRING is not set: run the suite through run-tests.sh")
    }
    let keyrings = procLines("/proc/keys").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
    guard keyrings.contains(where: { $0.count > 7 && $0[0] == id && $0[7] == "keyring" }) else {
        throw SupportError("session keyring \(id) (MEDCIRCLE_SWIFT_SESSION_KEYRING) is not in /proc/keys")
    }
}

// MARK: - The fixture

/// One reference server per test, and client data directories removed after it.
class ServerTestCase: XCTestCase {
    private(set) var server: ReferenceServer!
    private var directories: [URL] = []

    override func setUpWithError() throws {
        try super.setUpWithError()
        try requireOwnSessionKeyring()
        server = try ReferenceServer()
    }

    override func tearDownWithError() throws {
        server = nil
        for directory in directories {
            try? FileManager.default.removeItem(at: directory)
        }
        directories = []
        try super.tearDownWithError()
    }

    /// A client data directory, removed after the test.
    func newDataDir() throws -> URL {
        let directory = try makeTemporaryDirectory("client")
        directories.append(directory)
        return directory
    }

    /// A client of the test's server on `dataDir` (a fresh one unless given).
    func openClient(dataDir: URL? = nil) async throws -> MedCircleClient {
        let directory = try dataDir ?? newDataDir()
        return try await MedCircleClient.open(
            config: ClientConfig(serverUrl: server.baseURL, dataDir: directory.path, dev: true, spkiPins: []))
    }

    /// A client whose user has accepted the privacy policy.
    func consentedClient(dataDir: URL? = nil) async throws -> MedCircleClient {
        let client = try await openClient(dataDir: dataDir)
        let policy = try await client.consent().fetchPolicy()
        _ = try await client.consent().accept(version: policy.version)
        return client
    }

    /// A client whose user accepted the policy and logged in by SMS as `phone`.
    func loggedInClient(phone: String, dataDir: URL? = nil) async throws -> (MedCircleClient, UserProfile) {
        let client = try await consentedClient(dataDir: dataDir)
        return (client, try await logIn(client, phone: phone))
    }

    /// Logs `phone` in by SMS, the code read from the server's dev outbox.
    func logIn(_ client: MedCircleClient, phone: String) async throws -> UserProfile {
        let auth = client.auth()
        _ = try await auth.requestSmsCode(phone: phone)
        return try await auth.verifySmsCode(phone: phone, code: try await server.smsCode(for: phone))
    }
}

extension SessionState {
    var isLoggedIn: Bool {
        if case .loggedIn = self { true } else { false }
    }
}

extension LoginStep {
    var isLoggedIn: Bool {
        if case .loggedIn = self { true } else { false }
    }
}
