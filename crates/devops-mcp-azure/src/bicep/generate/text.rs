//! Writing Bicep text: string quoting and an indenting line writer, so that the module
//! renderers read like the Bicep they produce.

/// A Bicep single-quoted string literal with `\`, `'` and `${` escaped.
#[must_use]
pub fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Lines with two-space indentation.
#[derive(Default)]
pub struct Out {
    text: String,
    indent: usize,
}

impl Out {
    /// A new, empty writer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes one line at the current indentation (an empty string writes a blank line).
    pub fn line(&mut self, s: &str) -> &mut Self {
        if s.is_empty() {
            self.text.push('\n');
        } else {
            for _ in 0..self.indent {
                self.text.push_str("  ");
            }
            self.text.push_str(s);
            self.text.push('\n');
        }
        self
    }

    /// Writes a line that opens a block and indents what follows.
    pub fn open(&mut self, s: &str) -> &mut Self {
        self.line(s);
        self.indent += 1;
        self
    }

    /// Dedents and writes the line that closes a block.
    pub fn close(&mut self, s: &str) -> &mut Self {
        self.indent = self.indent.saturating_sub(1);
        self.line(s)
    }

    /// A `@description('...')` decorator.
    pub fn description(&mut self, s: &str) -> &mut Self {
        self.line(&format!("@description({})", q(s)))
    }

    /// The text written so far.
    #[must_use]
    pub fn finish(self) -> String {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_what_bicep_needs() {
        assert_eq!(q("it's"), "'it\\'s'");
        assert_eq!(q("a\\b"), "'a\\\\b'");
        assert_eq!(q("${x}"), "'\\${x}'");
        assert_eq!(q("$5"), "'$5'");
    }

    #[test]
    fn writer_indents_blocks() {
        let mut o = Out::new();
        o.open("resource x 'A/b@1' = {")
            .line("name: 'x'")
            .close("}");
        assert_eq!(o.finish(), "resource x 'A/b@1' = {\n  name: 'x'\n}\n");
    }
}
