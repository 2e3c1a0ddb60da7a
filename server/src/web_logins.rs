//! Scan-to-login on the web: a browser asks to be logged in, shows a QR code, and a phone
//! that is logged in scans it and confirms (or declines). The first account to scan a request
//! is the only one that may answer it; a confirmed request hands a session once, to whoever
//! holds its poll token (the browser that asked). Only the poll token's digest is kept.

use std::net::IpAddr;

use axum::http::{HeaderMap, header};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::tokens;

/// How long a browser's request may wait for a phone.
pub const TTL_S: i64 = 120;
/// Expired requests are kept this long (their browser still sees "expired"), then pruned.
const KEEP_EXPIRED_S: i64 = 86_400;
const BROWSER_MAX_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Scanned,
    Confirmed,
    Declined,
    /// Never stored: a pending or scanned request past its `expires_at`.
    Expired,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Scanned => "scanned",
            Status::Confirmed => "confirmed",
            Status::Declined => "declined",
            Status::Expired => "expired",
        }
    }

    fn parse(stored: &str) -> Status {
        match stored {
            "scanned" => Status::Scanned,
            "confirmed" => Status::Confirmed,
            "declined" => Status::Declined,
            _ => Status::Pending,
        }
    }
}

/// Who is asking, as coarse as still useful to the phone's holder deciding to approve.
pub struct Requester {
    pub browser: String,
    pub ip: String,
    pub place: String,
}

impl Requester {
    /// From the request: the User-Agent as it may be shown (controls, bidirectional controls
    /// and invisible characters out, at most 200 characters), the first two octets of an IPv4
    /// peer, and what the address alone tells of the place (loopback, a local network).
    pub fn of(headers: &HeaderMap, peer: IpAddr) -> Requester {
        let browser = headers
            .get(header::USER_AGENT)
            // Not `to_str`: browsers may send non-ASCII, which is kept (lossily) rather than lost.
            .map(|value| String::from_utf8_lossy(value.as_bytes()))
            .map(|agent| medcircle_rules::text::display_line(&agent, BROWSER_MAX_CHARS))
            .filter(|agent| !agent.is_empty())
            .unwrap_or_else(|| "unknown".into());
        let peer = match peer {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
            IpAddr::V4(_) => peer,
        };
        let ip = match peer {
            IpAddr::V4(v4) => {
                let [a, b, ..] = v4.octets();
                format!("{a}.{b}.x.x")
            }
            IpAddr::V6(_) => "unknown".into(),
        };
        Requester {
            browser,
            ip,
            place: crate::place::coarse(peer).into(),
        }
    }
}

/// A new request, as its browser gets it (the only time the poll token is visible).
pub struct Created {
    pub id: String,
    pub poll_token: String,
}

/// A request as the phone sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebLogin {
    #[schema(pattern = "^wl_[0-9a-f]{32}$")]
    pub id: String,
    /// The requesting browser's User-Agent, or `unknown`.
    #[schema(max_length = 200)]
    pub browser: String,
    /// Coarse: the first two octets of an IPv4 address.
    #[schema(examples("127.0.x.x", "unknown"))]
    pub ip: String,
    #[schema(schema_with = crate::openapi::fields::place)]
    pub place: String,
    /// Unix time in seconds.
    pub requested_at: i64,
    /// Unix time in seconds: requested_at + 120.
    pub expires_at: i64,
    #[schema(schema_with = crate::openapi::fields::web_login_status)]
    pub status: Status,
    #[serde(skip)]
    poll_hash: Vec<u8>,
    /// The account that scanned it (or answered it unscanned): the one it logs in.
    #[serde(skip)]
    pub user_id: Option<String>,
}

const COLUMNS: &str =
    "id, browser, ip, place, requested_at, expires_at, status, poll_hash, user_id";

impl WebLogin {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(WebLogin {
            id: row.get(0)?,
            browser: row.get(1)?,
            ip: row.get(2)?,
            place: row.get(3)?,
            requested_at: row.get(4)?,
            expires_at: row.get(5)?,
            status: Status::parse(&row.get::<_, String>(6)?),
            poll_hash: row.get(7)?,
            user_id: row.get(8)?,
        })
    }

    /// Whether `poll_token` is this request's.
    pub fn polled_by(&self, poll_token: &str) -> bool {
        tokens::digest(poll_token) == self.poll_hash
    }

    /// Whether `user_id` may read and answer it: nobody scanned it yet, or they did.
    pub fn answerable_by(&self, user_id: &str) -> bool {
        self.user_id
            .as_deref()
            .is_none_or(|scanner| scanner == user_id)
    }

    /// Refuses a phone acting on a request that is no longer open.
    pub fn open(&self) -> Result<(), ApiError> {
        match self.status {
            Status::Pending | Status::Scanned => Ok(()),
            Status::Expired => Err(ApiError::WebLoginExpired),
            Status::Confirmed | Status::Declined => Err(ApiError::WebLoginUsed),
        }
    }
}

