//! The terminal shell as QA uses it: the real binary, `--json` output, against a reference
//! server on loopback. Runs inside the test run's session keyring (see `cargo xtask test`).

use std::process::{Command, Output};

use medcircle_server::{Options, RunningServer, Scenario, ServerConfig, TlsSource};
use serde_json::{Value, json};

fn medcircle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medcircle"))
        .args(args)
        .env_remove("MEDCIRCLE_SERVER")
        .env_remove("MEDCIRCLE_DATA_DIR")
        .output()
        .unwrap()
}

/// A dev reference server and a data directory for the shell, with the global options that
/// point the shell at them.
struct Shell {
    dir: tempfile::TempDir,
    server: RunningServer,
}

impl Shell {
    fn start() -> Shell {
        let dir = tempfile::tempdir().unwrap();
        let server = RunningServer::start(ServerConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            db_path: dir.path().join("server.db"),
            dev: true,
            providers: vec![],
        })
        .unwrap();
        Shell { dir, server }
    }

    fn url(&self) -> &str {
        self.server.url()
    }

    fn data_dir(&self) -> String {
        self.dir.path().join("cli").to_string_lossy().into_owned()
    }

    fn common(&self) -> Vec<String> {
        [
            "--server",
            self.url(),
            "--data-dir",
            &self.data_dir(),
            "--dev",
            "--json",
        ]
        .map(String::from)
        .to_vec()
    }

    fn run(&self, args: &[&str]) -> Output {
        let common = self.common();
        let mut all: Vec<&str> = common.iter().map(String::as_str).collect();
        all.extend_from_slice(args);
        medcircle(&all)
    }
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

/// The error a failed `--json` command printed.
fn error_of(output: &Output) -> String {
    json_lines(output)[0]["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error in {output:?}"))
        .to_owned()
}

