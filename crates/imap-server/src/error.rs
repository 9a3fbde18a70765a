//! The one command-error shape of every vesontio server (STYLE.md), and
//! the one function that turns it into an IMAP reply.

use vesontio_imap_proto::{Code, Response, Status};
use vesontio_store::StoreError;

/// How a command ended when it did not succeed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CmdError {
    /// The client's request makes no sense: `BAD`.
    #[error("{0}")]
    Syntax(String),
    /// A valid request the server declines: `NO [CODE] text`.
    #[error("{text}")]
    Refused { code: Option<Code>, text: String },
    /// Something broke on our side: a generic `NO [SERVERBUG]` and a log
    /// line with an error id the user can quote.
    #[error(transparent)]
    Internal(#[from] StoreError),
}

impl CmdError {
    pub(crate) fn no(code: Code, text: impl Into<String>) -> Self {
        CmdError::Refused {
            code: Some(code),
            text: text.into(),
        }
    }

    pub(crate) fn bad(text: impl Into<String>) -> Self {
        CmdError::Syntax(text.into())
    }
}

/// A successful command: the tagged OK's code and text.
#[derive(Debug)]
pub(crate) struct Done {
    pub(crate) code: Option<Code>,
    pub(crate) text: String,
}

impl Done {
    pub(crate) fn ok(text: impl Into<String>) -> Self {
        Done {
            code: None,
            text: text.into(),
        }
    }

    pub(crate) fn with(code: Code, text: impl Into<String>) -> Self {
        Done {
            code: Some(code),
            text: text.into(),
        }
    }
}

pub(crate) type CmdResult = Result<Done, CmdError>;

/// A short id joining a client-visible error to its log line.
pub(crate) fn error_id() -> String {
    let u = uuid::Uuid::now_v7().simple().to_string();
    u[u.len() - 12..].to_string()
}

/// The tagged reply of a command.
pub(crate) fn reply(tag: &str, command: &str, r: CmdResult) -> Response {
    match r {
        Ok(d) => Response::Status {
            tag: Some(tag.into()),
            status: Status::Ok,
            code: d.code,
            text: d.text,
        },
        Err(CmdError::Syntax(text)) => Response::bad(tag, &text),
        Err(CmdError::Refused { code, text }) => Response::no(tag, code, &text),
        Err(CmdError::Internal(e)) => {
            // Mapped here so no protocol code ever shows an internal error text.
            if let StoreError::OverQuota { .. } = e {
                return Response::no(
                    tag,
                    Some(Code::OverQuota),
                    "Mailbox is full: delete or expunge messages to make room",
                );
            }
            let id = error_id();
            tracing::error!(error_id = %id, error = %e, command, "IMAP command failed");
            Response::no(
                tag,
                Some(Code::ServerBug),
                &format!("Internal error, please retry later (error id {id})"),
            )
        }
    }
}
