//! `briefs push`: keeps a collection of a search cluster (Typesense) in step
//! with the index, incrementally: sends the briefs added or changed since
//! the last push, deletes those removed, and records what the cluster holds
//! in a journal in the index folder (`state`), so that a push interrupted
//! at any point and run again ends with exactly the local set.

pub mod state;
pub mod typesense;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::export::{self, PassageDoc};
use state::{Journal, Remote, Target};
use typesense::{Client, Retry};

#[derive(Debug, Clone)]
pub struct PushConfig {
    pub index_dir: PathBuf,
    /// The cluster's nodes (`http://host:8108`); requests go to the first
    /// and move on to the next when one fails.
    pub urls: Vec<String>,
    /// The environment variable that holds the API key.
    pub api_key_env: String,
    pub collection: String,
    /// Documents per import request.
    pub batch: usize,
    pub retry: Retry,
    /// Drop the collection and send everything.
    pub recreate: bool,
    pub progress: bool,
}

/// What a push did.
#[derive(Debug, Default)]
pub struct PushReport {
    pub briefs: usize,
    pub passages: usize,
    pub sent_briefs: usize,
    pub sent_passages: usize,
    pub unchanged: usize,
    pub deleted: usize,
    /// The collection was created by this push.
    pub created: bool,
    /// What the cluster was first asked for, when the journal could not say.
    pub reconciled: Option<usize>,
    /// Documents the collection holds at the end.
    pub remote_documents: u64,
    pub retries: u64,
    pub elapsed: Duration,
    /// Time spent sending documents (import requests).
    pub send_time: Duration,
}

/// One brief waiting to be sent.
struct Pending {
    id: String,
    fp: u64,
}

struct Pusher<'a> {
    client: Client,
    journal: Journal,
    remote: Remote,
    collection: String,
    report: &'a mut PushReport,
    batch: Vec<Pending>,
    lines: Vec<u8>,
    docs: usize,
    batch_docs: usize,
    progress: bool,
}

pub fn push(config: &PushConfig) -> Result<PushReport> {
    let started = Instant::now();
    let key = std::env::var(&config.api_key_env).map_err(|_| {
        anyhow::anyhow!(
            "no Typesense API key: set ${} (or name another variable with --api-key-env)",
            config.api_key_env
        )
    })?;
    if config.urls.is_empty() {
        bail!("no Typesense node: give one with --url http://HOST:8108");
    }
    let reader = export::Reader::open(&config.index_dir)?;
    let mut client = Client::new(&config.urls, key, &config.api_key_env, config.retry);
    let mut report = PushReport::default();
    let collection = config.collection.as_str();
    let path = format!("/collections/{}", encode(collection));

    if config.recreate {
        let response = client.request("DELETE", &path, &[], None)?;
        if response.status != 200 && response.status != 404 {
            bail!(
                "Typesense could not drop the collection {collection} ({} {})",
                response.status,
                typesense::message(&response.body)
            );
        }
    }
    let existing = client.request("GET", &path, &[], None)?;
    let exists = match existing.status {
        200 => {
            check_fields(collection, &existing.body)?;
            true
        }
        404 => false,
        status => bail!(
            "Typesense answered {status} for the collection {collection} ({})",
            typesense::message(&existing.body)
        ),
    };
    if !exists {
        let schema = serde_json::to_vec(&export::typesense_schema(collection))?;
        let response = client.request("POST", "/collections", &[], Some(&schema))?;
        // 409: another push created it meanwhile.
        if response.status != 201 && response.status != 409 {
            bail!(
                "Typesense could not create the collection {collection} ({} {})",
                response.status,
                typesense::message(&response.body)
            );
        }
        report.created = true;
    }

    // What the collection holds: the journal's word, unless the journal is
    // missing or about another cluster; then the collection's own list.
    let journal_path = state::path(&config.index_dir, "typesense", collection);
    let target = Target {
        engine: "typesense".to_string(),
        collection: collection.to_string(),
        urls: config.urls.clone(),
    };
    let remote = match state::load(&journal_path)? {
        _ if report.created => Remote::new(),
        Some((known, remote))
            if known.collection == collection
                && known.urls.iter().any(|u| config.urls.contains(u)) =>
        {
            remote
        }
        _ => {
            let remote = remote_briefs(&mut client, collection)?;
            report.reconciled = Some(remote.len());
            remote
        }
    };
    let journal = Journal::begin(&journal_path, &target, &remote)?;
    let mut pusher = Pusher {
        client,
        journal,
        remote,
        collection: collection.to_string(),
        report: &mut report,
        batch: Vec::new(),
        lines: Vec::new(),
        docs: 0,
        batch_docs: config.batch.max(1),
        progress: config.progress,
    };
    let mut local: HashSet<String> = HashSet::new();
    reader.for_each(|brief, docs| pusher.add(brief.id.clone(), docs, &mut local))?;
    pusher.flush()?;
    pusher.delete_missing(&local)?;
    let Pusher {
        mut client, remote, ..
    } = pusher;
    // Compact the journal: one line per brief the collection holds.
    drop(Journal::begin(&journal_path, &target, &remote)?);
    let info = client.json("GET", &path, &[], None)?;
    report.remote_documents = info
        .get("num_documents")
        .and_then(|n| n.as_u64())
        .unwrap_or(0);
    report.retries = client.retries;
    report.elapsed = started.elapsed();
    Ok(report)
}

