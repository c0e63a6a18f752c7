//! `fretwise serve` as a process: SIGTERM drains the requests in flight, refuses new
//! connections and exits cleanly; a restart keeps what was stored.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::fretwise;

/// Starts `fretwise serve` on a free port; returns the process, its address and its stdout.
fn start(url: &str, dir: &Path) -> (Child, SocketAddr, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fretwise"))
        .args([
            "serve",
            "--db",
            url,
            "--bind",
            "127.0.0.1:0",
            "--no-sample",
            "--no-login-key",
        ])
        .current_dir(dir)
        .env_remove("FRETWISE_DB")
        .env_remove("FRETWISE_CONFIG")
        .env_remove("FRETWISE_BIND")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "serve ended before it printed its address"
        );
        if let Some(rest) = line.trim().strip_prefix("fretwise is serving on http://") {
            break rest.parse::<SocketAddr>().unwrap();
        }
    };
    (child, addr, out)
}

fn sigterm(child: &Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -TERM failed");
}

/// Waits for the process to end (at most `limit`); returns its exit code.
fn wait_exit(child: &mut Child, limit: Duration) -> i32 {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().unwrap_or(-1);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("serve did not stop within {limit:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn student_key(url: &str, dir: &Path) -> String {
    let (code, out, err) = fretwise(
        &[
            "keys", "create", "--db", url, "--scope", "student", "--name", "drain", "--json",
        ],
        dir,
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["key"].as_str().unwrap().to_string()
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::small_catalog(dir.path(), 3, 12, 5);
    let key = student_key(&url, dir.path());
    let (mut child, addr, mut out) = start(&url, dir.path());

    // A request whose headers are in and whose body is half sent is in flight when the
    // signal arrives: the server must wait for the rest and answer it.
    let body = br#"{"question": "What notes are in a C major chord?", "context": {"skill_level": "beginner"}}"#;
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        conn,
        "POST /api/ai-instructor/ask HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    let half = body.len() / 2;
    conn.write_all(&body[..half]).unwrap();
    conn.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    sigterm(&child);

    // While it drains, the listener is closed: new connections are refused.
    let refused_by = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Err(_) => break,
            Ok(_) => {
                assert!(
                    Instant::now() < refused_by,
                    "new connections still accepted 10 s after SIGTERM"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "serve exited with a request in flight"
    );

    conn.write_all(&body[half..]).unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "the request in flight was not answered: {response:.300}"
    );
    let json = &response[response.find("\r\n\r\n").unwrap() + 4..];
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let content = v["content"].as_str().unwrap();
    for note in ["C", "E", "G"] {
        assert!(
            content.contains(note),
            "answer lacks {note}: {content:.200}"
        );
    }

    assert_eq!(wait_exit(&mut child, Duration::from_secs(20)), 0);
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(
        rest.contains("fretwise stopped"),
        "stdout after SIGTERM: {rest}"
    );

    // A restart on the same catalog keeps the key: it still answers.
    let (mut child, addr, _out) = start(&url, dir.path());
    let mut conn = TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        conn,
        "GET /api/concepts HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "after a restart: {response:.300}"
    );
    sigterm(&child);
    assert_eq!(wait_exit(&mut child, Duration::from_secs(20)), 0);
}
