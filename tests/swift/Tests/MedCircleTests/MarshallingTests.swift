// Bytes and text across the boundary: a draft's photos (every byte value, empty, 1 MiB) and
// its text (Chinese, an emoji, a decomposed accent) come back byte for byte, also from a
// client reopened on the same data. Unsigned fields at their extremes are in ErrorTests.

import Foundation
import MedCircle
import XCTest

final class MarshallingTests: ServerTestCase {
    func testADraftsBytesAndTextRoundTripUnchanged() async throws {
        let everyByte = Data((0...255).map { UInt8($0) })
        let mebibyte = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) })
        let text = "明天交班：三床术后发热 🌡️，复查血常规；cafe\u{301}"
        let draft = Draft(text: text, photos: [everyByte, Data(), mebibyte])
        let dataDir = try newDataDir()
        do {
            let (client, _) = try await loggedInClient(phone: "13800138031", dataDir: dataDir)
            try await client.feed().saveDraft(draft: draft)
            assertUnchanged(try await client.feed().draft(), draft)
        }

        let reopened = try await openClient(dataDir: dataDir)
        assertUnchanged(try await reopened.feed().draft(), draft)
    }

    private func assertUnchanged(_ back: Draft, _ sent: Draft, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(back.photos.map(\.count), sent.photos.map(\.count), file: file, line: line)
        XCTAssertEqual(back.photos, sent.photos, file: file, line: line)
        // Swift compares strings by canonical equivalence: compare the UTF-8 itself.
        XCTAssertEqual(Array(back.text.utf8), Array(sent.text.utf8), file: file, line: line)
    }
}
