//! The feed in a terminal: browse (the cache first, `--more`, `--offline`), publish with a
//! progress bar, interact, search, delete, and the outbox.

use std::path::PathBuf;
use std::sync::Arc;

use medcircle_core::{CancelToken, Client, Delivery, FeedItem, Post};
use serde_json::{Value, json};

use crate::certify::ProgressBar;
use crate::output::Output;

fn post_json(post: &Post) -> Value {
    json!({ "id": post.id, "author": post.author.nickname, "text": post.text,
            "photos": post.photos.iter().map(|p| &p.id).collect::<Vec<_>>(),
            "created_at": post.created_at, "likes": post.like_count,
            "comments": post.comment_count, "collects": post.collect_count,
            "liked": post.liked_by_me, "collected": post.collected_by_me, "mine": post.mine })
}

fn post_line(post: &Post, delivery: &Delivery) -> String {
    let state = match delivery {
        Delivery::Sent => String::new(),
        Delivery::Sending { .. } => " [sending]".into(),
        Delivery::Failed { reason, .. } => format!(" [failed: {reason}]"),
    };
    let mut text: String = post.text.chars().take(60).collect();
    if post.text.chars().count() > 60 {
        text.push('…');
    }
    format!(
        "{}  {}: {}  ♥{}{} 💬{} ★{}{}{}",
        post.id,
        post.author.nickname,
        text,
        post.like_count,
        if post.liked_by_me { "*" } else { "" },
        post.comment_count,
        post.collect_count,
        if post.collected_by_me { "*" } else { "" },
        state
    )
}

fn emit_items(out: &Output, step: &str, items: &[FeedItem]) {
    let text = items
        .iter()
        .map(|i| post_line(&i.post, &i.delivery))
        .collect::<Vec<_>>()
        .join("\n");
    let posts: Vec<_> = items
        .iter()
        .map(|i| {
            let mut value = post_json(&i.post);
            value["delivery"] = json!(match &i.delivery {
                Delivery::Sent => "sent",
                Delivery::Sending { .. } => "sending",
                Delivery::Failed { .. } => "failed",
            });
            value
        })
        .collect();
    out.emit(step, &text, json!({ "ok": true, "posts": posts }));
}

fn emit_posts(out: &Output, step: &str, posts: &[Post]) {
    let items: Vec<_> = posts
        .iter()
        .map(|post| FeedItem {
            post: post.clone(),
            delivery: Delivery::Sent,
        })
        .collect();
    emit_items(out, step, &items);
}

/// The cached feed at once; then, unless `offline`, refreshed (and `more` pages loaded).
pub(crate) async fn show(
    client: &Client,
    more: u32,
    offline: bool,
    out: &Output,
) -> Result<(), String> {
    let feed = client.feed();
    if !offline {
        match feed.refresh().await {
            Ok(outcome) if outcome.not_modified => {
                eprintln!("(unchanged since the last refresh)");
            }
            Ok(_) => {}
            Err(error) => eprintln!("(showing the cache: {error})"),
        }
        for _ in 0..more {
            if feed.load_more().await.map_err(|e| e.to_string())? == 0 {
                break;
            }
        }
    }
    let mut updates = feed.updates();
    let mut items = Vec::new();
    if let Some(diffs) = updates.next().await {
        for diff in diffs {
            if let medcircle_core::FeedDiff::Reset { items: all } = diff {
                items = all;
            }
        }
    }
    emit_items(out, "feed", &items);
    let status = feed.status();
    out.emit(
        "feed_status",
        &format!(
            "{} posts{}{}{}",
            items.len(),
            if status.offline { ", offline" } else { "" },
            if status.end_reached {
                ", all loaded"
            } else {
                ""
            },
            if status.pending > 0 {
                format!(", {} waiting in the outbox", status.pending)
            } else {
                String::new()
            }
        ),
        json!({ "ok": true, "offline": status.offline, "end_reached": status.end_reached,
                "pending": status.pending, "personalised": status.personalised }),
    );
    Ok(())
}

pub(crate) async fn publish(
    client: &Client,
    text: String,
    photos: Vec<PathBuf>,
    out: &Output,
) -> Result<(), String> {
    let photos = photos
        .iter()
        .map(|path| std::fs::read(path).map_err(|e| format!("{}: {e}", path.display())))
        .collect::<Result<Vec<_>, _>>()?;
    let item = client
        .feed()
        .publish(text, photos, Arc::new(ProgressBar), CancelToken::new())
        .await
        .map_err(|e| e.to_string())?;
    emit_items(out, "post", std::slice::from_ref(&item));
    Ok(())
}

