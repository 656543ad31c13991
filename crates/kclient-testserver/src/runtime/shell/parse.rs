//! The shell grammar the built-in interpreter accepts: lists of and-or lists of pipelines of
//! simple commands (`;`, newlines, `&&`, `||`, `|`), words with single and double quotes,
//! backslash escapes and `$NAME`/`${NAME}`/`$?` expansion, `#` comments, and the redirections
//! `>`, `>>`, `<`, `N>`, `N>>`, `>&N`, `N>&M`. Pure logic.

/// A piece of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Lit(String),
    /// `$NAME`, `${NAME}` or `$?` (name `?`).
    Var(String),
}

/// A word before expansion.
pub type Word = Vec<Part>;

/// What a redirection does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirKind {
    /// `>`: truncate and write.
    Out,
    /// `>>`: append.
    Append,
    /// `<`: read.
    In,
    /// `>&`: duplicate an output descriptor.
    Dup,
}

/// One redirection of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redir {
    /// The descriptor redirected (1 for `>`, 0 for `<`, or the explicit number).
    pub fd: u32,
    /// What happens to it.
    pub kind: RedirKind,
    /// The file, or for [`RedirKind::Dup`] the descriptor number.
    pub target: Word,
}

/// A simple command: words and redirections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    /// The words (name and arguments, assignments first).
    pub words: Vec<Word>,
    /// The redirections, in order.
    pub redirs: Vec<Redir>,
}

/// Commands joined by `|`.
pub type Pipeline = Vec<Command>;

/// How an and-or list continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    /// `&&`.
    And,
    /// `||`.
    Or,
}

/// A pipeline followed by pipelines run depending on the last status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndOr {
    /// The first pipeline.
    pub first: Pipeline,
    /// The rest.
    pub rest: Vec<(Connector, Pipeline)>,
}

/// A whole script: and-or lists run one after the other.
pub type Script = Vec<AndOr>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(Word),
    Semi,
    And,
    Or,
    Pipe,
    Redir(u32, RedirKind),
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::Word(_) => "word".into(),
        Tok::Semi => ";".into(),
        Tok::And => "&&".into(),
        Tok::Or => "||".into(),
        Tok::Pipe => "|".into(),
        Tok::Redir(_, RedirKind::Out) => ">".into(),
        Tok::Redir(_, RedirKind::Append) => ">>".into(),
        Tok::Redir(_, RedirKind::In) => "<".into(),
        Tok::Redir(_, RedirKind::Dup) => ">&".into(),
    }
}

fn push_lit(word: &mut Word, c: char) {
    if let Some(Part::Lit(s)) = word.last_mut() {
        s.push(c);
    } else {
        word.push(Part::Lit(c.to_string()));
    }
}

