//! A re-implementation of Go's `text/tabwriter` column layout (without its escape, HTML and
//! alignment flags), so tables print exactly as kubectl prints them.
//!
//! Input is lines of tab-terminated cells. A cell followed by a tab belongs to a column; the text
//! after a line's last tab does not. Consecutive lines that have a cell in the same column form a
//! column block, and every cell of the block is padded to the widest cell plus the padding.

/// Column layout settings (Go's `tabwriter.NewWriter(out, minwidth, tabwidth, padding, ' ', 0)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TabWriter {
    /// The minimal width of a column, padding included.
    pub min_width: usize,
    /// Spaces added to the widest cell of a column.
    pub padding: usize,
}

impl TabWriter {
    /// kubectl's table writer (`printers.GetNewTabWriter`): minimal width 0, padding 3.
    pub const KUBECTL: TabWriter = TabWriter {
        min_width: 0,
        padding: 3,
    };

    /// Lays out `text`: each tab-terminated cell is padded with spaces to its column's width.
    pub fn format(&self, text: &str) -> String {
        let mut lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
        // Text ending in a newline has no last line (Go flushes nothing after it).
        let terminated = text.ends_with('\n');
        if terminated {
            lines.pop();
        }
        let mut out = String::with_capacity(text.len() * 2);
        let mut widths = Vec::new();
        self.format_block(&lines, 0, lines.len(), &mut widths, &mut out);
        if !terminated && out.ends_with('\n') {
            out.pop();
        }
        out
    }

    /// Go's `Writer.format`: finds the column blocks of column `widths.len()` within
    /// `line0..line1`, and recurses for the columns to their right.
    fn format_block(
        &self,
        lines: &[Vec<&str>],
        mut line0: usize,
        line1: usize,
        widths: &mut Vec<usize>,
        out: &mut String,
    ) {
        let column = widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 >= lines[this].len() {
                this += 1;
                continue;
            }
            // A block of lines with a cell in this column starts here.
            write_lines(lines, line0, this, widths, out);
            line0 = this;
            let mut width = self.min_width;
            while this < line1 && column + 1 < lines[this].len() {
                width = width.max(cell_width(lines[this][column]) + self.padding);
                this += 1;
            }
            widths.push(width);
            self.format_block(lines, line0, this, widths, out);
            widths.pop();
            line0 = this;
        }
        write_lines(lines, line0, line1, widths, out);
    }
}

/// The width of a cell as Go counts it: in characters (runes).
fn cell_width(cell: &str) -> usize {
    cell.chars().count()
}

fn write_lines(
    lines: &[Vec<&str>],
    line0: usize,
    line1: usize,
    widths: &[usize],
    out: &mut String,
) {
    for line in &lines[line0..line1] {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if let Some(&width) = widths.get(j) {
                let pad = width.saturating_sub(cell_width(cell));
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_columns_like_go() {
        let w = TabWriter::KUBECTL;
        assert_eq!(
            w.format("NAME\tKIND\nconfigmaps\tConfigMap\nno\tNode\n"),
            "NAME         KIND\nconfigmaps   ConfigMap\nno           Node\n"
        );
        // A trailing tab pads the last column too (kubectl's wide output with no categories).
        assert_eq!(
            w.format("a\tbb\t\nccc\td\tx\n"),
            "a     bb   \nccc   d    x\n"
        );
        // Lines without tabs end a block; the next block has its own widths.
        assert_eq!(
            w.format("a\tb\nplain\nlonger\tc\n"),
            "a   b\nplain\nlonger   c\n"
        );
        assert_eq!(w.format("x\ty"), "x   y");
        assert_eq!(w.format(""), "");
        // Widths count characters, not bytes.
        assert_eq!(w.format("é\tz\nab\tz\n"), "é    z\nab   z\n");
    }

    #[test]
    fn nested_blocks() {
        // Column 1 exists only for the middle lines: it forms its own block.
        let w = TabWriter {
            min_width: 0,
            padding: 1,
        };
        assert_eq!(
            w.format("a\tb\nccc\tdd\te\nf\tg\th\ni\tj\n"),
            "a   b\nccc dd e\nf   g  h\ni   j\n"
        );
    }
}
