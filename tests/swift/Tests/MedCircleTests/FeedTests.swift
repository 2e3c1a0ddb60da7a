// The feed through the generated Swift bindings, against the real reference server, whose dev
// mode seeds 40 posts in Chinese and English: a live list (a reset with the cache, then diffs)
// filled by pages and a conditional refresh, publishing with a photo, likes, comments,
// collections and share links, server and local search, and a draft kept across restarts. The
// test plays the feed screen (RecordingFeedListener applies every diff to its own list). Every
// test gets its own server (temporary database) and its own client data directory.

import Foundation
import XCTest
import MedCircle

final class FeedTests: ServerTestCase {
    private static let feedPage = ReferenceServer.RecordedRequest(method: "GET", path: "/v1/feed")

    private func ids(_ items: [FeedItem]) -> [String] {
        items.map(\.post.id)
    }

    // 1. The live list starts empty, fills by pages, and an unchanged refresh is not modified.
    func testTheLiveListStartsEmptyFillsByPagesAndAnUnchangedRefreshIsNotModified() async throws {
        let (client, _) = try await loggedIn(phone: "13800139401")
        let feed = client.feed()
        let listener = RecordingFeedListener()
        let subscription = try await feed.subscribe(listener: listener)
        defer { subscription.cancel() }

        // Nothing cached yet: the screen is told so at once.
        await eventually("the first diffs") { !listener.diffs.all.isEmpty }
        XCTAssertEqual(listener.diffs.all.first, [.reset(items: [])])
        await eventually("the first status") { !listener.statuses.all.isEmpty }
        let initial = try XCTUnwrap(listener.statuses.all.first)
        XCTAssertFalse(initial.endReached, "status \(initial)")
        XCTAssertFalse(initial.offline, "status \(initial)")
        XCTAssertEqual(initial.pending, 0, "status \(initial)")

        let refreshed = try await feed.refresh()
        XCTAssertFalse(refreshed.notModified)
        XCTAssertEqual(refreshed.newPosts, 20)
        let page = await listener.awaitItems("the first page") { $0.count == 20 }
        XCTAssertTrue(page.allSatisfy { $0.delivery == .sent }, "not all sent: \(page)")
        XCTAssertEqual(Set(ids(page)).count, 20, "duplicate rows: \(ids(page))")

        // Unchanged: one conditional request, answered 304, and the list untouched.
        let pagesBefore = try await server.devRequests().filter { $0 == Self.feedPage }.count
        let again = try await feed.refresh()
        XCTAssertTrue(again.notModified, "outcome \(again)")
        XCTAssertEqual(again.newPosts, 0)
        let pagesAfter = try await server.devRequests().filter { $0 == Self.feedPage }.count
        XCTAssertEqual(pagesAfter, pagesBefore + 1)
        XCTAssertEqual(listener.items, page)

        let beforeMore = listener.statuses.all
        XCTAssertFalse(beforeMore.contains { $0.endReached }, "the end reached after one page: \(beforeMore)")
        let more = try await feed.loadMore()
        XCTAssertEqual(more, 20)
        let all = await listener.awaitItems("the second page") { $0.count == 40 }
        XCTAssertEqual(Array(ids(all).prefix(20)), ids(page), "the first page moved")
        XCTAssertEqual(Set(ids(all)).count, 40, "duplicate rows: \(ids(all))")
        XCTAssertTrue(all.allSatisfy { $0.delivery == .sent }, "not all sent: \(all)")

        // The seeded 40 are all there: nothing more to load.
        let none = try await feed.loadMore()
        XCTAssertEqual(none, 0)
        await eventually("the end reached") { listener.statuses.all.last?.endReached == true }
        XCTAssertEqual(listener.items, all)
        XCTAssertEqual(listener.notices.all, [])
    }

