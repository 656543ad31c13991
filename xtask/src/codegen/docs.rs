//! Doc comments from spec descriptions, escaped so that rustdoc renders them as text: brackets
//! would become intra-doc links, `<...>` HTML tags, indented lines code blocks (and doctests),
//! and bare URLs draw a lint.

/// `///` lines for `text` (none when the text is empty), each prefixed with `indent`.
pub fn doc_comment(text: Option<&str>, indent: &str) -> String {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return String::new();
    };
    let mut out = String::new();
    let mut blank = false;
    // The content indentation of the list item the previous line belongs to: its
    // continuation lines are indented by that much, so they stay in the item.
    let mut item_indent = 0;
    for line in text.replace("\r\n", "\n").replace('\t', " ").lines() {
        let line = line.trim();
        if line.is_empty() {
            // Collapse runs of blank lines into one paragraph break.
            if !blank {
                out.push_str(indent);
                out.push_str("///\n");
            }
            blank = true;
            item_indent = 0;
            continue;
        }
        blank = false;
        let escaped = escape_line(line);
        out.push_str(indent);
        out.push_str("/// ");
        match list_marker_width(&escaped) {
            Some(width) => item_indent = width,
            None => out.push_str(&" ".repeat(item_indent)),
        }
        out.push_str(&escaped);
        out.push('\n');
    }
    out
}

/// The content indentation of the list item a line starts with (`- `, `+ `, `1. `, `2)  `),
/// if it starts one: the marker plus the spaces after it.
fn list_marker_width(line: &str) -> Option<usize> {
    let marker = if line.starts_with("- ") || line.starts_with("+ ") {
        1
    } else {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        let rest = &line[digits..];
        if digits == 0 || digits > 9 || !(rest.starts_with(". ") || rest.starts_with(") ")) {
            return None;
        }
        digits + 1
    };
    let spaces = line[marker..].chars().take_while(|c| *c == ' ').count();
    Some(marker + spaces.min(4))
}

/// Escapes markdown that rustdoc would misread in one line of prose.
pub fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if let Some(start) = word.find("http://").or_else(|| word.find("https://")) {
            let (before, url) = word.split_at(start);
            let end = url
                .find(['"', '\'', '`', '<', '>', ')', '(', ',', ';'])
                .unwrap_or(url.len());
            let url = url[..end].trim_end_matches('.');
            let after = &word[before.len() + url.len()..];
            out.push_str(&escape_text(before));
            if url.contains('[') || url.contains(']') {
                out.push_str(&escape_text(url));
            } else {
                out.push('<');
                out.push_str(url);
                out.push('>');
            }
            out.push_str(&escape_text(after));
        } else {
            out.push_str(&escape_text(word));
        }
    }
    if out.starts_with('#') || out.starts_with("---") || out.starts_with("===") {
        out.insert(0, '\\');
    }
    out
}

fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '[' | ']' | '<' | '>' | '\\' | '`' | '*' | '_' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown_and_wraps_urls() {
        assert_eq!(
            escape_line("More info: https://kubernetes.io/docs/x#y."),
            "More info: <https://kubernetes.io/docs/x#y>."
        );
        assert_eq!(escape_line("a [b] <c> `d`"), r"a \[b\] \<c\> \`d\`");
        assert_eq!(escape_line("(see https://a.b/c)"), "(see <https://a.b/c>)");
        assert_eq!(escape_line("# not a heading"), r"\# not a heading");
    }

    #[test]
    fn indented_lines_do_not_become_code_blocks() {
        let doc = doc_comment(Some("Example:\n\n\n    kubectl get pods\n\tdone"), "    ");
        assert_eq!(
            doc,
            "    /// Example:\n    ///\n    /// kubectl get pods\n    /// done\n"
        );
        assert_eq!(doc_comment(Some("  "), ""), "");
    }

    #[test]
    fn list_continuations_stay_in_their_item() {
        let doc = doc_comment(
            Some("Values:\n- a: first\nmore about a\n10.  b\nmore\n\nafter"),
            "",
        );
        assert_eq!(
            doc,
            "/// Values:\n/// - a: first\n///   more about a\n/// 10.  b\n///      more\n///\n/// after\n"
        );
    }
}
