use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{DEVICE, PHONE, TestServer, config, start};

#[tokio::test]
async fn url_has_the_real_port_and_no_trailing_slash() {
    let server = TestServer::production();
    let url = server.server.url();
    let port: u16 = url
        .strip_prefix("http://127.0.0.1:")
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    assert_eq!(server.get("/v1/policy").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn shutdown_stops_listening() {
    let server = TestServer::production();
    let url = server.url("/v1/policy");
    assert_eq!(server.get("/v1/policy").await.status(), StatusCode::OK);
    server.server.shutdown();
    assert!(server.http.get(&url).send().await.is_err());
}

#[tokio::test]
async fn data_and_secret_survive_a_restart() {
    let first = TestServer::dev();
    assert_eq!(
        first.send_code(PHONE, DEVICE).await.status(),
        StatusCode::OK
    );
    let code = first.outbox_code(PHONE).await;
    first.advance(60).await;
    let earlier = first.login("13912345678").await;
    let carrier_token = first.carrier_token("15000000000", "China Telecom").await;
    let TestServer { server, dir, http } = first;
    server.shutdown();

    // The code was stored keyed by the server secret: it verifies only if the secret persisted.
    let server = start(config(&dir, true)).unwrap();
    let again = TestServer { server, dir, http };
    let login = again.verify(PHONE, &code).await;
    assert_eq!(login.status(), StatusCode::OK);
    let me = again.me(earlier["access_token"].as_str().unwrap()).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me, earlier["user"]);
    // The token was signed with the carrier key: it verifies only if that key persisted.
    let one_tap = again.one_tap(&carrier_token).await;
    assert_eq!(one_tap.status(), StatusCode::OK);
}

#[test]
fn start_fails_when_the_port_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(config(&dir, false)).unwrap();
    let mut taken = config(&dir, false);
    taken.addr = first.url().trim_start_matches("http://").parse().unwrap();
    assert!(start(taken).is_err());
}

#[tokio::test]
async fn serve_runs_until_its_shutdown_future_resolves() {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1/policy", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(medcircle_server::serve(
        config(&dir, true),
        listener,
        async {
            let _ = stopped.await;
        },
    ));
    let http = crate::common::client();
    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    stop.send(()).unwrap();
    served.await.unwrap().unwrap();
    assert!(http.get(&url).send().await.is_err());
}
