//! A TCP proxy between a client and the reference server that injects faults: refused
//! connections, slow answers, 503s, answers cut off midway, answers held back until released.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Connections are closed at once: the client sees no network.
    Down,
    /// Every chunk of every answer waits this long.
    Slow(Duration),
    /// Every request is answered 503 without reaching the server.
    ServerError,
    /// The request reaches the server, but only the answer's first bytes come back.
    Truncate,
    /// The request reaches the server; its answer waits until `release`.
    Hold,
}

struct State {
    fault: Mutex<Fault>,
    /// Bumped on every change: connections opened before it are cut.
    epoch: AtomicU64,
    /// The request lines (`POST /v1/… HTTP/1.1`) whose answers the server gave and are being
    /// held back.
    held: watch::Sender<Vec<String>>,
    /// Bumped by `release`: held answers go on.
    released: watch::Sender<u64>,
    /// While answers are held: the part of a request line that marks the ones to hold.
    holding: Mutex<String>,
    /// The part of a request line whose answers are kept, and the answers kept.
    recording: Mutex<Option<String>>,
    recorded: Mutex<Vec<Vec<u8>>>,
}

pub struct FaultProxy {
    pub url: String,
    state: Arc<State>,
}

impl FaultProxy {
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .parse()
            .expect("the server listens on an ip:port");
        let state = Arc::new(State {
            fault: Mutex::new(Fault::None),
            epoch: AtomicU64::new(0),
            held: watch::Sender::new(Vec::new()),
            released: watch::Sender::new(0),
            holding: Mutex::default(),
            recording: Mutex::default(),
            recorded: Mutex::default(),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = state.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::spawn(serve(client, upstream, shared.clone()));
                }
            });
        });
        FaultProxy { url, state }
    }

    pub fn set(&self, fault: Fault) {
        *self.state.fault.lock().unwrap() = fault;
        self.state.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// From now on, holds the answer to every request whose line (`POST /v1/posts HTTP/1.1`)
    /// contains `request`, pooled connections included; other requests pass.
    pub fn hold(&self, request: &str) {
        self.state.held.send_replace(Vec::new());
        *self.state.holding.lock().unwrap() = request.to_string();
        *self.state.fault.lock().unwrap() = Fault::Hold;
    }

    /// Waits until the server has answered a held request: it acted on it.
    pub async fn answered_and_held(&self) {
        let mut held = self.state.held.subscribe();
        held.wait_for(|lines| !lines.is_empty()).await.unwrap();
    }

    /// From now on, keeps the answers to requests whose line contains `request`.
    pub fn record(&self, request: &str) {
        *self.state.recording.lock().unwrap() = Some(request.to_string());
    }

    /// The bodies of the answers kept, in order.
    pub fn recorded_bodies(&self) -> Vec<Vec<u8>> {
        self.state
            .recorded
            .lock()
            .unwrap()
            .iter()
            .map(|answer| {
                let body = answer
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .map_or(answer.len(), |at| at + 4);
                answer[body..].to_vec()
            })
            .collect()
    }

    /// Lets the held answers through, and answers pass from now on.
    pub fn release(&self) {
        *self.state.fault.lock().unwrap() = Fault::None;
        self.state.released.send_modify(|n| *n += 1);
    }
}

async fn serve(mut client: TcpStream, upstream: SocketAddr, state: Arc<State>) {
    let epoch = state.epoch.load(Ordering::SeqCst);
    let fault = *state.fault.lock().unwrap();
    match fault {
        Fault::Down => {}
        Fault::ServerError => {
            let mut buffer = [0u8; 8192];
            let _ = client.read(&mut buffer).await;
            let _ = client
                .write_all(
                    b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
        }
        Fault::None | Fault::Slow(_) | Fault::Truncate | Fault::Hold => {
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            let watch = state.clone();
            // Set by each request while answers are held: its answer waits. (A pooled
            // connection carries one request at a time.)
            let hold_next: Arc<Mutex<Option<String>>> = Arc::default();
            let hold_answer = hold_next.clone();
            let record_next = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let record_answer = record_next.clone();
            let requests = tokio::spawn(async move {
                let mut buffer = [0u8; 16384];
                while let Ok(n) = client_read.read(&mut buffer).await {
                    let starts_request = buffer[..n]
                        .split(|b| *b == b' ')
                        .next()
                        .is_some_and(|m| [&b"GET"[..], b"POST", b"PUT", b"DELETE"].contains(&m));
                    if starts_request {
                        let line = buffer[..n]
                            .split(|b| *b == b'\r')
                            .next()
                            .unwrap_or_default();
                        let line = String::from_utf8_lossy(line);
                        let wanted = watch.recording.lock().unwrap().clone();
                        record_answer.store(
                            wanted.is_some_and(|w| line.contains(w.as_str())),
                            Ordering::SeqCst,
                        );
                    }
                    if starts_request && *watch.fault.lock().unwrap() == Fault::Hold {
                        let line = buffer[..n]
                            .split(|b| *b == b'\r')
                            .next()
                            .unwrap_or_default();
                        let line = String::from_utf8_lossy(line).into_owned();
                        if line.contains(watch.holding.lock().unwrap().as_str()) {
                            *hold_answer.lock().unwrap() = Some(line);
                        }
                    }
                    // A pooled connection from before a change must not carry new requests.
                    if n == 0
                        || watch.epoch.load(Ordering::SeqCst) != epoch
                        || server_write.write_all(&buffer[..n]).await.is_err()
                    {
                        break;
                    }
                }
            });
            let mut buffer = [0u8; 16384];
            let mut released = state.released.subscribe();
            while let Ok(n) = server_read.read(&mut buffer).await {
                if n == 0 || state.epoch.load(Ordering::SeqCst) != epoch {
                    break;
                }
                if record_next.swap(false, Ordering::SeqCst) {
                    state.recorded.lock().unwrap().push(buffer[..n].to_vec());
                }
                let held = hold_next.lock().unwrap().take();
                if let Some(line) = held {
                    released.mark_unchanged();
                    state.held.send_modify(|lines| lines.push(line));
                    let _ = released.changed().await;
                }
                if let Fault::Slow(delay) = fault {
                    tokio::time::sleep(delay).await;
                }
                if fault == Fault::Truncate {
                    // The status line and a few headers, never the whole answer.
                    let _ = client_write.write_all(&buffer[..n.min(60)]).await;
                    break;
                }
                if client_write.write_all(&buffer[..n]).await.is_err() {
                    break;
                }
            }
            requests.abort();
        }
    }
}
