//! The README works as written: every `sh` block runs, each against a fresh simulator,
//! and prints what its comments say; the endpoint tables are the served OpenAPI
//! documents; the library example names what it needs; the files it cites exist.
//!
//! How a block runs: `bash -euo pipefail`, from the repository root (where a reader
//! is), with `SIM` set to a fresh `dbaas-sim serve --addr 127.0.0.1:0 --clock manual`
//! (the blocks read `SIM=${SIM:-http://127.0.0.1:8080}`), the binary's directory first
//! on `PATH` (as `dbaas-sim`) and `TMPDIR` a directory of its own. A `# => TEXT` comment
//! at the end of a command is what the command prints (more `# => ...` lines right
//! below: more lines of it); other comments are prose. A block must exit 0, print what
//! it promises and leave the repository as it found it.
//!
//! The binary is `DBAAS_SIM_README_BIN` when set (`.ci/run` sets the release build, the
//! one the README tells readers to build), else the one this `cargo test` built.
//! `sh build` blocks (building and testing the repository itself) are not run here:
//! each of their commands must be one that `.ci/run` runs.
//!
//! The endpoint tables are regenerated with `UPDATE_README=1 cargo test --test tests
//! readme`, from `GET /_sim/openapi/{provider}.json` of every provider `GET /_sim/health`
//! lists (so a new provider shows up by itself).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::*;

const REPO: &str = env!("CARGO_MANIFEST_DIR");
/// The longest a block may take (the Oracle walk-through sends ~60 requests).
const BLOCK_LIMIT: Duration = Duration::from_secs(120);

fn readme() -> String {
    std::fs::read_to_string(Path::new(REPO).join("README.md")).expect("README.md")
}

/// A fenced block: its info string, its first line's number in the file, its text.
struct Block {
    info: String,
    line: usize,
    text: String,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some(Block { info: info.trim().to_owned(), line: i + 2, text: String::new() }),
            (Some(_), Some("")) => out.push(open.take().expect("open")),
            (Some(b), _) => {
                b.text.push_str(line);
                b.text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "README.md: a block is not closed");
    out
}

fn is_shell(b: &Block) -> bool {
    matches!(b.info.split_whitespace().next(), Some("sh" | "bash" | "shell" | "console" | "zsh"))
}

/// `s` as one bash word on one line (`$'...'`, newlines escaped).
fn quoted(s: &str) -> String {
    format!("$'{}'", s.replace('\\', "\\\\").replace('\'', "\\'").replace('\n', "\\n"))
}

/// Where a comment starts on `line`, given whether the line starts inside single or
/// double quotes; answers the comment's byte offset (if any) and the quote state at the
/// end of the line.
fn comment_start(line: &str, mut single: bool, mut double: bool) -> (Option<usize>, bool, bool) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if single {
            single = c != b'\'';
        } else if c == b'\\' {
            i += 1;
        } else if double {
            double = c != b'"';
        } else if c == b'\'' {
            single = true;
        } else if c == b'"' {
            double = true;
        } else if c == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return (Some(i), single, double);
        }
        i += 1;
    }
    (None, single, double)
}

/// A command of the script being written: its first and last lines (indices into the
/// script), the last line without any check, and its promise (check line, README line,
/// expected output) once it has one.
struct Cmd {
    first: usize,
    last: usize,
    last_text: String,
    promise: Option<(usize, usize, String)>,
}

/// Wraps the command so that its stdout goes to the file `__check` reads.
fn capture(out: &mut [String], cmd: &mut Cmd) {
    if !cmd.last_text.ends_with("> \"$__o\"") {
        out[cmd.first] = format!("{{ {}", out[cmd.first]);
        let last = if cmd.first == cmd.last { out[cmd.first].clone() } else { out[cmd.last].clone() };
        cmd.last_text = format!("{} ; }} > \"$__o\"", last.trim_end());
        out[cmd.last] = cmd.last_text.clone();
    }
}

