//! One file per subcommand, each a thin `execute`.

pub mod actors;
pub mod bench;
pub mod export;
pub mod index;
pub mod parse;
pub mod push;
pub mod query;
pub mod serve;
pub mod show;
pub mod timeline;
