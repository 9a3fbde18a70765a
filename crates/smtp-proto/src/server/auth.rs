//! SASL exchanges of RFC 4954 §4: PLAIN (RFC 4616 §2) and LOGIN
//! (draft-murchison-sasl-login), driven one line at a time.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use vesontio_types::Secret;

/// A SASL mechanism this crate can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthMechanism {
    Plain,
    Login,
}

impl AuthMechanism {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMechanism::Plain => "PLAIN",
            AuthMechanism::Login => "LOGIN",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("PLAIN") {
            Some(AuthMechanism::Plain)
        } else if name.eq_ignore_ascii_case("LOGIN") {
            Some(AuthMechanism::Login)
        } else {
            None
        }
    }
}

/// Credentials decoded from a finished exchange.
#[derive(Debug, PartialEq, Eq)]
pub struct Credentials {
    pub authzid: Option<String>,
    pub authcid: String,
    pub password: Secret<String>,
}

/// Where an exchange stands after the client's line.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Send `334 <challenge>` (already base64) and read another line.
    Challenge(&'static str),
    Done(Credentials),
}

/// Why an exchange failed; the server maps each to a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SaslError {
    /// RFC 4954 §4: the client sent `*`. 501 5.0.0.
    #[error("authentication cancelled")]
    Cancelled,
    /// RFC 4954 §4: not base64. 501 5.5.2.
    #[error("cannot decode base64")]
    Base64,
    /// The decoded message does not fit the mechanism. 501 5.5.2.
    #[error("malformed credentials")]
    Malformed,
}

/// An exchange in progress.
#[derive(Debug)]
pub enum Exchange {
    /// PLAIN after `334 ` with an empty challenge.
    PlainWaiting,
    /// LOGIN after `334 VXNlcm5hbWU6` ("Username:").
    LoginUser,
    /// LOGIN after `334 UGFzc3dvcmQ6` ("Password:").
    LoginPassword { user: String },
}

/// "Username:" and "Password:" in base64.
const LOGIN_USER: &str = "VXNlcm5hbWU6";
const LOGIN_PASS: &str = "UGFzc3dvcmQ6";

/// Starts `AUTH mechanism [initial-response]`.
pub fn start(
    mech: AuthMechanism,
    initial: Option<&str>,
) -> Result<(Option<Exchange>, Step), SaslError> {
    match (mech, initial) {
        (AuthMechanism::Plain, None) => Ok((Some(Exchange::PlainWaiting), Step::Challenge(""))),
        (AuthMechanism::Plain, Some(r)) => Ok((None, Step::Done(plain(&decode(r)?)?))),
        (AuthMechanism::Login, None) => {
            Ok((Some(Exchange::LoginUser), Step::Challenge(LOGIN_USER)))
        }
        // Some clients send the user name as an initial response to LOGIN.
        (AuthMechanism::Login, Some(r)) => {
            let user = utf8(decode(r)?)?;
            Ok((
                Some(Exchange::LoginPassword { user }),
                Step::Challenge(LOGIN_PASS),
            ))
        }
    }
}

impl Exchange {
    /// The client's next line (CRLF removed).
    pub fn line(self, line: &str) -> Result<(Option<Exchange>, Step), SaslError> {
        if line == "*" {
            return Err(SaslError::Cancelled);
        }
        let data = decode(line)?;
        match self {
            Exchange::PlainWaiting => Ok((None, Step::Done(plain(&data)?))),
            Exchange::LoginUser => Ok((
                Some(Exchange::LoginPassword { user: utf8(data)? }),
                Step::Challenge(LOGIN_PASS),
            )),
            Exchange::LoginPassword { user } => Ok((
                None,
                Step::Done(Credentials {
                    authzid: None,
                    authcid: user,
                    password: Secret::new(utf8(data)?),
                }),
            )),
        }
    }
}

/// RFC 4954 §4: `=` is an empty initial response.
fn decode(s: &str) -> Result<Vec<u8>, SaslError> {
    if s == "=" {
        return Ok(Vec::new());
    }
    if s == "*" {
        return Err(SaslError::Cancelled);
    }
    STANDARD.decode(s).map_err(|_| SaslError::Base64)
}

fn utf8(v: Vec<u8>) -> Result<String, SaslError> {
    String::from_utf8(v).map_err(|_| SaslError::Malformed)
}

/// RFC 4616 §2: `message = [authzid] UTF8NUL authcid UTF8NUL passwd`.
fn plain(data: &[u8]) -> Result<Credentials, SaslError> {
    let mut parts = data.split(|&b| b == 0);
    let (Some(z), Some(c), Some(p), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(SaslError::Malformed);
    };
    if c.is_empty() || p.is_empty() {
        return Err(SaslError::Malformed);
    }
    let z = utf8(z.to_vec())?;
    Ok(Credentials {
        authzid: (!z.is_empty()).then_some(z),
        authcid: utf8(c.to_vec())?,
        password: Secret::new(utf8(p.to_vec())?),
    })
}