/// The script that runs a block and checks its `# =>` outputs, one script line per
/// README line (so that bash's line numbers are the README's, offset by the block).
fn script(block: &Block) -> String {
    let mut out: Vec<String> = Vec::new();
    // Line 1: the harness; README line `block.line + k` is script line `k + 2`.
    out.push(format!(
        "__o=$(mktemp); __failed=0; __start={start}; \
         trap 'echo \"README.md:$((__start + LINENO - 2)): exit status $?\" >&2' ERR; \
         __check() {{ local got; got=$(cat \"$__o\"); if [ \"$got\" != \"$2\" ]; then \
         printf 'README.md:%s: the output differs\\n  promised: %s\\n  printed:  %s\\n' \"$1\" \"$2\" \"$got\" >&2; \
         __failed=1; fi; }}",
        start = block.line
    ));
    let (mut single, mut double) = (false, false);
    let mut heredoc: Option<String> = None;
    let mut continuing_from: Option<usize> = None;
    let mut last: Option<Cmd> = None;
    for (k, line) in block.text.lines().enumerate() {
        let readme_line = block.line + k;
        if let Some(end) = &heredoc {
            if line.trim() == end {
                heredoc = None;
            }
            out.push(line.to_owned());
            continue;
        }
        let trimmed = line.trim_start();
        if continuing_from.is_none() {
            if let Some(more) = trimmed.strip_prefix("# =>") {
                let more = more.strip_prefix(' ').unwrap_or(more);
                let cmd = last.as_mut().unwrap_or_else(|| {
                    panic!("README.md:{readme_line}: a `# =>` line must follow the command whose output it is")
                });
                capture(&mut out, cmd);
                let expected = match cmd.promise.take() {
                    Some((check_line, at, mut expected)) => {
                        // The check moves to the last line of the promise.
                        out[check_line] = if check_line == cmd.last { cmd.last_text.clone() } else { String::new() };
                        expected.push('\n');
                        expected.push_str(more);
                        (at, expected)
                    }
                    None => (block.line + cmd.last - 1, more.to_owned()),
                };
                out.push(format!("__check {} {}", expected.0, quoted(&expected.1)));
                cmd.promise = Some((out.len() - 1, expected.0, expected.1));
                continue;
            }
        }
        let start = continuing_from.unwrap_or(out.len());
        let (comment, s, d) = comment_start(line, single, double);
        single = s;
        double = d;
        let code = comment.map_or(line, |c| &line[..c]);
        if continuing_from.is_none() && code.trim().is_empty() {
            out.push(line.to_owned());
            last = None;
            continue;
        }
        if !single && !double {
            heredoc = heredoc_delimiter(code);
        }
        let continued = code.trim_end().ends_with('\\') || single || double;
        out.push(line.to_owned());
        if continued {
            continuing_from = Some(start);
            continue;
        }
        continuing_from = None;
        if heredoc.is_some() {
            last = None;
            continue;
        }
        let mut cmd = Cmd { first: start, last: out.len() - 1, last_text: line.to_owned(), promise: None };
        if let Some(expected) = comment.and_then(|c| line[c..].strip_prefix("# =>")) {
            let expected = expected.strip_prefix(' ').unwrap_or(expected).to_owned();
            out[cmd.last] = code.to_owned();
            capture(&mut out, &mut cmd);
            out[cmd.last] = format!("{}; __check {readme_line} {}", cmd.last_text, quoted(&expected));
            cmd.promise = Some((cmd.last, readme_line, expected));
        }
        last = Some(cmd);
    }
    assert!(
        heredoc.is_none() && continuing_from.is_none(),
        "README.md:{}: the block ends inside a command",
        block.line
    );
    out.push("exit $__failed".to_owned());
    out.join("\n")
}

/// `<<EOF`, `<<'EOF'`, `<<"EOF"`, `<<-EOF` on a line: the delimiter.
fn heredoc_delimiter(code: &str) -> Option<String> {
    let at = code.find("<<")?;
    let rest = code[at + 2..].trim_start_matches('-').trim_start();
    if rest.starts_with('<') {
        return None; // a here-string
    }
    let word: String = rest.chars().take_while(|c| !c.is_whitespace() && *c != ';' && *c != ')').collect();
    let word = word.trim_matches(|c| c == '\'' || c == '"').to_owned();
    (!word.is_empty()).then_some(word)
}

