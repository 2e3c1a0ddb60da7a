import XCTest
@testable import MedCircle

final class FeedListTests: XCTestCase {
    func testAResetReplacesEverything() throws {
        let list = try [item("a"), item("b")].applying([.reset(items: [item("c")])])
        XCTAssertEqual(list.map(\.post.id), ["c"])
    }

    func testDiffsApplyInOrderAsTheCoreSendsThem() throws {
        let before = [item("a"), item("b"), item("c"), item("d")]
        // The core removes from the end first, then inserts and updates at their new places.
        let after = try before.applying([
            .remove(index: 3),
            .remove(index: 1),
            .insert(index: 0, item: item("new")),
            .update(index: 2, item: item("c", likes: 5)),
            .insert(index: 3, item: item("last")),
        ])
        XCTAssertEqual(after.map(\.post.id), ["new", "a", "c", "last"])
        XCTAssertEqual(after[2].post.likeCount, 5)
    }

    func testAnIndexOutsideTheListIsAnError() throws {
        let list = [item("a")]
        for diff: FeedDiff in [.remove(index: 1), .update(index: 1, item: item("b")), .insert(index: 2, item: item("b")),
                               .remove(index: UInt32.max)] {
            XCTAssertThrowsError(try list.applying([diff])) { error in
                XCTAssertEqual(error as? FeedListDiverged, FeedListDiverged(diff: diff, count: 1))
            }
        }
        XCTAssertEqual(try list.applying([.insert(index: 1, item: item("b"))]).map(\.post.id), ["a", "b"])
    }

    private func item(_ id: String, likes: UInt32 = 0) -> FeedItem {
        FeedItem(
            post: Post(
                id: id,
                author: Author(id: "u1", nickname: "李医生", avatarUrl: nil),
                text: "查房记录 \(id)",
                photos: [],
                createdAt: 1_700_000_000,
                likeCount: likes,
                commentCount: 0,
                collectCount: 0,
                likedByMe: false,
                collectedByMe: false,
                mine: false
            ),
            delivery: .sent
        )
    }
}
