//! The real `verzuim` binary as a child process (so a test can `kill -9` it and start it again),
//! and a webhook receiver that never answers its first request, so a delivery is caught
//! mid-send.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// The debug `verzuim` binary beside the test executable's directory (`cargo build -p verzuim`
/// builds it; `cargo test`/`nextest` alone do not).
pub fn verzuim_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target directory");
    let binary = dir.join("verzuim");
    assert!(
        binary.exists(),
        "build the binary first: cargo build -p verzuim ({})",
        binary.display()
    );
    binary
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// `verzuim serve` as a child process; killed (SIGKILL) when dropped.
pub struct ServerProcess {
    child: Option<Child>,
    pub address: String,
    log: PathBuf,
    /// Working and data directory: no `.env` of the repository is read from here.
    _dir: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts `verzuim serve` with exactly `env` (plus `VERZUIM_BIND` on a free port and a
    /// data dir of its own unless `env` names one) and waits until `/health` answers.
    pub async fn start(env: &[(String, String)]) -> ServerProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let log = dir.path().join("server.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(verzuim_binary());
        command
            .arg("serve")
            .env_clear()
            .current_dir(dir.path())
            .env("VERZUIM_DATA_DIR", dir.path())
            .env(
                "VERZUIM_FRONTEND_DIR",
                dir.path().join("no-frontend").as_os_str(),
            )
            // Its own free metrics port, unless `env` names one: never the shared default.
            .env("VERZUIM_METRICS_BIND", "127.0.0.1:0")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("VERZUIM_BIND", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log file"))
            .stderr(log_file);
        let child = command.spawn().expect("start verzuim serve");
        let mut server = ServerProcess {
            child: Some(child),
            address: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        };
        server.wait_until_healthy().await;
        server
    }

    async fn wait_until_healthy(&mut self) {
        let http = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = http.get(self.url("/health")).send().await {
                if response.status().is_success() {
                    return;
                }
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().expect("child status"))
            {
                panic!("verzuim serve exited with {status}:\n{}", self.log());
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "verzuim serve not healthy in time:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// What the process wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `kill -9`, and reaps the process.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // `Child::kill` sends SIGKILL on Unix: no shutdown code of the server runs.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One webhook request as [`HangFirstReceiver`] got it.
#[derive(Debug, Clone)]
pub struct HeldOrAnswered {
    pub webhook_id: String,
    pub body: Vec<u8>,
    /// `None` for the request it never answered.
    pub answered: Option<u16>,
}

/// A webhook receiver that reads its first request completely and then never answers it
/// (keeping the connection open), and answers 200 to every later one.
pub struct HangFirstReceiver {
    address: std::net::SocketAddr,
    received: Arc<Mutex<Vec<HeldOrAnswered>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HangFirstReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HangFirstReceiver {
    pub async fn start() -> HangFirstReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let received: Arc<Mutex<Vec<HeldOrAnswered>>> = Arc::default();
        let task = tokio::spawn({
            let received = received.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let received = received.clone();
                    tokio::spawn(async move {
                        let _ = serve(stream, received).await;
                    });
                }
            }
        });
        HangFirstReceiver {
            address,
            received,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn received(&self) -> Vec<HeldOrAnswered> {
        self.received.lock().expect("lock").clone()
    }

    /// Polls until `done` holds for what arrived; panics after `wait`.
    pub async fn wait_until(
        &self,
        wait: Duration,
        what: &str,
        done: impl Fn(&[HeldOrAnswered]) -> bool,
    ) -> Vec<HeldOrAnswered> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}: {received:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn serve(
    stream: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<HeldOrAnswered>>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut webhook_id = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "webhook-id" => webhook_id = value.trim().to_string(),
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await?;
        let hang = {
            let mut received = received.lock().expect("lock");
            let hang = received.is_empty();
            received.push(HeldOrAnswered {
                webhook_id,
                body,
                answered: (!hang).then_some(200),
            });
            hang
        };
        if hang {
            // Hold the connection without a word until the client goes away.
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink).await;
            return Ok(());
        }
        reader
            .get_mut()
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await?;
        reader.get_mut().flush().await?;
    }
}
