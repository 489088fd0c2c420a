//! What an uploaded file is, decided from its bytes alone, and the names it may carry.
//!
//! Only PDF, PNG, JPEG and plain text are accepted. Binary formats are recognised by their
//! magic numbers (`infer`); plain text must be valid UTF-8 without NUL or other control
//! characters (tab, CR and LF allowed) and must not look like markup (HTML, SVG, XML), which a
//! browser could render. Whatever the uploader declared (content type, file name) is ignored.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The accepted kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Png,
    Jpeg,
    Text,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Pdf, Kind::Png, Kind::Jpeg, Kind::Text];

    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Text => "text/plain; charset=utf-8",
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Pdf => &["pdf"],
            Kind::Png => &["png"],
            Kind::Jpeg => &["jpg", "jpeg"],
            Kind::Text => &["txt"],
        }
    }
}

/// How many leading bytes are kept for sniffing.
pub const HEAD_BYTES: usize = 8 * 1024;

/// Watches an upload chunk by chunk: keeps its head and checks whether it is all plain text.
#[derive(Debug, Default)]
pub struct Sniffer {
    head: Vec<u8>,
    /// An incomplete UTF-8 sequence at the end of the last chunk.
    carry: Vec<u8>,
    not_text: bool,
}

impl Sniffer {
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        if self.not_text {
            return;
        }
        if chunk
            .iter()
            .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n')) || b == 0x7f)
        {
            self.not_text = true;
            return;
        }
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(chunk);
        match std::str::from_utf8(&bytes) {
            Ok(_) => {}
            // Cut inside a character: keep the start for the next chunk.
            Err(e) if e.error_len().is_none() => self.carry = bytes[e.valid_up_to()..].to_vec(),
            Err(_) => self.not_text = true,
        }
    }

    /// The kind of the whole upload, or `None` when it is not one we accept.
    pub fn finish(self) -> Option<Kind> {
        let head = self.head.as_slice();
        if let Some(found) = infer::get(head) {
            return match found.mime_type() {
                "application/pdf" => Some(Kind::Pdf),
                "image/png" => Some(Kind::Png),
                "image/jpeg" => Some(Kind::Jpeg),
                _ => None,
            };
        }
        if self.not_text || !self.carry.is_empty() || looks_like_markup(head) {
            return None;
        }
        Some(Kind::Text)
    }
}

/// Text a browser might treat as HTML, SVG or XML.
fn looks_like_markup(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let start = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if start.starts_with('<') {
        return true;
    }
    [
        "<html",
        "<!doctype",
        "<svg",
        "<?xml",
        "<script",
        "<body",
        "<head",
        "<iframe",
        "<meta",
        "<img",
        "<object",
        "<embed",
        "<xml",
    ]
    .iter()
    .any(|tag| text.contains(tag))
}

/// The display name kept for a file: the last path component of what the uploader sent, with
/// control characters, quotes, slashes and other characters that are unsafe in file names or
/// headers replaced, at most 150 characters, ending in the extension of its real kind.
pub fn sanitise_file_name(declared: Option<&str>, kind: Kind) -> String {
    let declared = declared.unwrap_or_default();
    let last = declared.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_control()
                || matches!(c, '"' | '\'' | '\\' | '/' | ':' | '*' | '?' | '<' | '>' | '|' | ';' | '%')
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            {
                '_'
            } else {
                c
            }
        })
        .collect();
    let mut name: String = cleaned
        .trim_matches(|c: char| c == '.' || c.is_whitespace())
        .chars()
        .take(150)
        .collect();
    if name.trim_matches('_').is_empty() {
        name = "document".into();
    }
    let has_right_extension = name.rsplit_once('.').is_some_and(|(_, ext)| {
        kind.extensions()
            .iter()
            .any(|e| e.eq_ignore_ascii_case(ext))
    });
    if !has_right_extension {
        name.push('.');
        name.push_str(kind.extensions()[0]);
    }
    name
}

/// RFC 5987 `attr-char`: everything else is percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>` (RFC 6266).
pub fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(file_name, ATTR_CHAR)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(chunks: &[&[u8]]) -> Option<Kind> {
        let mut sniffer = Sniffer::default();
        for chunk in chunks {
            sniffer.feed(chunk);
        }
        sniffer.finish()
    }

    #[test]
    fn dossier_sniffs_only_the_accepted_kinds() {
        assert_eq!(sniff(&[b"%PDF-1.4\n%\xe2\xe3\n1 0 obj"]), Some(Kind::Pdf));
        assert_eq!(sniff(&[b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"]), Some(Kind::Png));
        assert_eq!(sniff(&[b"\xff\xd8\xff\xe0\0\x10JFIF\0"]), Some(Kind::Jpeg));
        assert_eq!(
            sniff(&["Hallo wereld, één\r\n\t".as_bytes()]),
            Some(Kind::Text)
        );
        // A character cut between two chunks is still text.
        let euro = "€".as_bytes();
        assert_eq!(
            sniff(&[b"prijs ", &euro[..1], &euro[1..]]),
            Some(Kind::Text)
        );
        assert_eq!(sniff(&[b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff"]), None);
        assert_eq!(sniff(&[b"PK\x03\x04\x14\0\0\0"]), None);
        assert_eq!(sniff(&[b"<!DOCTYPE html><p>hi"]), None);
        assert_eq!(
            sniff(&[b"  <svg xmlns='http://www.w3.org/2000/svg'/>"]),
            None
        );
        assert_eq!(sniff(&[b"hello <script>alert(1)</script>"]), None);
        assert_eq!(sniff(&[b"text with \0 nul"]), None);
        assert_eq!(sniff(&[b"bad utf8 \xc3"]), None);
        assert_eq!(sniff(&[b"bad utf8 \xc3\x28"]), None);
    }

    #[test]
    fn dossier_file_names_are_sanitised() {
        assert_eq!(
            sanitise_file_name(Some("../../etc/passwd"), Kind::Text),
            "passwd.txt"
        );
        assert_eq!(
            sanitise_file_name(Some("a\"b\r\nc.pdf"), Kind::Pdf),
            "a_b__c.pdf"
        );
        assert_eq!(
            sanitise_file_name(Some("..\\..\\x.PDF"), Kind::Pdf),
            "x.PDF"
        );
        assert_eq!(
            sanitise_file_name(Some("evil.html"), Kind::Text),
            "evil.html.txt"
        );
        assert_eq!(sanitise_file_name(None, Kind::Png), "document.png");
        assert_eq!(sanitise_file_name(Some("..."), Kind::Jpeg), "document.jpg");
        assert_eq!(
            sanitise_file_name(Some("Plan van aanpak — Zoë.pdf"), Kind::Pdf),
            "Plan van aanpak — Zoë.pdf"
        );
    }

    #[test]
    fn dossier_content_disposition_has_an_ascii_fallback_and_utf8_name() {
        assert_eq!(
            content_disposition("Zoë plan.pdf"),
            "attachment; filename=\"Zo_ plan.pdf\"; filename*=UTF-8''Zo%C3%AB%20plan.pdf"
        );
    }
}