impl Pusher<'_> {
    fn add(
        &mut self,
        id: String,
        docs: Vec<PassageDoc>,
        local: &mut HashSet<String>,
    ) -> Result<()> {
        self.report.briefs += 1;
        self.report.passages += docs.len();
        let start = self.lines.len();
        for doc in &docs {
            serde_json::to_writer(&mut self.lines, doc)?;
            self.lines.push(b'\n');
        }
        let fp = crate::brief::fnv1a(&self.lines[start..]);
        if !local.insert(id.clone()) {
            bail!("the index holds the brief id {id} twice: run `briefs index --rebuild`");
        }
        if self.remote.get(&id) == Some(&Some(fp)) {
            self.lines.truncate(start);
            self.report.unchanged += 1;
            return Ok(());
        }
        self.docs += docs.len();
        self.batch.push(Pending { id, fp });
        if self.docs >= self.batch_docs {
            self.flush()?;
        }
        Ok(())
    }

    /// Sends the waiting briefs: journaled as unknown first, their old
    /// documents deleted (an edited brief may have fewer passages), the new
    /// ones upserted, then journaled as sent.
    fn flush(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        self.journal
            .unknown(self.batch.iter().map(|p| p.id.as_str()))?;
        let replaced: Vec<&str> = self
            .batch
            .iter()
            .filter(|p| self.remote.contains_key(&p.id))
            .map(|p| p.id.as_str())
            .collect();
        let replaced: Vec<String> = replaced.into_iter().map(str::to_string).collect();
        for pending in &self.batch {
            self.remote.insert(pending.id.clone(), None);
        }
        delete_briefs(&mut self.client, &self.collection, &replaced)?;
        let started = Instant::now();
        import(&mut self.client, &self.collection, &self.lines, self.docs)?;
        self.report.send_time += started.elapsed();
        self.journal
            .sent(self.batch.iter().map(|p| (p.id.as_str(), p.fp)))?;
        self.report.sent_briefs += self.batch.len();
        self.report.sent_passages += self.docs;
        for pending in self.batch.drain(..) {
            self.remote.insert(pending.id, Some(pending.fp));
        }
        self.lines.clear();
        self.docs = 0;
        if self.progress {
            eprint!(
                "\rpushed {} passages of {} briefs",
                self.report.sent_passages, self.report.sent_briefs
            );
        }
        Ok(())
    }

    /// Deletes the briefs the collection holds that the index does not.
    fn delete_missing(&mut self, local: &HashSet<String>) -> Result<()> {
        let mut gone: Vec<String> = self
            .remote
            .keys()
            .filter(|id| !local.contains(*id))
            .cloned()
            .collect();
        gone.sort();
        for chunk in gone.chunks(DELETE_CHUNK) {
            delete_briefs(&mut self.client, &self.collection, chunk)?;
            self.journal.gone(chunk.iter().map(String::as_str))?;
            for id in chunk {
                self.remote.remove(id);
            }
            self.report.deleted += chunk.len();
        }
        if self.progress && self.report.sent_passages > 0 {
            eprintln!();
        }
        Ok(())
    }
}

/// Brief ids per delete request (the filter goes in the URL).
const DELETE_CHUNK: usize = 50;

