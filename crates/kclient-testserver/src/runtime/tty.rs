//! The terminal a session gets with `tty=true`: what the kernel's tty line discipline does
//! between the client and the process (a pure state machine), and the window size the client's
//! resize messages set (`stty size` reads it).
//!
//! Canonical mode with the default `stty` flags of a container's pty:
//! - output: `ONLCR` (every `\n` the process writes reaches the client as `\r\n`);
//! - input: `ICRNL` (`\r` becomes `\n`), `ECHO`/`ECHOE` (typed bytes come back, erase echoes
//!   `\b \b`), lines are handed to the process when complete, `^C` (`VINTR`) interrupts the
//!   process (exit status 130, `^C` echoed), `^D` (`VEOF`) on an empty line is end of input and
//!   otherwise hands over the partial line, `DEL`/`^H` (`VERASE`) erases one byte.

use std::sync::Mutex;

/// `^C`.
const VINTR: u8 = 0x03;
/// `^D`.
const VEOF: u8 = 0x04;
/// `DEL` and `^H`.
const VERASE: [u8; 2] = [0x7f, 0x08];

/// What one chunk of client input does.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Input {
    /// Bytes for the process's stdin (complete lines, or a line handed over by `^D`).
    pub to_process: Vec<u8>,
    /// Bytes for the client's screen (the echo).
    pub echo: Vec<u8>,
    /// `^D` on an empty line: the process's stdin ends.
    pub eof: bool,
    /// `^C`: the process is interrupted.
    pub interrupt: bool,
}

/// The input side of the line discipline: the line being edited.
#[derive(Debug, Default)]
pub struct LineDiscipline {
    line: Vec<u8>,
}

impl LineDiscipline {
    /// Feeds what the client typed.
    pub fn input(&mut self, data: &[u8]) -> Input {
        let mut out = Input::default();
        for &b in data {
            match b {
                VINTR => {
                    out.echo.extend_from_slice(b"^C\r\n");
                    self.line.clear();
                    out.interrupt = true;
                }
                VEOF => {
                    if self.line.is_empty() {
                        out.eof = true;
                    } else {
                        out.to_process.append(&mut self.line);
                    }
                }
                b if VERASE.contains(&b) => {
                    if self.line.pop().is_some() {
                        out.echo.extend_from_slice(b"\x08 \x08");
                    }
                }
                b'\r' | b'\n' => {
                    out.echo.extend_from_slice(b"\r\n");
                    self.line.push(b'\n');
                    out.to_process.append(&mut self.line);
                }
                b => {
                    out.echo.push(b);
                    self.line.push(b);
                }
            }
        }
        out
    }
}

/// `ONLCR`: what the client sees of what the process wrote.
pub fn output(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 16);
    for &b in data {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// A session's terminal: its window size (0×0 until the client sends one, as a new pty).
#[derive(Debug, Default)]
pub struct Terminal {
    size: Mutex<(u16, u16)>,
}

impl Terminal {
    /// Sets the size from a resize message (`Width` columns, `Height` rows).
    pub fn resize(&self, width: u16, height: u16) {
        *self.size.lock().unwrap_or_else(|e| e.into_inner()) = (height, width);
    }

    /// (rows, columns), as `stty size` prints them.
    pub fn size(&self) -> (u16, u16) {
        *self.size.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_echoed_and_handed_over_when_complete() {
        let mut ld = LineDiscipline::default();
        let i = ld.input(b"ech");
        assert_eq!(i.echo, b"ech");
        assert!(i.to_process.is_empty());
        let i = ld.input(b"o hi\r");
        assert_eq!(i.echo, b"o hi\r\n");
        assert_eq!(i.to_process, b"echo hi\n");
        assert!(!i.eof && !i.interrupt);
    }

    #[test]
    fn erase_interrupt_and_end_of_input() {
        let mut ld = LineDiscipline::default();
        let i = ld.input(b"ab\x7fc\n");
        assert_eq!(i.to_process, b"ac\n");
        assert_eq!(i.echo, b"ab\x08 \x08c\r\n");
        let i = ld.input(b"partial\x03");
        assert!(i.interrupt);
        assert!(i.to_process.is_empty());
        assert!(i.echo.ends_with(b"^C\r\n"));
        let i = ld.input(b"x\x04");
        assert_eq!(i.to_process, b"x");
        assert!(!i.eof);
        assert!(ld.input(b"\x04").eof);
    }

    #[test]
    fn output_maps_newlines() {
        assert_eq!(output(b"a\nb\n"), b"a\r\nb\r\n");
        assert_eq!(output(b"no newline"), b"no newline");
    }

    #[test]
    fn terminal_size_is_rows_then_columns() {
        let t = Terminal::default();
        assert_eq!(t.size(), (0, 0));
        t.resize(120, 40);
        assert_eq!(t.size(), (40, 120));
    }
}