#[test]
fn demo_walks_the_whole_journey() {
    let output = medcircle(&["demo", "--json"]);
    assert!(output.status.success(), "{output:?}");
    let steps: Vec<String> = json_lines(&output)
        .iter()
        .map(|v| {
            assert_eq!(v["ok"], true, "{v}");
            v["step"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        steps,
        [
            "server",
            "session",
            "before_consent",
            "policy",
            "consent",
            "code_sent",
            "wrong_code",
            "login",
            "whoami",
            "feed",
            "feed_status",
            "post",
            "like",
            "comment",
            "search",
            "checkin",
            "points",
            "mall",
            "address_added",
            "redeemed",
            "redemptions",
            "help_search",
            "feedback",
            "product",
            "product",
            "product",
            "product",
            "shop",
            "purchase",
            "order",
            "orders",
            "logout",
            "after_logout",
            "done"
        ]
    );
}

#[test]
fn commands_keep_state_between_invocations() {
    let shell = Shell::start();
    let data_dir = shell.data_dir();
    let run = |args: &[&str]| shell.run(args);

    let refused = run(&["login", "sms", "13800138020", "--code", "123456"]);
    assert!(!refused.status.success());
    let error = &json_lines(&refused)[0];
    assert_eq!(error["ok"], false);
    assert!(
        error["error"].as_str().unwrap().contains("consent"),
        "{error}"
    );

    let policy = run(&["policy", "show"]);
    assert!(policy.status.success());
    let policy = &json_lines(&policy)[0];
    assert_eq!(policy["hash"].as_str().unwrap().len(), 64);
    assert!(!policy["sections"][0]["text"].as_str().unwrap().is_empty());

    let accepted = run(&["consent", "accept"]);
    assert!(accepted.status.success());
    assert_eq!(
        json_lines(&accepted)[0]["accepted_version"],
        policy["version"]
    );
    let status = json_lines(&run(&["consent", "show"]))[0].clone();
    assert_eq!(status["accepted_version"], policy["version"]);

    let wrong = run(&["login", "sms", "13800138020", "--code", "12x"]);
    assert!(!wrong.status.success());
    assert!(error_of(&wrong).contains("6 digits"));

    let insecure = medcircle(&[
        "--server",
        "http://example.com",
        "--data-dir",
        &data_dir,
        "--json",
        "whoami",
    ]);
    assert!(!insecure.status.success());
    assert!(error_of(&insecure).contains("--dev"));
}

/// `login sms PHONE` without `--code`: the shell texts a code and prompts; the test reads the
/// dev outbox and types it. Returns the login line.
async fn login_at_the_prompt(common: &[String], server_url: &str, phone: &str) -> Value {
    let _ = rustls::crypto::ring::default_provider().install_default();
    login_at_the_prompt_with(&reqwest::Client::new(), common, server_url, phone).await
}

/// As `login_at_the_prompt`, reading the outbox with `http` (e.g. a client trusting a CA).
async fn login_at_the_prompt_with(
    http: &reqwest::Client,
    common: &[String],
    server_url: &str,
    phone: &str,
) -> Value {
    let lines = answering(common, &["login", "sms", phone], |sent| async move {
        assert_eq!(sent["step"], "code_sent");
        assert_eq!(sent["expires_in_s"], 300);
        dev_outbox_code(http, server_url, phone).await
    })
    .await;
    let logged_in = lines.last().unwrap().clone();
    assert_eq!(logged_in["step"], "login");
    logged_in
}

/// Runs the shell with `args` at a prompt: what `answer` makes of its first line is typed in.
/// Returns the lines after it; the shell must succeed.
async fn answering<F, A>(common: &[String], args: &[&str], answer: F) -> Vec<Value>
where
    F: FnOnce(Value) -> A,
    A: std::future::Future<Output = String>,
{
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;

    let mut shell = Command::new(env!("CARGO_BIN_EXE_medcircle"))
        .args(common)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(shell.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let typed = answer(serde_json::from_str(&first).unwrap()).await;
    writeln!(shell.stdin.take().unwrap(), "{typed}").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert!(shell.wait().unwrap().success(), "{rest}");
    rest.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[tokio::test]
async fn sms_login_prompts_for_the_code_and_the_session_persists() {
    let shell = Shell::start();
    let common = shell.common();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());

    let logged_in = login_at_the_prompt(&common, shell.url(), "13800138021").await;
    assert_eq!(logged_in["phone_masked"], "138****8021");

    let whoami = run(&["whoami"]);
    assert!(whoami.status.success(), "{whoami:?}");
    assert_eq!(json_lines(&whoami)[0]["id"], logged_in["id"]);

    let logout = run(&["logout"]);
    assert_eq!(json_lines(&logout)[0]["revoked_on_server"], true);
    let after = run(&["whoami"]);
    assert!(!after.status.success());
    assert!(error_of(&after).contains("not logged in"));
}

#[test]
fn consent_purposes_and_the_permission_gate_from_the_terminal() {
    use std::io::Write;
    use std::process::Stdio;

    let shell = Shell::start();
    let common = shell.common();
    let run = |args: &[&str]| shell.run(args);

    let before = json_lines(&run(&["permissions"]));
    assert_eq!(before.len(), 5);
    assert!(
        before
            .iter()
            .all(|l| l["reason"].as_str().unwrap().contains("PrivacyPolicy"))
    );

    assert!(run(&["consent", "accept"]).status.success());
    let granted = json_lines(&run(&["consent", "grant", "precise-location"]))[0].clone();
    assert_eq!(granted["granted"], true);
    let shown = json_lines(&run(&["consent", "show"]))[0].clone();
    let location = shown["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["purpose"] == "PreciseLocation")
        .unwrap()
        .clone();
    assert_eq!(location["granted"], true);

    // The terminal plays the OS dialog; the user says no.
    let mut refuse = Command::new(env!("CARGO_BIN_EXE_medcircle"))
        .args(&common)
        .args(["permissions", "request", "post-photos"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(refuse.stdin.take().unwrap(), "n").unwrap();
    let refused = refuse.wait_with_output().unwrap();
    assert!(refused.status.success(), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Camera"));
    assert!(
        json_lines(&refused)[0]["reason"]
            .as_str()
            .unwrap()
            .contains("DeniedRecently")
    );

    assert!(run(&["positioning", "on"]).status.success());
    let after: Vec<Value> = json_lines(&run(&["permissions"]));
    let decision = |feature: &str| {
        after
            .iter()
            .find(|l| l["feature"] == feature)
            .unwrap()
            .clone()
    };
    assert!(
        decision("PostPhotos")["reason"]
            .as_str()
            .unwrap()
            .contains("DeniedRecently")
    );
    assert_eq!(decision("FeedbackPhotos")["decision"], "show_rationale");
    assert_eq!(decision("Positioning")["decision"], "show_rationale");
    assert!(
        decision("CertificationPhotos")["reason"]
            .as_str()
            .unwrap()
            .contains("IdentityVerification")
    );
}

#[test]
fn the_inventory_and_the_ledger_from_the_terminal() {
    let shell = Shell::start();
    let run = |args: &[&str]| shell.run(args);

    let inventory = json_lines(&run(&["inventory"]));
    assert!(
        inventory
            .iter()
            .any(|l| l["step"] == "collected" && l["id"] == "phone_number")
    );
    assert!(
        inventory
            .iter()
            .any(|l| l["step"] == "shared" && l["recipient"] == "SMS delivery provider")
    );
    assert_eq!(
        inventory
            .iter()
            .filter(|l| l["step"] == "permission_use")
            .count(),
        5
    );

    assert!(run(&["consent", "accept"]).status.success());
    assert!(json_lines(&run(&["ledger"])).is_empty());
    let sent = run(&["login", "sms", "13800138050", "--code", "000000"]);
    assert!(!sent.status.success(), "no code was requested yet");
    let ledger = json_lines(&run(&["ledger", "--item", "sms_code"]));
    assert_eq!(
        ledger.len(),
        1,
        "the wrong code still left the device: {ledger:?}"
    );
    assert_eq!(ledger[0]["endpoint"], "/v1/auth/sms/verify");
    let export = run(&["ledger", "--export"]);
    let document: Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(document["privacy_ledger"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn export_interests_and_account_deletion_from_the_terminal() {
    let shell = Shell::start();
    let common = shell.common();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());
    let user = login_at_the_prompt(&common, shell.url(), "13800138022").await;

    let export = run(&["export"]);
    assert!(export.status.success());
    let document: Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(document["server"]["user"]["id"], user["id"]);
    assert_eq!(json_lines(&run(&["interests"])).len(), 3);
    assert!(json_lines(&run(&["interests", "--delete-all"])).is_empty());

    let refused = run(&["delete-account"]);
    assert!(!refused.status.success());
    assert!(error_of(&refused).contains("--yes"));
    assert!(run(&["delete-account", "--yes"]).status.success());
    let shown = json_lines(&run(&["consent", "show"]))[0].clone();
    assert!(
        shown["accepted_version"].is_null(),
        "back to first start: {shown}"
    );
    assert!(!run(&["whoami"]).status.success());
}

#[test]
fn one_tap_login_from_the_terminal() {
    let shell = Shell::start();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());
    let login = run(&[
        "login",
        "one-tap",
        "13900139023",
        "--carrier",
        "China Unicom",
    ]);
    assert!(login.status.success(), "{login:?}");
    let user = json_lines(&login)[0].clone();
    assert_eq!(user["phone_masked"], "139****9023");
    assert_eq!(json_lines(&run(&["whoami"]))[0]["id"], user["id"]);
    let reported = json_lines(&run(&["ledger", "--item", "device_info"]));
    assert_eq!(
        reported.len(),
        1,
        "the login reported the terminal for risk control"
    );
    assert_eq!(reported[0]["endpoint"], "/v1/risk/device");
}

#[test]
fn scan_to_login_between_two_terminals() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;

    let shell = Shell::start();
    let common = shell.common();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());
    assert!(run(&["login", "one-tap", "13900139024"]).status.success());

    // The browser terminal shows the code and waits.
    let mut browser = Command::new(env!("CARGO_BIN_EXE_medcircle"))
        .args(&common)
        .arg("web-login")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(browser.stdout.take().unwrap()).lines();
    let shown: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let payload = shown["payload"].as_str().unwrap().to_string();
    assert!(payload.starts_with("medcircle://web-login?id=wl_"));

    // The phone terminal scans it and confirms.
    let mut phone = Command::new(env!("CARGO_BIN_EXE_medcircle"))
        .args(&common)
        .args(["scan", &payload])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(phone.stdin.take().unwrap(), "y").unwrap();
    let scanned = phone.wait_with_output().unwrap();
    assert!(scanned.status.success(), "{scanned:?}");
    let answers = json_lines(&scanned);
    assert_eq!(answers[0]["place"], "Loopback");
    assert_eq!(answers[1]["status"], "confirmed");

    let states: Vec<String> = lines
        .map(|l| {
            serde_json::from_str::<Value>(&l.unwrap()).unwrap()["status"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(browser.wait().unwrap().success());
    assert_eq!(
        states.last().map(String::as_str),
        Some("confirmed"),
        "{states:?}"
    );

    let hostile = run(&["scan", "https://evil.example/web-login?id=wl_x&v=1"]);
    assert!(!hostile.status.success());
    assert!(error_of(&hostile).contains("not a MedCircle login code"));
}

#[test]
fn completing_the_account_from_the_terminal() {
    let shell = Shell::start();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());
    assert!(run(&["login", "one-tap", "13900139025"]).status.success());
    let units = json_lines(&run(&["profile", "units", "华西"]));
    assert_eq!(units.len(), 1, "{units:?}");
    let unit = units[0]["id"].as_str().unwrap().to_string();
    let departments = json_lines(&run(&["profile", "departments", &unit]));
    let department = departments[0]["id"].as_str().unwrap().to_string();
    let completed = json_lines(&run(&["profile", "complete", &unit, &department]))[0].clone();
    assert_eq!(completed["unit"]["id"], unit.as_str());
    assert_eq!(completed["department"]["id"], department.as_str());
    assert_eq!(
        json_lines(&run(&["whoami"]))[0]["unit"]["id"],
        unit.as_str()
    );
}

/// Dev server counts: posts, comments, idempotency records.
async fn feed_stats(http: &reqwest::Client, url: &str) -> Value {
    http.get(format!("{url}/dev/feed/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flush_killed_midway_resumes_without_losing_or_duplicating() {
    use medcircle_core::{Client, ClientConfig};

    rustls::crypto::ring::default_provider()
        .install_default()
        .ok();
    let shell = Shell::start();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());
    assert!(run(&["login", "one-tap", "13900139031"]).status.success());
    let feed = json_lines(&run(&["feed"]));
    let post_id = feed[0]["posts"][0]["id"].as_str().unwrap().to_string();

    // Written on a train: the same account, no server reachable.
    const QUEUED: i64 = 300;
    let offline = Client::open(ClientConfig {
        server_url: "http://127.0.0.1:9".into(),
        data_dir: shell.data_dir(),
        dev: true,
        spki_pins: vec![],
        oauth_providers: vec![],
        extra_trust_anchors: vec![],
    })
    .await
    .unwrap();
    for i in 0..QUEUED {
        offline
            .feed()
            .comment(post_id.clone(), format!("comment {i:03}"))
            .await
            .unwrap();
    }
    assert_eq!(
        offline.feed().outbox().await.unwrap().len(),
        QUEUED as usize
    );
    offline.close(1_000).await;
    drop(offline);

    // A real process flushes; it is killed (SIGKILL) once some comments are through.
    let http = reqwest::Client::new();
    let before = feed_stats(&http, shell.url()).await["comments"]
        .as_i64()
        .unwrap();
    let common = shell.common();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_medcircle"))
        .args(&common)
        .args(["outbox", "--flush"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let at_kill = loop {
        let sent = feed_stats(&http, shell.url()).await["comments"]
            .as_i64()
            .unwrap()
            - before;
        if sent >= 20 {
            child.kill().unwrap();
            child.wait().unwrap();
            break sent;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the flush ended before the kill"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    };
    assert!(at_kill < QUEUED, "killed midway ({at_kill} sent)");

    // The next run sends the rest: nothing lost, nothing twice, in order.
    let resumed = json_lines(&run(&["outbox", "--flush"]));
    assert_eq!(resumed[0]["remaining"], 0, "{resumed:?}");
    assert_eq!(resumed[1]["entries"].as_array().unwrap().len(), 0);
    let after = feed_stats(&http, shell.url()).await["comments"]
        .as_i64()
        .unwrap();
    assert_eq!(after - before, QUEUED);
    let comments = json_lines(&run(&["comments", &post_id]));
    let mine: Vec<_> = comments[0]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["mine"] == true)
        .map(|c| c["text"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<_> = (0..mine.len()).map(|i| format!("comment {i:03}")).collect();
    assert!(!mine.is_empty());
    assert_eq!(mine, expected, "replayed in order, each once");
}

#[test]
fn the_feed_from_the_terminal() {
    let shell = Shell::start();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());
    assert!(run(&["login", "one-tap", "13900139041"]).status.success());

    let feed = json_lines(&run(&["feed", "--more", "1"]));
    let posts = feed[0]["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 40);
    let first = posts[0]["id"].as_str().unwrap().to_string();
    let offline = json_lines(&run(&["feed", "--offline"]));
    assert_eq!(
        offline[0]["posts"].as_array().unwrap().len(),
        40,
        "the cache"
    );

    let photo = shell.dir.path().join("ward.png");
    std::fs::write(&photo, common_png()).unwrap();
    let posted = run(&[
        "post",
        "查房记录 ward round",
        "--photo",
        photo.to_str().unwrap(),
    ]);
    assert!(posted.status.success(), "{posted:?}");
    assert!(
        String::from_utf8_lossy(&posted.stderr).contains("bytes"),
        "a progress bar on stderr"
    );
    let mine = json_lines(&posted)[0]["posts"][0].clone();
    assert_eq!(mine["delivery"], "sent");
    assert_eq!(mine["photos"].as_array().unwrap().len(), 1);
    let mine = mine["id"].as_str().unwrap().to_string();

    assert_eq!(
        json_lines(&run(&["like", &first]))[0]["posts"][0]["liked"],
        true
    );
    assert_eq!(
        json_lines(&run(&["like", &first, "--undo"]))[0]["posts"][0]["liked"],
        false
    );
    assert_eq!(
        json_lines(&run(&["collect", &first]))[0]["posts"][0]["collected"],
        true
    );
    let collections = json_lines(&run(&["collections"]));
    assert_eq!(collections[0]["posts"][0]["id"], first.as_str());
    let comment = json_lines(&run(&["comment", &mine, "补充一点"]));
    let comment_id = comment[0]["id"].as_str().unwrap().to_string();
    let share = json_lines(&run(&["share", &first]));
    assert!(share[0]["url"].as_str().unwrap().contains("/p/"));
    let found = json_lines(&run(&["search", "查房"]));
    assert_eq!(found[0]["posts"][0]["id"], mine.as_str());
    let local = json_lines(&run(&["search", "ward round", "--local"]));
    assert_eq!(local[0]["posts"][0]["id"], mine.as_str());

    assert!(
        run(&["delete", &mine, "--comment", &comment_id])
            .status
            .success()
    );
    assert!(run(&["delete", &mine]).status.success());
    assert!(
        json_lines(&run(&["search", "ward round", "--local"]))[0]["posts"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let outbox = json_lines(&run(&["outbox"]));
    assert!(outbox[0]["entries"].as_array().unwrap().is_empty());
}

#[test]
fn third_party_login_and_certification_from_the_terminal() {
    let shell = Shell::start();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());
    let login = run(&["login", "oauth", "dev", "--as", "doctor-li", "--bind"]);
    assert!(login.status.success(), "{login:?}");
    let steps = json_lines(&login);
    assert!(
        steps[0]["authorization_url"]
            .as_str()
            .unwrap()
            .contains("code_challenge_method=S256")
    );
    assert_eq!(steps[1]["nickname"], "Dr. Demo");
    assert_eq!(steps[2]["nickname"], "Dr. Demo");

    let photo = shell.dir.path().join("certificate.png");
    std::fs::write(&photo, common_png()).unwrap();
    let args = [
        "certify",
        "submit",
        "--id-number",
        "11010519491231002X",
        "--photo",
        photo.to_str().unwrap(),
    ];
    let refused = run(&args);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("identity-verification"),
        "{refused:?}"
    );
    assert!(
        run(&["consent", "grant", "identity-verification"])
            .status
            .success()
    );
    let submitted = json_lines(&run(&args));
    assert_eq!(submitted[0]["status"], "pending");
    assert_eq!(submitted[0]["id_number_masked"], "1101**********002X");
    let status = json_lines(&run(&["certify", "status"]));
    assert_eq!(status[0]["status"], "pending");
    assert!(!String::from_utf8_lossy(&run(&["certify", "status"]).stdout).contains("19491231"));
}

/// A real JPEG with what a camera writes beside it: EXIF naming the camera's serial and a
/// position, and a comment.
fn camera_jpeg() -> Vec<u8> {
    let pixels: Vec<u8> = (0..16 * 16)
        .flat_map(|i| [i as u8, 0, 255 - i as u8])
        .collect();
    let mut clean = Vec::new();
    jpeg_encoder::Encoder::new(&mut clean, 90)
        .encode(&pixels, 16, 16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let segment = |marker: u8, payload: &[u8]| {
        let mut out = vec![0xFF, marker];
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
        out
    };
    let mut photo = clean[..2].to_vec();
    photo.extend(segment(
        0xE1,
        b"Exif\0\0BodySerial=SERIAL-4242 GPS=39.9123N,116.3974E",
    ));
    photo.extend(segment(0xFE, b"planted comment"));
    photo.extend_from_slice(&clean[2..]);
    photo
}

#[tokio::test]
async fn a_photo_posted_from_the_terminal_reaches_the_server_without_its_metadata() {
    let shell = Shell::start();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());
    assert!(run(&["login", "one-tap", "13900139051"]).status.success());
    let photo = shell.dir.path().join("ward.jpg");
    std::fs::write(&photo, camera_jpeg()).unwrap();
    let posted = run(&["post", "查房", "--photo", photo.to_str().unwrap()]);
    assert!(posted.status.success(), "{posted:?}");
    let photo_id = json_lines(&posted)[0]["posts"][0]["photos"][0]
        .as_str()
        .unwrap()
        .to_string();

    // Another user reads it from the server, through the API itself.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let token = api_login(&http, shell.url(), "13900139052").await;
    let stored = http
        .get(format!("{}/v1/photos/{photo_id}", shell.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(stored.starts_with(&[0xFF, 0xD8]), "a JPEG came back");
    for planted in ["SERIAL-4242", "39.9123N", "planted comment", "Exif"] {
        assert!(
            !stored
                .windows(planted.len())
                .any(|w| w == planted.as_bytes()),
            "{planted} reached the server"
        );
    }
}

/// The last code the dev server texted to `phone`.
async fn dev_outbox_code(http: &reqwest::Client, url: &str, phone: &str) -> String {
    let outbox: Value = http
        .get(format!("{url}/dev/sms/outbox?phone={phone}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    outbox["code"].as_str().unwrap().to_owned()
}

/// Logs `phone` in through the API (the dev outbox gives the code); its access token.
async fn api_login(http: &reqwest::Client, url: &str, phone: &str) -> String {
    let device = serde_json::json!({ "phone": phone, "device_id": "reader-device-0001" });
    let sent = http
        .post(format!("{url}/v1/auth/sms/send"))
        .json(&device)
        .send()
        .await
        .unwrap();
    assert!(sent.status().is_success(), "{sent:?}");
    let mut verify = device.clone();
    verify["code"] = dev_outbox_code(http, url, phone).await.into();
    let session: Value = http
        .post(format!("{url}/v1/auth/sms/verify"))
        .json(&verify)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    session["access_token"].as_str().unwrap().to_string()
}

/// A real 2×2 PNG.
fn common_png() -> Vec<u8> {
    let hex = "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73\
               0000001049444154789c63f8cfc000440c100a001fee03fd8b5f14d40000000049\
               454e44ae426082";
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// A dev reference server over TLS with its development CA, for the address 127.0.0.1 only.
fn tls_server(dir: &std::path::Path) -> RunningServer {
    RunningServer::start_with(
        ServerConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            db_path: dir.join("server.db"),
            dev: true,
            providers: vec![],
        },
        Options {
            tls: Some(TlsSource::DevCa {
                names: vec!["127.0.0.1".into()],
            }),
            ..Options::default()
        },
    )
    .unwrap()
}

#[tokio::test]
async fn the_shell_trusts_a_qa_server_through_its_ca_file() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let server = tls_server(dir.path());
    assert!(server.url().starts_with("https://127.0.0.1:"));
    let ca = server.tls().unwrap().ca_pem.clone().unwrap();
    let data_dir = dir.path().join("cli").to_string_lossy().into_owned();
    // No --dev: a release-like shell, TLS only.
    let base: Vec<String> = ["--server", server.url(), "--data-dir", &data_dir, "--json"]
        .map(String::from)
        .to_vec();
    let mut with_ca = base.clone();
    with_ca.extend(["--ca".to_string(), ca.to_string_lossy().into_owned()]);
    let run = |common: &[String], args: &[&str]| {
        let mut all: Vec<&str> = common.iter().map(String::as_str).collect();
        all.extend_from_slice(args);
        medcircle(&all)
    };

    let policy = run(&with_ca, &["policy", "show"]);
    assert!(policy.status.success(), "{policy:?}");
    assert_eq!(json_lines(&policy)[0]["version"], "2026-11-01");
    assert!(run(&with_ca, &["consent", "accept"]).status.success());
    let trusting = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap()])
        .build()
        .unwrap();
    let user = login_at_the_prompt_with(&trusting, &with_ca, server.url(), "13900139061").await;
    assert_eq!(user["phone_masked"], "139****9061");
    assert_eq!(json_lines(&run(&with_ca, &["whoami"]))[0]["id"], user["id"]);

    let refused = run(&base, &["policy", "show"]);
    assert!(!refused.status.success());
    let error = error_of(&refused).to_lowercase();
    assert!(
        error.contains("secure") || error.contains("certificate"),
        "{error}"
    );

    let bad = run(&base, &["--ca", "/nonexistent/ca.pem", "policy", "show"]);
    assert!(!bad.status.success());
    let error = error_of(&bad);
    assert!(error.contains("/nonexistent/ca.pem"), "{error}");
}

/// `login oauth NAME` against a provider given on the command line, in a release-like shell
/// (no --dev, TLS only): the test plays the browser at the provider.
#[tokio::test]
async fn third_party_login_with_a_provider_from_the_command_line() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let server = tls_server(dir.path());
    let ca = server.tls().unwrap().ca_pem.clone().unwrap();
    let provider = format!("dev={}/dev/oidc,medcircle-app", server.url());
    let data_dir = dir.path().join("cli").to_string_lossy().into_owned();
    let common: Vec<String> = [
        "--server",
        server.url(),
        "--data-dir",
        &data_dir,
        "--json",
        "--ca",
        &ca.to_string_lossy(),
        "--oauth-provider",
        &provider,
    ]
    .map(String::from)
    .to_vec();
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = common.iter().map(String::as_str).collect();
        all.extend_from_slice(args);
        medcircle(&all)
    };
    assert!(run(&["consent", "accept"]).status.success());
    let unknown = run(&["login", "oauth", "acme", "--bind"]);
    assert!(!unknown.status.success());
    assert!(error_of(&unknown).contains("acme"));

    let browser = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap()])
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = server.url().to_owned();
    let steps = answering(
        &common,
        &["login", "oauth", "dev", "--bind"],
        |started| async move {
            let authorization_url = started["authorization_url"].as_str().unwrap();
            assert!(authorization_url.starts_with(&url), "{authorization_url}");
            let signed_in = browser
                .get(format!("{authorization_url}&dev_subject=doctor-li"))
                .send()
                .await
                .unwrap();
            let callback = signed_in.headers()["location"].to_str().unwrap().to_owned();
            assert!(
                callback.starts_with("com.medcircle.app:/oauth/callback?"),
                "{callback}"
            );
            callback
        },
    )
    .await;
    assert_eq!(steps[0]["nickname"], "Dr. Demo");
    assert_eq!(steps.last().unwrap()["step"], "login");
    assert_eq!(steps.last().unwrap()["nickname"], "Dr. Demo");
    assert_eq!(
        json_lines(&run(&["whoami"]))[0]["id"],
        steps.last().unwrap()["id"]
    );
}

#[test]
fn a_scenario_s_accounts_and_posts_reach_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../server/scenarios/certified-doctor.toml");
    let server = RunningServer::start_with(
        ServerConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            db_path: dir.path().join("server.db"),
            dev: true,
            providers: vec![],
        },
        Options {
            scenario: Some(Scenario::from_file(&scenario).unwrap()),
            ..Options::default()
        },
    )
    .unwrap();
    let shell = Shell { dir, server };
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());
    let login = run(&["login", "one-tap", "13800138000"]);
    assert!(login.status.success(), "{login:?}");
    let me = json_lines(&run(&["whoami"]))[0].clone();
    assert_eq!(me["nickname"], "Dr. Wang Lei", "{me}");
    assert_eq!(me["unit"]["id"], "un_1", "{me}");
    let status = json_lines(&run(&["certify", "status"]))[0].clone();
    assert_eq!(status["status"], "approved", "{status}");

    let feed = json_lines(&run(&["feed"]));
    let posts = feed[0]["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 4, "only the scenario's posts");
    let oldest = &posts[3];
    assert_eq!(oldest["author"], "Dr. Wang Lei");
    assert_eq!(
        (&oldest["likes"], &oldest["comments"]),
        (&json!(2), &json!(2))
    );
    assert_eq!(oldest["mine"], true);
    let comments = json_lines(&run(&["comments", oldest["id"].as_str().unwrap()]));
    let authors: Vec<&str> = comments[0]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["author"].as_str().unwrap())
        .collect();
    assert_eq!(authors, ["Dr. Chen Yu", "李护士长"]);
}

/// `login wechat`: the terminal stands in for the WeChat app against the dev server's
/// WeChat-style provider; cancelling there changes nothing, refusing is an error, binding
/// copies the nickname, and the same WeChat account is the same MedCircle account.
#[test]
fn wechat_login_from_the_terminal() {
    use std::io::Write;
    use std::process::Stdio;

    let shell = Shell::start();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());

    let cancelled = run(&["login", "wechat", "--cancel"]);
    assert!(cancelled.status.success(), "{cancelled:?}");
    assert_eq!(json_lines(&cancelled)[0]["step"], "wechat_cancelled");
    assert!(!run(&["whoami"]).status.success(), "not logged in");

    let denied = run(&["login", "wechat", "--deny", "--bind"]);
    assert!(!denied.status.success());
    let error = error_of(&denied);
    assert!(error.contains("ERR_AUTH_DENIED"), "{error}");

    let bound = run(&["login", "wechat", "--as", "doctor-li", "--bind"]);
    assert!(bound.status.success(), "{bound:?}");
    let steps = json_lines(&bound);
    assert_eq!(steps[0]["step"], "wechat_authorized");
    assert_eq!(steps[1]["step"], "login");
    assert_eq!(steps[1]["nickname"], "微信医生");
    let user_id = steps[1]["id"].clone();
    assert!(run(&["logout"]).status.success());

    // At the prompts: agree in WeChat as doctor-li, then decline binding.
    let common = shell.common();
    let mut prompted = Command::new(env!("CARGO_BIN_EXE_medcircle"))
        .args(&common)
        .args(["login", "wechat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    prompted
        .stdin
        .take()
        .unwrap()
        .write_all(b"y\ndoctor-li\nn\n")
        .unwrap();
    let output = prompted.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let steps = json_lines(&output);
    assert_eq!(steps[1]["id"], user_id, "the same WeChat account");
    let prompts = String::from_utf8_lossy(&output.stderr);
    assert!(
        prompts.contains("WeChat: let MedCircle log in"),
        "{prompts}"
    );
}

#[tokio::test]
async fn the_security_center_from_the_terminal() {
    let shell = Shell::start();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());
    let phone = "13900139031";
    assert!(run(&["login", "one-tap", phone]).status.success());
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let other_token = api_login(&http, shell.url(), phone).await;

    let listed = json_lines(&run(&["sessions"]));
    let sessions: Vec<&Value> = listed.iter().filter(|l| l["step"] == "session").collect();
    assert_eq!(sessions.len(), 2, "{listed:?}");
    let mine = sessions.iter().find(|s| s["current"] == true).unwrap();
    assert_eq!(mine["login_method"], "one_tap");
    assert!(
        mine["device"]["model"].is_string(),
        "the terminal reported itself"
    );
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["login_method"], "sms");
    assert_eq!(
        other["device"],
        Value::Null,
        "nothing reported: unknown device"
    );
    assert_eq!(other["place"], "Loopback");

    // The API login came from an installation the account had not used: an alert.
    let shown = json_lines(&run(&["notices"]));
    let alert = shown.iter().find(|l| l["step"] == "notice").unwrap();
    assert_eq!(alert["kind"], "new_login");
    assert_eq!(alert["read"], false);
    assert_eq!(shown.last().unwrap()["unread"], 1);
    let id = alert["id"].as_str().unwrap();
    let read = json_lines(&run(&["notices", "--read", id]));
    assert_eq!(read.last().unwrap()["unread"], 0);
    assert_eq!(json_lines(&run(&["notices"])).last().unwrap()["unread"], 0);

    // Logged in moments ago: no step-up asked.
    let revoked = json_lines(&run(&["sessions", "revoke", "--others"]));
    assert_eq!(revoked[0]["revoked"], 1);
    let me = http
        .get(format!("{}/v1/me", shell.url()))
        .bearer_auth(&other_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    let left = json_lines(&run(&["sessions"]));
    assert_eq!(left.last().unwrap()["count"], 1);
    let refused = run(&["sessions", "revoke"]);
    assert!(!refused.status.success(), "an id or --others is required");
}

#[tokio::test]
async fn the_wheat_grain_mall_from_the_terminal() {
    let shell = Shell::start();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());
    assert!(run(&["login", "one-tap", "13900139041"]).status.success());

    let checked = json_lines(&run(&["checkin"]));
    assert_eq!(checked[0]["awarded"], true);
    assert_eq!(json_lines(&run(&["checkin"]))[0]["awarded"], false);
    let points = json_lines(&run(&["points"]));
    assert_eq!(points[0]["balance"], 10);
    assert_eq!(points[0]["history"][0]["reason"], "check_in");

    let mall = json_lines(&run(&["mall"]));
    let items = mall[0]["items"].as_array().unwrap();
    let cheapest = items.iter().min_by_key(|i| i["price"].as_i64()).unwrap();
    assert_eq!(cheapest["price"], 10);
    let id = cheapest["id"].as_str().unwrap();
    let item = json_lines(&run(&["item", id]));
    assert_eq!(item[0]["item"]["id"], id);

    let refused = run(&[
        "address",
        "add",
        "--name",
        "欧阳明远",
        "--phone",
        "12345",
        "--province",
        "北京市",
        "--city",
        "北京市",
        "--district",
        "东城区",
        "--street",
        "幸福里七弄十九号",
    ]);
    assert!(!refused.status.success());
    assert!(error_of(&refused).contains("Phone"));
    let added = json_lines(&run(&[
        "address",
        "add",
        "--name",
        "欧阳明远",
        "--phone",
        "13912345678",
        "--province",
        "北京市",
        "--city",
        "北京市",
        "--district",
        "东城区",
        "--street",
        "幸福里七弄十九号",
    ]));
    let address = &added[0]["address"];
    assert_eq!(address["recipient_name"], "欧***");
    assert_eq!(address["phone"], "139****5678");
    let address_id = address["id"].as_str().unwrap();
    let listed = json_lines(&run(&["address", "list"]));
    assert_eq!(listed[0]["addresses"][0]["default"], true);
    let output = String::from_utf8_lossy(&run(&["address", "list"]).stdout).into_owned();
    assert!(!output.contains("欧阳明远") && !output.contains("13912345678"));

    let redeemed = json_lines(&run(&["redeem", id, "--address", address_id]));
    let redemption = &redeemed[0]["redemption"];
    assert_eq!(redemption["status"], "placed");
    let orders = json_lines(&run(&["redemptions"]));
    assert_eq!(orders[0]["redemptions"][0]["id"], redemption["id"]);
    let cancelled = json_lines(&run(&[
        "redemption",
        "cancel",
        redemption["id"].as_str().unwrap(),
    ]));
    assert_eq!(cancelled[0]["redemption"]["status"], "cancelled");
    assert_eq!(json_lines(&run(&["points"]))[0]["balance"], 10, "refunded");
    let emptied = json_lines(&run(&["address", "delete", address_id]));
    assert_eq!(emptied[0]["addresses"], json!([]));
}

/// Runs the shell with `args`, `input` typed at its prompts.
fn typing(shell: &Shell, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;

    let mut child = Command::new(env!("CARGO_BIN_EXE_medcircle"))
        .args(shell.common())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn the_help_center_from_the_terminal() {
    let shell = Shell::start();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());
    assert!(run(&["login", "one-tap", "13900139061"]).status.success());

    let privacy = json_lines(&run(&["help", "--topic", "privacy"]));
    assert_eq!(privacy[0]["articles"].as_array().unwrap().len(), 2);
    let found = json_lines(&run(&["help", "search", "验证码"]));
    assert_eq!(found[0]["step"], "help_search");
    assert_eq!(found[0]["articles"][0]["id"], "ha_login_zh");
    let article = json_lines(&run(&["help", "read", "ha_login_zh"]));
    assert!(article[0]["body"].as_str().unwrap().contains("验证码"));

    let photo = shell.dir.path().join("screen.jpg");
    std::fs::write(&photo, camera_jpeg()).unwrap();
    let path = photo.to_str().unwrap();
    let sent = typing(
        &shell,
        &[
            "feedback",
            "附图反馈",
            "--photo",
            path,
            "--contact",
            "13900139061",
        ],
        "y\n",
    );
    assert!(sent.status.success(), "{sent:?}");
    let lines = json_lines(&sent);
    let feedback = lines.iter().find(|l| l["step"] == "feedback").unwrap();
    assert_eq!(feedback["sent"], true);
    assert_eq!(feedback["photos"], 1);
    let ticket = feedback["ticket"].as_str().unwrap().to_string();
    // Refused at the photo dialog (the terminal forgets a grant when it exits): nothing goes
    // out; text alone still does (below).
    let refused = typing(&shell, &["feedback", "再附一张", "--photo", path], "n\n");
    assert!(!refused.status.success());

    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let reply = http
        .post(format!("{}/dev/help/tickets/{ticket}/replies", shell.url()))
        .json(&json!({ "body": "已收到" }))
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success());
    let received: Value = http
        .get(format!("{}/dev/help/tickets", shell.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let received = received["tickets"].as_array().unwrap();
    assert_eq!(received.len(), 1, "the refused attempt sent nothing");
    assert!(
        received[0].get("app_version").is_none(),
        "no --share-versions"
    );

    let tickets = json_lines(&run(&["tickets"]));
    assert_eq!(tickets[0]["id"], ticket.as_str());
    assert_eq!(tickets[0]["contact"], "139****9061");
    assert_eq!(tickets[0]["replies"][0]["body"], "已收到");
    assert_eq!(tickets.last().unwrap()["unread"], 1);
    let read = json_lines(&run(&["tickets", "--read", &ticket]));
    assert_eq!(read.last().unwrap()["unread"], 0);

    let versions = json_lines(&run(&["feedback", "版本信息", "--share-versions"]));
    assert_eq!(versions[0]["sent"], true);
    let received: Value = http
        .get(format!("{}/dev/help/tickets", shell.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        received["tickets"][1]["app_version"],
        env!("CARGO_PKG_VERSION")
    );
}

/// `shop`, `buy`, `orders`, `order`: the terminal plays the payment app against the dev
/// gateways; paid means the server said so.
#[test]
fn buying_from_the_terminal() {
    let shell = Shell::start();
    let run = |args: &[&str]| shell.run(args);
    assert!(run(&["consent", "accept"]).status.success());
    let shop = json_lines(&run(&["shop"]));
    let products: Vec<&Value> = shop.iter().filter(|l| l["step"] == "product").collect();
    assert_eq!(products.len(), 4);
    assert!(products.iter().all(|p| p["price_fen"].is_u64()));
    assert_eq!(
        shop.last().unwrap()["methods"],
        json!(["alipay", "wechat_pay"])
    );

    let logged_out = run(&["buy", "member_month", "--pay", "alipay", "--sdk", "succeed"]);
    assert!(!logged_out.status.success());
    assert_eq!(json_lines(&logged_out)[0]["error"], "not logged in");
    assert!(run(&["login", "one-tap", "13900139061"]).status.success());

    let paid = json_lines(&run(&[
        "buy",
        "member_month",
        "--pay",
        "alipay",
        "--sdk",
        "succeed",
    ]));
    assert_eq!(paid[0]["step"], "purchase");
    assert_eq!(paid[0]["sdk"], "succeeded");
    assert_eq!(paid[0]["status"], "paid");
    assert_eq!(paid[0]["amount_fen"], 2500);
    assert_eq!(paid[0]["payer_account"], "138****8000");
    let cancelled = json_lines(&run(&[
        "buy",
        "case_pack",
        "--pay",
        "wechat",
        "--sdk",
        "cancel",
    ]));
    assert_eq!(cancelled[0]["sdk"], "cancelled");
    assert_eq!(cancelled[0]["status"], "cancelled");
    let failed = json_lines(&run(&[
        "buy",
        "case_pack",
        "--pay",
        "alipay",
        "--sdk",
        "fail",
    ]));
    assert_eq!(failed[0]["status"], "failed");

    let orders = json_lines(&run(&["orders"]));
    let listed: Vec<&Value> = orders.iter().filter(|l| l["step"] == "order").collect();
    assert_eq!(listed.len(), 3);
    assert!(orders.last().unwrap()["membership_until"].is_i64());
    let number = paid[0]["number"].as_str().unwrap();
    let one = json_lines(&run(&["order", number]));
    assert_eq!(one[0]["status"], "paid");
    assert_eq!(one[0]["method"], "alipay");
    let unknown = run(&["order", "MC00000000000000000000"]);
    assert!(!unknown.status.success());
}
