//! The `briefs` binary: parse arguments, run the library, print the error
//! chain, exit 0 (found / done), 1 (no results) or 2 (error).

use std::process::ExitCode;

use clap::Parser;

use briefs::cli::Cli;
use briefs::Outcome;

/// mimalloc: indexing and search allocate many small, short-lived objects
/// across threads, where it beats the system allocator (see the README's
/// performance figures).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc (v3) keeps freed memory for a second (its arenas' for ten)
/// before giving it back, so that pages freed stay in the process's RSS. An
/// indexing run frees and allocates tantivy's in-memory segments again and
/// again: peak RSS at `--memory 64` on Reuters x10 was 143 MB with that
/// delay, 111 MB without, for no measurable cost on Reuters x1. (Not
/// committing its arenas eagerly as well took it to 86 MB, but cost about
/// 7% more CPU at the default budget.) By default it also asks for
/// transparent huge pages, so that the first touch of each 2 MB of its
/// arenas zeroes all of it; told not to, indexing the demo archive peaks at
/// 37 MB instead of 75, Reuters at 74 MB instead of 110 (same speed), and
/// a query process at 13 MB instead of 16, ~15% faster. Set by a constructor that runs
/// after mimalloc's own (priority 101) and before the first allocation.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array.00200"]
static ALLOCATOR_OPTIONS: extern "C" fn() = allocator_options;

#[cfg(target_os = "linux")]
extern "C" fn allocator_options() {
    use std::ffi::{c_int, c_long};
    extern "C" {
        fn mi_option_set(option: c_int, value: c_long);
    }
    // `mi_option_purge_delay` and `mi_option_allow_thp` of mimalloc v3's
    // `mi_option_e`.
    const PURGE_DELAY: c_int = 15;
    const ALLOW_THP: c_int = 43;
    // SAFETY: sets two of mimalloc's options, which take any value.
    unsafe {
        mi_option_set(PURGE_DELAY, 0);
        mi_option_set(ALLOW_THP, 0);
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = stderr.lock();
    let result = briefs::run(cli.into_command(), &mut out, &mut err);
    let flushed = std::io::Write::flush(&mut out);
    match result {
        Ok(Outcome::Found) => ExitCode::SUCCESS,
        Ok(Outcome::Nothing) => ExitCode::from(1),
        Err(e)
            if is_broken_pipe(&e)
                || flushed
                    .as_ref()
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("briefs: {e:#}");
            // Interrupted by Ctrl-C: the shell's convention, 128 + SIGINT.
            if e.downcast_ref::<briefs::index::Interrupted>().is_some() {
                ExitCode::from(130)
            } else {
                ExitCode::from(2)
            }
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
