//! The commands of the built-in shell, with busybox's messages: `sh`, `echo`, `printf`, `cat`,
//! `env`, `printenv`, `export`, `read`, `ls`, `pwd`, `cd`, `hostname`, `sleep`, `exit`, `true`,
//! `false`, `:`, `test`/`[`, `mkdir`, `rm`, `touch`, `head`, `tail`, `wc`, `seq`, `tar`.
//! Anything else is `sh: NAME: not found` with status 127.

use std::time::Duration;

use super::Stop;
use super::exec::Cx;
use crate::runtime::fs::{FsError, Kind};

/// Runs one command; its exit status.
pub fn run(cx: &mut Cx<'_, '_>, argv: &[String]) -> Result<i32, Stop> {
    let Some(first) = argv.first() else {
        return Ok(0);
    };
    // `/bin/echo` and friends are the same commands.
    let name = [
        "/bin/",
        "/usr/bin/",
        "/sbin/",
        "/usr/sbin/",
        "/usr/local/bin/",
    ]
    .iter()
    .find_map(|p| first.strip_prefix(p))
    .unwrap_or(first);
    let args = &argv[1..];
    match name {
        "sh" | "bash" | "ash" | "dash" => sh(cx, args),
        "echo" => echo(cx, args),
        "printf" => printf(cx, args),
        "cat" => cat(cx, args),
        "env" | "printenv" => env(cx, name, args),
        "export" => {
            for a in args {
                if let Some((n, v)) = a.split_once('=') {
                    cx.sh.set(n, v);
                }
            }
            Ok(0)
        }
        "ls" => ls(cx, args),
        "read" => read(cx, args),
        "pwd" => {
            let cwd = format!("{}\n", cx.sh.cwd);
            cx.out(cwd.as_bytes())?;
            Ok(0)
        }
        "cd" => cd(cx, args),
        "hostname" => {
            let h = format!("{}\n", cx.host().hostname());
            cx.out(h.as_bytes())?;
            Ok(0)
        }
        "sleep" => sleep(cx, args),
        "exit" => {
            let code = args
                .first()
                .map_or(cx.sh.last, |a| a.parse::<i32>().map_or(2, |c| c & 0xff));
            cx.sh.exit = Some(code);
            Ok(code)
        }
        "true" | ":" => Ok(0),
        "false" => Ok(1),
        "test" => test(cx, args),
        "[" => match args.split_last() {
            Some((last, rest)) if last == "]" => test(cx, rest),
            _ => {
                cx.err(b"sh: missing ]\n")?;
                Ok(2)
            }
        },
        "mkdir" => mkdir(cx, args),
        "rm" => rm(cx, args),
        "touch" => touch(cx, args),
        "head" | "tail" => head_tail(cx, name, args),
        "wc" => wc(cx, args),
        "seq" => seq(cx, args),
        "tar" => super::tar::tar(cx, args),
        "stty" => stty(cx, args),
        "tty" => {
            let tty = cx.host().terminal_size().is_some();
            cx.out(if tty { b"/dev/pts/0\n" } else { b"not a tty\n" })?;
            Ok(if tty { 0 } else { 1 })
        }
        _ => {
            cx.err(format!("sh: {first}: not found\n").as_bytes())?;
            Ok(127)
        }
    }
}

/// `stty size` (rows and columns of the session's terminal) and `stty` with no arguments (the
/// speed line); anything else is accepted and ignored, as settings a simulated terminal does
/// not have. Without a TTY: busybox's "Not a tty".
fn stty(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let Some((rows, cols)) = cx.host().terminal_size() else {
        cx.err(b"stty: standard input: Not a tty\n")?;
        return Ok(1);
    };
    match args.first().map(String::as_str) {
        Some("size") => cx.out(format!("{rows} {cols}\n").as_bytes())?,
        None => cx.out(
            format!("speed 38400 baud; rows {rows}; columns {cols}; line = 0;\n").as_bytes(),
        )?,
        Some(_) => {}
    }
    Ok(0)
}

