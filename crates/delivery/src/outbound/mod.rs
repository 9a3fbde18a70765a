//! Outbound mail: the queue runner, the SMTP client, routes, DKIM signing.
