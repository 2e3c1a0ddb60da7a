/// The feed list and the core's diffs no longer agree: a diff names a place the list lacks.
public struct FeedListDiverged: Error, Equatable {
    /// The diff that did not fit.
    public let diff: FeedDiff
    /// How many items the list had then.
    public let count: Int
}

extension Array where Element == FeedItem {
    /// This list with the core's diffs applied, in order: what the feed shows after them. The
    /// core computes each batch against the list the previous batches produced, so an index
    /// outside the list means the two have diverged: an error, never silently ignored.
    public func applying(_ diffs: [FeedDiff]) throws -> [FeedItem] {
        var items = self
        for diff in diffs {
            switch diff {
            case .reset(let all):
                items = all
            case .insert(let index, let item):
                guard index <= items.count else { throw FeedListDiverged(diff: diff, count: items.count) }
                items.insert(item, at: Int(index))
            case .update(let index, let item):
                guard index < items.count else { throw FeedListDiverged(diff: diff, count: items.count) }
                items[Int(index)] = item
            case .remove(let index):
                guard index < items.count else { throw FeedListDiverged(diff: diff, count: items.count) }
                items.remove(at: Int(index))
            }
        }
        return items
    }
}
