#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    tandem::cli::main()
}
