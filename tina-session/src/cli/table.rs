//! Aligned text tables for human output (`list`, `tasks`): every cell escaped with
//! [`super::safe`] first, then padded by its width on a terminal (a CJK character or an
//! emoji takes two columns), so columns line up whatever agents wrote.

use unicode_width::UnicodeWidthStr;

/// How a column is aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Rows of cells under a header; the last column is never padded.
pub struct Table {
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and alignments.
    pub fn new(columns: &[(&str, Align)]) -> Self {
        Self {
            aligns: columns.iter().map(|(_, a)| *a).collect(),
            rows: vec![columns.iter().map(|(h, _)| (*h).to_owned()).collect()],
        }
    }

    /// Adds a row; each cell is escaped for the terminal.
    pub fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|c| super::safe(c.as_ref()).into_owned())
                .collect(),
        );
    }

    /// The rows, one per line, columns separated by two spaces.
    pub fn render(&self) -> String {
        let columns = self.aligns.len();
        let widths: Vec<usize> = (0..columns)
            .map(|i| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| c.width())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                let pad = widths
                    .get(i)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(cell.width());
                let last = i + 1 == row.len();
                if i > 0 {
                    line.push_str("  ");
                }
                match self.aligns.get(i).copied().unwrap_or(Align::Left) {
                    Align::Right => {
                        line.push_str(&" ".repeat(pad));
                        line.push_str(cell);
                    }
                    Align::Left if last => line.push_str(cell),
                    Align::Left => {
                        line.push_str(cell);
                        line.push_str(&" ".repeat(pad));
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.pop();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The terminal column where `needle` starts in `line`.
    fn column_of(line: &str, needle: &str) -> usize {
        let at = line.find(needle).expect("needle in line");
        line[..at].width()
    }

    #[test]
    fn columns_align_with_wide_and_escaped_text() {
        let mut t = Table::new(&[
            ("NAME", Align::Left),
            ("N", Align::Right),
            ("ID", Align::Left),
        ]);
        t.row(["plain", "1", "id-a"]);
        t.row(["日本語の名前", "22", "id-b"]);
        t.row(["bell\u{7}\nnext", "333", "id-c"]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[3].starts_with("bell\\u{7}\\nnext"), "escaped: {text}");
        let id_column = column_of(lines[0], "ID");
        for (line, id) in lines[1..].iter().zip(["id-a", "id-b", "id-c"]) {
            assert_eq!(column_of(line, id), id_column, "{text}");
        }
        // Right-aligned numbers end in one column.
        let n_end = column_of(lines[0], " N ") + 2;
        assert_eq!(column_of(lines[1], "1") + 1, n_end, "{text}");
        assert_eq!(column_of(lines[3], "333") + 3, n_end, "{text}");
    }
}
