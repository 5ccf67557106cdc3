//! Writes completions/ and man/ from the clap definitions.

fn main() -> std::io::Result<()> {
    let root = kaprobe_tests::repo_root();
    for (path, bytes) in kaprobe_tests::generated_files() {
        let full = root.join(&path);
        std::fs::create_dir_all(full.parent().expect("files live in a folder"))?;
        std::fs::write(&full, bytes)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