/// The binary the blocks run, and why that one.
fn binary() -> (PathBuf, &'static str) {
    match std::env::var_os("DBAAS_SIM_README_BIN") {
        Some(p) => (PathBuf::from(p), "DBAAS_SIM_README_BIN"),
        None => (PathBuf::from(env!("CARGO_BIN_EXE_dbaas-sim")), "the binary of this cargo test"),
    }
}

/// A `dbaas-sim serve` for one block; killed on drop.
struct Served {
    child: std::process::Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(bin: &Path) -> Served {
    let mut child = Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:0", "--clock", "manual"])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(20)).expect("the listening line");
    let url = line.trim().strip_prefix("dbaas-sim listening on ").expect("the listening line").to_owned();
    Served { child, url }
}

/// What a block may not change: the names at the repository root and in `scenarios/`.
fn repository_listing() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for dir in ["", "scenarios", "python", "tests"] {
        for e in std::fs::read_dir(Path::new(REPO).join(dir)).expect("read_dir").flatten() {
            names.insert(format!("{dir}/{}", e.file_name().to_string_lossy()));
        }
    }
    names
}

/// Runs one block; answers (exit code, stderr).
fn run_block(block: &Block, bin: &Path) -> (Option<i32>, String) {
    let served = serve(bin);
    let tmp = std::env::temp_dir().join(format!("dbaas-sim-readme-{}-{}", std::process::id(), block.line));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let path = format!(
        "{}:{}",
        bin.parent().expect("the binary's directory").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.args(["-euo", "pipefail", "-c", &script(block)])
        .current_dir(REPO)
        .env("SIM", &served.url)
        .env("PATH", path)
        .env("TMPDIR", &tmp)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().expect("bash");
    let pid = child.id();
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let status = rx.recv_timeout(BLOCK_LIMIT);
    // Whatever the block left running (a background simulator, ...) goes with it.
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).stderr(Stdio::null()).status();
    let err = reader.join().unwrap_or_default();
    let _ = std::fs::remove_dir_all(&tmp);
    match status {
        Ok(Ok(s)) => (s.code(), err),
        _ => (None, format!("{err}\nREADME.md:{}: the block did not finish within {BLOCK_LIMIT:?}", block.line)),
    }
}

#[test]
fn every_shell_block_of_the_readme_runs_as_written() {
    let (bin, why) = binary();
    assert!(bin.is_file(), "{} ({why}) is not a file", bin.display());
    eprintln!("README blocks run with {} ({why})", bin.display());
    let text = readme();
    let before = repository_listing();
    let mut ran = 0;
    let mut failures = Vec::new();
    for block in blocks(&text).iter().filter(|b| is_shell(b)) {
        assert!(
            matches!(block.info.as_str(), "sh" | "sh build"),
            "README.md:{}: a shell block is `sh` (run here) or `sh build` (run by .ci/run), not `{}`",
            block.line - 1,
            block.info
        );
        if block.info == "sh build" {
            continue;
        }
        ran += 1;
        let (code, err) = run_block(block, &bin);
        if code != Some(0) || !err.is_empty() {
            failures.push(format!("README.md:{}: exit {code:?}\n{err}", block.line - 1));
        }
    }
    assert!(ran >= 8, "the README's walk-throughs are shell blocks: found {ran}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(repository_listing(), before, "the blocks leave no file in the repository");
}

#[test]
fn every_build_block_command_is_run_by_ci() {
    let ci = std::fs::read_to_string(Path::new(REPO).join(".ci/run")).expect(".ci/run");
    let ci_lines: BTreeSet<&str> = ci.lines().map(str::trim).collect();
    let mut commands = 0;
    for block in blocks(&readme()).iter().filter(|b| b.info == "sh build") {
        for (k, line) in block.text.lines().enumerate() {
            let (comment, _, _) = comment_start(line, false, false);
            let command = comment.map_or(line, |c| &line[..c]).trim();
            if command.is_empty() {
                continue;
            }
            commands += 1;
            assert!(
                ci_lines.contains(command),
                "README.md:{}: `{command}` is not a line of .ci/run, so nothing runs it",
                block.line + k
            );
        }
    }
    assert!(commands >= 3, "build, test and install commands: {commands}");
}

#[test]
fn the_harness_turns_promises_into_checks_and_leaves_other_lines_alone() {
    let block = Block {
        info: "sh".into(),
        line: 10,
        text: "X=1  # a comment\necho \"a # b\" \\\n  c   # => a # b c\nprintf 'x\\ny\\n'\n# => x\n# => y\ncat <<EOF\n# => not a promise\nEOF\n\n"
            .into(),
    };
    let s = script(&block);
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines.len(), 12, "one line per README line, the harness and the exit: {s}");
    assert_eq!(lines[1], "X=1  # a comment");
    assert_eq!(lines[2], "{ echo \"a # b\" \\");
    assert_eq!(lines[3], "  c ; } > \"$__o\"; __check 12 $'a # b c'");
    assert_eq!(lines[4], "{ printf 'x\\ny\\n' ; } > \"$__o\"");
    assert_eq!(lines[5], "");
    assert_eq!(lines[6], "__check 13 $'x\\ny'");
    assert_eq!(lines[8], "# => not a promise", "a heredoc's body is data");
    let run = |script: &str| Command::new("bash").args(["-euo", "pipefail", "-c", script]).output().expect("bash");
    let ok = run(&s);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let broken = script(&Block { info: "sh".into(), line: 3, text: "echo yes   # => no\nfalse\n".into() });
    let out = run(&broken);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("README.md:3: the output differs")
            && err.contains("promised: no")
            && err.contains("printed:  yes"),
        "{err}"
    );
    assert!(err.contains("README.md:4: exit status 1"), "a failing command is named by its README line: {err}");
}

