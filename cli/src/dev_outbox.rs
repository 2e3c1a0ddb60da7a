//! Reads the last code texted to a phone from a dev server's SMS outbox. Dev servers only,
//! plain http on loopback: a few lines of HTTP rather than a second HTTP stack in the shell.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub(crate) fn last_code(server_url: &str, phone: &str) -> Result<String, String> {
    let authority = server_url
        .strip_prefix("http://")
        .ok_or("the dev outbox is only read over plain http on loopback")?
        .trim_end_matches('/');
    let phone: String = phone.chars().filter(char::is_ascii_digit).collect();
    let mut stream = TcpStream::connect(authority).map_err(|e| format!("dev outbox: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET /dev/sms/outbox?phone={phone} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("dev outbox: {e}"))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| format!("dev outbox: {e}"))?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .ok_or("dev outbox: malformed response")?;
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| format!("dev outbox: {e}"))?;
    value["code"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "dev outbox: no code for that phone".to_string())
}
