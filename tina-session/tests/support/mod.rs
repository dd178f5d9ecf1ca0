//! Shared test support: the backend-independent conformance suite and the vector runner.
//! A backend's test file does `mod support;` and `support::conformance_tests!(factory);`.
#![allow(dead_code)]

pub mod conformance;
pub mod vectors;
