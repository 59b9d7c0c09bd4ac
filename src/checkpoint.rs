//! Named points of an indexing run where a test can hold the process, to
//! kill it there or to read the index meanwhile: `BRIEFS_PAUSE_AT=name[,name]`
//! stops at the first of those points reached, says so on stderr
//! (`briefs: paused at NAME`), and waits until the file named by
//! `BRIEFS_RESUME` exists (forever without it). Unset, each point costs one
//! check of a cached empty list.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

struct Plan {
    points: Vec<String>,
    resume: Option<PathBuf>,
}

fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| Plan {
        points: std::env::var("BRIEFS_PAUSE_AT")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
        resume: std::env::var_os("BRIEFS_RESUME").map(PathBuf::from),
    })
}

/// The run reached the point `name`: pause there when asked to.
pub fn reached(name: &str) {
    let plan = plan();
    if plan.points.is_empty() || !plan.points.iter().any(|p| p == name) {
        return;
    }
    static PAUSED: OnceLock<()> = OnceLock::new();
    if PAUSED.set(()).is_err() {
        return;
    }
    eprintln!("briefs: paused at {name}");
    loop {
        if plan.resume.as_ref().is_some_and(|f| f.exists()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
