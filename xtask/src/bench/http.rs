//! A minimal keep-alive HTTP/1.1 client and a closed-loop load generator on std threads:
//! `concurrency` workers, each on its own connection, send the next request as soon as the
//! previous answer is read. Loopback only; every run is bounded in time or count.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One HTTP/1.1 connection to 127.0.0.1:`port`, reused across requests.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub fn connect(port: u16, timeout: Duration) -> io::Result<Self> {
        let stream = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), timeout)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        stream.set_write_timeout(Some(Duration::from_secs(60)))?;
        Ok(Self { stream, buf: Vec::with_capacity(16 * 1024) })
    }

    /// Sends one request and reads the whole answer: (status, body, server closes).
    pub fn request(&mut self, req: &Request) -> io::Result<(u16, Vec<u8>, bool)> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
            req.method,
            req.path,
            req.body.len()
        );
        head.push_str(&req.headers);
        head.push_str("\r\n");
        let mut out = Vec::with_capacity(head.len() + req.body.len());
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(&req.body);
        self.stream.write_all(&out)?;
        self.read_response(req.method == "HEAD")
    }

    fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    fn read_response(&mut self, head_only: bool) -> io::Result<(u16, Vec<u8>, bool)> {
        self.buf.clear();
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            self.fill()?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "bad status line");
        let status: u16 = head.split_whitespace().nth(1).ok_or_else(bad)?.parse().map_err(|_| bad())?;
        let mut length = None;
        let mut chunked = false;
        let mut close = false;
        for line in head.lines().skip(1) {
            let Some((name, value)) = line.split_once(':') else { continue };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse::<usize>().ok(),
                "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let mut rest: Vec<u8> = self.buf.split_off(head_end);
        self.buf.clear();
        if head_only || status == 204 || status == 304 {
            return Ok((status, Vec::new(), close));
        }
        let body = if chunked {
            self.buf = rest;
            let mut body = Vec::new();
            let mut pos = 0;
            loop {
                let line_end = loop {
                    if let Some(i) = find(&self.buf[pos..], b"\r\n") {
                        break pos + i;
                    }
                    self.fill()?;
                };
                let size_text = String::from_utf8_lossy(&self.buf[pos..line_end]).into_owned();
                let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                    .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
                pos = line_end + 2;
                while self.buf.len() < pos + size + 2 {
                    self.fill()?;
                }
                body.extend_from_slice(&self.buf[pos..pos + size]);
                pos += size + 2;
                if size == 0 {
                    break;
                }
            }
            self.buf.clear();
            body
        } else if let Some(length) = length {
            while rest.len() < length {
                let mut chunk = [0u8; 16 * 1024];
                let n = self.stream.read(&mut chunk)?;
                if n == 0 {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed mid-body"));
                }
                rest.extend_from_slice(&chunk[..n]);
            }
            rest.truncate(length);
            rest
        } else {
            // Neither: the body runs until the server closes.
            let _ = self.stream.read_to_end(&mut rest);
            close = true;
            rest
        };
        Ok((status, body, close))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One request to send; `headers` are complete lines (`name: value\r\n`).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub headers: String,
    pub body: Vec<u8>,
    /// What a success counts for (events written, rows inserted…).
    pub units: u64,
    /// The status that counts as success.
    pub expect: u16,
}

/// A connection that reconnects once when the server dropped an idle keep-alive connection.
pub struct Client {
    port: u16,
    conn: Option<Conn>,
}

impl Client {
    pub fn new(port: u16) -> Self {
        Self { port, conn: None }
    }

    pub fn send(&mut self, req: &Request) -> io::Result<(u16, Vec<u8>)> {
        for attempt in 0..2 {
            if self.conn.is_none() {
                self.conn = Some(Conn::connect(self.port, Duration::from_secs(5))?);
            }
            let conn = self.conn.as_mut().expect("connected above");
            match conn.request(req) {
                Ok((status, body, close)) => {
                    if close {
                        self.conn = None;
                    }
                    return Ok((status, body));
                }
                Err(e) => {
                    self.conn = None;
                    if attempt == 1 {
                        return Err(e);
                    }
                }
            }
        }
        unreachable!("the loop returns")
    }
}

/// What one load run measured.
#[derive(Debug, Clone, Default)]
pub struct LoadOutcome {
    pub ok: u64,
    pub failed: u64,
    pub units: u64,
    pub elapsed: Duration,
    pub statuses: BTreeMap<u16, u64>,
    /// Latency of every successful request, microseconds.
    pub latencies_us: Vec<u64>,
    pub first_error: Option<String>,
}

impl LoadOutcome {
    pub fn units_per_sec(&self) -> f64 {
        self.units as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    pub fn requests_per_sec(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// How long or how much to send.
#[derive(Debug, Clone, Copy)]
pub enum Bound {
    For(Duration),
    Requests(u64),
}

/// Runs `concurrency` closed-loop workers against `port`. `make(seq)` builds request number
/// `seq` (unique across workers).
pub fn run_load(port: u16, concurrency: usize, bound: Bound, make: &(dyn Fn(u64) -> Request + Sync)) -> LoadOutcome {
    let seq = AtomicU64::new(0);
    let total = Mutex::new(LoadOutcome::default());
    let started = Instant::now();
    let deadline = match bound {
        Bound::For(d) => Some(started + d),
        // Count-bounded runs still stop after 10 minutes whatever happens.
        Bound::Requests(_) => Some(started + Duration::from_secs(600)),
    };
    let limit = match bound {
        Bound::Requests(n) => n,
        Bound::For(_) => u64::MAX,
    };
    std::thread::scope(|scope| {
        for _ in 0..concurrency {
            scope.spawn(|| {
                let mut client = Client::new(port);
                let mut mine = LoadOutcome::default();
                loop {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        break;
                    }
                    let n = seq.fetch_add(1, Ordering::Relaxed);
                    if n >= limit {
                        break;
                    }
                    let req = make(n);
                    let t0 = Instant::now();
                    match client.send(&req) {
                        Ok((status, body)) => {
                            *mine.statuses.entry(status).or_default() += 1;
                            if status == req.expect {
                                mine.ok += 1;
                                mine.units += req.units;
                                mine.latencies_us.push(t0.elapsed().as_micros() as u64);
                            } else {
                                mine.failed += 1;
                                if mine.first_error.is_none() {
                                    let text = String::from_utf8_lossy(&body);
                                    mine.first_error = Some(format!("HTTP {status}: {}", text.chars().take(300).collect::<String>()));
                                }
                            }
                        }
                        Err(e) => {
                            mine.failed += 1;
                            if mine.first_error.is_none() {
                                mine.first_error = Some(format!("{e}"));
                            }
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                }
                let mut t = total.lock().expect("no worker panics holding the lock");
                t.ok += mine.ok;
                t.failed += mine.failed;
                t.units += mine.units;
                for (k, v) in mine.statuses {
                    *t.statuses.entry(k).or_default() += v;
                }
                t.latencies_us.extend(mine.latencies_us);
                if t.first_error.is_none() {
                    t.first_error = mine.first_error;
                }
            });
        }
    });
    let mut out = total.into_inner().expect("workers joined");
    out.elapsed = started.elapsed();
    out.latencies_us.sort_unstable();
    out
}

/// The `q`-quantile (0..=1) of sorted values, nearest rank.
pub fn quantile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}
