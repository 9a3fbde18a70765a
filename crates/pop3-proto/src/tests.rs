#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

//! Unit tests: parser and encoder known-answer tables, session transcripts,
//! robustness.

mod command;
mod encode;
mod harness;
mod robustness;
mod sasl;
mod transcripts;
mod transcripts_auth;
