//! The reference server as the terminal reaches it outside the core: the SMS outbox (there is
//! no SMS gateway), the dev carrier (there is no carrier SDK) and the web login page's JSON twin
//! (the terminal plays the browser). Plain http on loopback only: a few lines of HTTP rather
//! than a second HTTP stack in the shell.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

pub(crate) fn request(
    server_url: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, String> {
    let (_, body) = exchange(server_url, method, path, body)?;
    serde_json::from_str(&body).map_err(|e| format!("dev server: {e}"))
}

/// One request; the response's head and body as text.
fn exchange(
    server_url: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(String, String), String> {
    let authority = server_url
        .strip_prefix("http://")
        .ok_or("dev hooks are only reached over plain http on loopback")?
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(authority).map_err(|e| format!("dev server: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| format!("dev server: {e}"))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| format!("dev server: {e}"))?;
    response
        .split_once("\r\n\r\n")
        .map(|(head, body)| (head.to_string(), body.to_string()))
        .ok_or_else(|| "dev server: malformed response".to_string())
}

/// Plays the user at the dev login provider: approves `authorization_url` as `subject` and
/// returns where the provider sends the browser back.
pub(crate) fn approve_authorization(
    server_url: &str,
    authorization_url: &str,
    subject: &str,
) -> Result<String, String> {
    let path_and_query = authorization_url
        .strip_prefix(server_url.trim_end_matches('/'))
        .ok_or("--as works only with the dev server's own provider")?;
    let path = format!("{path_and_query}&dev_subject={subject}");
    let (head, _) = exchange(server_url, "GET", &path, None)?;
    head.lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("location")
                .then(|| value.trim().to_string())
        })
        .ok_or_else(|| "dev provider: no redirect (is the subject valid?)".to_string())
}

fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

/// The last code texted to `phone`.
pub(crate) fn last_code(server_url: &str, phone: &str) -> Result<String, String> {
    let path = format!("/dev/sms/outbox?phone={}", digits(phone));
    request(server_url, "GET", &path, None)?["code"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "dev outbox: no code for that phone".to_string())
}

/// What a carrier SDK would yield on a phone with this number and carrier.
pub(crate) fn carrier_token(
    server_url: &str,
    phone: &str,
    carrier: &str,
) -> Result<String, String> {
    let body = serde_json::json!({ "phone": digits(phone), "carrier": carrier });
    let answer = request(server_url, "POST", "/dev/carrier/token", Some(&body))?;
    answer["token"].as_str().map(str::to_string).ok_or_else(|| {
        format!(
            "dev carrier: {}",
            answer["error"]["message"].as_str().unwrap_or("no token")
        )
    })
}
