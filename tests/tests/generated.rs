//! completions/ and man/ must match what the clap definitions generate now, and
//! every definition must be consistent.

#[test]
fn every_command_definition_is_consistent() {
    for command in kaprobe_tests::commands() {
        command.debug_assert();
    }
}

#[test]
fn completions_and_man_pages_are_fresh() {
    let root = kaprobe_tests::repo_root();
    let mut stale = Vec::new();
    for (path, want) in kaprobe_tests::generated_files() {
        let have = std::fs::read(root.join(&path)).unwrap_or_default();
        if have != want {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {}\nregenerate with: cargo run -p kaprobe-tests --bin gen-docs",
        stale.join(", ")
    );
}

/// The man pages agree with `-h` and let man fill their text: the synopsis is
/// the usage line, and the epilogue is sections and tagged lists, not a
/// hand-wrapped block.
#[test]
fn man_pages_agree_with_help_and_are_filled() {
    let root = kaprobe_tests::repo_root();
    let page = |name: &str| std::fs::read_to_string(root.join("man").join(name)).unwrap();
    let kaping = page("kaping.1");
    assert!(
        kaping.contains("\\fBkaping\\fR [OPTIONS] [TARGET]..."),
        "{kaping}"
    );
    for section in [".SH ENVIRONMENT", ".SH \"EXIT STATUS\"", ".SH EXAMPLES"] {
        assert!(kaping.contains(section), "{section}");
    }
    assert!(!kaping.contains(".SH EXTRA"));
    // The mode list comes from the protocols: kaping offers watch, kawatch does
    // not offer connect.
    assert!(kaping.contains("watch (Health/Watch"));
    let kawatch = page("kawatch.1");
    assert!(
        !kawatch.contains("connect (a new TCP connection"),
        "{kawatch}"
    );
    assert!(kawatch.contains("[default: 5s; off with \\-\\-mode watch]"));
    let layers = page("kafind-layers.1");
    assert!(
        layers.contains("\\fBkafind layers\\fR [OPTIONS] <TARGET>"),
        "{layers}"
    );
    // No text line of the epilogue is hand-wrapped: a paragraph is one line.
    let kaserve = page("kaserve.1");
    assert!(kaserve.contains(".TP\n\\fBclose\\-idle=DUR\\fR\nclose a connection after DUR without traffic either way, as a load balancer does"), "{kaserve}");
}
