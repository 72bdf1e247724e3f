//! The export and SWV commands of the real binary: a team exports, the SWV initialises,
//! trusts the team, imports and reports; the standard `age` and `minisign` tools open and
//! verify what the team wrote.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::tandem_cli as tandem;

fn ok(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "stdout: {text}\nstderr: {}", String::from_utf8_lossy(&out.stderr));
    text
}

fn tool(name: &str, args: &[&str], dir: &Path) -> Output {
    Command::new(name)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|_| panic!("{name} is not installed: apt-get install age minisign"))
}

#[test]
fn a_team_exports_and_the_swv_imports_verifies_and_reports() {
    let team = tempfile::tempdir().unwrap();
    let swv = tempfile::tempdir().unwrap();
    let sync = tempfile::tempdir().unwrap();
    ok(&tandem(team.path(), &["demo", "--cases", "40", "--seed", "7"]));

    // The SWV makes its key; the team puts it in its config.
    let init = ok(&tandem(swv.path(), &["swv", "init"]));
    let recipient =
        init.lines().find_map(|l| l.trim().strip_prefix("age1").map(|r| format!("age1{r}"))).expect("a recipient");
    let config_file = team.path().join("config/config.toml");
    let mut config = std::fs::read_to_string(&config_file).unwrap();
    config.push_str(&format!("\n[export]\nfolder = \"{}\"\nrecipient = \"{recipient}\"\n", sync.path().display()));
    std::fs::write(&config_file, config).unwrap();

    // The team's public key goes to the SWV, which trusts it: exactly the file that
    // `tandem export --key > team.pub` writes; the fingerprint shows on the terminal.
    let out = tandem(team.path(), &["export", "--key"]);
    let key = ok(&out);
    let shown = String::from_utf8_lossy(&out.stderr).into_owned();
    let pub_file = team.path().join("team.pub");
    std::fs::write(&pub_file, &key).unwrap();
    assert_eq!(key.lines().count(), 2, "a standard minisign .pub file: {key}");
    let school = "Demoschool De Vlinder";
    let trusted = ok(&tandem(swv.path(), &["swv", "trust", pub_file.to_str().unwrap(), "--name", school]));
    let fp = |text: &str| text.lines().find_map(|l| l.split("Vingerafdruk: ").nth(1).map(str::to_string)).unwrap();
    assert_eq!(fp(&shown), fp(&trusted), "both sides show the same fingerprint to compare by phone");

    let exported = ok(&tandem(team.path(), &["export"]));
    assert!(exported.contains("Bundel 1 geschreven"), "{exported}");
    let bundle = std::fs::read_dir(sync.path()).unwrap().next().unwrap().unwrap().path();

    // Standard tools: age decrypts with the SWV's identity file, minisign verifies.
    let work = tempfile::tempdir().unwrap();
    let identity = swv.path().join("config/swv-identity.txt");
    let out = tool(
        "age",
        &["-d", "-i", identity.to_str().unwrap(), "-o", "bundle.tar", bundle.to_str().unwrap()],
        work.path(),
    );
    assert!(out.status.success(), "age: {}", String::from_utf8_lossy(&out.stderr));
    assert!(tool("tar", &["-xf", "bundle.tar"], work.path()).status.success());
    let out = tool("minisign", &["-V", "-p", pub_file.to_str().unwrap(), "-m", "payload.json"], work.path());
    assert!(
        out.status.success(),
        "minisign: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let payload = std::fs::read_to_string(work.path().join("payload.json")).unwrap();
    assert!(payload.contains("\"sequence\":1") && payload.contains(&recipient));

    // Import twice (the second changes nothing), then the report.
    let first = ok(&tandem(swv.path(), &["swv", "import", sync.path().to_str().unwrap()]));
    assert!(first.contains("✓") && first.contains("40 dossiers bijgewerkt"), "{first}");
    let second = ok(&tandem(swv.path(), &["swv", "import", sync.path().to_str().unwrap()]));
    assert!(second.contains("al eerder ingelezen"), "{second}");
    let csv = swv.path().join("monitor.csv");
    let xlsx = swv.path().join("monitor.xlsx");
    ok(&tandem(swv.path(), &["swv", "report", "--csv", csv.to_str().unwrap(), "--xlsx", xlsx.to_str().unwrap()]));
    let csv = std::fs::read(csv).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let text = String::from_utf8_lossy(&csv);
    let lines: Vec<&str> = text.lines().collect();
    let period = tandem::domain::export::Period::of(chrono::Local::now().date_naive());
    assert_eq!(lines[0], format!("\u{feff}Monitor {period}"), "the period heads the CSV");
    assert!(lines[1].starts_with("School;Gestart;"), "{text}");
    assert!(lines[2].starts_with(&format!("{school};")), "{text}");
    assert!(lines.contains(&"Escalaties per reden"), "the per-reason table is in the CSV too: {text}");
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));

    // A gemeente set afterwards, for a school trusted before (case and spaces as typed).
    let set = ok(&tandem(swv.path(), &["swv", "gemeente", "--school", "demoschool  de vlinder", "Overbetuwe"]));
    assert!(set.starts_with(&format!("{school} ligt nu in de gemeente Overbetuwe")), "{set}");
    let csv2 = swv.path().join("monitor2.csv");
    ok(&tandem(swv.path(), &["swv", "report", "--csv", csv2.to_str().unwrap()]));
    let text = String::from_utf8_lossy(&std::fs::read(csv2).unwrap()).into_owned();
    assert!(text.contains("\r\nTotaal Overbetuwe;") && text.contains(";Overbetuwe\r\n"), "{text}");

    // The one-page overview for Overbetuwe's IB network, read back as text.
    let pdf = swv.path().join("ib-netwerk.pdf");
    let written =
        ok(&tandem(swv.path(), &["swv", "report", "--gemeente", " overbetuwe", "--pdf", pdf.to_str().unwrap()]));
    assert!(written.contains("Overzicht voor het IB-netwerk geschreven"), "{written}");
    let info = String::from_utf8_lossy(&tool("pdfinfo", &[pdf.to_str().unwrap()], swv.path()).stdout).into_owned();
    assert!(info.lines().any(|l| l.starts_with("Pages:") && l.ends_with(" 1")), "one A4 page: {info}");
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");
    let out = tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"], swv.path());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        &format!("IB-netwerk Overbetuwe: {period}"),
        "Indicatoren per school",
        // A long school name may wrap in its column.
        "Demoschool De",
        "Totaal Overbetuwe",
        "Verloop over 6 halfjaren",
        "Gezamenlijke inzet gestart",
        &period.previous().to_string(),
        "Escalaties naar reden en uitkomst",
        "Wat hielp en wat hinderde de samenwerking",
        "Aantallen van 1 tot 4 staan als <5",
    ] {
        assert!(flat.contains(expected), "{expected:?} in the overview:\n{text}");
    }
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&pdf).unwrap().permissions().mode() & 0o777, 0o600);
    let out = tandem(swv.path(), &["swv", "report", "--gemeente", "Buren", "--pdf", pdf.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("gemeente \"Buren\"") && err.contains("Bekende gemeenten: Overbetuwe."), "{err}");
    let out = tandem(swv.path(), &["swv", "report", "--pdf", pdf.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "--pdf needs --gemeente");

    let out = tandem(swv.path(), &["swv", "gemeente", "--school", "Onbekend", "Buren"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Geen vertrouwd team heet \"Onbekend\""));

    // A sync tool's conflict copy is not imported, and the command says so by its exit code.
    std::fs::copy(&bundle, sync.path().join("tandem-X.sync-conflict-20261123-101010-ABCDEF.bundle")).unwrap();
    let out = tandem(swv.path(), &["swv", "import", sync.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("✗ ") && stdout.contains("conflictkopie"), "{stdout}");
}

#[test]
fn a_foreign_file_is_refused_with_its_name_and_reason() {
    let swv = tempfile::tempdir().unwrap();
    let sync = tempfile::tempdir().unwrap();
    ok(&tandem(swv.path(), &["swv", "init"]));
    std::fs::write(sync.path().join("tandem-XX-000001.bundle"), b"geen bundel").unwrap();
    let out = tandem(swv.path(), &["swv", "import", sync.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("tandem-XX-000001.bundle") && stdout.contains("✗"), "{stdout}");
    let out = tandem(swv.path(), &["swv", "report"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--csv BESTAND"));
}

#[test]
fn the_dashboard_keys_come_from_swv_toml_and_a_wrong_one_is_named() {
    let swv = tempfile::tempdir().unwrap();
    ok(&tandem(swv.path(), &["swv", "init"]));
    let file = swv.path().join("config/swv.toml");
    let mut config = std::fs::read_to_string(&file).unwrap();
    config.push_str("\n[keys]\nquit = [\"nope-key\"]\n");
    std::fs::write(&file, config).unwrap();
    let out = tandem(swv.path(), &["swv"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[keys] in swv.toml") && stderr.contains("nope-key"), "{stderr}");

    // Saving swv.toml (trusting a team) keeps the keys.
    let team = tempfile::tempdir().unwrap();
    ok(&tandem(team.path(), &["demo", "--cases", "3", "--seed", "1"]));
    let pub_file = team.path().join("team.pub");
    std::fs::write(&pub_file, ok(&tandem(team.path(), &["export", "--key"]))).unwrap();
    ok(&tandem(swv.path(), &["swv", "trust", pub_file.to_str().unwrap(), "--name", "OBS Een"]));
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("[keys]") && saved.contains("nope-key"), "{saved}");
}
