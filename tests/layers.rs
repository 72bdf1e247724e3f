//! The crate's layers, lowest first, and a check that no file in `src/` reaches up.
//!
//! A module may use modules of a lower layer and itself; modules of one layer do not use
//! each other. The check reads the source text: every `crate::<module>` path (in `use` and in
//! expressions) and every `super::` chain that climbs out of its top-level module.

use std::fs;
use std::path::{Path, PathBuf};

/// The one table of layers, lowest first.
const LAYERS: &[&[&str]] = &[
    &["domain"],
    &["atomic", "paths", "crdt", "cores"],
    &["strings"],
    &["store", "print", "bundle", "config", "report"],
    &["exports", "swv", "partners"],
    &["sync"],
    &["ui"],
    &["cli"],
    &["main", "lib"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rule() -> String {
    let names: Vec<String> = LAYERS.iter().map(|l| l.join(", ")).collect();
    format!("layers, lowest first: {}; a module uses only lower layers and itself", names.join(" < "))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Module path of a file below `src/`: `src/ui/view/list.rs` is `["ui", "view", "list"]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap().trim_end_matches(".rs").to_string();
    if last != "mod" {
        parts.push(last);
    }
    parts
}

/// The code of a line without its `//` comment (doc links name modules without using them).
fn code(line: &str) -> &str {
    line.find("//").map_or(line, |i| &line[..i])
}

fn ident_after(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

struct Import {
    file: String,
    line: usize,
    text: String,
    target: String,
}

/// Every top-level module a file names through `crate::` or a `super::` chain leaving its module.
fn imports(rel: &Path, source: &str) -> Vec<Import> {
    let module = module_path(rel);
    let mut inline_depth = 0;
    let mut found = Vec::new();
    for (n, raw) in source.lines().enumerate() {
        let line = code(raw);
        let trimmed = line.trim_start();
        if trimmed.starts_with("mod ") && trimmed.trim_end().ends_with('{') {
            inline_depth = 1;
        }
        let mut push = |target: &str| {
            if found.last().is_some_and(|i: &Import| i.line == n + 1 && i.target == target) {
                return;
            }
            found.push(Import {
                file: format!("src/{}", rel.display()),
                line: n + 1,
                text: raw.trim().to_string(),
                target: target.to_string(),
            })
        };
        for (i, _) in line.match_indices("crate::") {
            if i > 0 && line.as_bytes()[i - 1] == b'$' {
                continue;
            }
            push(ident_after(&line[i + "crate::".len()..]));
        }
        for (i, _) in line.match_indices("super::") {
            if i >= "super::".len() && &line[i - "super::".len()..i] == "super::" {
                continue;
            }
            let mut rest = &line[i..];
            let mut ups = 0;
            while let Some(r) = rest.strip_prefix("super::") {
                ups += 1;
                rest = r;
            }
            let depth = module.len() + inline_depth;
            if ups >= depth {
                push(ident_after(rest));
            }
        }
    }
    found
}

fn all_imports() -> Vec<Import> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap().to_path_buf();
        out.extend(imports(&rel, &fs::read_to_string(&file).unwrap()));
    }
    out
}

fn top_module(file: &str) -> String {
    module_path(Path::new(file.trim_start_matches("src/"))).remove(0)
}

#[test]
fn no_module_imports_from_a_layer_above_or_beside_it() {
    let mut bad = Vec::new();
    for import in all_imports() {
        let from = top_module(&import.file);
        if import.target == from {
            continue;
        }
        let (Some(own), Some(theirs)) = (layer_of(&from), layer_of(&import.target)) else {
            bad.push(format!(
                "{}:{}: `{}`: module `{}` or `{}` is missing in LAYERS",
                import.file, import.line, import.text, from, import.target
            ));
            continue;
        };
        if theirs >= own {
            let place = if theirs == own { "beside it" } else { "above it" };
            bad.push(format!(
                "{}:{}: `{}`: `{from}` (layer {own}) uses `{}` (layer {theirs}, {place})",
                import.file, import.line, import.text, import.target
            ));
        }
    }
    assert!(bad.is_empty(), "{} upward import(s); {}:\n{}", bad.len(), rule(), bad.join("\n"));
}

#[test]
fn domain_names_nothing_of_the_crate_outside_domain() {
    let bad: Vec<String> = all_imports()
        .into_iter()
        .filter(|i| top_module(&i.file) == "domain" && i.target != "domain")
        .map(|i| format!("{}:{}: `{}`", i.file, i.line, i.text))
        .collect();
    assert!(bad.is_empty(), "src/domain must not name `crate::` outside `crate::domain`:\n{}", bad.join("\n"));
}

#[test]
fn the_scanner_sees_use_expressions_and_super_chains() {
    let source = "use crate::strings;\nfn f() { crate::ui::run(); }\n/// [`crate::cli`]\nmod tests {\n    use super::super::config;\n    use super::x;\n}\n";
    let found: Vec<String> = imports(Path::new("strings.rs"), source).into_iter().map(|i| i.target).collect();
    assert_eq!(found, ["strings", "ui", "config"]);
    let nested: Vec<String> = imports(Path::new("domain/case.rs"), source).into_iter().map(|i| i.target).collect();
    assert_eq!(nested, ["strings", "ui"], "super::super in domain/case.rs tests is still domain");
}
