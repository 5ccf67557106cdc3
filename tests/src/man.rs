//! Man pages: clap_mangen's title, name, options and version sections, with a
//! synopsis that is `-h`'s usage line and the `--help` epilogue rendered as roff
//! (headings as sections, definition lists as tagged paragraphs, examples
//! unfilled) so that man fills it to the reader's width instead of showing the
//! hand-wrapped text ragged.

use roff::{Roff, bold, roman};

/// The page for `cmd` (already named as its page: `kafind-layers`).
pub fn render(cmd: &clap::Command) -> Vec<u8> {
    let mut cmd = cmd.clone();
    let usage = cmd.render_usage().to_string();
    let usage = usage
        .trim()
        .strip_prefix("Usage: ")
        .unwrap_or(usage.trim())
        .to_string();
    // The usage names the page's command (kafind-layers); the synopsis shows it
    // as typed (kafind layers).
    let typed = usage.replacen(cmd.get_name(), &cmd.get_name().replacen('-', " ", 1), 1);
    let epilogue = cmd
        .get_after_long_help()
        .or(cmd.get_after_help())
        .map(|s| s.to_string());
    cmd = cmd
        .override_usage(typed)
        .after_help(None::<&str>)
        .after_long_help(None::<&str>);
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    let w: &mut dyn std::io::Write = &mut out;
    man.render_title(w).expect("memory");
    man.render_name_section(w).expect("memory");
    man.render_synopsis_section(w).expect("memory");
    man.render_description_section(w).expect("memory");
    man.render_options_section(w).expect("memory");
    if cmd.has_subcommands() {
        man.render_subcommands_section(w).expect("memory");
    }
    if let Some(text) = epilogue {
        out.extend(epilogue_roff(&text).render().into_bytes());
    }
    if cmd.get_version().is_some() {
        let w: &mut dyn std::io::Write = &mut out;
        man.render_version_section(w).expect("memory");
    }
    // Each section renders roff's two-line preamble; keep the first.
    let text = String::from_utf8(out).expect("roff is text");
    let preamble = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let mut once = text.replace(preamble, "");
    once.insert_str(0, preamble);
    once.into_bytes()
}

/// One block of the epilogue: lines between blank lines.
fn blocks(text: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = vec![Vec::new()];
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push(Vec::new());
        } else {
            out.last_mut().expect("one block at least").push(line);
        }
    }
    out.retain(|b| !b.is_empty());
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// A heading short enough to be a section of its own ("Exit status:").
fn section_name(line: &str) -> Option<String> {
    let head = line.strip_suffix(':')?;
    (indent(line) == 0 && head.split_whitespace().count() <= 3 && !head.contains('('))
        .then(|| head.to_uppercase())
}

fn joined(lines: &[&str]) -> String {
    lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ")
}

/// The epilogue as roff: sections, paragraphs, tagged lists and examples.
pub fn epilogue_roff(text: &str) -> Roff {
    let mut roff = Roff::new();
    let mut section = String::from("NOTES");
    let mut opened = false;
    for block in blocks(text) {
        let mut lines: &[&str] = &block;
        if let Some(name) = section_name(lines[0]) {
            section = name;
            roff.control("SH", [section.as_str()]);
            opened = true;
            lines = &lines[1..];
        } else if !opened {
            roff.control("SH", [section.as_str()]);
            opened = true;
        }
        if section == "EXAMPLES" {
            roff.control("PP", [])
                .control("nf", [])
                .control("RS", ["2"]);
            for line in lines {
                roff.text([roman(line.trim())]);
            }
            roff.control("RE", []).control("fi", []);
            continue;
        }
        let mut i = 0;
        while i < lines.len() {
            if indent(lines[i]) == 0 {
                // A paragraph: unindented lines up to the next indented one.
                let start = i;
                while i < lines.len() && indent(lines[i]) == 0 {
                    i += 1;
                }
                roff.control("PP", [])
                    .text([roman(joined(&lines[start..i]))]);
                continue;
            }
            // A list entry: its tag, then text after two spaces or on the
            // deeper-indented lines that follow.
            let own = indent(lines[i]);
            let entry = lines[i].trim();
            let (tag, first) = match entry.find("  ") {
                Some(at) => (entry[..at].trim(), Some(entry[at..].trim())),
                None => match entry.split_once(' ') {
                    // "grpc grpc.health...": a one-word tag and its text, when
                    // the next lines are indented to the text.
                    Some((t, rest))
                        if !t.ends_with(',')
                            && lines
                                .get(i + 1)
                                .is_some_and(|n| indent(n) == own + t.len() + 1) =>
                    {
                        (t, Some(rest.trim()))
                    }
                    _ => (entry, None),
                },
            };
            i += 1;
            let start = i;
            while i < lines.len() && indent(lines[i]) > own {
                i += 1;
            }
            let mut body: Vec<&str> = first.into_iter().collect();
            body.extend(lines[start..i].iter().map(|l| l.trim()));
            roff.control("TP", [])
                .text([bold(tag)])
                .text([roman(body.join(" "))]);
        }
    }
    roff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_lists_and_paragraphs() {
        let text = "Some text\nwrapped here.\n\nExit status:\n  0  fine\n  1  not fine, and\n     more\n  SSL_CERT_FILE, SSL_CERT_DIR\n                 where\n\nExamples:\n  kaping -c 1 x\n";
        let out = epilogue_roff(text).render();
        assert!(
            out.contains(".SH NOTES\n.PP\nSome text wrapped here."),
            "{out}"
        );
        assert!(out.contains(".SH \"EXIT STATUS\""), "{out}");
        assert!(out.contains(".TP\n\\fB1\\fR\nnot fine, and more"), "{out}");
        assert!(
            out.contains("\\fBSSL_CERT_FILE, SSL_CERT_DIR\\fR\nwhere"),
            "{out}"
        );
        assert!(
            out.contains(".nf\n.RS 2\nkaping \\-c 1 x\n.RE\n.fi"),
            "{out}"
        );
    }
}
