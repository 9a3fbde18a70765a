//! Outbound SMTP client state machine (to be written).
