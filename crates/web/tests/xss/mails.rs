//! Mails shared by the reading tests (`reading.rs`) and their browser
//! half (`browser_reading.rs`).
#![allow(dead_code)]

pub const JEANNE: &str = "jeanne.martin@ac-test.fr";

/// A 7×5 red PNG.
pub const PNG_B64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAcAAAAFCAIAAAAG+GGPAAAAEUlEQVR4nGM4ISeHiRhoJAoAuykjjT2f0dIAAAAASUVORK5CYII=";

/// An HTML mail with inline images: two real PNG parts (one named with
/// another case and %-encoded), an SVG part, a part that calls itself a
/// PNG and is HTML, and a reference to no part.
pub fn related() -> String {
    format!(
        "From: Paul Durand <paul.durand@ac-test.fr>\r\n\
To: jeanne.martin@ac-test.fr\r\n\
Subject: Logo du collège\r\n\
Date: Tue, 1 Dec 2026 09:30:00 +0100\r\n\
Message-ID: <cid-1@ac-test.fr>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/related; boundary=\"rel\"\r\n\
\r\n\
--rel\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>Voici le logo.</p><img src=\"cid:logo@ac-test.fr\" alt=\"Logo\"><img src=\"CID:Autre%40Part\" alt=\"Autre\">\
<img src=\"cid:vector@x\" alt=\"svg\"><img src=\"cid:fake@x\" alt=\"faux\"><img src=\"cid:missing@x\" alt=\"absent\">\r\n\
--rel\r\n\
Content-Type: image/png\r\n\
Content-ID: <logo@ac-test.fr>\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{PNG_B64}\r\n\
--rel\r\n\
Content-Type: image/png\r\n\
Content-ID: <autre@part>\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{PNG_B64}\r\n\
--rel\r\n\
Content-Type: image/svg+xml\r\n\
Content-ID: <vector@x>\r\n\
\r\n\
<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>\r\n\
--rel\r\n\
Content-Type: image/png\r\n\
Content-ID: <fake@x>\r\n\
\r\n\
<script>alert(1)</script>\r\n\
--rel--\r\n"
    )
}

/// Attachments of every kind a preview knows, and two that lie.
pub fn attachments() -> String {
    format!(
        "From: paul.durand@ac-test.fr\r\nTo: {JEANNE}\r\nSubject: Pièces\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=m\r\n\r\n\
--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCi-joint.\r\n\
--m\r\nContent-Type: image/png; name=plan.png\r\nContent-Disposition: attachment; filename=plan.png\r\nContent-Transfer-Encoding: base64\r\n\r\n{PNG_B64}\r\n\
--m\r\nContent-Type: application/pdf; name=menu.pdf\r\nContent-Disposition: attachment; filename=menu.pdf\r\n\r\n{pdf}\r\n\
--m\r\nContent-Type: text/plain; charset=iso-8859-1; name=notes.txt\r\nContent-Disposition: attachment; filename=notes.txt\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nR=E9union <b>jeudi</b>\r\n\
--m\r\nContent-Type: text/html; name=page.html\r\nContent-Disposition: attachment; filename=page.html\r\n\r\n<script>alert(1)</script>\r\n\
--m\r\nContent-Type: image/png; name=faux.png\r\nContent-Disposition: attachment; filename=faux.png\r\n\r\n<html><script>alert(1)</script>\r\n\
--m\r\nContent-Type: image/svg+xml; name=logo.svg\r\nContent-Disposition: attachment; filename=logo.svg\r\n\r\n<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>\r\n\
--m--\r\n",
        pdf = menu_pdf()
    )
}

/// A small real PDF (one page saying "Menu de la cantine", Helvetica),
/// lines ending in CRLF as in the mail, with a correct cross-reference
/// table (ISO 32000-1 §7.5), so that a browser's viewer renders it; its
/// header line keeps the words the handler tests look for.
pub fn menu_pdf() -> String {
    let text = "BT /F1 24 Tf 20 60 Td (Menu de la cantine) Tj ET";
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\r\nstream\r\n{text}\r\nendstream",
            text.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut s = String::from("%PDF-1.4 menu de la cantine\r\n");
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(s.len());
        s.push_str(&format!("{} 0 obj\r\n{o}\r\nendobj\r\n", i + 1));
    }
    let xref = s.len();
    s.push_str(&format!(
        "xref\r\n0 {}\r\n0000000000 65535 f\r\n",
        objs.len() + 1
    ));
    for o in offsets {
        s.push_str(&format!("{o:010} 00000 n\r\n"));
    }
    s.push_str(&format!(
        "trailer\r\n<< /Size {} /Root 1 0 R >>\r\nstartxref\r\n{xref}\r\n%%EOF",
        objs.len() + 1
    ));
    s
}
