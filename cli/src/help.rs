//! The help center in a terminal: articles (by topic, searched, read; kept for offline
//! reading), feedback with photos (the terminal plays the photo permission dialog first) and
//! the tickets with the team's replies.

use std::path::PathBuf;
use std::sync::Arc;

use medcircle_core::{
    CancelToken, Client, DeviceVersions, Feature, FeedbackForm, HelpArticleSummary, HelpTickets,
    TicketStatus,
};
use serde_json::json;

use crate::certify::ProgressBar;
use crate::output::Output;

fn emit_list(out: &Output, step: &str, articles: &[HelpArticleSummary]) {
    let text = articles
        .iter()
        .map(|a| format!("{}  [{}/{}] {}", a.id, a.topic, a.language, a.title))
        .collect::<Vec<_>>()
        .join("\n");
    let list: Vec<_> = articles
        .iter()
        .map(|a| json!({ "id": a.id, "topic": a.topic, "language": a.language, "title": a.title }))
        .collect();
    out.emit(step, &text, json!({ "ok": true, "articles": list }));
}

pub(crate) async fn articles(
    client: &Client,
    topic: Option<String>,
    out: &Output,
) -> Result<(), String> {
    let articles = client
        .help()
        .articles(topic)
        .await
        .map_err(|e| e.to_string())?;
    emit_list(out, "help", &articles);
    Ok(())
}

pub(crate) async fn search(client: &Client, query: String, out: &Output) -> Result<(), String> {
    let articles = client
        .help()
        .search(query)
        .await
        .map_err(|e| e.to_string())?;
    emit_list(out, "help_search", &articles);
    Ok(())
}

pub(crate) async fn read(client: &Client, id: String, out: &Output) -> Result<(), String> {
    let article = client.help().article(id).await.map_err(|e| e.to_string())?;
    out.emit(
        "help_article",
        &format!("{}\n\n{}", article.title, article.body),
        json!({ "ok": true, "id": article.id, "topic": article.topic,
                "language": article.language, "title": article.title, "body": article.body }),
    );
    Ok(())
}

pub(crate) async fn feedback(
    client: &Client,
    text: String,
    photos: Vec<PathBuf>,
    contact: Option<String>,
    share_versions: bool,
    out: &Output,
) -> Result<(), String> {
    let photos = photos
        .iter()
        .map(|path| std::fs::read(path).map_err(|e| format!("{}: {e}", path.display())))
        .collect::<Result<Vec<_>, _>>()?;
    if !photos.is_empty() {
        crate::permissions::request(client, Feature::FeedbackPhotos, out).await?;
    }
    let device = share_versions.then(|| DeviceVersions {
        app_version: env!("CARGO_PKG_VERSION").into(),
        os_version: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|v| format!("Linux {}", v.trim()))
            .unwrap_or_else(|_| std::env::consts::OS.into()),
    });
    let form = FeedbackForm {
        text,
        photos,
        contact,
        device,
    };
    let receipt = client
        .help()
        .send_feedback(form, Arc::new(ProgressBar), CancelToken::new())
        .await
        .map_err(|e| e.to_string())?;
    match &receipt.ticket {
        Some(ticket) => out.emit(
            "feedback",
            &format!(
                "sent: ticket {} ({} photo(s))",
                ticket.id, ticket.photo_count
            ),
            json!({ "ok": true, "sent": true, "key": receipt.key, "ticket": ticket.id,
                    "photos": ticket.photo_count }),
        ),
        None => out.emit(
            "feedback",
            "waiting in the outbox: it goes out when the server can be reached",
            json!({ "ok": true, "sent": false, "key": receipt.key }),
        ),
    }
    Ok(())
}

fn status(status: TicketStatus) -> &'static str {
    match status {
        TicketStatus::Open => "open",
        TicketStatus::Answered => "answered",
        TicketStatus::Closed => "closed",
        TicketStatus::Other => "other",
    }
}

/// The tickets (fetched, or as kept when the server cannot be reached); `read` marks one
/// ticket's replies read.
pub(crate) async fn tickets(
    client: &Client,
    read: Option<String>,
    out: &Output,
) -> Result<(), String> {
    let help = client.help();
    let tickets = match read {
        Some(id) => help.mark_ticket_read(id).await,
        None => match help.refresh_tickets().await {
            Err(medcircle_core::HelpError::Network { problem }) => {
                eprintln!("not refreshed ({problem}): the tickets as kept on this device");
                help.tickets().await
            }
            other => other,
        },
    }
    .map_err(|e| e.to_string())?;
    show(&tickets, out);
    Ok(())
}

fn show(tickets: &HelpTickets, out: &Output) {
    for ticket in &tickets.tickets {
        let mark = if ticket.unread() > 0 { "*" } else { " " };
        let replies: Vec<_> = ticket
            .replies
            .iter()
            .map(|r| json!({ "id": r.id, "body": r.body, "created_at": r.created_at, "read": r.read }))
            .collect();
        let text = std::iter::once(format!(
            "{mark} {} [{}] {}",
            ticket.id,
            status(ticket.status),
            ticket.text
        ))
        .chain(ticket.replies.iter().map(|r| format!("    ↳ {}", r.body)))
        .collect::<Vec<_>>()
        .join("\n");
        out.emit(
            "ticket",
            &text,
            json!({ "ok": true, "id": ticket.id, "status": status(ticket.status),
                    "text": ticket.text, "photos": ticket.photo_count,
                    "contact": ticket.contact_masked, "replies": replies,
                    "unread": ticket.unread() }),
        );
    }
    for waiting in &tickets.waiting {
        out.emit(
            "waiting",
            &format!(
                "  {} [waiting{}] {}",
                waiting.key,
                waiting
                    .failed
                    .as_deref()
                    .map(|f| format!(": {f}"))
                    .unwrap_or_default(),
                waiting.text
            ),
            json!({ "ok": true, "key": waiting.key, "text": waiting.text,
                    "failed": waiting.failed }),
        );
    }
    out.emit(
        "tickets",
        &format!(
            "{} ticket(s), {} unread repl{}, {} waiting",
            tickets.tickets.len(),
            tickets.unread,
            if tickets.unread == 1 { "y" } else { "ies" },
            tickets.waiting.len()
        ),
        json!({ "ok": true, "count": tickets.tickets.len(), "unread": tickets.unread,
                "waiting": tickets.waiting.len() }),
    );
}
