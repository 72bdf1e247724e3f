//! Broken routekaart files, each refused with the line and a message that says what to
//! fix. Every file in `tests/routekaart_corpus/` starts with `# expect: <text>`; the
//! error for it must contain that text (and the file name).

use std::path::Path;

use tandem::config::parse_routekaart;

#[test]
fn every_broken_file_is_refused_with_its_line_and_problem() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/routekaart_corpus");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = text.lines().next().and_then(|l| l.strip_prefix("# expect: ")).expect("expect line");
        let err = parse_routekaart(&path, &text).expect_err(&path.display().to_string()).to_string();
        assert!(err.contains(expect), "{}:\n  expected: {expect}\n  got: {err}", path.display());
        assert!(err.contains(path.file_name().unwrap().to_str().unwrap()), "{err}");
        checked += 1;
    }
    assert!(checked >= 10, "the corpus has {checked} files");
}

#[test]
fn the_shipped_routekaart_is_valid() {
    let text = include_str!("../config/routekaart.toml");
    let route = parse_routekaart(Path::new("config/routekaart.toml"), text).unwrap();
    assert_eq!(route.steps.len(), 10);
    assert_eq!(route.purposes.len(), 4);
}