    // 2. A post with a photo is sent with progress, tops the list, and its photo comes back.
    func testAPostWithAPhotoIsSentWithProgressTopsTheListAndItsPhotoComesBack() async throws {
        let text = "今天的查房记录 — ward round notes"
        let size = 200 * 1024
        let photo = certificatePng(size: size)
        let (client, user) = try await loggedIn(phone: "13800139402")
        let feed = client.feed()
        _ = try await feed.refresh()
        let listener = RecordingFeedListener()
        let subscription = try await feed.subscribe(listener: listener)
        defer { subscription.cancel() }
        let seeded = await listener.awaitItems("the cached page") { $0.count == 20 }

        let progress = RecordingUploadProgress()
        let item = try await feed.publish(text: text, photos: [photo], progress: progress, cancel: CancelToken())
        XCTAssertEqual(item.delivery, .sent)
        XCTAssertEqual(item.post.text, text)
        XCTAssertTrue(item.post.mine, "post \(item.post)")
        XCTAssertEqual(item.post.author.id, user.id)
        XCTAssertFalse(item.post.id.hasPrefix("local:"), "still a local id: \(item.post.id)")
        XCTAssertEqual(item.post.photos.count, 1, "photos \(item.post.photos)")
        let sentPhoto = try XCTUnwrap(item.post.photos.first)
        XCTAssertEqual(sentPhoto.width, 2)
        XCTAssertEqual(sentPhoto.height, 2)
        let total = UInt64(size)
        let reports = progress.reports.all
        XCTAssertEqual(reports.last, .init(sent: total, total: total), "reports \(reports)")
        XCTAssertTrue(reports.allSatisfy { $0.total == total }, "reports \(reports)")

        // On top of the live list, as sent, above what was there.
        let shown = await listener.awaitItems("the new post on top") { $0.first?.post.id == item.post.id }
        XCTAssertEqual(shown.first, item)
        XCTAssertEqual(Array(ids(shown).dropFirst()), ids(seeded))

        let back = try await feed.photo(photoId: sentPhoto.id, postId: item.post.id)
        XCTAssertEqual(back, photo)
        let posted = try await server.devRequests().filter { $0.method == "POST" }
        XCTAssertEqual(posted.filter { $0 == .init(method: "POST", path: "/v1/photos") }.count, 1, "requests \(posted)")
        XCTAssertEqual(posted.filter { $0 == .init(method: "POST", path: "/v1/posts") }.count, 1, "requests \(posted)")
        let waiting = try await feed.outbox()
        XCTAssertEqual(waiting, [])

        // Another user, on another phone, gets the post and its photo from the server.
        let (other, _) = try await loggedIn(phone: "13800139412")
        let otherFeed = other.feed()
        _ = try await otherFeed.refresh()
        let found = try await otherFeed.searchLocal(query: "ward round", limit: 10)
        XCTAssertEqual(found.map(\.id), [item.post.id])
        let theirs = try XCTUnwrap(found.first)
        XCTAssertFalse(theirs.mine, "post \(theirs)")
        let theirPhoto = try XCTUnwrap(theirs.photos.first)
        let downloaded = try await otherFeed.photo(photoId: theirPhoto.id, postId: theirs.id)
        XCTAssertEqual(downloaded, photo)
    }

    // 3. A like, a comment and a collection reach the server, and a share link opens the post.
    func testALikeACommentAndACollectionReachTheServerAndAShareLinkOpensThePost() async throws {
        let remark = "Thanks for sharing — 学习了"
        let (client, _) = try await loggedIn(phone: "13800139403")
        let feed = client.feed()
        _ = try await feed.refresh()
        let listener = RecordingFeedListener()
        let subscription = try await feed.subscribe(listener: listener)
        defer { subscription.cancel() }
        let cached = await listener.awaitItems("the cached page") { $0.count == 20 }
        let target = try XCTUnwrap(cached.dropFirst(2).first).post
        XCTAssertFalse(target.mine || target.likedByMe || target.collectedByMe, "post \(target)")

        let liked = try await feed.like(postId: target.id, on: true)
        XCTAssertTrue(liked.likedByMe, "post \(liked)")
        XCTAssertEqual(liked.likeCount, target.likeCount + 1)

        let comment = try await feed.comment(postId: target.id, text: remark)
        XCTAssertEqual(comment.postId, target.id)
        XCTAssertEqual(comment.text, remark)
        XCTAssertTrue(comment.mine, "comment \(comment)")
        XCTAssertFalse(comment.id.hasPrefix("local:"), "not sent: \(comment)")
        let comments = try await feed.comments(postId: target.id)
        XCTAssertEqual(comments.filter { $0.id == comment.id }.map(\.text), [remark], "comments \(comments)")

        let collected = try await feed.collect(postId: target.id, on: true)
        XCTAssertTrue(collected.collectedByMe && collected.likedByMe, "post \(collected)")
        XCTAssertEqual(collected.collectCount, target.collectCount + 1)
        XCTAssertEqual(collected.commentCount, target.commentCount + 1)
        let collections = try await feed.collections()
        XCTAssertEqual(collections.map(\.id), [target.id])

        // The server has all three (the post read back from it), and the row shows them.
        let fromServer = try await feed.post(postId: target.id)
        XCTAssertTrue(fromServer.likedByMe && fromServer.collectedByMe, "post \(fromServer)")
        XCTAssertEqual(
            [fromServer.likeCount, fromServer.commentCount, fromServer.collectCount],
            [target.likeCount + 1, target.commentCount + 1, target.collectCount + 1])
        let rows = await listener.awaitItems("the row updated") { $0.count > 2 && $0[2].post.collectedByMe }
        let row = try XCTUnwrap(rows.dropFirst(2).first)
        XCTAssertEqual(row.post.id, target.id)
        XCTAssertTrue(row.post.likedByMe, "row \(row)")

        let link = try await feed.share(postId: target.id)
        let path = link.url.hasPrefix(server.baseURL) ? String(link.url.dropFirst(server.baseURL.count)) : link.url
        XCTAssertTrue(path.hasPrefix("/p/"), "url \(link.url)")
        XCTAssertFalse(link.text.isEmpty, "link \(link)")
        let landing = try await server.browserOpen(path)
        XCTAssertEqual(landing.status, 200, landing.page)
        XCTAssertTrue(landing.page.contains(target.author.nickname), "the landing page does not show the author: \(landing.page)")

        // Taken back: the comment gone, the counts as before, nothing collected.
        try await feed.deleteComment(postId: target.id, commentId: comment.id)
        let remaining = try await feed.comments(postId: target.id)
        XCTAssertFalse(remaining.contains { $0.id == comment.id }, "the comment is still there")
        let unliked = try await feed.like(postId: target.id, on: false)
        XCTAssertFalse(unliked.likedByMe, "post \(unliked)")
        XCTAssertEqual(unliked.likeCount, target.likeCount)
        let uncollected = try await feed.collect(postId: target.id, on: false)
        XCTAssertFalse(uncollected.collectedByMe, "post \(uncollected)")
        let none = try await feed.collections()
        XCTAssertEqual(none.map(\.id), [])
        let waiting = try await feed.outbox()
        XCTAssertEqual(waiting, [])
    }