/// Reads `$...` after the dollar sign; pushes a variable, or a literal `$` when none follows.
fn dollar(chars: &[char], i: &mut usize, word: &mut Word) -> Result<(), String> {
    match chars.get(*i) {
        Some('?') | Some('$') | Some('#') => {
            word.push(Part::Var(chars[*i].to_string()));
            *i += 1;
        }
        Some('{') => {
            let start = *i + 1;
            let end = chars[start..]
                .iter()
                .position(|c| *c == '}')
                .ok_or("syntax error: missing '}'")?;
            word.push(Part::Var(chars[start..start + end].iter().collect()));
            *i = start + end + 1;
        }
        Some(c) if c.is_ascii_alphanumeric() || *c == '_' => {
            let start = *i;
            if c.is_ascii_digit() {
                *i += 1;
            } else {
                while chars
                    .get(*i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    *i += 1;
                }
            }
            word.push(Part::Var(chars[start..*i].iter().collect()));
        }
        _ => push_lit(word, '$'),
    }
    Ok(())
}

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut word: Option<Word> = None;
    let flush = |word: &mut Option<Word>, toks: &mut Vec<Tok>| {
        if let Some(w) = word.take() {
            toks.push(Tok::Word(w));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' => {
                flush(&mut word, &mut toks);
                i += 1;
            }
            '\n' | ';' => {
                flush(&mut word, &mut toks);
                toks.push(Tok::Semi);
                i += 1;
            }
            '#' if word.is_none() => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '&' | '|' => {
                flush(&mut word, &mut toks);
                let double = chars.get(i + 1) == Some(&c);
                match (c, double) {
                    ('&', true) => toks.push(Tok::And),
                    ('|', true) => toks.push(Tok::Or),
                    ('|', false) => toks.push(Tok::Pipe),
                    _ => return Err("syntax error: background jobs (&) are not supported".into()),
                }
                i += if double { 2 } else { 1 };
            }
            '>' | '<' => {
                // A word made only of digits right before is the descriptor number.
                let fd = match &word {
                    Some(w) => match w.as_slice() {
                        [Part::Lit(n)] if n.chars().all(|d| d.is_ascii_digit()) => {
                            let fd = n.parse().map_err(|_| "bad file descriptor")?;
                            word = None;
                            Some(fd)
                        }
                        _ => {
                            flush(&mut word, &mut toks);
                            None
                        }
                    },
                    None => None,
                };
                i += 1;
                let kind = if c == '<' {
                    RedirKind::In
                } else if chars.get(i) == Some(&'>') {
                    i += 1;
                    RedirKind::Append
                } else if chars.get(i) == Some(&'&') {
                    i += 1;
                    RedirKind::Dup
                } else {
                    RedirKind::Out
                };
                let fd = fd.unwrap_or(if c == '<' { 0 } else { 1 });
                toks.push(Tok::Redir(fd, kind));
            }
            '\'' => {
                let w = word.get_or_insert_with(Vec::new);
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| *c == '\'')
                    .ok_or("syntax error: unterminated quoted string")?;
                let text: String = chars[i + 1..i + 1 + end].iter().collect();
                match w.last_mut() {
                    Some(Part::Lit(s)) => s.push_str(&text),
                    _ => w.push(Part::Lit(text)),
                }
                i += end + 2;
            }
            '"' => {
                let w = word.get_or_insert_with(Vec::new);
                if !matches!(w.last(), Some(Part::Lit(_))) {
                    w.push(Part::Lit(String::new()));
                }
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("syntax error: unterminated quoted string".into()),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\')
                            if matches!(chars.get(i + 1), Some('"' | '\\' | '$' | '`' | '\n')) =>
                        {
                            if chars[i + 1] != '\n' {
                                push_lit(w, chars[i + 1]);
                            }
                            i += 2;
                        }
                        Some('$') => {
                            i += 1;
                            dollar(&chars, &mut i, w)?;
                        }
                        Some(c) => {
                            push_lit(w, *c);
                            i += 1;
                        }
                    }
                }
            }
            '\\' => {
                let w = word.get_or_insert_with(Vec::new);
                match chars.get(i + 1) {
                    Some('\n') => {}
                    Some(c) => push_lit(w, *c),
                    None => {}
                }
                i += 2;
            }
            '$' => {
                let w = word.get_or_insert_with(Vec::new);
                i += 1;
                dollar(&chars, &mut i, w)?;
            }
            c => {
                push_lit(word.get_or_insert_with(Vec::new), c);
                i += 1;
            }
        }
    }
    flush(&mut word, &mut toks);
    Ok(toks)
}

