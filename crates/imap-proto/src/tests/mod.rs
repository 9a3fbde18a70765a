//! Unit tests: known-answer tables for the parser and encoder, the state
//! table, limits, body structure, and a no-panic loop.

mod conn;
mod encode;
mod parse;
mod robust;
mod sort;
