//! Tests of the outbound path.
