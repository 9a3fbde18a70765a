//! [`AdminError`]: why an administration operation was refused, with a
//! sentence for a person in French ([`AdminError::fr`]) and English
//! ([`AdminError::en`]). `Display` gives both, French first, as the
//! charter's refusals do; the console shows the one of its language.

use vesontio_directory::password::Weakness;
use vesontio_policy::ForwardRefusal;
use vesontio_store::StoreError;
use vesontio_types::AccountKind;

#[derive(Debug, thiserror::Error)]
#[error("{} / {}", self.fr(), self.en())]
pub enum AdminError {
    /// The text is not an address at all.
    BadAddress {
        input: String,
        reason: String,
    },
    /// Accounts are created only in the platform's own domains.
    NotLocalDomain {
        domain: String,
        local: Vec<String>,
    },
    /// R1: a person's address is `first.last@domain`.
    NotNominative {
        address: String,
    },
    /// The address is taken; for a person, the next free homonym address.
    Exists {
        address: String,
        suggestion: Option<String>,
    },
    NotFound {
        address: String,
    },
    /// The operation needs another kind of account (a list, a functional
    /// mailbox, a person).
    WrongKind {
        address: String,
        kind: AccountKind,
        needed: AccountKind,
    },
    /// R26: the password is below the CNIL strength rule.
    WeakPassword(Weakness),
    /// R22: this mailbox may not be redirected outside.
    ForwardRefused {
        address: String,
        refusal: ForwardRefusal,
    },
    /// Rights are RFC 4314 letters.
    BadRights {
        rights: String,
    },
    /// Removing someone who was not there.
    NotMember {
        member: String,
        of: String,
    },
    /// argon2id failed (out of memory, or the pool was shut down).
    Hashing(String),
    /// Bulk import: every bad line, reported at once before anything is
    /// created.
    ImportInvalid(Vec<(usize, AdminError)>),
    /// No quarantine entry with this id (R9).
    QuarantineNotFound {
        id: i64,
    },
    /// The gate refused a released message; it stays in quarantine.
    ReleaseRefused {
        id: i64,
        reason: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AdminError {
    /// The sentence for a French-speaking person.
    pub fn fr(&self) -> String {
        use AdminError::*;
        match self {
            BadAddress { input, reason } => {
                format!("« {input} » n'est pas une adresse ({reason}).")
            }
            NotLocalDomain { domain, local } => format!(
                "{domain} n'est pas un domaine de la plateforme (domaines : {}).",
                local.join(", ")
            ),
            NotNominative { address } => format!(
                "Une adresse personnelle s'écrit prenom.nom@domaine (minuscules, sans accents, homonymes numérotés prenom.nom2) : {address} ne convient pas."
            ),
            Exists {
                address,
                suggestion,
            } => match suggestion {
                Some(s) => format!("{address} existe déjà (homonyme ? essayez {s})."),
                None => format!("{address} existe déjà."),
            },
            NotFound { address } => format!("Aucun compte {address}."),
            WrongKind {
                address, needed, ..
            } => format!("{address} n'est pas {}.", kind_fr(*needed)),
            WeakPassword(_) => "Mot de passe refusé : trop facile à deviner. Choisissez au moins 12 caractères mêlant majuscules, minuscules, chiffres et caractères spéciaux, ou une phrase de passe de plusieurs mots sans lien (recommandation CNIL 2022-100).".into(),
            ForwardRefused { address, refusal } => match refusal {
                ForwardRefusal::List => format!(
                    "{address} est une liste : une liste ne se redirige pas, modifiez ses membres (charte R22)."
                ),
                _ => format!(
                    "{address} est une boîte fonctionnelle : seule une boîte personnelle peut être redirigée (charte R22)."
                ),
            },
            BadRights { rights } => format!(
                "Droits « {rights} » inconnus : lettres RFC 4314 parmi lrswipkxtea."
            ),
            NotMember { member, of } => format!("{member} n'était pas membre de {of}."),
            Hashing(_) => "Le mot de passe n'a pas pu être chiffré ; réessayez.".into(),
            ImportInvalid(lines) => lines
                .iter()
                .map(|(n, e)| format!("ligne {n} : {}", e.fr()))
                .collect::<Vec<_>>()
                .join("\n"),
            QuarantineNotFound { id } => format!("Aucun message n° {id} en quarantaine."),
            ReleaseRefused { id, reason } => format!(
                "Le message n° {id} n'a pas pu être distribué et reste en quarantaine : {reason}"
            ),
            Store(e) => format!("Erreur du stockage : {e}."),
        }
    }

    /// The sentence for an English-speaking person.
    pub fn en(&self) -> String {
        use AdminError::*;
        match self {
            BadAddress { input, reason } => format!("{input:?} is not an address ({reason})."),
            NotLocalDomain { domain, local } => format!(
                "{domain} is not a local domain (configured: {}).",
                local.join(", ")
            ),
            NotNominative { address } => format!(
                "A personal address must look like first.last@domain (lower case, no accents, homonyms numbered first.last2): got {address}."
            ),
            Exists {
                address,
                suggestion,
            } => match suggestion {
                Some(s) => format!("{address} already exists (homonym? try {s})."),
                None => format!("{address} already exists."),
            },
            NotFound { address } => format!("No account {address}."),
            WrongKind {
                address, needed, ..
            } => format!("{address} is not {}.", kind_en(*needed)),
            WeakPassword(w) => format!("Password refused: {w}"),
            ForwardRefused { address, refusal } => match refusal {
                ForwardRefusal::List => format!(
                    "{address} is a list: a list is not redirected, change its members (charter R22)."
                ),
                _ => format!(
                    "{address} is a functional mailbox: redirection is only allowed for personal mailboxes (charter R22)."
                ),
            },
            BadRights { rights } => {
                format!("Rights {rights:?}: expected RFC 4314 letters among lrswipkxtea.")
            }
            NotMember { member, of } => format!("{member} was not a member of {of}."),
            Hashing(e) => format!("The password could not be hashed ({e}); try again."),
            ImportInvalid(lines) => lines
                .iter()
                .map(|(n, e)| format!("line {n}: {}", e.en()))
                .collect::<Vec<_>>()
                .join("\n"),
            QuarantineNotFound { id } => format!("No message {id} in quarantine."),
            ReleaseRefused { id, reason } => {
                format!("Message {id} could not be delivered and stays in quarantine: {reason}")
            }
            Store(e) => format!("Store error: {e}."),
        }
    }
}

fn kind_fr(k: AccountKind) -> &'static str {
    match k {
        AccountKind::Person => "une personne",
        AccountKind::Functional => "une boîte fonctionnelle",
        AccountKind::List => "une liste",
    }
}

fn kind_en(k: AccountKind) -> &'static str {
    match k {
        AccountKind::Person => "a person",
        AccountKind::Functional => "a functional mailbox",
        AccountKind::List => "a list",
    }
}
