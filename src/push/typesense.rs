//! A small blocking client of Typesense's HTTP API: the calls `briefs push`
//! makes, over a list of nodes, with retries and backoff on 429, 5xx and
//! connection errors (moving to the next node each time).

use std::time::Duration;

use anyhow::{bail, Result};

/// How hard to try before giving up on a request.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Tries of one request over all nodes.
    pub attempts: u32,
    /// The first wait; doubled after each failure, at most `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry {
            attempts: 10,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(4),
        }
    }
}

pub struct Client {
    agent: ureq::Agent,
    nodes: Vec<String>,
    key: String,
    key_var: String,
    /// The node requests go to first; moves on after a failure.
    current: usize,
    retry: Retry,
    /// Requests retried, for the report.
    pub retries: u64,
}

/// What a request gave back when it was not retried away.
pub struct Response {
    pub status: u16,
    pub body: String,
}

impl Client {
    pub fn new(nodes: &[String], key: String, key_var: &str, retry: Retry) -> Client {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(3))
            .timeout_read(Duration::from_secs(120))
            .timeout_write(Duration::from_secs(120))
            .build();
        Client {
            agent,
            nodes: nodes
                .iter()
                .map(|n| n.trim_end_matches('/').to_string())
                .collect(),
            key,
            key_var: key_var.to_string(),
            current: 0,
            retry,
            retries: 0,
        }
    }

    pub fn node(&self) -> &str {
        &self.nodes[self.current]
    }

    /// Tries of one request.
    pub fn attempts(&self) -> u32 {
        self.retry.attempts.max(1)
    }

    /// After an answer that failed part way (an import cut short when a
    /// node died): waits the `attempt`-th backoff and moves to the next
    /// node.
    pub fn back_off(&mut self, attempt: u32) {
        let delay = self
            .retry
            .base_delay
            .saturating_mul(1 << attempt.min(16))
            .min(self.retry.max_delay);
        self.retries += 1;
        std::thread::sleep(delay);
        self.current = (self.current + 1) % self.nodes.len();
    }

    /// Sends a request to the nodes in turn until one answers with neither
    /// 429 nor 5xx; fails on a refused key, or when every try failed.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Response> {
        let mut delay = self.retry.base_delay;
        let mut last = String::new();
        for attempt in 0..self.retry.attempts.max(1) {
            if attempt > 0 {
                self.retries += 1;
                std::thread::sleep(delay);
                delay = (delay * 2).min(self.retry.max_delay);
            }
            let node = self.nodes[self.current].clone();
            let mut request = self
                .agent
                .request(method, &format!("{node}{path}"))
                .set("X-TYPESENSE-API-KEY", &self.key);
            for (name, value) in query {
                request = request.query(name, value);
            }
            let result = match body {
                Some(bytes) => request.set("Content-Type", "text/plain").send_bytes(bytes),
                None => request.call(),
            };
            let (status, text) = match result {
                Ok(response) => (
                    response.status(),
                    response.into_string().unwrap_or_default(),
                ),
                Err(ureq::Error::Status(status, response)) => {
                    (status, response.into_string().unwrap_or_default())
                }
                Err(ureq::Error::Transport(transport)) => {
                    last = format!(
                        "cannot reach Typesense at {node} ({})",
                        transport_reason(&transport)
                    );
                    self.current = (self.current + 1) % self.nodes.len();
                    continue;
                }
            };
            match status {
                401 | 403 => bail!(
                    "Typesense at {node} refused the API key in ${} ({status} {}): set it to the cluster's admin key",
                    self.key_var,
                    message(&text)
                ),
                429 | 500..=599 => {
                    last = format!("Typesense at {node} answered {status} {}", message(&text));
                    self.current = (self.current + 1) % self.nodes.len();
                }
                _ => return Ok(Response { status, body: text }),
            }
        }
        bail!(
            "{last}, after {} tries over {}: check --url and that the server runs",
            self.retry.attempts.max(1),
            self.nodes.join(", ")
        )
    }

    /// A request that must answer 2xx; its body as JSON.
    pub fn json(
        &mut self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<serde_json::Value> {
        let response = self.request(method, path, query, body)?;
        if !(200..300).contains(&response.status) {
            bail!(
                "Typesense refused {method} {path} ({} {})",
                response.status,
                message(&response.body)
            );
        }
        serde_json::from_str(&response.body).map_err(|e| {
            anyhow::anyhow!("Typesense answered {method} {path} with invalid JSON: {e}")
        })
    }
}

fn transport_reason(transport: &ureq::Transport) -> String {
    let text = transport.to_string();
    // "http://127.0.0.1:1/: Connection Failed: Connect error: Connection refused (os error 111)"
    let reason = text.rsplit(": ").next().unwrap_or(&text);
    reason.to_string()
}

/// Typesense's error message from a body like `{"message": "…"}`.
pub fn message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| {
            body.chars()
                .take(200)
                .collect::<String>()
                .replace('\n', " ")
        })
}
