//! Help articles: listed by topic and searched on the server (Chinese and English alike),
//! each list and each article read kept in the app database, so help reads offline and
//! logged out; offline, a search looks through what is kept.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

use super::{HelpArea, HelpError};
use crate::net::{Endpoint, NetError};
use crate::store::StoreError;
use medcircle_rules::text;

/// An article as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct HelpArticleSummary {
    pub id: String,
    /// `account`, `certification`, `feed`, `privacy` or `feedback`.
    pub topic: String,
    /// `zh` or `en`.
    pub language: String,
    pub title: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct HelpArticle {
    pub id: String,
    pub topic: String,
    pub language: String,
    pub title: String,
    pub body: String,
    pub updated_at: i64,
}

#[derive(Deserialize)]
struct ArticleList {
    articles: Vec<HelpArticleSummary>,
}

fn keep_summaries(conn: &Connection, articles: &[HelpArticleSummary]) -> Result<(), StoreError> {
    let mut upsert = conn.prepare_cached(
        "INSERT INTO help_articles (id, topic, language, title, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET topic = excluded.topic, language = excluded.language,
             title = excluded.title,
             body = CASE WHEN help_articles.updated_at = excluded.updated_at
                         THEN help_articles.body END,
             updated_at = excluded.updated_at",
    )?;
    for a in articles {
        upsert.execute(params![a.id, a.topic, a.language, a.title, a.updated_at])?;
    }
    Ok(())
}

fn keep_article(conn: &Connection, a: &HelpArticle) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO help_articles (id, topic, language, title, body, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET topic = excluded.topic, language = excluded.language,
             title = excluded.title, body = excluded.body, updated_at = excluded.updated_at",
        params![a.id, a.topic, a.language, a.title, a.body, a.updated_at],
    )?;
    Ok(())
}

/// Kept articles of `topic` (all when `None`) whose title or kept body holds `query`.
fn kept(
    conn: &Connection,
    topic: Option<&str>,
    query: Option<&str>,
) -> Result<Vec<HelpArticleSummary>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, topic, language, title, body, updated_at FROM help_articles
         WHERE ?1 IS NULL OR topic = ?1 ORDER BY topic, id",
    )?;
    let needle = query.map(str::to_lowercase);
    let rows = statement.query_map(params![topic], |r| {
        Ok((
            HelpArticleSummary {
                id: r.get(0)?,
                topic: r.get(1)?,
                language: r.get(2)?,
                title: r.get(3)?,
                updated_at: r.get(5)?,
            },
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (summary, body) = row?;
        let matches = needle.as_deref().is_none_or(|needle| {
            summary.title.to_lowercase().contains(needle)
                || body.is_some_and(|b| b.to_lowercase().contains(needle))
        });
        if matches {
            out.push(summary);
        }
    }
    Ok(out)
}

fn kept_article(conn: &Connection, id: &str) -> Result<Option<HelpArticle>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, topic, language, title, body, updated_at FROM help_articles
             WHERE id = ?1 AND body IS NOT NULL",
            [id],
            |r| {
                Ok(HelpArticle {
                    id: r.get(0)?,
                    topic: r.get(1)?,
                    language: r.get(2)?,
                    title: r.get(3)?,
                    body: r.get(4)?,
                    updated_at: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// Offline (or the server unreachable): the kept copy stands in.
fn unreachable(error: &NetError) -> bool {
    matches!(
        error,
        NetError::Offline(_) | NetError::Timeout | NetError::Server { .. }
    )
}

impl HelpArea {
    pub(super) async fn articles(
        &self,
        topic: Option<String>,
    ) -> Result<Vec<HelpArticleSummary>, HelpError> {
        let mut request = Endpoint::HelpArticles.request();
        if let Some(topic) = &topic {
            request = request.query("topic", topic.clone());
        }
        self.listed(request, topic.as_deref(), None).await
    }

    pub(super) async fn search(&self, query: String) -> Result<Vec<HelpArticleSummary>, HelpError> {
        let query = text::search_query(&query)
            .filter(|q| !q.is_empty())
            .ok_or(HelpError::InvalidQuery)?
            .to_string();
        let request = Endpoint::HelpSearch.request().query("q", query.clone());
        self.listed(request, None, Some(&query)).await
    }

    async fn listed(
        &self,
        request: crate::net::Request,
        topic: Option<&str>,
        query: Option<&str>,
    ) -> Result<Vec<HelpArticleSummary>, HelpError> {
        let conn = || self.platform.app_db.conn();
        match self.platform.net.send(&request, None).await {
            Ok(answer) => {
                let list: ArticleList = answer.json()?;
                keep_summaries(&conn(), &list.articles)?;
                Ok(list.articles)
            }
            Err(error) if unreachable(&error) => {
                tracing::info!(%error, "help articles read from the kept copy");
                let kept = kept(&conn(), topic, query)?;
                if kept.is_empty() {
                    return Err(error.into());
                }
                Ok(kept)
            }
            Err(error) => Err(error.into()),
        }
    }

    pub(super) async fn article(&self, id: String) -> Result<HelpArticle, HelpError> {
        let request = Endpoint::HelpArticle.request().id(&id);
        match self.platform.net.send(&request, None).await {
            Ok(answer) => {
                let article: HelpArticle = answer.json()?;
                keep_article(&self.platform.app_db.conn(), &article)?;
                Ok(article)
            }
            Err(error) if unreachable(&error) => {
                kept_article(&self.platform.app_db.conn(), &id)?.ok_or_else(|| error.into())
            }
            Err(error) => Err(error.into()),
        }
    }
}
