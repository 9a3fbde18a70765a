//! THREAD and UID THREAD (RFC 5256 BASE.6.4.THREAD): the search is
//! SEARCH's, the keys come from [`crate::sortkeys`], the algorithms are
//! the pure functions of [`crate::thread`].

use vesontio_imap_proto::{Data, Response, SearchKey, ThreadAlgorithm, UidMode};

use crate::error::{CmdResult, Done};
use crate::ops::search::{check_charset, evaluate};
use crate::session::Session;
use crate::sortkeys;
use crate::thread::{ThreadInput, ordered_subject, references};

pub(crate) async fn thread(
    s: &mut Session,
    algorithm: ThreadAlgorithm,
    charset: &str,
    search: &SearchKey,
    uid: UidMode,
    out: &mut Vec<Response>,
) -> CmdResult {
    check_charset(Some(charset))?;
    let hits = evaluate(s, search, out).await?;
    let metas: Vec<_> = hits.iter().map(|h| &h.meta).collect();
    let keys = sortkeys::keys(&s.shared, &metas, true).await?;
    let input: Vec<ThreadInput> = hits
        .iter()
        .zip(keys)
        .map(|(h, k)| ThreadInput {
            number: h.number(uid),
            message_id: k.message_id,
            in_reply_to: k.in_reply_to,
            references: k.references,
            subject: k.subject,
            sent_date: k.sent_date,
        })
        .collect();
    let forest = match algorithm {
        ThreadAlgorithm::OrderedSubject => ordered_subject(&input),
        ThreadAlgorithm::References => references(&input),
    };
    out.push(Response::Data(Data::Thread(forest)));
    Ok(Done::ok(match uid {
        UidMode::Uid => "UID THREAD completed",
        UidMode::Seq => "THREAD completed",
    }))
}