fn sh(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let mut rest = args;
    while let Some(flag) = rest.first().filter(|a| a.starts_with('-') && *a != "-c") {
        // `-e`, `-x`, `-i`, `-l`... are accepted and ignored.
        let _ = flag;
        rest = &rest[1..];
    }
    match rest {
        [c, script, more @ ..] if c == "-c" => {
            let mut argv: Vec<String> = more.to_vec();
            if argv.is_empty() {
                argv.push("sh".into());
            }
            cx.subshell(script, argv)
        }
        [c] if c == "-c" => {
            cx.err(b"sh: -c requires an argument\n")?;
            Ok(2)
        }
        [file, more @ ..] => {
            let path = cx.sh.path(file);
            let script = cx.host().fs().read(&path).map(|d| d.to_vec());
            match script {
                Ok(s) => {
                    let mut argv = vec![file.clone()];
                    argv.extend(more.iter().cloned());
                    cx.subshell(&String::from_utf8_lossy(&s), argv)
                }
                Err(e) => {
                    cx.err(format!("sh: can't open '{file}': {e}\n").as_bytes())?;
                    Ok(2)
                }
            }
        }
        [] => {
            let script = cx.read_all()?;
            cx.subshell(&String::from_utf8_lossy(&script), vec!["sh".into()])
        }
    }
}

fn echo(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let mut newline = true;
    let mut escapes = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match a.as_str() {
            "-n" => newline = false,
            "-e" => escapes = true,
            "-E" => escapes = false,
            "-ne" | "-en" => {
                newline = false;
                escapes = true;
            }
            _ => break,
        }
        i += 1;
    }
    let mut text = args[i..].join(" ");
    if escapes {
        text = unescape(&text);
    }
    if newline {
        text.push('\n');
    }
    cx.out(text.as_bytes())?;
    Ok(0)
}

/// Backslash escapes of `echo -e` and `printf`.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('a') => out.push('\x07'),
            Some('0') => {
                let mut n = 0u32;
                for _ in 0..3 {
                    match chars.peek().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            n = n * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(n).unwrap_or('\0'));
            }
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn printf(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let Some((format, mut rest)) = args.split_first() else {
        cx.err(b"printf: usage: printf FORMAT [ARGUMENT...]\n")?;
        return Ok(1);
    };
    let format = unescape(format);
    let mut out = String::new();
    loop {
        let mut chars = format.chars().peekable();
        let mut used = false;
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let mut width = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit() || **d == '-') {
                width.push(*d);
                chars.next();
            }
            let Some(conv) = chars.next() else {
                out.push('%');
                break;
            };
            if conv == '%' {
                out.push('%');
                continue;
            }
            let arg = rest.first().cloned().unwrap_or_default();
            if !rest.is_empty() {
                rest = &rest[1..];
                used = true;
            }
            let text = match conv {
                'd' | 'i' => arg.trim().parse::<i64>().unwrap_or(0).to_string(),
                'x' => format!("{:x}", arg.trim().parse::<i64>().unwrap_or(0)),
                'o' => format!("{:o}", arg.trim().parse::<i64>().unwrap_or(0)),
                'c' => arg.chars().next().map(String::from).unwrap_or_default(),
                'b' => unescape(&arg),
                _ => arg,
            };
            let w: usize = width.trim_start_matches('-').parse().unwrap_or(0);
            let pad = " ".repeat(w.saturating_sub(text.chars().count()));
            if width.starts_with('-') {
                out.push_str(&text);
                out.push_str(&pad);
            } else {
                out.push_str(&pad);
                out.push_str(&text);
            }
        }
        if rest.is_empty() || !used {
            break;
        }
    }
    cx.out(out.as_bytes())?;
    Ok(0)
}

fn cat(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let files: Vec<&String> = args
        .iter()
        .filter(|a| !a.starts_with('-') || *a == "-")
        .collect();
    if files.is_empty() {
        return copy_stdin(cx).map(|()| 0);
    }
    let mut status = 0;
    for f in files {
        if f == "-" {
            copy_stdin(cx)?;
            continue;
        }
        let path = cx.sh.path(f);
        let data = cx.host().fs().read(&path).map(<[u8]>::to_vec);
        match data {
            Ok(d) => cx.out(&d)?,
            Err(FsError::IsADirectory) => {
                cx.err(b"cat: read error: Is a directory\n")?;
                status = 1;
            }
            Err(e) => {
                cx.err(format!("cat: can't open '{f}': {e}\n").as_bytes())?;
                status = 1;
            }
        }
    }
    Ok(status)
}

fn copy_stdin(cx: &mut Cx<'_, '_>) -> Result<(), Stop> {
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        let n = cx.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        cx.out(&buf[..n])?;
    }
}

