//! A tiny real SMTP server for mail tests: accepts everything, keeps each message's raw bytes.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Clone, Default)]
pub struct Sink {
    pub messages: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Sink {
    /// Starts on `port` (0 = any); returns the sink and the port it listens on.
    pub async fn start(port: u16) -> (Sink, u16, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind sink");
        let port = listener.local_addr().unwrap().port();
        let sink = Sink::default();
        let s = sink.clone();
        let h = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(sock).await;
                });
            }
        });
        (sink, port, h)
    }

    async fn session(&self, sock: tokio::net::TcpStream) -> std::io::Result<()> {
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"220 sink ESMTP\r\n").await?;
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_ascii_uppercase();
            if cmd.starts_with("EHLO") {
                w.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?;
            } else if cmd.starts_with("DATA") {
                w.write_all(b"354 go ahead\r\n").await?;
                let mut data = Vec::new();
                loop {
                    let mut l = Vec::new();
                    if r.read_until(b'\n', &mut l).await? == 0 {
                        return Ok(());
                    }
                    if l == b".\r\n" {
                        break;
                    }
                    data.extend_from_slice(&l);
                }
                self.messages.lock().unwrap().push(data);
                w.write_all(b"250 queued\r\n").await?;
            } else if cmd.starts_with("QUIT") {
                w.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                w.write_all(b"250 OK\r\n").await?;
            }
        }
    }

    /// (to, decoded subject, decoded body) of every message so far.
    pub fn parsed(&self) -> Vec<(String, String, String)> {
        self.messages
            .lock()
            .unwrap()
            .iter()
            .map(|raw| {
                let m = mailparse::parse_mail(raw).expect("parse mail");
                let h = |k: &str| {
                    m.headers
                        .iter()
                        .find(|x| x.get_key().eq_ignore_ascii_case(k))
                        .map(|x| x.get_value())
                        .unwrap_or_default()
                };
                (h("To"), h("Subject"), m.get_body().unwrap_or_default())
            })
            .collect()
    }
}
