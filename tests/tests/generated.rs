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