fn env(cx: &mut Cx<'_, '_>, name: &str, args: &[String]) -> Result<i32, Stop> {
    if name == "printenv" && !args.is_empty() {
        let mut status = 0;
        for a in args {
            match cx.sh.var(a).map(str::to_string) {
                Some(v) => cx.out(format!("{v}\n").as_bytes())?,
                None => status = 1,
            }
        }
        return Ok(status);
    }
    let text: String = cx
        .sh
        .env
        .iter()
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect();
    cx.out(text.as_bytes())?;
    Ok(0)
}

/// `read [-r] [NAME...]`: one line of stdin into variables (the last takes the rest;
/// `REPLY` without names); status 1 at end of input.
fn read(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let names: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    let mut eof = true;
    while cx.read(&mut byte)? == 1 {
        eof = false;
        if byte[0] == b'\n' {
            break;
        }
        line.push(byte[0]);
        if line.len() > 1 << 20 {
            break;
        }
    }
    let text = String::from_utf8_lossy(&line).into_owned();
    if names.is_empty() {
        cx.sh.set("REPLY", &text);
    } else {
        let mut rest = text.trim_start();
        for (i, name) in names.iter().enumerate() {
            let value = if i + 1 == names.len() {
                rest.trim_end().to_string()
            } else {
                let (word, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                let word = word.to_string();
                rest = after.trim_start();
                word
            };
            cx.sh.set(name, &value);
        }
    }
    Ok(if eof { 1 } else { 0 })
}

fn ls(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let flags: String = args
        .iter()
        .filter(|a| a.starts_with('-') && a.len() > 1)
        .flat_map(|a| a.chars().skip(1))
        .collect();
    let long = flags.contains('l');
    let all = flags.contains('a');
    let mut paths: Vec<&String> = args
        .iter()
        .filter(|a| !a.starts_with('-') || a.len() == 1)
        .collect();
    let dot = ".".to_string();
    if paths.is_empty() {
        paths.push(&dot);
    }
    let many = paths.len() > 1;
    let mut status = 0;
    let mut out = String::new();
    let line = |name: &str, kind: Kind, mode: u32| -> String {
        if !long {
            return format!("{name}\n");
        }
        let (t, size) = match kind {
            Kind::Dir => ('d', 4096),
            Kind::File(n) => ('-', n),
        };
        let mut perms = String::new();
        for shift in [6, 3, 0] {
            let bits = (mode >> shift) & 7;
            perms.push(if bits & 4 != 0 { 'r' } else { '-' });
            perms.push(if bits & 2 != 0 { 'w' } else { '-' });
            perms.push(if bits & 1 != 0 { 'x' } else { '-' });
        }
        format!("{t}{perms}    1 root     root     {size:>10} {name}\n")
    };
    for (i, p) in paths.iter().enumerate() {
        let path = cx.sh.path(p);
        let fs = cx.host().fs();
        match fs.stat(&path) {
            None => {
                drop(fs);
                cx.err(format!("ls: {p}: No such file or directory\n").as_bytes())?;
                status = 1;
            }
            Some(kind @ Kind::File(_)) => out.push_str(&line(p, kind, fs.mode(&path))),
            Some(Kind::Dir) => {
                if many {
                    if i > 0 {
                        out.push('\n');
                    }
                    out.push_str(&format!("{p}:\n"));
                }
                if all {
                    out.push_str(&line(".", Kind::Dir, 0o755));
                    out.push_str(&line("..", Kind::Dir, 0o755));
                }
                for (name, kind) in fs.list(&path).unwrap_or_default() {
                    if !all && name.starts_with('.') {
                        continue;
                    }
                    let mode = fs.mode(&format!("{path}/{name}"));
                    out.push_str(&line(&name, kind, mode));
                }
            }
        }
    }
    cx.out(out.as_bytes())?;
    Ok(status)
}

fn cd(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let target = args
        .first()
        .cloned()
        .unwrap_or_else(|| cx.sh.var("HOME").unwrap_or("/").to_string());
    let path = cx.sh.path(&target);
    let kind = cx.host().fs().stat(&path);
    match kind {
        Some(Kind::Dir) => {
            cx.sh.cwd = path;
            Ok(0)
        }
        other => {
            let why = if other.is_some() {
                FsError::NotADirectory
            } else {
                FsError::NotFound
            };
            cx.err(format!("sh: cd: can't cd to {target}: {why}\n").as_bytes())?;
            Ok(2)
        }
    }
}

fn sleep(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let Some(arg) = args.first() else {
        cx.err(b"sleep: missing operand\n")?;
        return Ok(1);
    };
    let (num, scale) = match arg.char_indices().last() {
        Some((i, 's')) => (&arg[..i], 1.0),
        Some((i, 'm')) => (&arg[..i], 60.0),
        Some((i, 'h')) => (&arg[..i], 3600.0),
        _ => (arg.as_str(), 1.0),
    };
    let Ok(secs) = num.parse::<f64>() else {
        cx.err(format!("sleep: invalid number '{arg}'\n").as_bytes())?;
        return Ok(1);
    };
    let secs = (secs * scale).clamp(0.0, 1e9);
    cx.k.io_flush()?;
    if cx.host().sleep(Duration::from_secs_f64(secs)) {
        Ok(0)
    } else {
        Err(Stop::Aborted)
    }
}

/// `test`'s expression, evaluated; `None` for a malformed one.
fn eval_test(cx: &Cx<'_, '_>, args: &[String]) -> Option<bool> {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    if let Some(("!", rest)) = a.split_first().map(|(f, r)| (*f, r)) {
        let rest: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
        return eval_test(cx, &rest).map(|b| !b);
    }
    let stat = |p: &str| cx.host().fs().stat(&cx.sh.path(p));
    let int = |s: &str| s.trim().parse::<i64>().ok();
    Some(match a.as_slice() {
        [] => false,
        [s] => !s.is_empty(),
        ["-n", s] => !s.is_empty(),
        ["-z", s] => s.is_empty(),
        ["-e", p] => stat(p).is_some(),
        ["-d", p] => stat(p) == Some(Kind::Dir),
        ["-f", p] => matches!(stat(p), Some(Kind::File(_))),
        ["-s", p] => matches!(stat(p), Some(Kind::File(n)) if n > 0),
        ["-r" | "-w" | "-x", p] => stat(p).is_some(),
        [x, "=" | "==", y] => x == y,
        [x, "!=", y] => x != y,
        [x, op, y] => {
            let (x, y) = (int(x)?, int(y)?);
            match *op {
                "-eq" => x == y,
                "-ne" => x != y,
                "-lt" => x < y,
                "-le" => x <= y,
                "-gt" => x > y,
                "-ge" => x >= y,
                _ => return None,
            }
        }
        _ => return None,
    })
}

fn test(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    match eval_test(cx, args) {
        Some(true) => Ok(0),
        Some(false) => Ok(1),
        None => {
            cx.err(b"sh: test: syntax error\n")?;
            Ok(2)
        }
    }
}

fn mkdir(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let parents = args.iter().any(|a| a == "-p" || a == "--parents");
    let mut status = 0;
    for a in args.iter().filter(|a| !a.starts_with('-')) {
        let path = cx.sh.path(a);
        let result = cx.host().fs().mkdir(&path, parents);
        if let Err(e) = result {
            cx.err(format!("mkdir: can't create directory '{a}': {e}\n").as_bytes())?;
            status = 1;
        }
    }
    Ok(status)
}

fn rm(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let flags: String = args
        .iter()
        .filter(|a| a.starts_with('-'))
        .flat_map(|a| a.chars().skip(1))
        .collect();
    let recursive = flags.contains('r') || flags.contains('R');
    let force = flags.contains('f');
    let mut status = 0;
    for a in args.iter().filter(|a| !a.starts_with('-')) {
        let path = cx.sh.path(a);
        let result = cx.host().fs().remove(&path, recursive);
        match result {
            Ok(()) => {}
            Err(FsError::NotFound) if force => {}
            Err(FsError::IsADirectory) => {
                cx.err(format!("rm: '{a}' is a directory\n").as_bytes())?;
                status = 1;
            }
            Err(e) => {
                cx.err(format!("rm: can't remove '{a}': {e}\n").as_bytes())?;
                status = 1;
            }
        }
    }
    Ok(status)
}

fn touch(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let mut status = 0;
    for a in args.iter().filter(|a| !a.starts_with('-')) {
        let path = cx.sh.path(a);
        let result = {
            let mut fs = cx.host().fs();
            match fs.stat(&path) {
                Some(_) => Ok(()),
                None => fs.write(&path, b"", false),
            }
        };
        if let Err(e) = result {
            cx.err(format!("touch: {a}: {e}\n").as_bytes())?;
            status = 1;
        }
    }
    Ok(status)
}

/// The input of a filter command: the named file or stdin.
fn input_of(
    cx: &mut Cx<'_, '_>,
    name: &str,
    file: Option<&String>,
) -> Result<Option<Vec<u8>>, Stop> {
    match file.filter(|f| *f != "-") {
        None => cx.read_all().map(Some),
        Some(f) => {
            let path = cx.sh.path(f);
            let data = cx.host().fs().read(&path).map(<[u8]>::to_vec);
            match data {
                Ok(d) => Ok(Some(d)),
                Err(e) => {
                    cx.err(format!("{name}: can't open '{f}': {e}\n").as_bytes())?;
                    Ok(None)
                }
            }
        }
    }
}

/// `head`/`tail` with `-n N`, `-c N`, `-c +N`/`-c+N` (from byte N on), `-n +N`, `-N`.
fn head_tail(cx: &mut Cx<'_, '_>, name: &str, args: &[String]) -> Result<i32, Stop> {
    let mut bytes = false;
    let mut count: Option<String> = None;
    let mut file = None;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if let Some(v) = a.strip_prefix("-c").or_else(|| a.strip_prefix("-n")) {
            bytes = a.starts_with("-c");
            count = Some(if v.is_empty() {
                i += 1;
                args.get(i).cloned().unwrap_or_default()
            } else {
                v.to_string()
            });
        } else if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| c.is_ascii_digit()) {
            count = Some(a[1..].to_string());
        } else {
            file = Some(a);
        }
        i += 1;
    }
    let count = count.unwrap_or_else(|| "10".into());
    let (from_start, n) = match count.strip_prefix('+') {
        Some(n) => (true, n),
        None => (false, count.trim_start_matches('-')),
    };
    let Ok(n) = n.parse::<usize>() else {
        cx.err(format!("{name}: invalid number '{count}'\n").as_bytes())?;
        return Ok(1);
    };
    let Some(data) = input_of(cx, name, file)? else {
        return Ok(1);
    };
    let units: Vec<&[u8]> = if bytes {
        data.chunks(1).collect()
    } else {
        data.split_inclusive(|b| *b == b'\n').collect()
    };
    let picked: &[&[u8]] = match (name, from_start) {
        ("head", _) => &units[..n.min(units.len())],
        (_, true) => &units[n.saturating_sub(1).min(units.len())..],
        _ => &units[units.len().saturating_sub(n)..],
    };
    cx.out(&picked.concat())?;
    Ok(0)
}