// ---------------------------------------------------------------- the endpoint tables

const TABLE_BEGIN: &str = "<!-- endpoints: begin";
const TABLE_END: &str = "<!-- endpoints: end -->";

/// The endpoint tables, one per provider the simulator serves, from its OpenAPI documents.
async fn endpoint_tables() -> String {
    let sim = Sim::start().await;
    let health = sim.sim_get("/_sim/health").await;
    let mut out = String::new();
    for provider in health.body["providers"].as_array().expect("providers") {
        let provider = provider.as_str().expect("a name");
        let doc = sim.sim_get(&format!("/_sim/openapi/{provider}.json")).await;
        assert_eq!(doc.status, 200, "{provider}: {}", doc.text);
        let title = doc.body["info"]["title"].as_str().unwrap_or(provider);
        let title = title.trim_end_matches(" (dbaas-sim)");
        let mut rows = Vec::new();
        for (path, ops) in doc.body["paths"].as_object().expect("paths") {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(id) = ops.get(method).and_then(|o| o["operationId"].as_str()) {
                    rows.push(format!("| `{}` | `{path}` | `{id}` |", method.to_ascii_uppercase()));
                }
            }
        }
        out.push_str(&format!(
            "\n### {title} (`{provider}`, {} operations)\n\n| method | path | operation |\n|---|---|---|\n{}\n",
            rows.len(),
            rows.join("\n")
        ));
    }
    out
}

#[tokio::test]
async fn the_endpoint_tables_are_the_served_openapi_documents() {
    let text = readme();
    let begin = text.find(TABLE_BEGIN).expect("README.md has the endpoint tables' begin marker");
    let body_start = begin + text[begin..].find("-->").expect("the marker closes") + 3;
    let end = text.find(TABLE_END).expect("README.md has the endpoint tables' end marker");
    let want = endpoint_tables().await;
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{want}\n{}", &text[..body_start], &text[end..]);
        std::fs::write(Path::new(REPO).join("README.md"), updated).expect("write README.md");
        eprintln!("README.md: endpoint tables regenerated");
        return;
    }
    let got = text[body_start..end].trim();
    assert!(
        got == want.trim(),
        "README.md's endpoint tables differ from GET /_sim/openapi/*.json; \
         regenerate them with UPDATE_README=1 cargo test --test tests readme"
    );
}

// ---------------------------------------------------------------- what the text says

