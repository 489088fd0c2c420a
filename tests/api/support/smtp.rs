//! A small SMTP server on loopback that stores every message it is given, so tests receive the
//! app's e-mails over real SMTP (lettre speaks to it over TCP like to any server).
//!
//! It can start "down": the port is bound (so nothing else takes it) but not listening, so
//! connections are refused until [`SmtpCapture::come_up`].

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The DATA section, dot-unstuffed, CRLF line ends.
    pub data: Vec<u8>,
}

impl ReceivedMail {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parseable e-mail")
    }

    /// The token in the link after `marker` (such as `/activate/`) in the text part, if the
    /// e-mail has such a link: the URL-safe characters up to the first other one.
    pub fn token_after(&self, marker: &str) -> Option<String> {
        let text = self.parsed().body_text(0)?.to_string();
        let start = text.find(marker)? + marker.len();
        Some(
            text[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect(),
        )
    }
}

pub struct SmtpCapture {
    address: SocketAddr,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    /// Bound but not listening while the server is down.
    reserved: Mutex<Option<TcpSocket>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl SmtpCapture {
    /// A server that accepts at once.
    pub async fn start() -> SmtpCapture {
        let capture = Self::start_down();
        capture.come_up();
        capture
    }

    /// A server whose port is reserved but refuses connections until [`Self::come_up`].
    pub fn start_down() -> SmtpCapture {
        let socket = TcpSocket::new_v4().expect("socket");
        socket
            .bind("127.0.0.1:0".parse().expect("address"))
            .expect("bind a loopback port");
        SmtpCapture {
            address: socket.local_addr().expect("local address"),
            received: Arc::default(),
            reserved: Mutex::new(Some(socket)),
            task: Mutex::new(None),
        }
    }

    /// Starts accepting on the reserved port.
    pub fn come_up(&self) {
        let socket = self
            .reserved
            .lock()
            .expect("lock")
            .take()
            .expect("the server is down");
        let listener = socket.listen(64).expect("listen");
        let received = self.received.clone();
        let task = tokio::spawn(accept_loop(listener, received));
        *self.task.lock().expect("lock") = Some(task);
    }

    /// `smtp://127.0.0.1:PORT`, for `SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().expect("lock").clone()
    }

    /// Polls until at least `count` messages arrived or `timeout` passed, and returns all that
    /// arrived by then: the caller asserts how many it expected.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let received = self.received();
            if received.len() >= count || tokio::time::Instant::now() >= deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The token from the link after `marker` in the newest e-mail to `recipient` (in any case)
    /// that has one, counting only what arrived after the first `received_before` messages, so
    /// that an earlier link to the same address is never taken for the one just sent. Waits
    /// up to 20 s for it.
    pub async fn newest_link_token(
        &self,
        recipient: &str,
        marker: &str,
        received_before: usize,
    ) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let found = self
                .received()
                .iter()
                .skip(received_before)
                .rev()
                .filter(|mail| {
                    mail.rcpt_to
                        .iter()
                        .any(|to| to.eq_ignore_ascii_case(recipient))
                })
                .find_map(|mail| mail.token_after(marker));
            if let Some(token) = found {
                return token;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no e-mail to {recipient} with a {marker} link arrived"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpCapture {
    fn drop(&mut self) {
        if let Ok(mut task) = self.task.lock() {
            if let Some(task) = task.take() {
                task.abort();
            }
        }
    }
}

async fn accept_loop(listener: TcpListener, received: Arc<Mutex<Vec<ReceivedMail>>>) {
    while let Ok((stream, _)) = listener.accept().await {
        let received = received.clone();
        tokio::spawn(async move {
            // A client that misbehaves or hangs up only ends its own session.
            let _ = session(stream, received).await;
        });
    }
}

async fn session(
    stream: TcpStream,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write
        .write_all(b"220 capture.test ESMTP test sink\r\n")
        .await?;
    let mut mail_from: Option<String> = None;
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_string();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-capture.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n",
            "HELO" => b"250 capture.test\r\n",
            "MAIL" => {
                mail_from = Some(angle_address(&command));
                rcpt_to.clear();
                b"250 2.1.0 OK\r\n"
            }
            "RCPT" => {
                if mail_from.is_none() {
                    b"503 5.5.1 MAIL first\r\n"
                } else {
                    rcpt_to.push(angle_address(&command));
                    b"250 2.1.5 OK\r\n"
                }
            }
            "DATA" => {
                if mail_from.is_none() || rcpt_to.is_empty() {
                    b"503 5.5.1 MAIL and RCPT first\r\n"
                } else {
                    write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                    let data = read_data(&mut lines).await?;
                    received
                        .lock()
                        .map_err(|_| std::io::Error::other("poisoned"))?
                        .push(ReceivedMail {
                            mail_from: mail_from.take().unwrap_or_default(),
                            rcpt_to: std::mem::take(&mut rcpt_to),
                            data,
                        });
                    b"250 2.0.0 queued\r\n"
                }
            }
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

/// Reads the DATA section up to the lone `.` line, undoing dot-stuffing.
async fn read_data(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed during DATA",
            ));
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(data);
        }
        let content = line.strip_prefix(b".").unwrap_or(&line);
        data.extend_from_slice(content);
    }
}

/// `MAIL FROM:<a@b> SIZE=1` → `a@b`.
fn angle_address(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_string())
        .unwrap_or_default()
}
