//! A `briefs serve` child process on a free loopback port, and plain HTTP
//! GETs against it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running server; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    /// Everything it printed on stderr so far.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `briefs serve --index INDEX --bind BIND` in `cwd` and waits for
    /// its "serving ... at http://ADDR/" line.
    pub fn start_on(cwd: &Path, index: &str, bind: &str) -> Server {
        let mut child = Command::new(super::BIN)
            .args(["serve", "--index", index, "--bind", bind])
            .current_dir(cwd)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("briefs serve starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("at http://") {
                    let rest = &line[at + 3..];
                    let url = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .trim_end_matches('/');
                    let _ = tx.send(url.to_string());
                }
                sink.lock().unwrap().push(line);
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("briefs serve did not start: {:?}", log.lock().unwrap());
            }
        };
        Server { child, base, log }
    }

    pub fn start(cwd: &Path, index: &str) -> Server {
        Server::start_on(cwd, index, "127.0.0.1:0")
    }

    /// GET `path` (with its query string): status, headers, body.
    pub fn get(&self, path: &str) -> Response {
        get(&format!("{}{path}", self.base))
    }

    /// GET `path`, expecting JSON.
    pub fn json(&self, path: &str) -> (u16, Value) {
        let r = self.get(path);
        let value = serde_json::from_str(&r.body)
            .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {}", r.body));
        (r.status, value)
    }

    /// Waits until `check` holds of the server, for up to `secs`.
    pub fn wait_for(&self, secs: u64, mut check: impl FnMut(&Server) -> bool) -> bool {
        let until = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < until {
            if check(self) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A GET that returns 4xx and 5xx answers instead of failing on them.
pub fn get(url: &str) -> Response {
    let agent: ureq3::Agent = ureq3::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut response = agent
        .get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = response
        .body_mut()
        .read_to_string()
        .unwrap_or_else(|e| panic!("GET {url}: body: {e}"));
    Response {
        status,
        headers,
        body,
    }
}

/// `s` percent-encoded for a query string or a path segment.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
