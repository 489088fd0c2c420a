//! A small HTTP server on loopback that receives webhook deliveries: it records every request
//! and answers with scripted statuses (then 200), so tests see exactly what the app sent.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One request as received.
#[derive(Debug, Clone)]
pub struct ReceivedHook {
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// The status the receiver answered.
    pub answered: u16,
    /// When it arrived.
    pub at: std::time::Instant,
}

impl ReceivedHook {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("webhook body is JSON")
    }
}

#[derive(Default)]
struct Shared {
    received: Vec<ReceivedHook>,
    /// Statuses (and extra headers) to answer with, in order; 200 once empty.
    script: VecDeque<(u16, Vec<(String, String)>)>,
}

pub struct WebhookReceiver {
    address: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl WebhookReceiver {
    pub async fn start() -> WebhookReceiver {
        Self::start_on(0).await
    }

    /// A receiver on a given loopback port (0: any free one).
    pub async fn start_on(port: u16) -> WebhookReceiver {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        let address = listener.local_addr().expect("address");
        let shared: Arc<Mutex<Shared>> = Arc::default();
        let task = tokio::spawn({
            let shared = shared.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let shared = shared.clone();
                    tokio::spawn(async move {
                        let _ = serve(stream, shared).await;
                    });
                }
            }
        });
        WebhookReceiver {
            address,
            shared,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The next requests are answered with these statuses, in order.
    pub fn answer_with(&self, statuses: &[u16]) {
        let mut shared = self.shared.lock().expect("lock");
        shared
            .script
            .extend(statuses.iter().map(|s| (*s, Vec::new())));
    }

    /// The next request is answered with `status` and extra headers.
    pub fn answer_once_with_headers(&self, status: u16, headers: &[(&str, &str)]) {
        self.shared.lock().expect("lock").script.push_back((
            status,
            headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        ));
    }

    pub fn received(&self) -> Vec<ReceivedHook> {
        self.shared.lock().expect("lock").received.clone()
    }

    /// Waits until `count` requests answered 2xx arrived; panics after `wait`.
    pub async fn wait_for_delivered(&self, count: usize, wait: Duration) -> Vec<ReceivedHook> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let delivered: Vec<ReceivedHook> = self
                .received()
                .into_iter()
                .filter(|r| (200..300).contains(&r.answered))
                .collect();
            if delivered.len() >= count {
                return delivered;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {count} webhooks delivered: {:?}",
                delivered.len(),
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn serve(stream: tokio::net::TcpStream, shared: Arc<Mutex<Shared>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_string();
        let mut headers = HashMap::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await?;
        let (status, extra) = {
            let mut shared = shared.lock().expect("lock");
            let (status, extra) = shared.script.pop_front().unwrap_or((200, Vec::new()));
            shared.received.push(ReceivedHook {
                path,
                headers,
                body,
                answered: status,
                at: std::time::Instant::now(),
            });
            (status, extra)
        };
        let mut response = format!("HTTP/1.1 {status} Scripted\r\ncontent-length: 0\r\n");
        for (name, value) in extra {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        reader.get_mut().write_all(response.as_bytes()).await?;
        reader.get_mut().flush().await?;
    }
}
