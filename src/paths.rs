//! Where tandem keeps its config and data: the OS directories, or one folder given by
//! `--home` / `TANDEM_HOME` (for a USB stick, a second school, tests and benchmarks).

use std::path::{Path, PathBuf};

use directories::ProjectDirs;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    /// The folder given by `--home` / `TANDEM_HOME`, if any (commands tandem suggests
    /// must name it too).
    pub home: Option<PathBuf>,
}

impl Paths {
    /// `home` wins over the OS directories; None when the OS gives no home directory.
    pub fn resolve(home: Option<&Path>) -> Option<Paths> {
        match home {
            Some(home) => Some(Paths::under(home)),
            None => ProjectDirs::from("nl", "tandem", "tandem").map(|dirs| Paths {
                config_dir: dirs.config_dir().to_path_buf(),
                data_dir: dirs.data_local_dir().to_path_buf(),
                home: None,
            }),
        }
    }

    pub fn under(home: &Path) -> Paths {
        Paths { config_dir: home.join("config"), data_dir: home.join("data"), home: Some(home.to_path_buf()) }
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// A region's own routekaart, used instead of the shipped one when present.
    pub fn routekaart_file(&self) -> PathBuf {
        self.config_dir.join("routekaart.toml")
    }

    pub fn store_dir(&self) -> PathBuf {
        self.data_dir.join("store")
    }

    /// Where backups go.
    pub fn backup_dir(&self) -> PathBuf {
        self.data_dir.join("backups")
    }

    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("tandem.log")
    }

    /// The SWV's own store (`tandem swv`), apart from any team's.
    pub fn swv_store_dir(&self) -> PathBuf {
        self.data_dir.join("swv")
    }

    /// The SWV's settings: the import folder and the trusted teams.
    pub fn swv_config_file(&self) -> PathBuf {
        self.config_dir.join("swv.toml")
    }

    /// The SWV's age identity; `age -d -i` decrypts bundles with it.
    pub fn swv_identity_file(&self) -> PathBuf {
        self.config_dir.join("swv-identity.txt")
    }
}

/// A path as typed in a form: `~/` stands for the user's home folder, as in a shell.
pub fn expand_home(typed: &str) -> PathBuf {
    let home = || directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    match typed.strip_prefix("~/").or((typed == "~").then_some("")) {
        Some(rest) => home().map_or_else(|| PathBuf::from(typed), |h| h.join(rest)),
        None => PathBuf::from(typed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tilde_stands_for_the_home_folder_only_at_the_start() {
        let home = directories::BaseDirs::new().unwrap().home_dir().to_path_buf();
        assert_eq!(expand_home("~/OneDrive/tandem"), home.join("OneDrive/tandem"));
        assert_eq!(expand_home("~"), home);
        assert_eq!(expand_home("/mnt/usb/~/x"), PathBuf::from("/mnt/usb/~/x"));
        assert_eq!(expand_home("~anna/x"), PathBuf::from("~anna/x"));
    }
}
