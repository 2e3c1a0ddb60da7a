//! A TCP proxy between a client and the reference server that injects faults: refused
//! connections, slow answers, 503s, answers cut off midway.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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
}

struct State {
    fault: Mutex<Fault>,
    /// Bumped on every change: connections opened before it are cut.
    epoch: AtomicU64,
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
        Fault::None | Fault::Slow(_) | Fault::Truncate => {
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            let watch = state.clone();
            let requests = tokio::spawn(async move {
                let mut buffer = [0u8; 16384];
                while let Ok(n) = client_read.read(&mut buffer).await {
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
            while let Ok(n) = server_read.read(&mut buffer).await {
                if n == 0 || state.epoch.load(Ordering::SeqCst) != epoch {
                    break;
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