pub(crate) async fn comment(
    client: &Client,
    post_id: String,
    text: String,
    out: &Output,
) -> Result<(), String> {
    let comment = client
        .feed()
        .comment(post_id, text)
        .await
        .map_err(|e| e.to_string())?;
    let waiting = comment.id.starts_with("local:");
    out.emit(
        "comment",
        &format!(
            "{}{}",
            comment.text,
            if waiting { " [sending]" } else { "" }
        ),
        json!({ "ok": true, "id": comment.id, "post_id": comment.post_id, "text": comment.text,
                "sending": waiting }),
    );
    Ok(())
}

pub(crate) async fn comments(client: &Client, post_id: String, out: &Output) -> Result<(), String> {
    let comments = client
        .feed()
        .comments(post_id)
        .await
        .map_err(|e| e.to_string())?;
    let text = comments
        .iter()
        .map(|c| format!("{}  {}: {}", c.id, c.author.nickname, c.text))
        .collect::<Vec<_>>()
        .join("\n");
    let list: Vec<_> = comments
        .iter()
        .map(|c| json!({ "id": c.id, "author": c.author.nickname, "text": c.text, "mine": c.mine }))
        .collect();
    out.emit("comments", &text, json!({ "ok": true, "comments": list }));
    Ok(())
}

pub(crate) async fn toggle(
    client: &Client,
    post_id: String,
    collect: bool,
    undo: bool,
    out: &Output,
) -> Result<(), String> {
    let feed = client.feed();
    let post = if collect {
        feed.set_collected(post_id, !undo).await
    } else {
        feed.set_liked(post_id, !undo).await
    }
    .map_err(|e| e.to_string())?;
    emit_posts(out, if collect { "collect" } else { "like" }, &[post]);
    Ok(())
}

pub(crate) async fn collections(client: &Client, out: &Output) -> Result<(), String> {
    let posts = client
        .feed()
        .collections()
        .await
        .map_err(|e| e.to_string())?;
    emit_posts(out, "collections", &posts);
    Ok(())
}

pub(crate) async fn share(client: &Client, post_id: String, out: &Output) -> Result<(), String> {
    let link = client
        .feed()
        .share(post_id)
        .await
        .map_err(|e| e.to_string())?;
    out.emit(
        "share",
        &format!("{}\n{}", link.text, link.url),
        json!({ "ok": true, "url": link.url, "text": link.text }),
    );
    Ok(())
}

pub(crate) async fn search(
    client: &Client,
    query: String,
    local: bool,
    out: &Output,
) -> Result<(), String> {
    let feed = client.feed();
    let posts = if local {
        feed.search_local(query, 50).await
    } else {
        feed.search(query, None).await.map(|page| page.posts)
    }
    .map_err(|e| e.to_string())?;
    emit_posts(out, "search", &posts);
    Ok(())
}

pub(crate) async fn delete(
    client: &Client,
    post_id: String,
    comment: Option<String>,
    out: &Output,
) -> Result<(), String> {
    let feed = client.feed();
    match comment {
        Some(comment_id) => feed.delete_comment(post_id, comment_id).await,
        None => feed.delete_post(post_id).await,
    }
    .map_err(|e| e.to_string())?;
    let pending = feed.status().pending;
    out.emit(
        "delete",
        if pending > 0 {
            "deleted here; waiting to reach the server"
        } else {
            "deleted"
        },
        json!({ "ok": true, "pending": pending }),
    );
    Ok(())
}

/// What waits in the outbox; with `flush`, sends it first.
pub(crate) async fn outbox(client: &Client, flush: bool, out: &Output) -> Result<(), String> {
    let feed = client.feed();
    if flush {
        let outcome = feed.flush().await.map_err(|e| e.to_string())?;
        out.emit(
            "flush",
            &format!(
                "sent {}, dropped {}, waiting {}",
                outcome.sent, outcome.dropped, outcome.remaining
            ),
            json!({ "ok": true, "sent": outcome.sent, "dropped": outcome.dropped,
                    "remaining": outcome.remaining }),
        );
    }
    let entries = feed.outbox().await.map_err(|e| e.to_string())?;
    let text = entries
        .iter()
        .map(|e| {
            format!(
                "{} {} {}{}",
                e.action,
                e.post_id.as_deref().unwrap_or("-"),
                if e.attempts > 0 {
                    format!("(tried {}×)", e.attempts)
                } else {
                    String::new()
                },
                e.failed
                    .as_ref()
                    .map(|f| format!(" [failed: {f}]"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let list: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({ "key": e.key, "action": e.action.to_string(), "post_id": e.post_id,
                          "attempts": e.attempts, "failed": e.failed })
        })
        .collect();
    out.emit(
        "outbox",
        if entries.is_empty() {
            "the outbox is empty"
        } else {
            &text
        },
        json!({ "ok": true, "entries": list }),
    );
    Ok(())
}