    // 4. Search finds Chinese on the server and English in the cache; a blank post is refused
    //    on the phone.
    func testSearchFindsChineseOnTheServerAndEnglishInTheCacheAndABlankPostIsRefusedLocally() async throws {
        let (client, _) = try await loggedIn(phone: "13800139404")
        let feed = client.feed()

        // A blank post never leaves the phone (only the server's limits may be asked).
        let before = try await server.devRequests().count
        let progress = RecordingUploadProgress()
        let refused = await captureError(FeedError.self) {
            try await feed.publish(text: "  \n\t ", photos: [], progress: progress, cancel: CancelToken())
        }
        guard case .InvalidText(let reason) = refused else {
            return XCTFail("expected InvalidText, got \(String(describing: refused))")
        }
        XCTAssertFalse(reason.isEmpty, "no reason")
        let sent = try await server.devRequests().dropFirst(before)
        XCTAssertEqual(sent.filter { $0 != .init(method: "GET", path: "/v1/limits") }, [])
        XCTAssertEqual(progress.reports.all, [])
        let waiting = try await feed.outbox()
        XCTAssertEqual(waiting, [])

        let found = try await feed.search(query: "心肌梗死", cursor: nil)
        XCTAssertFalse(found.posts.isEmpty, "no results")
        XCTAssertTrue(found.posts.allSatisfy { $0.text.contains("心肌梗死") }, "results \(found.posts.map(\.text))")

        let listener = RecordingFeedListener()
        let subscription = try await feed.subscribe(listener: listener)
        defer { subscription.cancel() }
        _ = try await feed.refresh()
        _ = try await feed.loadMore()
        let cached = await listener.awaitItems("the cached feed") { $0.count == 40 }

        // Local search asks nothing of the server.
        let asked = try await server.devRequests().count
        let local = try await feed.searchLocal(query: "心肌梗死", limit: 20)
        XCTAssertEqual(Set(local.map(\.id)), Set(found.posts.map(\.id)))
        let english = try await feed.searchLocal(query: "night", limit: 20)
        XCTAssertFalse(english.isEmpty, "no local results for night")
        XCTAssertTrue(english.allSatisfy { $0.text.lowercased().contains("night") }, "results \(english.map(\.text))")
        let expected = Set(cached.filter { $0.post.text.lowercased().contains("night") }.map(\.post.id))
        XCTAssertEqual(Set(english.map(\.id)), expected)
        let upper = try await feed.searchLocal(query: "NIGHT", limit: 20)
        XCTAssertEqual(Set(upper.map(\.id)), expected)
        let afterLocal = try await server.devRequests().dropFirst(asked)
        XCTAssertEqual(Array(afterLocal), [])
    }

    // 5. A draft survives reopening the client.
    func testADraftSurvivesReopeningTheClient() async throws {
        let draft = Draft(
            text: "草稿：明天交班要讲的三件事 — handover",
            photos: [certificatePng(size: 1024), certificatePng(size: 2048)])
        let dataDir = try newDataDir()
        let user: UserProfile
        do {
            let (client, loggedInUser) = try await loggedIn(phone: "13800139405", dataDir: dataDir)
            user = loggedInUser
            let feed = client.feed()
            let empty = try await feed.draft()
            XCTAssertEqual(empty, Draft(text: "", photos: []))
            try await feed.saveDraft(draft: draft)
            let saved = try await feed.draft()
            XCTAssertEqual(saved, draft)
        }

        // The first client is gone; open again on the same directory.
        let reopened = try await openClient(dataDir: dataDir)
        XCTAssertEqual(reopened.auth().sessionState(), .loggedIn(user: user))
        let feed = reopened.feed()
        let restored = try await feed.draft()
        XCTAssertEqual(restored, draft)
        XCTAssertEqual(restored.photos.count, 2)

        // Saving again replaces it.
        let shorter = Draft(text: "only text", photos: [])
        try await feed.saveDraft(draft: shorter)
        let replaced = try await feed.draft()
        XCTAssertEqual(replaced, shorter)
    }
}
