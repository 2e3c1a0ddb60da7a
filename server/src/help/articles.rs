//! Help articles, seeded by a migration in Chinese and English. Search is a substring match on
//! title and body, case-folded: Chinese has no spaces to split words on, so a word index
//! (FTS5's unicode61) would not find 验证码 inside 收不到短信验证码怎么办.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use utoipa::ToSchema;

/// An article as a list shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = HelpArticleSummary)]
pub struct Summary {
    #[schema(examples("ha_login_zh"))]
    pub id: String,
    /// `account`, `feed`, `certification`, `privacy` or `feedback`.
    #[schema(examples("account"))]
    pub topic: String,
    /// `zh` or `en`.
    #[schema(examples("zh"))]
    pub language: String,
    pub title: String,
    pub updated_at: i64,
}

/// A whole article.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = HelpArticle)]
pub struct Article {
    pub id: String,
    pub topic: String,
    pub language: String,
    pub title: String,
    pub body: String,
    pub updated_at: i64,
}

/// Articles of `topic` (all when `None`) matching `query` (all when `None`), by topic then id.
pub fn list(
    conn: &Connection,
    topic: Option<&str>,
    query: Option<&str>,
) -> rusqlite::Result<Vec<Summary>> {
    let pattern = query.map(|q| format!("%{}%", escape_like(&q.to_lowercase())));
    let mut statement = conn.prepare_cached(
        "SELECT id, topic, language, title, updated_at FROM help_articles
         WHERE (?1 IS NULL OR topic = ?1)
           AND (?2 IS NULL OR lower(title) LIKE ?2 ESCAPE '\\' OR lower(body) LIKE ?2 ESCAPE '\\')
         ORDER BY topic, id",
    )?;
    statement
        .query_map(params![topic, pattern], |row| {
            Ok(Summary {
                id: row.get(0)?,
                topic: row.get(1)?,
                language: row.get(2)?,
                title: row.get(3)?,
                updated_at: row.get(4)?,
            })
        })?
        .collect()
}

pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<Article>> {
    conn.query_row(
        "SELECT id, topic, language, title, body, updated_at FROM help_articles WHERE id = ?1",
        [id],
        |row| {
            Ok(Article {
                id: row.get(0)?,
                topic: row.get(1)?,
                language: row.get(2)?,
                title: row.get(3)?,
                body: row.get(4)?,
                updated_at: row.get(5)?,
            })
        },
    )
    .optional()
}

/// The query as literal text: `%` and `_` typed by the user match only themselves.
fn escape_like(query: &str) -> String {
    query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_finds_chinese_inside_words_and_english_in_any_case() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open(&dir.path().join("server.db")).unwrap();
        let found = |q: &str| -> Vec<String> {
            list(&conn, None, Some(q))
                .unwrap()
                .into_iter()
                .map(|a| a.id)
                .collect()
        };
        assert!(found("验证码").contains(&"ha_login_zh".to_string()));
        assert!(found("SMS CODE").contains(&"ha_login_en".to_string()));
        assert!(found("100%").is_empty(), "% is literal");
        assert!(!list(&conn, Some("privacy"), None).unwrap().is_empty());
        assert!(
            get(&conn, "ha_login_zh")
                .unwrap()
                .unwrap()
                .body
                .contains("验证码")
        );
    }
}