#[test]
fn the_library_example_names_its_dev_dependencies_and_is_a_tokio_test() {
    let all = blocks(&readme());
    let toml = all
        .iter()
        .find(|b| b.info == "toml" && b.text.contains("[dev-dependencies]"))
        .expect("a [dev-dependencies] block");
    assert!(toml.text.contains("dbaas-sim = "), "{}", toml.text);
    let tokio = toml.text.lines().find(|l| l.starts_with("tokio = ")).expect("tokio is named");
    for feature in ["\"macros\"", "\"rt-multi-thread\""] {
        assert!(tokio.contains(feature), "tokio needs {feature}: {tokio}");
    }
    let cargo = std::fs::read_to_string(Path::new(REPO).join("Cargo.toml")).expect("Cargo.toml");
    assert!(cargo.contains("tokio = { version = \"1\""), "the README's tokio major matches Cargo.toml");
    // Compiled and run by rustdoc (`rust,test_harness`: the #[tokio::test] runs).
    let rust = all.iter().find(|b| b.info.starts_with("rust")).expect("a Rust example");
    assert_eq!(rust.info, "rust,test_harness", "README.md:{}", rust.line - 1);
    assert!(rust.text.contains("#[tokio::test]"), "{}", rust.text);
}

#[test]
fn every_serve_flag_and_its_variable_is_in_the_readme() {
    let (bin, _) = binary();
    let help = Command::new(&bin).args(["serve", "--help"]).output().expect("serve --help");
    let help = String::from_utf8_lossy(&help.stdout);
    let text = readme();
    let mut flags = 0;
    for flag in help.lines().filter_map(|l| l.trim_start().strip_prefix("--")) {
        let flag = flag.split([' ', '=', '<']).next().unwrap_or("");
        if flag.is_empty() || flag == "help" {
            continue;
        }
        flags += 1;
        assert!(text.contains(&format!("`--{flag}")), "README.md documents --{flag}");
        let var = format!("`DBAAS_SIM_{}`", flag.to_ascii_uppercase().replace('-', "_"));
        assert!(text.contains(&var), "README.md names {var}");
    }
    assert!(flags >= 9);
}

#[test]
fn the_readme_cites_only_files_that_are_in_the_repository() {
    let text = readme();
    let mut cited = BTreeSet::new();
    // Markdown links to relative paths, and inline code that names a file or directory.
    for (i, _) in text.match_indices("](") {
        let target: String = text[i + 2..].chars().take_while(|c| *c != ')' && *c != '#').collect();
        if !target.is_empty() && !target.contains("://") {
            cited.insert(target);
        }
    }
    for span in text.split('`').skip(1).step_by(2) {
        let looks_like_a_path = !span.contains(' ')
            && !span.starts_with('/')
            && !span.contains('{')
            && !span.contains('$')
            && ["src/", "tests/", "scenarios/", "python/", "fuzz/", "benches/", "spec/", ".ci/"]
                .iter()
                .any(|p| span.starts_with(p));
        if looks_like_a_path || span.ends_with(".txt") || span.ends_with(".md") {
            cited.insert(span.trim_end_matches('/').to_owned());
        }
    }
    let missing: Vec<&String> = cited.iter().filter(|p| !Path::new(REPO).join(p).exists()).collect();
    assert!(missing.is_empty(), "README.md cites files that are not in the repository: {missing:?}");
    assert!(cited.len() >= 5, "{cited:?}");
}

#[test]
fn the_license_file_is_the_one_cargo_toml_names() {
    let cargo = std::fs::read_to_string(Path::new(REPO).join("Cargo.toml")).expect("Cargo.toml");
    assert!(cargo.contains("license = \"Apache-2.0\""), "Cargo.toml names Apache-2.0");
    let license = std::fs::read_to_string(Path::new(REPO).join("LICENSE")).expect("a LICENSE file");
    assert!(license.contains("Apache License") && license.contains("Version 2.0, January 2004"));
    assert!(license.contains("END OF TERMS AND CONDITIONS"), "the whole text");
    let pyproject = std::fs::read_to_string(Path::new(REPO).join("python/pyproject.toml")).expect("pyproject");
    assert!(pyproject.contains("license = { text = \"Apache-2.0\" }"), "the Python package says the same");
}
