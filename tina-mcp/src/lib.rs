//! tina-mcp: the MCP server that gives agents typed tools over TINA.
//!
//! - [`params`]: one input struct per tool (its docs are the schema agents read).
//! - [`output`]: the structured results (their JSON Schemas are the tools' outputSchema).
//! - [`server`]: the tools themselves ([`TinaMcp`]).
//! - [`watch`]: the long-poll watch with its opaque cursor.
//! - [`harness`]: rebuild and scenario runs over `tina-harness`.
//! - [`daemon`]: the daemon's health for the watch.
//! - [`error`]: tool errors (`isError: true` results).
//! - [`transport`]: serving over stdio or loopback streamable HTTP.

pub mod daemon;
pub mod error;
pub mod harness;
pub mod output;
pub mod params;
pub mod server;
pub mod transport;
pub mod watch;

pub use server::{Context, INSTRUCTIONS, TinaMcp};
