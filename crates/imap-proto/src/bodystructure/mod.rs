//! ENVELOPE, BODYSTRUCTURE and section extraction (RFC 9051 §7.5.2, §6.4.5; RFC 3516).

/// Placeholder.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope;
/// Placeholder.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyStructure;
impl Envelope {
    pub(crate) fn encode(&self, _o: &mut Vec<u8>, _u: bool) {}
}
impl BodyStructure {
    pub(crate) fn encode(&self, _o: &mut Vec<u8>, _e: bool, _u: bool) {}
}
