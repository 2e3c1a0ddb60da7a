//! The live feed's changes as a shell applies them: a reset first, then inserts, updates and
//! removals, computed from the previous and the new list by post id.

use std::collections::HashSet;

use super::model::FeedItem;

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum FeedDiff {
    /// Replace everything with `items`.
    Reset {
        items: Vec<FeedItem>,
    },
    Insert {
        index: u32,
        item: FeedItem,
    },
    Update {
        index: u32,
        item: FeedItem,
    },
    Remove {
        index: u32,
    },
}

/// Diffs that turn `old` into `new` when applied in order; a reset when the order changed or
/// when a reset is shorter.
pub(crate) fn diff(old: &[FeedItem], new: &[FeedItem]) -> Vec<FeedDiff> {
    let kept: HashSet<&str> = new.iter().map(|i| i.post.id.as_str()).collect();
    let mut diffs = Vec::new();
    // Removals from the end, so earlier indices stay valid.
    for (index, item) in old.iter().enumerate().rev() {
        if !kept.contains(item.post.id.as_str()) {
            diffs.push(FeedDiff::Remove {
                index: index as u32,
            });
        }
    }
    let survivors: Vec<&FeedItem> = old
        .iter()
        .filter(|i| kept.contains(i.post.id.as_str()))
        .collect();
    let mut next = 0;
    for (index, item) in new.iter().enumerate() {
        match survivors.get(next) {
            Some(old_item) if old_item.post.id == item.post.id => {
                if *old_item != item {
                    diffs.push(FeedDiff::Update {
                        index: index as u32,
                        item: item.clone(),
                    });
                }
                next += 1;
            }
            _ if survivors[next..].iter().any(|s| s.post.id == item.post.id) => {
                return reset(new);
            }
            _ => diffs.push(FeedDiff::Insert {
                index: index as u32,
                item: item.clone(),
            }),
        }
    }
    if next != survivors.len() || diffs.len() > new.len() {
        return reset(new);
    }
    diffs
}

fn reset(items: &[FeedItem]) -> Vec<FeedDiff> {
    vec![FeedDiff::Reset {
        items: items.to_vec(),
    }]
}

#[cfg(test)]
pub(crate) fn apply(list: &mut Vec<FeedItem>, diffs: &[FeedDiff]) {
    for d in diffs {
        match d {
            FeedDiff::Reset { items } => *list = items.clone(),
            FeedDiff::Insert { index, item } => list.insert(*index as usize, item.clone()),
            FeedDiff::Update { index, item } => list[*index as usize] = item.clone(),
            FeedDiff::Remove { index } => {
                list.remove(*index as usize);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::model::{Author, Delivery, Post};

    fn item(id: &str, likes: u32) -> FeedItem {
        FeedItem {
            post: Post {
                id: id.into(),
                author: Author {
                    id: "a".into(),
                    nickname: "A".into(),
                    avatar_url: None,
                },
                text: String::new(),
                photos: vec![],
                created_at: 0,
                like_count: likes,
                comment_count: 0,
                collect_count: 0,
                liked_by_me: false,
                collected_by_me: false,
                mine: false,
            },
            delivery: Delivery::Sent,
        }
    }

    fn list(spec: &str) -> Vec<FeedItem> {
        spec.split_whitespace()
            .map(|s| match s.split_once(':') {
                Some((id, likes)) => item(id, likes.parse().unwrap()),
                None => item(s, 0),
            })
            .collect()
    }

    fn check(old: &str, new: &str) -> Vec<FeedDiff> {
        let (old, new) = (list(old), list(new));
        let diffs = diff(&old, &new);
        let mut applied = old.clone();
        apply(&mut applied, &diffs);
        assert_eq!(applied, new, "{diffs:?}");
        diffs
    }

    #[test]
    fn new_posts_on_top_are_inserts() {
        let diffs = check("a b c d e f", "x y a b c d e f");
        assert_eq!(diffs.len(), 2);
        assert!(matches!(diffs[0], FeedDiff::Insert { index: 0, .. }));
    }

    #[test]
    fn a_changed_count_is_one_update() {
        let diffs = check("a b c", "a b:1 c");
        assert_eq!(
            diffs,
            vec![FeedDiff::Update {
                index: 1,
                item: item("b", 1)
            }]
        );
    }

    #[test]
    fn a_deleted_post_is_one_removal() {
        assert_eq!(check("a b c", "a c"), vec![FeedDiff::Remove { index: 1 }]);
    }

    #[test]
    fn a_page_loaded_at_the_end_is_appended() {
        let diffs = check("a b c d", "a b c d e f g");
        assert!(diffs.iter().all(|d| matches!(d, FeedDiff::Insert { .. })));
    }

    #[test]
    fn reordering_or_wholesale_change_is_a_reset() {
        assert!(matches!(
            check("a b c", "c b a")[..],
            [FeedDiff::Reset { .. }]
        ));
        assert!(matches!(check("a", "x y z")[..], [FeedDiff::Reset { .. }]));
        assert!(matches!(check("a b c", "")[..], [FeedDiff::Reset { .. }]));
    }

    #[test]
    fn mixed_changes_apply_in_order() {
        check("a b c d e", "x a c:3 e y");
        check("", "a b");
        assert!(check("a b c", "a b c").is_empty());
    }
}
