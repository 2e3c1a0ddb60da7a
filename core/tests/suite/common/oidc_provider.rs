//! An OpenID Certified provider nobody on this project wrote: panva's `oidc-provider` on
//! Node.js (`tests/oidc-provider/`, installed by `npm ci`, which `.ci/run` does), started on
//! loopback per test, and a browser played over plain HTTP (its login and consent pages).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};

use medcircle_core::OAuthProviderConfig;
use medcircle_server::OidcProvider;
use url::Url;

pub const CLIENT_ID: &str = "medcircle-app";
pub const REDIRECT_URI: &str = "com.medcircle.app:/oauth/callback";
/// The name both the server and the app know it by.
pub const NAME: &str = "certified";

pub struct NodeProvider {
    child: Child,
    /// Kept open while it runs: a write to a closed pipe would end it.
    _output: (BufReader<ChildStdout>, ChildStderr),
    pub issuer: String,
}

/// What the provider does with RFC 9207's `iss`: it always announces it in its metadata.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Iss {
    /// Sent with every authorization response (the library's default).
    Sent,
    /// Left out of the responses (`--omit-iss`): what a client must refuse.
    Omitted,
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/oidc-provider")
}

impl NodeProvider {
    /// Starts the provider; fails, never skips, when Node.js or the package is missing.
    pub fn start(iss: Iss) -> NodeProvider {
        let dir = fixture_dir();
        if let Err(error) = Command::new("node").arg("--version").output() {
            panic!(
                "these tests need Node.js (20 or newer) on PATH to run the OpenID provider in \
                 {}: {error}; `bash .ci/run` installs what the suites need",
                dir.display()
            );
        }
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "the OpenID provider is not installed: run `npm ci` in {} (`.ci/run` does)",
            dir.display()
        );
        let mut command = Command::new("node");
        command.arg("provider.mjs").current_dir(&dir);
        if iss == Iss::Omitted {
            command.arg("--omit-iss");
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut stderr = child.stderr.take().unwrap();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let Some(issuer) = line.trim().strip_prefix("listening ") else {
            let mut error = String::new();
            let _ = stderr.read_to_string(&mut error);
            let _ = child.kill();
            panic!("the OpenID provider did not start: {line}{error}");
        };
        // Its few warnings (a development key and store) stay unread in the pipe.
        NodeProvider {
            issuer: issuer.to_string(),
            child,
            _output: (stdout, stderr),
        }
    }

    /// As the server trusts it.
    pub fn trusted(&self) -> OidcProvider {
        format!("{NAME}={},{CLIENT_ID}", self.issuer)
            .parse()
            .unwrap()
    }

    /// As an app registers it.
    pub fn config(&self) -> OAuthProviderConfig {
        OAuthProviderConfig {
            name: NAME.into(),
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            redirect_uri: REDIRECT_URI.into(),
        }
    }

    /// Plays the browser: opens `authorization_url`, signs in as `login` and consents, and
    /// returns the address the provider sends the browser back to.
    pub async fn sign_in(&self, authorization_url: &str, login: &str) -> String {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut cookies = BTreeMap::<String, String>::new();
        let mut url = Url::parse(authorization_url).unwrap();
        let mut form: Option<String> = None;
        for _ in 0..12 {
            let request = match form.take() {
                Some(body) => browser
                    .post(url.clone())
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body),
                None => browser.get(url.clone()),
            };
            let jar = cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ");
            let response = request.header("cookie", jar).send().await.unwrap();
            for set in response.headers().get_all("set-cookie") {
                let pair = set.to_str().unwrap().split(';').next().unwrap();
                let (name, value) = pair.split_once('=').unwrap();
                if value.is_empty() {
                    cookies.remove(name);
                } else {
                    cookies.insert(name.into(), value.into());
                }
            }
            if response.status().is_redirection() {
                let location = response.headers()["location"].to_str().unwrap();
                if location.starts_with(REDIRECT_URI) {
                    return location.to_string();
                }
                url = url.join(location).unwrap();
                continue;
            }
            let status = response.status();
            let page = response.text().await.unwrap();
            assert_eq!(status, 200, "{url}: {page}");
            // The dev interactions' page: a form whose hidden `prompt` says which step it is.
            let mut fields = url::form_urlencoded::Serializer::new(String::new());
            if page.contains(r#"name="prompt" value="login""#) {
                fields.extend_pairs([("prompt", "login"), ("login", login), ("password", "x")]);
            } else if page.contains(r#"name="prompt" value="consent""#) {
                fields.append_pair("prompt", "consent");
            } else {
                panic!("an unexpected page at {url}: {page}");
            }
            form = Some(fields.finish());
        }
        panic!("the provider never sent the browser back to the app");
    }
}

impl Drop for NodeProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