/// Parses a script; errors are worded as `sh` reports them (without the `sh: ` prefix).
pub fn parse(src: &str) -> Result<Script, String> {
    let toks = lex(src)?;
    let mut script = Vec::new();
    let mut i = 0;
    let unexpected = |t: Option<&Tok>| match t {
        Some(t) => format!("syntax error: unexpected \"{}\"", tok_text(t)),
        None => "syntax error: unexpected end of file".to_string(),
    };
    let skip_semis = |i: &mut usize| {
        while toks.get(*i) == Some(&Tok::Semi) {
            *i += 1;
        }
    };
    let pipeline = |i: &mut usize| -> Result<Pipeline, String> {
        let mut cmds = Vec::new();
        loop {
            let mut cmd = Command::default();
            while let Some(t) = toks.get(*i) {
                match t {
                    Tok::Word(w) => cmd.words.push(w.clone()),
                    Tok::Redir(fd, kind) => {
                        let Some(Tok::Word(target)) = toks.get(*i + 1) else {
                            return Err(unexpected(toks.get(*i + 1)));
                        };
                        cmd.redirs.push(Redir {
                            fd: *fd,
                            kind: *kind,
                            target: target.clone(),
                        });
                        *i += 1;
                    }
                    _ => break,
                }
                *i += 1;
            }
            if cmd.words.is_empty() && cmd.redirs.is_empty() {
                return Err(unexpected(toks.get(*i)));
            }
            cmds.push(cmd);
            if toks.get(*i) != Some(&Tok::Pipe) {
                return Ok(cmds);
            }
            *i += 1;
            skip_semis_newline_only(&toks, i);
        }
    };
    skip_semis(&mut i);
    while i < toks.len() {
        let first = pipeline(&mut i)?;
        let mut rest = Vec::new();
        while let Some(conn) = match toks.get(i) {
            Some(Tok::And) => Some(Connector::And),
            Some(Tok::Or) => Some(Connector::Or),
            _ => None,
        } {
            i += 1;
            skip_semis_newline_only(&toks, &mut i);
            rest.push((conn, pipeline(&mut i)?));
        }
        script.push(AndOr { first, rest });
        match toks.get(i) {
            None => {}
            Some(Tok::Semi) => skip_semis(&mut i),
            t => return Err(unexpected(t)),
        }
    }
    Ok(script)
}

/// After `|`, `&&` and `||` a line may break (the lexer turned newlines into `;`).
fn skip_semis_newline_only(toks: &[Tok], i: &mut usize) {
    while toks.get(*i) == Some(&Tok::Semi) {
        *i += 1;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Word {
        vec![Part::Lit(s.into())]
    }

    #[test]
    fn quotes_escapes_and_variables() {
        let s = parse(r#"echo 'a b' "c $X ${Y}d" e\ f $? '$Z'"#).unwrap();
        let words = &s[0].first[0].words;
        assert_eq!(words[1], lit("a b"));
        assert_eq!(
            words[2],
            vec![
                Part::Lit("c ".into()),
                Part::Var("X".into()),
                Part::Lit(" ".into()),
                Part::Var("Y".into()),
                Part::Lit("d".into())
            ]
        );
        assert_eq!(words[3], lit("e f"));
        assert_eq!(words[4], vec![Part::Var("?".into())]);
        assert_eq!(words[5], lit("$Z"));
    }

    #[test]
    fn lists_pipelines_and_redirections() {
        let s =
            parse("echo a; echo b >&2 && cat < f | tail -c+3 >> out 2>/dev/null || exit 3\n# c\n")
                .unwrap();
        assert_eq!(s.len(), 2);
        let second = &s[1];
        assert_eq!(
            second.first[0].redirs[0],
            Redir {
                fd: 1,
                kind: RedirKind::Dup,
                target: lit("2")
            }
        );
        assert_eq!(second.rest[0].0, Connector::And);
        let pipe = &second.rest[0].1;
        assert_eq!(pipe.len(), 2);
        assert_eq!(pipe[0].redirs[0].kind, RedirKind::In);
        assert_eq!(pipe[1].redirs[0].kind, RedirKind::Append);
        assert_eq!(pipe[1].redirs[1].fd, 2);
        assert_eq!(second.rest[1].0, Connector::Or);
    }

    #[test]
    fn syntax_errors_are_reported() {
        assert_eq!(
            parse("echo 'a").unwrap_err(),
            "syntax error: unterminated quoted string"
        );
        assert_eq!(
            parse("| echo").unwrap_err(),
            "syntax error: unexpected \"|\""
        );
        assert_eq!(
            parse("echo a &&").unwrap_err(),
            "syntax error: unexpected end of file"
        );
        assert!(parse("sleep 1 &").is_err());
        assert_eq!(parse("").unwrap(), Vec::new());
    }
}
