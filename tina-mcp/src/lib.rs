//! tina-mcp: the MCP server that gives agents typed tools over TINA.
//!
//! - [`params`]: one input struct per tool (its docs are the schema agents read).
//! - [`output`]: the structured results (their JSON Schemas are the tools' outputSchema).
//! - [`context`]: the state every tool call shares ([`Context`]).
//! - [`server`]: the tools themselves ([`TinaMcp`]).
//! - [`watch`]: the long-poll watch with its opaque cursor.
//! - [`harness`]: rebuild and scenario runs over `tina-harness`; [`runs`]: the runs a
//!   server started and the daemon they share.
//! - [`daemon`]: the daemon's health for the watch.
//! - [`error`]: tool errors (`isError: true` results).
//! - [`transport`]: serving over stdio or loopback streamable HTTP.

pub mod context;
pub mod daemon;
pub mod error;
pub mod harness;
pub mod output;
pub mod params;
pub mod runs;
pub mod server;
pub mod transport;
pub mod watch;

pub use context::Context;
pub use server::{INSTRUCTIONS, TinaMcp};