fn wc(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let flags: String = args
        .iter()
        .filter(|a| a.starts_with('-'))
        .flat_map(|a| a.chars().skip(1))
        .collect();
    let file = args.iter().find(|a| !a.starts_with('-'));
    let Some(data) = input_of(cx, "wc", file)? else {
        return Ok(1);
    };
    let lines = data.iter().filter(|b| **b == b'\n').count();
    let words = String::from_utf8_lossy(&data).split_whitespace().count();
    let mut fields = Vec::new();
    let all = flags.is_empty();
    if all || flags.contains('l') {
        fields.push(lines.to_string());
    }
    if all || flags.contains('w') {
        fields.push(words.to_string());
    }
    if all || flags.contains('c') {
        fields.push(data.len().to_string());
    }
    if let Some(f) = file {
        fields.push(f.clone());
    }
    cx.out(format!("{}\n", fields.join(" ")).as_bytes())?;
    Ok(0)
}

fn seq(cx: &mut Cx<'_, '_>, args: &[String]) -> Result<i32, Stop> {
    let nums: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let (first, step, last) = match nums.as_slice() {
        [l] => (1, 1, *l),
        [f, l] => (*f, 1, *l),
        [f, s, l] if *s != 0 => (*f, *s, *l),
        _ => {
            cx.err(b"seq: invalid arguments\n")?;
            return Ok(1);
        }
    };
    let mut out = String::new();
    let mut n = first;
    while (step > 0 && n <= last) || (step < 0 && n >= last) {
        out.push_str(&format!("{n}\n"));
        n += step;
        if out.len() > 1 << 20 {
            cx.out(out.as_bytes())?;
            out.clear();
        }
    }
    cx.out(out.as_bytes())?;
    Ok(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::testing::{TestHost, run_on, sh};

    #[test]
    fn lists_redirections_and_exit_codes() {
        let host = TestHost::default();
        assert_eq!(
            sh(&host, "echo a; echo b >&2; exit 3", ""),
            (3, "a\n".into(), "b\n".into())
        );
        assert_eq!(sh(&host, "false && echo no || echo yes", "").1, "yes\n");
        assert_eq!(sh(&host, "true && echo $?; false; echo $?", "").1, "0\n1\n");
        assert_eq!(
            sh(&host, "echo x > /tmp/f; echo y >> /tmp/f; cat /tmp/f", "").1,
            "x\ny\n"
        );
        assert_eq!(sh(&host, "cat /nope 2>/dev/null; echo $?", "").1, "1\n");
        assert_eq!(sh(&host, "echo err >&2 2>/dev/null", "").2, "err\n");
        assert_eq!(sh(&host, "echo out 2>&1 >&2", "").1, "out\n");
        assert_eq!(
            sh(&host, "ls /missing 2>&1", "").1,
            "ls: /missing: No such file or directory\n"
        );
        let (status, _, err) = sh(&host, "nosuchcmd arg", "");
        assert_eq!((status, err.as_str()), (127, "sh: nosuchcmd: not found\n"));
        assert_eq!(sh(&host, "echo 'unterminated", "").0, 2);
    }

    #[test]
    fn quoting_variables_and_environment() {
        let host = TestHost::default();
        assert_eq!(
            sh(&host, r#"X=1; echo "$X '$FOO'" '$X' ${FOO}z"#, "").1,
            "1 'bar' $X barz\n"
        );
        assert_eq!(sh(&host, "A=b env | grep -v x", "").0, 127);
        let env = sh(&host, "A=b env", "").1;
        assert!(env.contains("FOO=bar\n") && env.contains("A=b\n"), "{env}");
        assert!(!sh(&host, "A=b true; env", "").1.contains("A=b"));
        assert_eq!(sh(&host, "printf '%s-%d\\n' a 1 b 2", "").1, "a-1\nb-2\n");
        assert_eq!(sh(&host, "sh -c 'echo $0 $1' me you", "").1, "me you\n");
        assert_eq!(
            sh(&host, "hostname; pwd; cd /tmp && pwd", "").1,
            "pod-1\n/\n/tmp\n"
        );
    }

    #[test]
    fn stdin_pipes_and_filters() {
        let host = TestHost::default();
        assert_eq!(run_on(&host, &["cat"], b"hello\n").1, b"hello\n");
        assert_eq!(sh(&host, "cat | tail -c+3", "abcdef").1, "cdef");
        assert_eq!(sh(&host, "seq 1 5 | tail -n 2", "").1, "4\n5\n");
        assert_eq!(sh(&host, "seq 3 | head -n 1", "").1, "1\n");
        assert_eq!(sh(&host, "printf abc | wc -c", "").1, "3\n");
        assert_eq!(sh(&host, "cat > /tmp/in; cat /tmp/in", "data").1, "data");
        assert_eq!(
            run_on(&host, &["sh"], b"echo from stdin\n").1,
            b"from stdin\n"
        );
    }

    #[test]
    fn files_directories_and_tests() {
        let host = TestHost::default();
        assert_eq!(
            sh(&host, "mkdir -p /a/b && test -d /a/b && echo dir", "").1,
            "dir\n"
        );
        assert_eq!(
            sh(
                &host,
                "touch /a/f; [ -f /a/f ] && echo file; [ -d /a/f ] || echo notdir",
                ""
            )
            .1,
            "file\nnotdir\n"
        );
        assert_eq!(sh(&host, "ls /a", "").1, "b\nf\n");
        assert_eq!(sh(&host, "rm /a/b", "").2, "rm: '/a/b' is a directory\n");
        assert_eq!(sh(&host, "rm -r /a/b; ls /a", "").1, "f\n");
        assert_eq!(
            sh(&host, "mkdir /a", "").2,
            "mkdir: can't create directory '/a': File exists\n"
        );
        assert_eq!(
            sh(&host, "[ 2 -gt 1 ] && [ x = x ] && [ -n x ] && echo ok", "").1,
            "ok\n"
        );
        assert_eq!(sh(&host, "[ 1 -gt 2", "").0, 2);
    }

    #[test]
    fn the_main_process_output_goes_to_the_log() {
        let host = TestHost::default();
        sh(
            &host,
            "echo to-log > /proc/1/fd/1; echo err-log >/proc/1/fd/2",
            "",
        );
        assert_eq!(&*host.log.lock().unwrap(), b"to-log\nerr-log\n");
    }
}
