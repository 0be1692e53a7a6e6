//! Background services: spawned detached with a pid file and a log file, found again by a
//! later `cargo xtask` run, stopped with SIGTERM.

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::Result;

/// A long-running service of the local stack.
pub struct Service {
    pub name: String,
    pub pid_file: PathBuf,
    pub log_file: PathBuf,
}

impl Service {
    pub fn new(run_dir: &Path, name: &str) -> Self {
        Self {
            name: name.to_owned(),
            pid_file: run_dir.join(format!("{name}.pid")),
            log_file: run_dir.join(format!("{name}.log")),
        }
    }

    pub fn pid(&self) -> Option<u32> {
        fs::read_to_string(&self.pid_file).ok()?.trim().parse().ok()
    }

    pub fn is_running(&self) -> bool {
        self.pid().is_some_and(pid_alive)
    }

    /// Starts `cmd` detached (own process group, so it outlives this command and a Ctrl-C).
    pub fn start(&self, mut cmd: Command) -> Result<u32> {
        if let Some(dir) = self.pid_file.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        }
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_file)
            .map_err(|e| format!("open {}: {e}", self.log_file.display()))?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("start {}: {e}", self.name))?;
        let pid = child.id();
        fs::write(&self.pid_file, pid.to_string()).map_err(|e| e.to_string())?;
        Ok(pid)
    }

    /// SIGTERM, wait up to 5 s, then SIGKILL. The process group goes too (deno children).
    pub fn stop(&self) {
        if let Some(pid) = self.pid().filter(|p| pid_alive(*p)) {
            signal(pid, "TERM");
            let deadline = Instant::now() + Duration::from_secs(5);
            while pid_alive(pid) && Instant::now() < deadline {
                sleep(Duration::from_millis(50));
            }
            if pid_alive(pid) {
                signal(pid, "KILL");
            }
        }
        let _ = fs::remove_file(&self.pid_file);
    }

    pub fn log_tail(&self, lines: usize) -> String {
        let text = fs::read_to_string(&self.log_file).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

fn signal(pid: u32, sig: &str) {
    // Negative pid = the whole process group the service leads.
    let _ = Command::new("kill").arg(format!("-{sig}")).arg("--").arg(format!("-{pid}")).stderr(Stdio::null()).status();
    let _ = Command::new("kill").arg(format!("-{sig}")).arg(pid.to_string()).stderr(Stdio::null()).status();
}

/// Alive and not a zombie.
pub fn pid_alive(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next()) != Some("Z"),
        Err(_) => false,
    }
}

/// Fails with a message naming the port and the setting that moves it.
pub fn ensure_port_free(port: u16, what: &str, setting: &str) -> Result<()> {
    match TcpListener::bind(("127.0.0.1", port)) {
        Ok(_) => Ok(()),
        Err(_) => Err(format!("port {port} ({what}) is already in use by another program; change {setting}")),
    }
}

pub fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

/// Minimal HTTP/1.1 GET on loopback: returns the status code.
pub fn http_get_status(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut buf = [0u8; 64];
    let n = stream.read(&mut buf).ok()?;
    let head = std::str::from_utf8(&buf[..n]).ok()?;
    head.split_whitespace().nth(1)?.parse().ok()
}

/// Waits until `ready()` or the service died or time ran out; the error carries the log tail.
pub fn wait_ready(service: &Service, timeout: Duration, ready: impl Fn() -> bool) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if ready() {
            return Ok(());
        }
        if !service.is_running() {
            return Err(format!("{} exited during start-up; last log lines ({}):\n{}", service.name, service.log_file.display(), service.log_tail(30)));
        }
        if Instant::now() > deadline {
            return Err(format!("{} not ready after {:?}; last log lines ({}):\n{}", service.name, timeout, service.log_file.display(), service.log_tail(30)));
        }
        sleep(Duration::from_millis(50));
    }
}

/// Runs a command to completion, returning stdout; on failure the error has stderr.
pub fn run_capture(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().map_err(|e| format!("run {:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{:?} failed ({}):\n{}{}",
            cmd.get_program(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Runs a command with inherited output; errors on non-zero exit.
pub fn run_inherit(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().map_err(|e| format!("run {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed ({status})", cmd.get_program()))
    }
}