/// What the QR code holds: all a phone needs to find the request.
pub fn payload(id: &str) -> String {
    format!("medcircle://web-login?id={id}&v=1")
}

/// Stores a new pending request, and prunes requests long expired.
pub fn create(conn: &Connection, requester: &Requester, now: i64) -> rusqlite::Result<Created> {
    conn.execute(
        "DELETE FROM web_logins WHERE expires_at <= ?1",
        [now - KEEP_EXPIRED_S],
    )?;
    let created = Created {
        id: tokens::web_login_id(),
        poll_token: tokens::poll_token(),
    };
    conn.execute(
        "INSERT INTO web_logins (id, poll_hash, browser, ip, place, requested_at, expires_at,
                                 status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending')",
        params![
            created.id,
            tokens::digest(&created.poll_token),
            requester.browser,
            requester.ip,
            requester.place,
            now,
            now + TTL_S,
        ],
    )?;
    Ok(created)
}

/// The request `id` as of `now` (an open one past its expiry reads as expired).
pub fn get(conn: &Connection, id: &str, now: i64) -> rusqlite::Result<Option<WebLogin>> {
    let found = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM web_logins WHERE id = ?1"),
            [id],
            WebLogin::from_row,
        )
        .optional()?;
    Ok(found.map(|mut login| {
        if matches!(login.status, Status::Pending | Status::Scanned) && now >= login.expires_at {
            login.status = Status::Expired;
        }
        login
    }))
}

/// Moves an open request on; `user_id` is the account that scanned or answered it, the one a
/// confirmation logs the browser in as.
pub fn settle(
    conn: &Connection,
    login: &mut WebLogin,
    status: Status,
    user_id: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE web_logins SET status = ?1, user_id = ?2 WHERE id = ?3",
        params![status.as_str(), user_id, login.id],
    )?;
    login.status = status;
    login.user_id = user_id.map(str::to_owned);
    Ok(())
}

/// Marks the session of confirmed request `id` handed over; false if it already was (or the
/// request is not confirmed), so a poll token yields one session at most.
pub fn hand_session(conn: &Connection, id: &str) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE web_logins SET session_sent = 1
         WHERE id = ?1 AND status = 'confirmed' AND session_sent = 0",
        [id],
    )?;
    Ok(changed == 1)
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn a_user_agent_is_shown_without_what_could_spoof_it() {
        let mut headers = HeaderMap::new();
        // A right-to-left override and a zero-width space, which would make a phishing
        // browser read as another; bytes a header cannot otherwise carry as text.
        let spoof = "Chrome\u{202E}xe.lanigiro\u{200B} on Windows";
        headers.insert(
            header::USER_AGENT,
            HeaderValue::from_bytes(spoof.as_bytes()).unwrap(),
        );
        let peer = IpAddr::V4(Ipv4Addr::LOCALHOST);
        assert_eq!(
            Requester::of(&headers, peer).browser,
            "Chromexe.lanigiro on Windows"
        );
        headers.insert(
            header::USER_AGENT,
            HeaderValue::from_bytes("\u{200B}\u{2066}".as_bytes()).unwrap(),
        );
        assert_eq!(Requester::of(&headers, peer).browser, "unknown");
    }

    #[test]
    fn requester_details_are_coarse() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::USER_AGENT,
            HeaderValue::from_str(&format!("  {}  ", "é".repeat(300))).unwrap(),
        );
        let local = Requester::of(&headers, IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(local.browser, "é".repeat(200));
        assert_eq!(
            (local.ip.as_str(), local.place.as_str()),
            ("127.0.x.x", "Loopback")
        );
        let remote = Requester::of(&HeaderMap::new(), IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9)));
        assert_eq!(remote.browser, "unknown");
        let lan = Requester::of(
            &HeaderMap::new(),
            IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20)),
        );
        assert_eq!(lan.place, "Local network");
        let ula = Requester::of(&HeaderMap::new(), "fd00::7".parse().unwrap());
        assert_eq!(ula.place, "Local network");
        assert_eq!(
            (remote.ip.as_str(), remote.place.as_str()),
            ("203.0.x.x", "Unknown")
        );
        let v6 = Requester::of(&HeaderMap::new(), IpAddr::V6(Ipv6Addr::LOCALHOST));
        assert_eq!((v6.ip.as_str(), v6.place.as_str()), ("unknown", "Loopback"));
        let mapped = Requester::of(
            &HeaderMap::new(),
            IpAddr::V6(Ipv4Addr::new(10, 1, 2, 3).to_ipv6_mapped()),
        );
        assert_eq!(mapped.ip, "10.1.x.x");
    }
}