/// A collection name or document id as one URL path segment.
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Checks that an existing collection has our fields.
fn check_fields(collection: &str, body: &str) -> Result<()> {
    let info: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let names: HashSet<&str> = info
        .get("fields")
        .and_then(|f| f.as_array())
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| f.get("name").and_then(|n| n.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let missing: Vec<&str> = export::FIELDS
        .iter()
        .map(|f| f.0)
        .filter(|name| !names.contains(name))
        .collect();
    if !missing.is_empty() {
        bail!(
            "the Typesense collection {collection} exists without the fields {}: push with --recreate to replace it, or name another with --collection",
            missing.join(", ")
        );
    }
    Ok(())
}

/// Upserts documents (JSON Lines) and checks every line's answer. An
/// answer cut short, or lines failing with 429 / 5xx (a node died during
/// the request, the cluster is electing a leader), sends the whole batch
/// again: upserts of the same documents are idempotent.
fn import(client: &mut Client, collection: &str, lines: &[u8], count: usize) -> Result<()> {
    let path = format!("/collections/{}/documents/import", encode(collection));
    let batch = count.to_string();
    let mut attempt = 0;
    loop {
        let response = client.request(
            "POST",
            &path,
            &[("action", "upsert"), ("batch_size", &batch)],
            Some(lines),
        )?;
        if response.status != 200 {
            bail!(
                "Typesense refused the import into {collection} ({} {})",
                response.status,
                typesense::message(&response.body)
            );
        }
        let mut ok = 0;
        let mut transient = None;
        for (line, answer) in response.body.lines().enumerate() {
            let answer: serde_json::Value = serde_json::from_str(answer).unwrap_or_default();
            if answer.get("success").and_then(|s| s.as_bool()) == Some(true) {
                ok += 1;
                continue;
            }
            let reason = answer
                .get("error")
                .and_then(|e| e.as_str())
                .unwrap_or("no reason given")
                .to_string();
            let code = answer.get("code").and_then(|c| c.as_u64()).unwrap_or(0);
            if code == 429 || code >= 500 {
                transient = Some(reason);
                continue;
            }
            let doc = lines
                .split(|&b| b == b'\n')
                .nth(line)
                .map(|l| {
                    String::from_utf8_lossy(l)
                        .chars()
                        .take(120)
                        .collect::<String>()
                })
                .unwrap_or_default();
            bail!("Typesense rejected a document ({reason}): {doc}");
        }
        if ok == count {
            return Ok(());
        }
        attempt += 1;
        if attempt >= client.attempts() {
            bail!(
                "Typesense accepted {ok} of {count} documents of an import into {collection}{}, after {attempt} tries",
                transient.map(|r| format!(" ({r})")).unwrap_or_default()
            );
        }
        client.back_off(attempt);
    }
}

/// A filter value in backticks (Typesense has no escape inside them).
fn quoted(id: &str) -> Option<String> {
    (!id.contains('`')).then(|| format!("`{id}`"))
}

/// Deletes every document of these briefs.
fn delete_briefs(client: &mut Client, collection: &str, ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let path = format!("/collections/{}/documents", encode(collection));
    let (plain, odd): (Vec<&String>, Vec<&String>) =
        ids.iter().partition(|id| quoted(id).is_some());
    if !plain.is_empty() {
        let values: Vec<String> = plain.iter().filter_map(|id| quoted(id)).collect();
        let filter = format!("brief_id:=[{}]", values.join(","));
        client
            .json(
                "DELETE",
                &path,
                &[("filter_by", &filter), ("batch_size", "1000")],
                None,
            )
            .with_context(|| format!("failed to delete old documents from {collection}"))?;
    }
    if !odd.is_empty() {
        // Ids a filter cannot quote: find their documents in the export.
        let wanted: HashSet<&str> = odd.iter().map(|s| s.as_str()).collect();
        let export = client.request(
            "GET",
            &format!("{path}/export"),
            &[("include_fields", "id,brief_id")],
            None,
        )?;
        for line in export.body.lines() {
            let doc: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
            let (Some(id), Some(brief)) = (
                doc.get("id").and_then(|v| v.as_str()),
                doc.get("brief_id").and_then(|v| v.as_str()),
            ) else {
                continue;
            };
            if wanted.contains(brief) {
                let response =
                    client.request("DELETE", &format!("{path}/{}", encode(id)), &[], None)?;
                if response.status != 200 && response.status != 404 {
                    bail!(
                        "Typesense could not delete {id} ({} {})",
                        response.status,
                        typesense::message(&response.body)
                    );
                }
            }
        }
    }
    Ok(())
}

/// The briefs a collection holds, from its export, as of unknown form.
fn remote_briefs(client: &mut Client, collection: &str) -> Result<Remote> {
    let path = format!("/collections/{}/documents/export", encode(collection));
    let response = client.request("GET", &path, &[("include_fields", "brief_id")], None)?;
    if response.status != 200 {
        bail!(
            "Typesense could not list the documents of {collection} ({} {})",
            response.status,
            typesense::message(&response.body)
        );
    }
    let mut remote = Remote::new();
    for line in response.body.lines() {
        let doc: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        if let Some(id) = doc.get("brief_id").and_then(|v| v.as_str()) {
            remote.insert(id.to_string(), None);
        }
    }
    Ok(remote)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_path_segments() {
        assert_eq!(encode("briefs"), "briefs");
        assert_eq!(encode("a/b c#1"), "a%2Fb%20c%231");
    }

    #[test]
    fn quotes_filter_values() {
        assert_eq!(quoted("wire#wd-003").as_deref(), Some("`wire#wd-003`"));
        assert_eq!(quoted("a`b"), None);
    }
}
